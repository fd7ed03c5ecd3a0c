//! The computed criteria in two layers, as a doctor checks them: a one-page key table (each
//! criterion in one row, its result on the whole-lesion and the viable diameter side by side,
//! the inputs that decide it and its flags), and the full sheet for the appendix (every input
//! with its date, how it was derived, every flag and source). Inputs several results share
//! (a lab set, a study's lesion list) are printed once per date, under a letter, and the
//! results refer to the letter instead of repeating them. Wording is within / outside /
//! indeterminate.

use crate::clinical::tumour::Basis;
use crate::clinical::{Criterion, Input, Kind, Outcome, join};
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::document::{Block, Inline, Span, Table};
use crate::lab::UnitSystem;
use crate::text::{Lang, Text};

/// A flag on this many criteria or more (the age of the labs, say) is printed once, below the
/// table, instead of on every row.
const SHARED_FLAG_MIN: usize = 3;

/// Values of a row the key table shows before it refers to the appendix for the rest.
const KEY_INPUTS_MAX: usize = 5;
/// Flags of a row the key table shows (each cut short), before a count of the rest.
const KEY_FLAGS_MAX: usize = 1;
/// How long (in Latin characters) a flag may be in the key table, and below it.
const KEY_FLAG_ROOM: usize = 40;
const SHARED_FLAG_ROOM: usize = 100;

/// Criteria shown in one row of the key table, each with the short name it has there (none:
/// each result is named by its basis, the follow-up study or the TACE); a kind not listed has
/// a row of its own under its full name.
const FAMILIES: &[(Family, &[(Kind, &str)])] = &[
    (Family::Mrecist, &[(Kind::Mrecist, "")]),
    (Family::Art, &[(Kind::Art, "")]),
    (
        Family::Meld,
        &[
            (Kind::Meld, "MELD"),
            (Kind::MeldNa, "MELD-Na"),
            (Kind::Meld3, "MELD 3.0"),
        ],
    ),
    (
        Family::Albi,
        &[(Kind::Albi, "ALBI"), (Kind::Malbi, "mALBI")],
    ),
    (
        Family::Jsh,
        &[
            (Kind::JshInsufficientResponse, "1"),
            (Kind::JshIntrahepaticProgression, "2"),
            (Kind::JshTumourMarkers, "3"),
            (Kind::JshVascularInvasion, "4"),
            (Kind::JshExtrahepaticSpread, "5"),
        ],
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Mrecist,
    Art,
    Meld,
    Albi,
    Jsh,
}

impl Family {
    fn of(kind: Kind) -> Option<(Family, &'static str)> {
        // NOTE: an empty short name means the member is named by its basis (`Row::results`).
        FAMILIES.iter().find_map(|(family, members)| {
            members
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, short)| (*family, *short))
        })
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            Family::Mrecist => Kind::Mrecist.label(lang),
            Family::Art => Kind::Art.label(lang),
            Family::Meld => lang.pick("MELD、MELD-Na、MELD 3.0 评分", "MELD, MELD-Na, MELD 3.0"),
            Family::Albi => lang.pick("ALBI 与 mALBI 分级", "ALBI and mALBI"),
            Family::Jsh => lang.pick("JSH TACE 抵抗条目 1–5", "JSH TACE refractoriness items 1–5"),
        }
    }
}

/// The criteria with their lab inputs as a reader of `system` reads them: a value used as the
/// sheet printed it is shown in the reader's unit, with the printed value in brackets where it
/// was converted ("总胆红素 22.2 µmol/L（1.3 mg/dL）"); a value the formula changed (raised to a
/// floor, capped, converted by an assay's factor) stays in the formula's unit, and its note
/// gives the measured value in the reader's unit. Results are not recomputed.
pub fn in_reader_units(criteria: &[Criterion], system: UnitSystem) -> Vec<Criterion> {
    let mut criteria = criteria.to_vec();
    for input in criteria.iter_mut().flat_map(|c| c.inputs.iter_mut()) {
        let Some(printed) = &input.printed else {
            continue;
        };
        let analyte = printed.analyte;
        let shown = crate::units::in_unit(analyte, &printed.measured, analyte.display_unit(system));
        let in_lang = |lang| shown.with_unit(lang);
        let unchanged = !shown.converted() && input.unit == Some(shown.unit.symbol());
        if printed.used_as_printed && unchanged {
            // Already the reader's: as it is (INR keeps its "ratio" where English prints it).
            continue;
        }
        if printed.used_as_printed {
            input.value = Text::both(in_lang(Lang::Zh), in_lang(Lang::En));
            input.unit = None;
            input.note.clone_from(&printed.derivation);
        } else if let Some(as_printed) = &shown.printed {
            let measured = Text::both(
                format!(
                    "实测值 {} {}（报告原值 {as_printed}）",
                    shown.number,
                    shown.unit.symbol()
                ),
                format!(
                    "measured {} {} (as printed: {as_printed})",
                    shown.number,
                    shown.unit.symbol()
                ),
            );
            input.note = join([measured].into_iter().chain(printed.derivation.clone()));
        }
    }
    criteria
}

