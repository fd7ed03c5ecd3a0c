//! `consultpack criteria`: every clinical criterion computed from the case, as a table or JSON.
//! The table is in the interface language unless `--lang` says otherwise; the JSON is in
//! English.
//!
//! `--json` prints one object (stable; also described in docs/criteria.md):
//!
//! ```text
//! { "at": "2021-11-01",                      // only data dated on or before this is used
//!   "criteria": [ {
//!       "id": "child_pugh",                   // stable machine name
//!       "name": "Child-Pugh",                 // English name
//!       "basis": null,                        // e.g. "viable diameter", "MRI 2021-10-15, after TACE-2"
//!       "category": "A6",                     // "within" | "outside" | "indeterminate" | a class
//!       "value": "6",                         // exact decimal as a string, or null
//!       "raw": null,                          // unrounded number, or null
//!       "missing": [],                        // what is missing when indeterminate
//!       "inputs": [ { "name": "bilirubin", "value": "1.2", "unit": "mg/dL",
//!                     "date": "2021-08-20", "source": "labs/x.jpg", "note": "as printed: 20.52 µmol/L; 1 point" } ],
//!       "flags": [ "borderline: …" ],
//!       "alternative": { "category": "low risk (≤ 2)", "value": "1",   // only where another
//!                        "because": "AFP 85 ng/mL on 2021-10-14, nearest the MRI" },  // input differs
//!       "source": "Pugh et al., Br J Surg 1973 …" } ] }
//! ```

use std::fmt::Write as _;

use chrono::NaiveDate;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use std::io::IsTerminal;

use super::{load_valid_as_of, print_stdout};
use crate::cli::{CriteriaArgs, LangArg};
use crate::clinical::{self, Criterion};
use crate::date::CaseDate;
use crate::error::{Error, Result};
use crate::folder::CaseFolder;
use crate::text::Lang;
use crate::tr;

pub fn run(folder: &CaseFolder, args: CriteriaArgs, today: NaiveDate) -> Result<()> {
    let at = args.at.unwrap_or(today);
    // Staleness and gaps are judged as of `--at`, like the criteria themselves.
    let loaded = load_valid_as_of(folder, today, at)?;
    let case = loaded
        .case
        .ok_or_else(|| Error::user(tr!("the case could not be read"), None))?;
    let criteria = clinical::evaluate(&case.case, at);
    let lang = match args.lang {
        Some(LangArg::Zh) => Lang::Zh,
        Some(LangArg::En) => Lang::En,
        None => crate::i18n::ui(),
    };
    if args.json {
        print_stdout(&json(at, &criteria)?)
    } else {
        print_stdout(&table(at, &criteria, lang, std::io::stdout().is_terminal()))
    }
}

#[derive(Serialize)]
struct Report<'a> {
    at: NaiveDate,
    criteria: Vec<CriterionJson<'a>>,
}

#[derive(Serialize)]
struct CriterionJson<'a> {
    id: &'static str,
    name: &'static str,
    basis: Option<&'a str>,
    category: &'a str,
    /// The finding that decided the result, where one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    decided_by: Option<&'a str>,
    value: Option<String>,
    raw: Option<f64>,
    missing: Vec<&'a str>,
    inputs: Vec<InputJson<'a>>,
    flags: Vec<&'a str>,
    /// The result with another defensible choice of input, where its category differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    alternative: Option<AlternativeJson<'a>>,
    source: &'static str,
}

#[derive(Serialize)]
struct AlternativeJson<'a> {
    category: &'a str,
    value: Option<String>,
    because: &'a str,
}

#[derive(Serialize)]
struct InputJson<'a> {
    name: &'a str,
    value: &'a str,
    unit: Option<&'static str>,
    date: Option<CaseDate>,
    source: Option<String>,
    note: Option<&'a str>,
}

