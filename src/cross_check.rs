//! Checks that need the case and the contacts together, and today's date: text missing in a
//! language some contact reads, redaction rules for unknown contacts, labs too old for a review.

use chrono::NaiveDate;

use crate::case::LoadedCase;
use crate::clinical::Outcome;
use crate::contacts::ContactList;
use crate::diagnostic::{Diagnostic, Diagnostics, Kind};
use crate::lab::Analyte;
use crate::text::Lang;
use crate::tr;

/// Labs older than this are stale for a transplant or oncology review (calculators §0.2).
pub const STALE_LAB_DAYS: i64 = 30;

/// The analytes the scores need: their newest values should be recent.
const KEY_ANALYTES: &[Analyte] = &[
    Analyte::Bilirubin,
    Analyte::Albumin,
    Analyte::Inr,
    Analyte::Creatinine,
    Analyte::Sodium,
    Analyte::Afp,
];

pub fn cross_check(loaded: &LoadedCase, contacts: &ContactList, today: NaiveDate) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    check_languages(loaded, contacts, &mut diagnostics);
    check_scripts(loaded, contacts, &mut diagnostics);
    check_record_languages(loaded, contacts, &mut diagnostics);
    check_share_with(loaded, contacts, &mut diagnostics);
    check_lab_age(loaded, today, &mut diagnostics);
    check_criteria_inputs(loaded, today, &mut diagnostics);
    diagnostics
}

/// A criterion that cannot be computed is a warning naming what it lacks, so the family can
/// add it before the packet goes out (the summary would say "indeterminate").
fn check_criteria_inputs(loaded: &LoadedCase, today: NaiveDate, diagnostics: &mut Diagnostics) {
    let mut seen = Vec::new();
    for criterion in crate::clinical::evaluate(&loaded.case, today) {
        if !matches!(criterion.outcome, Outcome::Indeterminate { .. }) {
            continue;
        }
        let ui = crate::i18n::ui();
        let name = criterion.kind.label(ui);
        let text = criterion.outcome.missing_items(ui).join(&tr!("; "));
        // The same gap shows once per criterion, not once per size basis.
        if seen.contains(&(name, text.clone())) {
            continue;
        }
        diagnostics.push(
            Diagnostic::warning(tr!(
                "{name} cannot be computed: missing {text}",
                name,
                text
            ))
            .kind(Kind::NotComputable)
            .hint(tr!(
                "add the missing values to case.toml if the records have them; otherwise the summary shows \"indeterminate\""
            )),
        );
        seen.push((name, text));
    }
}

/// Every text written as `{ zh, en }` must have each language an active contact reads.
fn check_languages(loaded: &LoadedCase, contacts: &ContactList, diagnostics: &mut Diagnostics) {
    for lang in contacts.languages() {
        let readers: Vec<&str> = contacts
            .contacts
            .iter()
            .filter(|c| c.active && c.language == lang)
            .map(|c| c.id.as_str())
            .collect();
        for site in loaded.texts.iter().filter(|s| !s.text.has(lang)) {
            diagnostics.push(
                Diagnostic::error(tr!(
                    "{field} has no {language} text, which {readers} need",
                    field = site.field,
                    language = lang.name(),
                    readers = list_ids(&readers)
                ))
                .at(site.location.clone())
                .hint(tr!(
                    "add `{code} = \"...\"` to the table, or set `active = false` for those contacts in contacts.toml",
                    code = lang.code()
                )),
            );
        }
    }
}

/// Text shown to a reader in a script they may not read: Chinese characters in what English
/// readers see (a plain string, or an `en` text written in Chinese), and — where it matters, a
/// sentence rather than a name or a number — English-only text shown to Chinese readers.
fn check_scripts(loaded: &LoadedCase, contacts: &ContactList, diagnostics: &mut Diagnostics) {
    for lang in contacts.languages() {
        let readers: Vec<&str> = contacts
            .contacts
            .iter()
            .filter(|c| c.active && c.language == lang)
            .map(|c| c.id.as_str())
            .collect();
        for site in &loaded.texts {
            let Some(shown) = site.text.get(lang) else {
                continue;
            };
            let wrong_script = match lang {
                Lang::En => has_cjk(shown),
                Lang::Zh => {
                    !has_cjk(shown) && shown.chars().filter(char::is_ascii_alphabetic).count() >= 40
                }
            };
            if !wrong_script {
                continue;
            }
            let excerpt: String = shown.chars().take(30).collect();
            let more = if shown.chars().count() > 30 {
                "…"
            } else {
                ""
            };
            let (field, readers, excerpt) = (&site.field, list_ids(&readers), excerpt + more);
            let (message, hint) = match lang {
                Lang::En => (
                    tr!(
                        "{field} is shown to English readers ({readers}) in Chinese: “{excerpt}”",
                        field,
                        readers,
                        excerpt
                    ),
                    tr!(
                        "write it in both languages: {{ zh = \"…\", en = \"…\" }} (names and numbers can stay as they are)"
                    ),
                ),
                Lang::Zh => (
                    tr!(
                        "{field} is shown to Chinese readers ({readers}) in English only: “{excerpt}”",
                        field,
                        readers,
                        excerpt
                    ),
                    tr!("write it in both languages: {{ zh = \"…\", en = \"…\" }}"),
                ),
            };
            diagnostics.push(
                Diagnostic::warning(message)
                    .at(site.location.clone())
                    .hint(hint),
            );
        }
    }
}