/// The key table: every criterion in one row, for the page after the summary.
pub fn key_table(criteria: &[Criterion], lang: Lang) -> Vec<Block> {
    if criteria.is_empty() {
        return vec![disclaimer(lang), nothing_computed(lang)];
    }
    let mut blocks = Vec::new();
    let shared = Shared::of(criteria, lang);
    let rows = rows(criteria, true);
    // A pinned flag stays beside its results, however many share it.
    let flags_elsewhere: Vec<&str> = shared_flags(&rows, lang)
        .into_iter()
        .filter(|f| {
            !criteria
                .iter()
                .flat_map(|c| &c.pinned)
                .any(|p| p.best(lang) == *f)
        })
        .collect();
    let separator = lang.pick("；", "; ");
    // What results hang on, said in full under the table: questions for the doctor, and
    // flags the results hang on outright.
    let mut below: Vec<(String, String)> = Vec::new();
    let rows = rows
        .into_iter()
        .map(|row| {
            // Results named by their basis in one row (mRECIST, ART): a value worked out for
            // one of them, undated, could be read as the other's; it stays in the appendix.
            let several = row.members.len() > 1 && row.members.iter().all(|(s, _)| *s == Some(""));
            // What a result was worked out from (points, limits: undated) first, then the
            // values, as many as a row can hold.
            let own = row.items(lang, |c| {
                let mut own: Vec<&Input> = shared
                    .own(c)
                    .filter(|input| !several || input.date.is_some())
                    .collect();
                own.sort_by_key(|input| input.date.is_some());
                // A date several inputs in a row share: said once, before the first.
                let date_of = |i: usize| own.get(i).and_then(|input| input.date);
                own.iter()
                    .enumerate()
                    .map(|(i, input)| {
                        let after_same = i > 0 && date_of(i - 1) == input.date;
                        match input.date {
                            Some(_) if after_same => on_key_page(input, lang, false),
                            Some(date) if date_of(i + 1) == Some(date) => format!(
                                "{}{}{}",
                                date.for_reader(lang),
                                lang.pick("：", ": "),
                                on_key_page(input, lang, false)
                            ),
                            _ => on_key_page(input, lang, true),
                        }
                    })
                    .collect()
            });
            let mut inputs = row.references(&shared);
            inputs.extend(own.iter().take(KEY_INPUTS_MAX).cloned());
            let mut inputs = inputs.join(separator);
            if own.len() > KEY_INPUTS_MAX {
                inputs.push_str(&format!(" (+{})", own.len() - KEY_INPUTS_MAX));
            }
            // A question for the doctor is what a result hangs on: never behind "(+n)".
            let questions = row.items(lang, |c| {
                c.flags
                    .iter()
                    .filter(|f| is_question(f))
                    .map(|f| f.best(lang).to_string())
                    .collect()
            });
            // Pinned flags first: whole when they fit, else by their headword ("rising AFP"),
            // said in full under the table.
            let pinned = row.items(lang, |c| {
                c.pinned.iter().map(|f| f.best(lang).to_string()).collect()
            });
            let flags = row.items(lang, |c| {
                c.flags
                    .iter()
                    .filter(|f| !is_question(f) && !c.pinned.contains(f))
                    .map(|f| f.best(lang))
                    .filter(|f| !flags_elsewhere.contains(f))
                    .map(|f| brief(f, lang, KEY_FLAG_ROOM))
                    .collect()
            });
            let mut shown = Vec::new();
            if !questions.is_empty() {
                shown.push(
                    lang.pick("请医生判断（见表下）", "question for the doctor (below)")
                        .to_string(),
                );
                below.extend(questions.into_iter().map(|q| (row.name(lang), q)));
            }
            for flag in &pinned {
                if brief(flag, lang, KEY_FLAG_ROOM) == *flag {
                    shown.push(flag.clone());
                } else {
                    shown.push(format!(
                        "{}{}",
                        headword(flag, lang),
                        lang.pick("（见表下）", " (below)")
                    ));
                    below.push((row.name(lang), flag.clone()));
                }
            }
            // What must be seen takes the room first.
            let room = KEY_FLAGS_MAX.saturating_sub(shown.len());
            shown.extend(flags.iter().take(room).cloned());
            let mut flag_cell = shown.join(separator);
            if flags.len() > room {
                flag_cell.push_str(&format!(" (+{})", flags.len() - room));
            }
            vec![
                vec![Span::plain(row.name(lang))],
                row.results(lang),
                vec![Span::plain(inputs)],
                vec![Span::plain(flag_cell)],
            ]
        })
        .collect();
    let header = header(&[
        lang.pick("标准/评分", "Criterion"),
        lang.pick(
            "结果（病灶整体直径 / 活性部分直径）",
            "Result (whole lesion / viable part)",
        ),
        lang.pick("判定依据", "Decisive inputs"),
        lang.pick("提示", "Flags"),
    ]);
    blocks.push(Block::Table(Table {
        header,
        rows,
        widths: Some(vec![2.2, 3.4, 3.8, 2.4]),
        compact: true,
    }));
    if !shared.groups.is_empty() {
        blocks.push(shared.table(lang));
    }
    // Each said once, in the table's type, beside what it is for: the row's name, or the
    // headword several rows point to it by ("rising AFP (below)").
    let mut said: Vec<(Vec<String>, String)> = Vec::new();
    for (name, text) in below {
        match said.iter_mut().find(|(_, t)| *t == text) {
            Some((names, _)) if !names.contains(&name) => names.push(name),
            Some(_) => {}
            None => said.push((vec![name], text)),
        }
    }
    let mut notes: Vec<(String, String)> = said
        .into_iter()
        .map(|(mut names, text)| {
            let head = headword(&text, lang);
            let rest = text
                .strip_prefix(&head)
                .and_then(|rest| rest.strip_prefix(lang.pick("：", ": ")));
            match rest {
                Some(rest) if names.len() > 1 => (head, rest.to_string()),
                _ => (names.swap_remove(0), text),
            }
        })
        .collect();
    if !flags_elsewhere.is_empty() {
        let briefly: Vec<String> = flags_elsewhere
            .iter()
            .map(|f| brief(f, lang, SHARED_FLAG_ROOM))
            .collect();
        notes.push((
            lang.pick("适用于多项结果的提示", "Applies to several results")
                .to_string(),
            briefly.join(lang.pick("；", "; ")),
        ));
    }
    if !notes.is_empty() {
        blocks.push(Block::Table(Table {
            header: Vec::new(),
            rows: notes
                .into_iter()
                .map(|(label, text)| vec![vec![Span::plain(label)], vec![Span::plain(text)]])
                .collect(),
            widths: Some(vec![2.2, 9.6]),
            compact: true,
        }));
    }
    blocks.push(Block::Note(vec![Span::plain(lang.pick(
        "根据所提供的资料计算，仅供参考，分期与治疗由医生决定。(+n)：另有 n 项，见附录（全部数据及其日期、出处，提示全文）。",
        "Computed from the records supplied; staging and treatment are the physician's decisions. (+n): n more, in the appendix with every input, date, source and flag in full.",
    ))]));
    blocks
}

