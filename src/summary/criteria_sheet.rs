//! The computed criteria as a sheet a doctor can check at a glance: each result with the
//! inputs and dates it used, and its flags. Wording is within / outside / indeterminate.

use crate::clinical::{Criterion, Kind, Outcome};
use crate::document::{Block, Inline, Span, Table};
use crate::text::Lang;

/// A flag on this many criteria or more (the age of the labs, say) is printed once, below the
/// table, instead of on every row.
const SHARED_FLAG_MIN: usize = 3;

pub fn sheet(criteria: &[Criterion], lang: Lang) -> Vec<Block> {
    let mut blocks = vec![Block::Note(vec![Span::plain(lang.pick(
        "以下结果根据所提供的资料计算，仅供审阅医生参考；分期与治疗决定由医生作出。",
        "Computed from the records supplied, for the reviewing physician. Staging and treatment decisions are the physician's.",
    ))])];
    if criteria.is_empty() {
        blocks.push(Block::Paragraph(vec![Span::plain(lang.pick(
            "资料不足，无法计算。",
            "Nothing could be computed from the records.",
        ))]));
        return blocks;
    }
    let shared = shared_flags(criteria, lang);
    let rows = criteria
        .iter()
        .map(|c| {
            let mut name: Inline = vec![Span::plain(c.kind.label(lang))];
            if let Some(basis) = &c.basis {
                name.push(Span::plain(format!(" ({})", basis.best(lang))));
            }
            let mut result: Inline = vec![Span::bold(c.outcome.label(lang).to_string())];
            if let Some(why) = &c.decided_by {
                result.push(Span::plain(format!(" — {}", why.best(lang))));
            }
            if let Some(value) = c.value.filter(|v| v.to_string() != c.outcome.label(lang)) {
                result.push(Span::plain(format!(" · {value}")));
            }
            let separator = lang.pick("；", "; ");
            if matches!(c.outcome, Outcome::Indeterminate { .. }) {
                result.push(Span::plain(format!(
                    " — {}{}",
                    lang.pick("缺少：", "missing: "),
                    c.outcome.missing_items(lang).join(separator)
                )));
            }
            let inputs = c
                .inputs
                .iter()
                .map(|i| i.describe(lang))
                .collect::<Vec<_>>()
                .join(separator);
            let mut flags: Vec<&str> = c
                .flags
                .iter()
                .map(|f| f.best(lang))
                .filter(|f| !shared.contains(f))
                .collect();
            flags.push(c.source());
            vec![
                name,
                result,
                vec![Span::plain(inputs)],
                vec![Span::plain(flags.join(separator))],
            ]
        })
        .collect();
    let header = [
        lang.pick("标准/评分", "Criterion"),
        lang.pick("结果", "Result"),
        lang.pick("所用数据（日期）", "Inputs used (dates)"),
        lang.pick("提示与出处", "Flags and source"),
    ]
    .iter()
    .map(|h| vec![Span::plain(*h)])
    .collect();
    blocks.push(Block::Table(Table {
        header,
        rows,
        widths: Some(vec![2.0, 1.6, 4.2, 3.6]),
    }));
    if !shared.is_empty() {
        blocks.push(Block::Note(vec![Span::plain(format!(
            "{}{}",
            lang.pick("适用于多项结果的提示：", "Applies to several results: "),
            shared.join(lang.pick("；", "; "))
        ))]));
    }
    blocks
}

/// Flags on several criteria, compared as a reader of `lang` sees them.
fn shared_flags(criteria: &[Criterion], lang: Lang) -> Vec<&str> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for flag in criteria.iter().flat_map(|c| c.flags.iter()) {
        let flag = flag.best(lang);
        match counts.iter_mut().find(|(f, _)| *f == flag) {
            Some((_, n)) => *n += 1,
            None => counts.push((flag, 1)),
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n >= SHARED_FLAG_MIN)
        .map(|(f, _)| f)
        .collect()
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
            // A stage that hangs on a question says so wherever it is shown.
            let caveat = if c.flags.contains(&crate::clinical::staging::performance_question()) {
                lang.pick(
                    "（前提：体能状态下降与肿瘤相关，待医生判断）",
                    " (if the reduced performance status is cancer-related: a question for the doctor)",
                )
            } else {
                ""
            };
            let why = c
                .decided_by
                .as_ref()
                .map(|w| format!(" — {}", w.best(lang)))
                .unwrap_or_default();
            format!("{} {}{why}{basis}{caveat}", c.kind.label(lang), c.outcome.label(lang))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}
