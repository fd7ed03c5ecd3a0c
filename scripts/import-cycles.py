#!/usr/bin/env python3
"""Module-level import cycles in a Rust crate's src/ (non-test code).

Usage: import-cycles.py [SRC_DIR] [--parent-child] [--edges] [--map=FILE] [--max-circles=N]

A node is one file-module (clinical::inputs, case = case/mod.rs, crate = lib.rs).
Edges come from every `crate::…`, `super::…`, `self::…` path (in `use` trees, brace
groups expanded, and inline paths in code) plus, in mod.rs/lib.rs, paths that start
with a declared child module (`inputs::x`). A path resolves to the deepest existing
module; if the next segment is a name that module re-exports (`pub use m::{Name}`),
the edge follows the re-export to where Name is defined. #[macro_export] macros
(`crate::tr`) resolve to the file that defines them. Comments and #[cfg(test)] items
(bodies up to the closing brace at the same indentation) are ignored; test-only files
(declared `#[cfg(test)] mod x;`) are skipped.

A circle is looked for level by level: inside each folder module P (and the crate root)
the units are P's direct submodules (a sub-folder counts as one unit with all below it),
P's own mod.rs is left out (children using `super::` items is Rust's normal idiom), and
unit A -> unit B when any file in A uses any file in B. Every level must be a DAG.

--parent-child  also list mod.rs <-> own-submodule pairs (never counted as circles).
--edges         print every edge with the symbols behind it.
--map=FILE      check a proposed tree: lines `old::path new::path` rename a module (and all
                under it); `old::module::Item new::module` moves one item;
                `drop new::a new::b [Item..]` drops an edge that leaves with moved code.
--max-circles=N circles listed per group (12).
Exit status 1 when a circle exists (usable as a CI check).
"""
import os, re, sys
from collections import defaultdict

args = [a for a in sys.argv[1:] if not a.startswith("--")]
flags = [a for a in sys.argv[1:] if a.startswith("--")]
SRC = args[0] if args else "src"
LEVEL = "file"
SHOW_EDGES = "--edges" in flags
PC = "--parent-child" in flags

def modpath(rel):
    p = rel[:-3].split(os.sep)
    if p[-1] in ("mod", "lib", "main"):
        p = p[:-1]
    return "::".join(p) if p else "crate"

files = {}
for root, _, names in os.walk(SRC):
    for n in names:
        if n.endswith(".rs"):
            rel = os.path.relpath(os.path.join(root, n), SRC)
            if rel == "main.rs":
                continue
            files[modpath(rel)] = os.path.join(root, n)

def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out = []
    for line in text.split("\n"):
        s = line.lstrip()
        if s.startswith("//"):
            out.append("")
            continue
        # drop string literals (good enough: no raw strings with quotes in imports)
        line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
        i = line.find("//")
        out.append(line[:i] if i >= 0 else line)
    return out

def strip_tests(lines, mod):
    """Remove #[cfg(test)] items; record test-only child files."""
    out, i, test_children = [], 0, set()
    while i < len(lines):
        l = lines[i]
        if re.fullmatch(r"#\[cfg\((?:test|(?:all|any)\(.*\btest\b.*\))\)\]", l.strip()) and i + 1 < len(lines):
            nxt = lines[i + 1]
            m = re.match(r"\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", nxt)
            if m:
                test_children.add(m.group(1))
                i += 2
                continue
            indent = len(nxt) - len(nxt.lstrip())
            if nxt.rstrip().endswith("{"):
                j = i + 2
                while j < len(lines) and not (lines[j].startswith(" " * indent + "}") and
                                              len(lines[j]) - len(lines[j].lstrip()) == indent):
                    j += 1
                i = j + 1
                continue
            i += 1  # attribute on a one-line item: skip just the item line
            i += 1
            continue
        out.append(l)
        i += 1
    return out, test_children