fn json(at: NaiveDate, criteria: &[Criterion]) -> Result<String> {
    let report = Report {
        at,
        criteria: criteria
            .iter()
            .map(|c| CriterionJson {
                id: c.kind.id(),
                name: c.kind.label(Lang::En),
                basis: c.basis.as_ref().map(|b| b.best(Lang::En)),
                category: c.outcome.label(Lang::En),
                decided_by: c.decided_by.as_ref().map(|w| w.best(Lang::En)),
                value: c.value.map(|v| v.to_string()),
                raw: c.raw,
                missing: c.outcome.missing_items(Lang::En),
                inputs: c
                    .inputs
                    .iter()
                    .map(|i| InputJson {
                        name: i.name.best(Lang::En),
                        value: i.value.best(Lang::En),
                        unit: i.unit,
                        date: i.date,
                        source: i.source.as_ref().map(|p| p.display().to_string()),
                        note: i.note.as_ref().map(|n| n.best(Lang::En)),
                    })
                    .collect(),
                flags: c.flags.iter().map(|f| f.best(Lang::En)).collect(),
                alternative: c.alternative.as_ref().map(|a| AlternativeJson {
                    category: a.outcome.label(Lang::En),
                    value: a.value.map(|v| v.to_string()),
                    because: a.because.best(Lang::En),
                }),
                source: c.source(),
            })
            .collect(),
    };
    let mut json = serde_json::to_string_pretty(&report)
        .map_err(|e| Error::user(tr!("cannot write JSON: {e}", e), None))?;
    json.push('\n');
    Ok(json)
}

/// The criteria as a table in `lang`; on a terminal it wraps to the terminal's width, piped it
/// is 160 columns wide.
fn table(at: NaiveDate, criteria: &[Criterion], lang: Lang, terminal: bool) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !terminal {
        table.set_width(160);
    }
    table.set_header(match lang {
        Lang::Zh => ["标准", "结果", "输入", "提示"],
        Lang::En => ["criterion", "result", "inputs", "flags"],
    });
    for c in criteria {
        let mut name = c.kind.label(lang).to_string();
        if let Some(basis) = &c.basis {
            let _ = write!(name, "\n{}", basis.best(lang));
        }
        table.add_row([
            name,
            result(c, lang),
            lines(c.inputs.iter().map(|i| i.describe(lang))),
            flags(c, lang),
        ]);
    }
    let intro = match lang {
        Lang::Zh => format!("根据 {at} 及以前的资料计算，供审阅医生参考。"),
        Lang::En => format!(
            "Criteria from the records dated on or before {at}: computed from the records supplied, for the reviewing physician's convenience."
        ),
    };
    format!("{intro}\n{table}\n")
}

/// The outcome, then the value and raw value where they add something.
fn result(c: &Criterion, lang: Lang) -> String {
    let label = c.outcome.label(lang);
    let mut out = label.to_string();
    if let Some(why) = &c.decided_by {
        let _ = write!(out, " — {}", why.best(lang));
    }
    if let Some(value) = c.value.filter(|v| v.to_string() != label) {
        let _ = write!(out, "\n{} {value}", lang.pick("数值", "value"));
    }
    if let Some(raw) = c.raw {
        let _ = write!(out, "\n{} {raw:.4}", lang.pick("未取整", "raw"));
    }
    for m in c.outcome.missing_items(lang) {
        let _ = write!(out, "\n{}{m}", lang.pick("缺少：", "missing: "));
    }
    // Another defensible input's result, with the input: both results are printed.
    if let Some(other) = &c.alternative {
        let _ = write!(
            out,
            "\n{}{}",
            other.because.best(lang),
            lang.pick("：", ": ")
        );
        let _ = write!(out, "{}", other.outcome.label(lang));
        if let Some(value) = other.value {
            let _ = write!(out, " · {value}");
        }
    }
    out
}

fn flags(c: &Criterion, lang: Lang) -> String {
    let mut out = lines(c.flags.iter().map(|f| format!("• {}", f.best(lang))));
    let _ = write!(out, "\n{}{}", lang.pick("来源：", "source: "), c.source());
    out.trim_start().to_string()
}

fn lines(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join("\n")
}