/// Chinese, Japanese or Korean characters (CJK ideographs and the full-width punctuation that
/// comes with them).
fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c as u32,
            0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2A6DF)
    })
}

/// Records in a language that contacts needing translation do not read (US teams want
/// English records), one warning per language.
fn check_record_languages(
    loaded: &LoadedCase,
    contacts: &ContactList,
    diagnostics: &mut Diagnostics,
) {
    for lang in Lang::ALL {
        let needing: Vec<&str> = contacts
            .contacts
            .iter()
            .filter(|c| c.active && c.needs_translation && c.language == lang)
            .map(|c| c.id.as_str())
            .collect();
        let other: Vec<String> = loaded
            .case
            .records
            .iter()
            .filter(|r| r.language.is_some_and(|l| l != lang))
            .map(|r| r.path.display().to_string())
            .collect();
        if needing.is_empty() || other.is_empty() {
            continue;
        }
        diagnostics.push(
            Diagnostic::warning(tr!(
                "{readers} need records in {language}; {count} record(s) are not: {records}",
                readers = list_ids(&needing),
                language = lang.name(),
                count = other.len(),
                records = other.join(", ")
            ))
            .hint(tr!(
                "add a translation next to each (with its own sidecar, language = \"en\"); such teams usually ask for certified translations"
            )),
        );
    }
}

fn list_ids(ids: &[&str]) -> String {
    match ids {
        [one] => tr!("contact `{one}`", one),
        [first, rest @ ..] if rest.len() > 2 => {
            tr!(
                "`{first}` and {count} other contacts",
                first,
                count = rest.len()
            )
        }
        _ => tr!("contacts {ids}", ids = crate::toml_reader::list(ids)),
    }
}

fn check_share_with(loaded: &LoadedCase, contacts: &ContactList, diagnostics: &mut Diagnostics) {
    for (id, location) in &loaded.share_with_ids {
        if let Err(unknown) = contacts.get(id) {
            diagnostics.push(
                Diagnostic::error(match &unknown.nearest {
                    Some(near) => tr!(
                        "[patient.share_with] names no contact with id `{id}` (did you mean `{near}`?)",
                        id = unknown.id,
                        near
                    ),
                    None => tr!(
                        "[patient.share_with] names no contact with id `{id}`",
                        id = unknown.id
                    ),
                })
                .at(location.clone())
                .hint(tr!("use an id from `consultpack contacts list`")),
            );
        }
    }
}

/// One warning naming the key analytes whose newest value is older than 30 days.
fn check_lab_age(loaded: &LoadedCase, today: NaiveDate, diagnostics: &mut Diagnostics) {
    let labs = &loaded.case.labs;
    let mut stale = Vec::new();
    let mut newest_overall = None;
    for analyte in KEY_ANALYTES {
        let newest = labs
            .iter()
            .filter(|l| l.analyte == *analyte)
            .map(|l| l.date)
            .max();
        match newest {
            Some(date) if (today - date.day()).num_days() > STALE_LAB_DAYS => {
                // The analyte's Chinese name for a Chinese reader, its case.toml key otherwise.
                let name = crate::i18n::ui().pick(analyte.info().zh, analyte.key());
                stale.push(format!("{name} ({date})"));
                newest_overall = newest_overall.max(Some(date));
            }
            _ => {}
        }
    }
    let Some(newest) = newest_overall else { return };
    let location = loaded
        .lab_dates
        .iter()
        .find(|(d, _)| *d == newest)
        .map(|(_, l)| l.clone());
    let mut diagnostic = Diagnostic::warning(tr!(
        "labs are more than {limit} days old: newest {newest} ({days} days before {today})",
        limit = STALE_LAB_DAYS,
        newest = stale.join(", "),
        days = (today - newest.day()).num_days(),
        today
    ))
    .kind(Kind::StaleLabs)
    .hint(tr!(
        "transplant and oncology teams want labs from the last 4–6 weeks; add a recent [[lab]] set if you have one"
    ));
    diagnostic.location = location;
    diagnostics.push(diagnostic);
}