/// The full sheet: every result with all its inputs and flags, the shared inputs once; the
/// two size bases of a criterion in one row.
pub fn sheet(criteria: &[Criterion], lang: Lang) -> Vec<Block> {
    let mut blocks = vec![disclaimer(lang)];
    if criteria.is_empty() {
        blocks.push(nothing_computed(lang));
        return blocks;
    }
    let shared = Shared::of(criteria, lang);
    let rows = rows(criteria, false);
    let flags_elsewhere = shared_flags(&rows, lang);
    if !shared.groups.is_empty() {
        blocks.push(shared.table(lang));
    }
    let separator = lang.pick("；", "; ");
    let rows = rows
        .into_iter()
        .map(|row| {
            let mut inputs = row.references(&shared);
            inputs.extend(row.items(lang, |c| {
                shared.own(c).map(|input| input.describe(lang)).collect()
            }));
            let mut flags = row.items(lang, |c| {
                c.flags
                    .iter()
                    .map(|f| f.best(lang))
                    .filter(|f| !flags_elsewhere.contains(f))
                    .map(str::to_string)
                    .collect()
            });
            flags.push(row.members[0].1.source().to_string());
            // The result after the name, in one column, to leave room for the inputs.
            let mut named = vec![Span::plain(format!(
                "{}{}",
                row.name(lang),
                lang.pick("：", ": ")
            ))];
            named.extend(row.results(lang));
            vec![
                named,
                vec![Span::plain(inputs.join(separator))],
                vec![Span::plain(flags.join(separator))],
            ]
        })
        .collect();
    let header = header(&[
        lang.pick(
            "标准/评分：结果（病灶整体直径 / 活性部分直径）",
            "Criterion: result (whole lesion / viable part)",
        ),
        lang.pick("所用数据（日期）", "Inputs used (dates)"),
        lang.pick("提示与出处", "Flags and source"),
    ]);
    blocks.push(Block::Table(Table {
        header,
        rows,
        widths: Some(vec![2.9, 4.1, 5.0]),
        compact: true,
    }));
    blocks.extend(shared_flags_note(&flags_elsewhere, lang));
    blocks
}