code, children, test_only = {}, defaultdict(set), set()
for mod, path in files.items():
    lines = strip_comments(open(path, encoding="utf-8").read())
    lines, tc = strip_tests(lines, mod)
    for c in tc:
        test_only.add(c if mod == "crate" else f"{mod}::{c}")
    code[mod] = "\n".join(lines)
for t in test_only:
    files.pop(t, None); code.pop(t, None)
for mod in files:
    if mod != "crate":
        parent = mod.rsplit("::", 1)[0] if "::" in mod else "crate"
        children[parent].add(mod.rsplit("::", 1)[-1])

# macros exported at the crate root
macros = {}
for mod, c in code.items():
    for m in re.finditer(r"#\[macro_export\]\s*macro_rules!\s*(\w+)", c):
        macros[m.group(1)] = mod

# re-exports: module -> name -> absolute path segments
def absolute(mod, segs):
    """Turn a path (list of segments) used in `mod` into absolute crate segments."""
    base = [] if mod == "crate" else mod.split("::")
    if segs[0] == "crate":
        return segs[1:]
    out = list(base)
    while segs and segs[0] in ("super", "self"):
        if segs[0] == "super":
            out = out[:-1]
        segs = segs[1:]
    return out + segs

def expand_use(tree):
    """'crate::{a, b::{c, d as e}}' -> [['crate','a'], ['crate','b','c'], ['crate','b','d']]"""
    tree = re.sub(r"\s+as\s+", "@", tree)
    tree = re.sub(r"\s+", "", tree)
    def parse(s):
        res, depth, cur = [], 0, ""
        for ch in s:
            if ch == "," and depth == 0:
                res.append(cur); cur = ""; continue
            if ch == "{": depth += 1
            if ch == "}": depth -= 1
            cur += ch
        if cur: res.append(cur)
        paths = []
        for item in res:
            m = re.match(r"^(.*?)::\{(.*)\}$", item)
            if m:
                prefix = m.group(1).split("::")
                for sub in parse(m.group(2)):
                    paths.append(prefix + sub)
            elif item.startswith("{") and item.endswith("}"):
                paths.extend(parse(item[1:-1]))
            else:
                item = item.split("@")[0]  # `x as y` -> x
                paths.append(item.split("::"))
        return paths
    return parse(tree)

USE_RE = re.compile(r"\b(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);")
reexports = defaultdict(dict)
for mod, c in code.items():
    for m in USE_RE.finditer(c):
        if not m.group(1):
            continue
        for segs in expand_use(m.group(2)):
            segs = [s for s in segs if s]
            if not segs:
                continue
            if segs[0] in children[mod]:
                segs = ["self"] + segs
            if segs[0] not in ("crate", "super", "self"):
                continue
            ab = absolute(mod, segs)
            if ab and ab[-1] == "*":
                reexports[mod].setdefault("*", []).append(ab[:-1])
            elif ab:
                if ab[-1] == "self":
                    ab = ab[:-1]
                reexports[mod][ab[-1]] = ab

def resolve(ab, depth=0):
    """Absolute segments -> (module, symbol)."""
    mod, i = "crate", 0
    while i < len(ab):
        cand = ab[i] if mod == "crate" else f"{mod}::{ab[i]}"
        if cand in files:
            mod, i = cand, i + 1
        else:
            break
    sym = ab[i] if i < len(ab) else ""
    if mod == "crate" and sym in macros:
        return macros[sym], sym
    if sym and depth < 8:
        tgt = reexports.get(mod, {}).get(sym)
        if tgt and tgt != ab:
            return resolve(tgt, depth + 1)
        for glob in reexports.get(mod, {}).get("*", []):
            if glob + [sym] != ab and glob and ".".join(glob) != mod.replace("::", "."):
                gm, _ = resolve(glob + [sym], depth + 1)
                if gm != mod and gm == "::".join(glob):
                    return gm, sym  # first glob that is a module (cfg'd alternatives: the first)
    return mod, sym or ab[-1] if ab else ""

