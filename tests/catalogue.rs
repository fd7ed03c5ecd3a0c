//! The interface's Chinese catalogue is complete and current: every `tr!` template in the source
//! and every `--help` text has a Chinese entry with the same placeholders, every `tr!` names the
//! arguments its template uses, and no entry is left that nothing uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use consultpack::i18n::{self, CATALOGUE_FILES, Catalogue};
use proc_macro2::{TokenStream, TokenTree};

/// One `tr!`/`tr_in!` call: where it is, its template and the names of its arguments.
struct Call {
    at: String,
    template: String,
    args: BTreeSet<String>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn calls_in(tokens: TokenStream, file: &str, out: &mut Vec<Call>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        let TokenTree::Group(group) = tree else {
            continue;
        };
        let is_call = i >= 2
            && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '!')
            && matches!(&trees[i - 2], TokenTree::Ident(id) if id == "tr" || id == "tr_in");
        if is_call && let Some(call) = call(group.stream(), &trees[i - 2], file) {
            out.push(call);
        }
        // `Error::io("read", path)`: the action is translated where the error is shown.
        let is_io = i >= 1 && matches!(&trees[i - 1], TokenTree::Ident(id) if id == "io");
        if is_io
            && let Some(TokenTree::Literal(literal)) = group.stream().into_iter().next()
            && let syn::Lit::Str(action) = syn::Lit::new(literal.clone())
        {
            out.push(Call {
                at: format!("{file}:{}", literal.span().start().line),
                template: action.value(),
                args: BTreeSet::new(),
            });
        }
        calls_in(group.stream(), file, out);
    }
}

/// Reads `"template", name, other = value` (`tr_in!` has the language first).
fn call(stream: TokenStream, name: &TokenTree, file: &str) -> Option<Call> {
    let mut parts: Vec<Vec<TokenTree>> = vec![Vec::new()];
    for tree in stream {
        match &tree {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(Vec::new()),
            _ => parts.last_mut().unwrap().push(tree),
        }
    }
    if matches!(name, TokenTree::Ident(id) if id == "tr_in") {
        parts.remove(0);
    }
    let mut parts = parts.into_iter().filter(|p| !p.is_empty());
    let first = parts.next()?;
    let TokenTree::Literal(literal) = first.first()? else {
        return None; // the macro's own definition: `$template:literal`
    };
    let syn::Lit::Str(template) = syn::Lit::new(literal.clone()) else {
        panic!("{file}: {name}! needs a string literal, found {literal}");
    };
    let span = literal.span().start();
    let args = parts
        .map(|part| match part.first() {
            Some(TokenTree::Ident(id)) => id.to_string(),
            other => panic!(
                "{file}:{}: an argument of {name}! is not `name` or `name = value`: {other:?}",
                span.line
            ),
        })
        .collect();
    Some(Call {
        at: format!("{file}:{}", span.line),
        template: template.value(),
        args,
    })
}

fn source_calls() -> Vec<Call> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut calls = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        let tokens = TokenStream::from_str(&text).unwrap_or_else(|e| panic!("{shown}: {e:?}"));
        calls_in(tokens, &shown, &mut calls);
    }
    calls
}

/// Every catalogue entry, failing on a file that does not parse or a key given twice.
fn catalogue() -> BTreeMap<String, (String, &'static str)> {
    let mut entries = BTreeMap::new();
    for (file, text) in CATALOGUE_FILES {
        let parsed = Catalogue::parse(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        for (english, chinese) in parsed {
            if let Some((_, other)) = entries.insert(english.clone(), (chinese, *file)) {
                panic!("{english:?} is in both {other} and {file}");
            }
        }
    }
    entries
}

/// `"english" = ""`, one line whatever the text holds (a key cannot span lines).
fn toml_line(english: &str) -> String {
    let key = serde_json::to_string(english).unwrap();
    format!("{key} = \"\"")
}

fn placeholder_set(text: &str) -> BTreeSet<&str> {
    i18n::placeholders(text).into_iter().collect()
}

#[test]
fn every_message_and_help_text_has_chinese_with_the_same_placeholders() {
    let catalogue = catalogue();
    let calls = source_calls();
    assert!(
        calls.len() > 20,
        "the source scan found only {} tr! calls",
        calls.len()
    );
    assert!(
        calls.iter().any(|c| c.template == "error: "),
        "the scan missed diagnostic.rs"
    );
    let mut problems = Vec::new();
    let mut missing = BTreeSet::new();
    for call in &calls {
        let wanted = placeholder_set(&call.template);
        let given: BTreeSet<&str> = call.args.iter().map(String::as_str).collect();
        if wanted != given {
            problems.push(format!(
                "{}: the template uses {wanted:?} but the call gives {given:?}",
                call.at
            ));
        }
        match catalogue.get(&call.template) {
            None => {
                missing.insert(call.template.clone());
            }
            Some((chinese, file)) if placeholder_set(chinese) != wanted => problems.push(format!(
                "{file}: {:?} has placeholders {:?}, the English {wanted:?}",
                call.template,
                placeholder_set(chinese)
            )),
            Some(_) => {}
        }
    }
    let help = i18n::help::english_texts();
    for text in &help {
        match catalogue.get(text) {
            None => {
                missing.insert(text.clone());
            }
            Some((chinese, file)) if placeholder_set(chinese) != placeholder_set(text) => {
                problems.push(format!(
                    "{file}: {text:?} and its Chinese differ in placeholders"
                ));
            }
            Some(_) => {}
        }
    }
    let used: BTreeSet<&str> = calls
        .iter()
        .map(|c| c.template.as_str())
        .chain(help.iter().map(String::as_str))
        .collect();
    for (english, (_, file)) in &catalogue {
        if !used.contains(english.as_str()) {
            problems.push(format!("{file}: {english:?} is used nowhere (remove it, or update it to the text it translated)"));
        }
    }
    if !missing.is_empty() {
        let lines: Vec<String> = missing.iter().map(|m| toml_line(m)).collect();
        problems.push(format!(
            "{} text(s) have no Chinese; add them to a file in i18n/zh/:\n{}",
            missing.len(),
            lines.join("\n")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn chinese_entries_are_chinese() {
    for (english, (chinese, file)) in catalogue() {
        assert!(
            !chinese.trim().is_empty(),
            "{file}: {english:?} has an empty translation"
        );
        let has_han = chinese.chars().any(|c| {
            matches!(c, '\u{3000}'..='\u{303f}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
        });
        assert!(
            has_han || chinese == english,
            "{file}: {english:?} → {chinese:?} holds no Chinese"
        );
    }
}