fn disclaimer(lang: Lang) -> Block {
    Block::Note(vec![Span::plain(lang.pick(
        "以下结果根据所提供的资料计算，仅供审阅医生参考；分期与治疗决定由医生作出。",
        "Computed from the records supplied, for the reviewing physician. Staging and treatment decisions are the physician's.",
    ))])
}

fn nothing_computed(lang: Lang) -> Block {
    Block::Paragraph(vec![Span::plain(lang.pick(
        "资料不足，无法计算。",
        "Nothing could be computed from the records.",
    ))])
}

fn header(cells: &[&str]) -> Vec<Inline> {
    cells.iter().map(|h| vec![Span::plain(*h)]).collect()
}

/// An outcome with its value where the value adds something: "high risk (> 2) · 3".
fn shown(outcome: &Outcome, value: Option<rust_decimal::Decimal>, lang: Lang) -> String {
    let label = outcome.label(lang);
    match value.filter(|v| v.to_string() != label) {
        Some(value) => format!("{label} · {value}"),
        None => label.to_string(),
    }
}

/// The result cell: the outcome in bold, what decided it, the value, what is missing.
fn result(c: &Criterion, lang: Lang) -> Inline {
    let mut result: Inline = vec![Span::plain(c.outcome.label(lang).to_string())];
    if let Some(why) = &c.decided_by {
        result.push(Span::plain(format!(" — {}", why.best(lang))));
    }
    if let Some(value) = c.value.filter(|v| v.to_string() != c.outcome.label(lang)) {
        result.push(Span::plain(format!(" · {value}")));
    }
    if matches!(c.outcome, Outcome::Indeterminate { .. }) {
        result.push(Span::plain(format!(
            " — {}{}",
            lang.pick("缺少：", "missing: "),
            c.outcome.missing_items(lang).join(lang.pick("；", "; "))
        )));
    }
    result
}

/// Whether a criterion's basis is a size basis (a column of the key table) rather than a
/// follow-up study (a row of its own).
fn is_size_basis(basis: &Text) -> bool {
    [Basis::WholeLesion, Basis::Viable]
        .iter()
        .any(|b| b.label() == *basis)
}

fn is_viable(c: &Criterion) -> bool {
    c.basis.as_ref() == Some(&Basis::Viable.label())
}

/// One row of a table: its family (if several kinds share it) and its criteria, each with
/// its short name within the family (empty: named by its follow-up study).
struct Row<'a> {
    family: Option<Family>,
    members: Vec<(Option<&'static str>, &'a Criterion)>,
}