edges = defaultdict(lambda: defaultdict(set))  # a -> b -> symbols
def add(mod, segs):
    segs = [s for s in segs if s and s != "*"]
    if not segs:
        return
    ab = absolute(mod, segs)
    tgt, sym = resolve(ab)
    if LEVEL == "top":
        a, b = mod.split("::")[0], tgt.split("::")[0]
    else:
        a, b = mod, tgt
    if a != b and b in files or (LEVEL == "top" and a != b and b in {f.split('::')[0] for f in files}):
        edges[a][b].add(sym or tgt.split("::")[-1])

PATH_RE = re.compile(r"(?<![\w:])((?:crate|super|self)(?:::(?:\w+|\{[^;]*?\}))+)")
for mod, c in code.items():
    uses_span = []
    for m in USE_RE.finditer(c):
        uses_span.append(m.span())
        for segs in expand_use(m.group(2)):
            segs = [s for s in segs if s]
            if segs and segs[0] in children[mod]:
                segs = ["self"] + segs
            if segs and segs[0] in ("crate", "super", "self"):
                add(mod, segs)
    rest = c
    for s, e in reversed(uses_span):
        rest = rest[:s] + " " * (e - s) + rest[e:]
    for m in PATH_RE.finditer(rest):
        p = m.group(1)
        if "{" in p:
            continue
        add(mod, p.split("::"))
    kids = children[mod]
    if kids:
        for m in re.finditer(r"(?<![\w:])(\w+)((?:::\w+)+)", rest):
            if m.group(1) in kids:
                add(mod, ["self", m.group(1)] + m.group(2).split("::")[1:])

def is_parent_child(a, b):
    return b.startswith(a + "::") or a.startswith(b + "::")