impl Row<'_> {
    fn name(&self, lang: Lang) -> String {
        if let Some(family) = self.family {
            return family.label(lang).to_string();
        }
        let first = self.members[0].1;
        let mut name = first.kind.label(lang).to_string();
        // A follow-up study (mRECIST) names the row; a size basis is a column.
        if let Some(basis) = first.basis.as_ref().filter(|b| !is_size_basis(b)) {
            name.push_str(&format!(" ({})", basis.best(lang)));
        }
        name
    }

    /// Whole-lesion and viable results side by side ("within / within"); a family's results
    /// one after another, each under its short name.
    fn results(&self, lang: Lang) -> Inline {
        let mut results: Inline = Vec::new();
        for (short, c) in &self.members {
            if !results.is_empty() {
                results.push(Span::plain(if is_viable(c) {
                    " / "
                } else {
                    lang.pick("；", "; ")
                }));
            }
            match (short, &c.basis) {
                (Some(""), Some(basis)) => results.push(Span::plain(format!(
                    "{}{}",
                    basis.best(lang),
                    lang.pick("：", ": ")
                ))),
                (Some(short), _) => results.push(Span::plain(format!("{short} "))),
                (None, _) => {}
            }
            results.extend(result(c, lang));
        }
        // The result another defensible input gives, for every size basis at once (§6.4);
        // once when it is the same on every basis.
        if let Some(because) = self
            .members
            .iter()
            .find_map(|(_, c)| c.alternative.as_ref())
        {
            let others: Vec<String> = self
                .members
                .iter()
                .map(|(_, c)| match &c.alternative {
                    Some(other) => shown(&other.outcome, other.value, lang),
                    // The same category (its value may differ, so none is shown).
                    None => c.outcome.label(lang).to_string(),
                })
                .collect();
            let others = if others.iter().all(|o| *o == others[0]) && others.len() > 1 {
                format!("{}{}", lang.pick("均为", "both "), others[0])
            } else {
                others.join(" / ")
            };
            results.push(Span::plain(format!(
                "{}{}{}{others}",
                lang.pick("；", "; "),
                because.because.best(lang),
                lang.pick("：", ": ")
            )));
        }
        results
    }

    /// The letters of the shared inputs the row's results use, in order.
    fn references(&self, shared: &Shared<'_>) -> Vec<String> {
        let mut groups: Vec<usize> = self
            .members
            .iter()
            .flat_map(|(_, c)| c.inputs.iter().filter_map(|i| shared.group_of(i)))
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups.iter().map(|&g| shared.groups[g].letter()).collect()
    }

    /// What `items` gives for each result of the row, each item once; an item only the
    /// viable-diameter result has is marked as that result's.
    fn items(&self, lang: Lang, items: impl Fn(&Criterion) -> Vec<String>) -> Vec<String> {
        let whole: Vec<String> = self
            .members
            .iter()
            .filter(|(_, c)| !is_viable(c))
            .flat_map(|(_, c)| items(c))
            .collect();
        let mut out: Vec<String> = Vec::new();
        for (_, c) in &self.members {
            for item in items(c) {
                let item = if is_viable(c) && !whole.contains(&item) {
                    format!(
                        "{}{}{item}",
                        Basis::Viable.label().best(lang),
                        lang.pick("：", ": ")
                    )
                } else {
                    item
                };
                if !out.contains(&item) {
                    out.push(item);
                }
            }
        }
        out
    }
}

/// Criteria in rows, in the order they were computed: the two size bases of a criterion
/// together, each follow-up study apart; with `families`, a family's kinds together too.
fn rows(criteria: &[Criterion], families: bool) -> Vec<Row<'_>> {
    let mut rows: Vec<Row<'_>> = Vec::new();
    for c in criteria {
        let family = Family::of(c.kind).filter(|_| families);
        let follow_up = c.basis.as_ref().filter(|b| !is_size_basis(b));
        let same_row = |row: &Row<'_>| {
            let first = row.members[0].1;
            match (family, row.family) {
                (Some((f, _)), Some(g)) => f == g,
                (None, None) => {
                    first.kind == c.kind
                        && first.basis.as_ref().filter(|b| !is_size_basis(b)) == follow_up
                }
                _ => false,
            }
        };
        let member = (family.map(|(_, short)| short), c);
        match rows.iter_mut().find(|row| same_row(row)) {
            Some(row) => row.members.push(member),
            None => rows.push(Row {
                family: family.map(|(f, _)| f),
                members: vec![member],
            }),
        }
    }
    rows
}

/// Inputs used by two or more results, in groups by date (and size basis where only one
/// basis uses them), each group lettered A, B, …
struct Shared<'a> {
    groups: Vec<Group<'a>>,
    /// Each shared input as described in the reader's language, and its group.
    index: Vec<(String, usize)>,
    lang: Lang,
}

struct Group<'a> {
    number: usize,
    date: Option<CaseDate>,
    basis: Option<&'a Text>,
    inputs: Vec<&'a Input>,
}

impl Group<'_> {
    fn letter(&self) -> String {
        // Past Z (no case has that many dates): A1, B1, …
        let letter = char::from(b'A' + (self.number % 26) as u8);
        match self.number / 26 {
            0 => letter.to_string(),
            round => format!("{letter}{round}"),
        }
    }
}

impl<'a> Shared<'a> {
    fn of(criteria: &'a [Criterion], lang: Lang) -> Self {
        // Each distinct input, the criteria using it, and their size bases.
        let mut seen: Vec<(String, &'a Input, usize, Option<&'a Text>)> = Vec::new();
        for c in criteria {
            let basis = c.basis.as_ref().filter(|b| is_size_basis(b));
            let mut own: Vec<String> = Vec::new();
            for input in &c.inputs {
                let described = input.describe(lang);
                if own.contains(&described) {
                    continue;
                }
                match seen.iter_mut().find(|(d, ..)| *d == described) {
                    Some((_, _, users, bases)) => {
                        *users += 1;
                        if *bases != basis {
                            *bases = None;
                        }
                    }
                    None => seen.push((described.clone(), input, 1, basis)),
                }
                own.push(described);
            }
        }
        // Undated inputs are worked out per result (points, limits): never grouped.
        let mut shared: Vec<(String, &'a Input, Option<&'a Text>)> = seen
            .into_iter()
            .filter(|(_, input, users, _)| *users >= 2 && input.date.is_some())
            .map(|(d, input, _, basis)| (d, input, basis))
            .collect();
        // By date, then the inputs of both bases before those of one; stable within.
        shared.sort_by_key(|(_, input, basis)| (input.date, basis.map(is_viable_label)));
        let mut groups: Vec<Group<'a>> = Vec::new();
        let mut index = Vec::new();
        for (described, input, basis) in shared {
            let position = match groups
                .iter()
                .position(|g| g.date == input.date && g.basis == basis)
            {
                Some(position) => position,
                None => {
                    groups.push(Group {
                        number: groups.len(),
                        date: input.date,
                        basis,
                        inputs: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            groups[position].inputs.push(input);
            index.push((described, position));
        }
        Shared {
            groups,
            index,
            lang,
        }
    }

    /// The inputs of `c` that are not shared.
    fn own<'c>(&'c self, c: &'c Criterion) -> impl Iterator<Item = &'c Input> + 'c {
        c.inputs.iter().filter(|i| self.group_of(i).is_none())
    }

    fn group_of(&self, input: &Input) -> Option<usize> {
        let described = input.describe(self.lang);
        self.index
            .iter()
            .find(|(d, _)| *d == described)
            .map(|(_, g)| *g)
    }

    /// The groups as a table; `full` adds how each value was derived (the appendix).
    fn table(&self, lang: Lang) -> Block {
        let rows = self
            .groups
            .iter()
            .map(|group| {
                let when = group.date.map(|d| d.for_reader(lang)).unwrap_or_default();
                let basis = group
                    .basis
                    .map(|b| format!("{}{}", b.best(lang), lang.pick("：", ": ")))
                    .unwrap_or_default();
                let inputs = group
                    .inputs
                    .iter()
                    .map(|input| match &input.note {
                        Some(note) => format!("{} — {}", input.short(lang), note.best(lang)),
                        None => input.short(lang),
                    })
                    .collect::<Vec<_>>()
                    .join(lang.pick("；", "; "));
                vec![
                    vec![Span::plain(format!("{} {when}", group.letter()))],
                    vec![Span::plain(basis), Span::plain(inputs)],
                ]
            })
            .collect();
        Block::Table(Table {
            header: header(&[
                lang.pick("日期", "Date"),
                lang.pick("多项结果共用的数据", "Inputs shared by several results"),
            ]),
            rows,
            widths: Some(vec![2.0, 10.0]),
            compact: true,
        })
    }
}

fn is_viable_label(basis: &Text) -> bool {
    *basis == Basis::Viable.label()
}

/// A flag cut short for the key page (the appendix has it in full): whole when at most
/// `room` characters (half as many in Chinese), else up to the first clause boundary that
/// leaves enough to read, else up to a word boundary; with an ellipsis.
fn brief(flag: &str, lang: Lang, room: usize) -> String {
    let (least, most) = match lang {
        Lang::Zh => (10, room / 2),
        Lang::En => (20, room),
    };
    if flag.chars().count() <= most {
        return flag.to_string();
    }
    let mut boundaries: Vec<usize> = ["; ", "；", ": ", "：", "，", ", ", " — "]
        .iter()
        .flat_map(|separator| flag.match_indices(separator).map(|(at, _)| at))
        .collect();
    boundaries.sort_unstable();
    let clause = boundaries
        .into_iter()
        .map(|at| &flag[..at])
        .take_while(|head| head.chars().count() <= most)
        .find(|head| head.chars().count() >= least);
    let head = clause.map_or_else(
        || {
            let mut head: String = flag.chars().take(most).collect();
            // Never inside a number: "−2.27…" would read as a value.
            // Nor inside a date or range: "2021-11…" or "1…" for "1–2" would too.
            let numeric = |c: char| c.is_ascii_digit() || ".,−-+–/:".contains(c);
            if flag[head.len()..].starts_with(numeric) && head.ends_with(numeric) {
                while head.ends_with(numeric) {
                    head.pop();
                }
            }
            match lang {
                Lang::En => head
                    .rsplit_once(' ')
                    .map_or(head.clone(), |(h, _)| h.to_string()),
                Lang::Zh => head,
            }
        },
        str::to_string,
    );
    format!("{}…", head.trim_end())
}

/// What a flag is about, for a pointer to where it is said in full: up to its first colon
/// ("rising AFP"), or the flag cut short when it has none that early.
fn headword(flag: &str, lang: Lang) -> String {
    let head = flag
        .split_once(lang.pick("：", ": "))
        .map(|(head, _)| head)
        .filter(|head| head.chars().count() <= KEY_FLAG_ROOM / 2);
    head.map_or_else(|| brief(flag, lang, KEY_FLAG_ROOM), str::to_string)
}

/// An input on the key page: value, date (unless said once for the row), and its note where the
/// value used is not the one the lab printed, so that no changed value is shown as if measured.
fn on_key_page(input: &Input, lang: Lang, with_date: bool) -> String {
    let mut out = input.short(lang);
    if let Some(date) = input.date.filter(|_| with_date) {
        out.push_str(&format!(" ({})", date.for_reader(lang)));
    }
    if let Some(note) = input.note.as_ref().filter(|_| input.differs_from_print()) {
        out.push_str(&format!(" — {}", note.best(lang)));
    }
    out
}

/// A flag that asks the doctor a question a result depends on (BCLC's performance status,
/// preserved liver function, the BCLC-B sub-group).
fn is_question(flag: &Text) -> bool {
    flag.best(Lang::En).starts_with("question for the doctor")
}

fn shared_flags_note(flags: &[impl AsRef<str>], lang: Lang) -> Option<Block> {
    (!flags.is_empty()).then(|| {
        Block::Note(vec![Span::plain(format!(
            "{}{}",
            lang.pick("适用于多项结果的提示：", "Applies to several results: "),
            flags
                .iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; "))
        ))])
    })
}

/// Flags on several criteria in more than one row, compared as a reader of `lang` sees them
/// (a flag all of one row's results share, like the JSH items', stays in that row).
fn shared_flags<'c>(rows: &[Row<'c>], lang: Lang) -> Vec<&'c str> {
    // Each flag, how many results carry it, and the last row seen with it and how many.
    let mut counts: Vec<(&str, usize, usize, usize)> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        for flag in row.members.iter().flat_map(|(_, c)| c.flags.iter()) {
            let flag = flag.best(lang);
            match counts.iter_mut().find(|(f, ..)| *f == flag) {
                Some((_, results, last, rows)) => {
                    *results += 1;
                    if *last != index {
                        (*last, *rows) = (index, *rows + 1);
                    }
                }
                None => counts.push((flag, 1, index, 1)),
            }
        }
    }
    counts
        .into_iter()
        .filter(|(_, results, _, rows)| *results >= SHARED_FLAG_MIN && *rows >= 2)
        .map(|(f, ..)| f)
        .collect()
}
/// A stage that hangs on a question says so wherever it is shown; "" for other results.
pub(super) fn caveat(c: &Criterion, lang: Lang) -> &'static str {
    if c.flags
        .contains(&crate::clinical::staging::performance_question())
    {
        lang.pick(
            "（前提：体能状态下降与肿瘤相关，待医生判断）",
            " (if the reduced performance status is cancer-related: a question for the doctor)",
        )
    } else {
        ""
    }
}