# Tarjan SCC
def sccs(nodes, adj):
    index, low, on, stack, out, n = {}, {}, set(), [], [], [0]
    sys.setrecursionlimit(10000)
    def strong(v):
        index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
        for w in adj.get(v, ()):
            if w not in index:
                strong(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(nodes):
        if v not in index:
            strong(v)
    return out

def shortest_cycle(comp, adj):
    best = None
    cs = set(comp)
    for s in comp:
        prev, q, seen = {}, [s], {s}
        found = None
        while q and not found:
            nq = []
            for v in q:
                for w in sorted(adj.get(v, ())):
                    if w not in cs: continue
                    if w == s: found = v; break
                    if w not in seen:
                        seen.add(w); prev[w] = v; nq.append(w)
                if found: break
            q = nq
        if found is not None:
            path = [found]
            while path[-1] != s:
                path.append(prev[path[-1]])
            path = list(reversed(path))
            if best is None or len(path) < len(best):
                best = path
    return best

nodes = set(files) if LEVEL == "file" else {f.split("::")[0] for f in files}
full = {a: set(bs) for a, bs in edges.items()}

def path_between(src, dst, adj, allowed):
    """Shortest path src -> dst inside `allowed` (BFS), as a list of nodes."""
    prev, q, seen = {}, [src], {src}
    while q:
        nq = []
        for v in q:
            for w in sorted(adj.get(v, ())):
                if w not in allowed or w in seen:
                    continue
                prev[w] = v
                if w == dst:
                    out = [w]
                    while out[-1] != src:
                        out.append(prev[out[-1]])
                    return list(reversed(out))
                seen.add(w); nq.append(w)
        q = nq
    return None

if SHOW_EDGES:
    for a in sorted(edges):
        for b in sorted(edges[a]):
            print(f"{a} -> {b}: {', '.join(sorted(edges[a][b]))}")

# Circles are looked for level by level: inside each folder module P (and the crate root),
# P's direct submodules are the units (a sub-folder counts as one unit with everything in it),
# P's own mod.rs is left out (a submodule using `super::` items is Rust's normal idiom), and
# an edge between two units is any file-level edge between their files. The flow is clean when
# the units of every level form a DAG: "imports only run down the flow" at every level.
def unit_under(parent, mod):
    pre = "" if parent == "crate" else parent + "::"
    if mod == parent or not mod.startswith(pre) or mod == "crate":
        return None
    return pre + mod[len(pre):].split("::")[0]

def check(edges, nodes):
    parents = {"crate"} | {n.rsplit("::", 1)[0] for n in nodes if "::" in n}
    total = 0
    print("== import circles (units = the direct submodules of each folder; its mod.rs left out)")
    for parent in sorted(parents):
        uadj, why = defaultdict(set), defaultdict(lambda: defaultdict(set))
        for a, bs in edges.items():
            ua = unit_under(parent, a)
            if not ua:
                continue
            for b in bs:
                ub = unit_under(parent, b)
                if ub and ub != ua:
                    uadj[ua].add(ub)
                    why[(ua, ub)][(a, b)] |= edges[a][b]
        units = set(uadj) | {b for bs in uadj.values() for b in bs}
        for comp in sccs(units, uadj):
            total += 1
            cs = set(comp)
            print(f"-- in {parent}: {len(comp)} units: {', '.join(comp)}")
            shown = set()
            for a in comp:
                for b in sorted(uadj[a]):
                    if b not in cs:
                        continue
                    back = path_between(b, a, uadj, cs)
                    cyc = tuple([a] + back[:-1])
                    k = min(cyc[i:] + cyc[:i] for i in range(len(cyc)))
                    if k in shown:
                        continue
                    shown.add(k)
                    if len(shown) <= MAX_CIRCLES:
                        print("   circle: " + " -> ".join(list(k) + [k[0]]))
            if len(shown) > MAX_CIRCLES:
                print(f"   (+{len(shown) - MAX_CIRCLES} more circles)")
            print("   edges inside the group (file level, with the symbols used):")
            for a in comp:
                for b in sorted(uadj[a]):
                    if b in cs:
                        for (fa, fb), syms in sorted(why[(a, b)].items()):
                            print(f"      {fa} -> {fb}: {', '.join(sorted(syms))}")
    print(f"== {total} circle group(s)")
    return total

MAX_CIRCLES = 12
for f in flags:
    if f.startswith("--max-circles="):
        MAX_CIRCLES = int(f.split("=", 1)[1])

# --map=FILE: judge a proposed tree before moving anything. Lines `old new` rename a module
# and everything under it (longest prefix wins); lines `old::Item new` move one item (an edge
# that uses Item then points at `new`). What a moved item itself uses is not re-attributed.
mapfile = next((f.split("=", 1)[1] for f in flags if f.startswith("--map=")), None)
if mapfile:
    renames, moves, drops = {}, {}, []
    for line in open(mapfile, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("drop "):
            parts = line.split()[1:]
            drops.append((parts[0], parts[1], set(parts[2:])))
            continue
        old, new = line.split()
        if old in files or old == "crate":
            renames[old] = new
        else:
            mod, item = old.rsplit("::", 1)
            moves[(mod, item)] = new
    def rename(m):
        best = max((o for o in renames if m == o or m.startswith(o + "::")), key=len, default=None)
        return m if best is None else renames[best] + m[len(best):]
    new_edges = defaultdict(lambda: defaultdict(set))
    for a, bs in edges.items():
        for b, syms in bs.items():
            for sym in syms:
                tgt = moves.get((b, sym), rename(b))
                na = rename(a)
                if na != tgt and not any(na == da and tgt == db and (not ds or sym in ds)
                                         for da, db, ds in drops):
                    new_edges[na][tgt].add(sym)
    nodes = {rename(m) for m in files} | set(moves.values())
    total = check(new_edges, nodes)
else:
    total = check(edges, set(files))
if LEVEL == "file" and PC:
    pairs = sorted({(a, b) for a in full for b in full[a]
                    if is_parent_child(a, b) and a in full.get(b, ()) and a < b})
    print(f"== mod.rs <-> own submodule pairs (super:: idiom, not counted): {len(pairs)}")
    for a, b in pairs:
        print(f"   {a} <-> {b}: {', '.join(sorted(edges[a][b]))} | {', '.join(sorted(edges[b][a]))}")
sys.exit(1 if total else 0)