/// One line of the results a transplant or oncology team looks at first.
pub fn headline(criteria: &[Criterion], lang: Lang) -> Option<String> {
    const KEY: &[Kind] = &[
        Kind::ChildPugh,
        Kind::Albi,
        Kind::Meld3,
        Kind::Milan,
        Kind::Ucsf,
        Kind::Bclc,
        Kind::Cnlc,
    ];
    let parts: Vec<String> = KEY
        .iter()
        .filter_map(|kind| criteria.iter().find(|c| c.kind == *kind))
        .map(|c| {
            let basis = c
                .basis
                .as_ref()
                .map(|b| format!(" ({})", b.best(lang)))
                .unwrap_or_default();
            let caveat = caveat(c, lang);
            let why = c
                .decided_by
                .as_ref()
                .map(|w| format!(" — {}", w.best(lang)))
                .unwrap_or_default();
            format!(
                "{} {}{why}{basis}{caveat}",
                c.kind.label(lang),
                c.outcome.label(lang)
            )
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::plain_text;

    fn criteria() -> Vec<Criterion> {
        let at = chrono::NaiveDate::from_ymd_opt(2021, 11, 1).unwrap();
        crate::clinical::evaluate(&crate::clinical::tests::fixture_case(), at)
    }

    #[test]
    fn shared_inputs_are_printed_once_and_referred_to_by_letter() {
        let criteria = criteria();
        let text = plain_text(&sheet(&criteria, Lang::En));
        // Creatinine goes into three MELD scores; its line is printed once, in a group.
        let creatinine = criteria
            .iter()
            .find(|c| c.kind == Kind::Meld)
            .and_then(|c| {
                c.inputs
                    .iter()
                    .find(|i| i.name.best(Lang::En) == "creatinine")
            })
            .unwrap()
            .short(Lang::En);
        assert_eq!(text.matches(&creatinine).count(), 1, "{text}");
        // The whole-lesion and viable results of a criterion share a row.
        let milan_rows = text.lines().filter(|l| l.starts_with("Milan")).count();
        assert_eq!(milan_rows, 1, "{text}");
        // Every result is in the key table too, one row per criterion (or family).
        let key = plain_text(&key_table(&criteria, Lang::En));
        for name in [
            "Child-Pugh",
            "MELD-Na",
            "Milan",
            "UCSF",
            "Up-to-seven",
            "BCLC",
            "mRECIST",
        ] {
            assert!(key.contains(name), "{name} in\n{key}");
        }
        assert!(
            key.contains(" / "),
            "whole-lesion / viable side by side:\n{key}"
        );
    }

    #[test]
    fn a_flag_is_cut_short_at_a_clause_or_word_never_inside_a_number() {
        let flag = "secondary output: the mALBI cut-off −2.270 is from reference lists";
        assert_eq!(brief(flag, Lang::En, 80), flag);
        assert_eq!(
            brief(flag, Lang::En, 40),
            "secondary output: the mALBI cut-off…"
        );
        let zh = "次要结果：mALBI 分界值 −2.270 来自参考文献列表，未经原文核实";
        let short = brief(zh, Lang::Zh, 40);
        assert!(short.ends_with('…') && !short.contains("2.2"), "{short}");
        let dated = "化验日期不一致：总胆红素 2021-11-10，白蛋白 2021-10-14";
        let short = brief(dated, Lang::Zh, 40);
        assert!(
            !short.contains("2021-11…") && !short.contains("2021…"),
            "{short}"
        );
        let stale =
            "数据时效：截至 2026-11-27 已 1843 天（数据日期 2021-11-10），对移植评估而言已过时";
        assert_eq!(
            brief(stale, Lang::Zh, 100),
            "数据时效：截至 2026-11-27 已 1843 天（数据日期 2021-11-10）…"
        );
        assert_eq!(
            brief(stale, Lang::Zh, 72),
            "数据时效：截至 2026-11-27 已 1843 天（数据日期…"
        );
    }
}
