//! Whether a DICOM series is this patient's. A disc from a hospital can hold another
//! patient's series (a scanner's mix-up, a disc burnt for two), and it would go into the
//! imaging zip unseen. Every series' PatientName, PatientID and PatientBirthDate are compared
//! with `[patient]` in case.toml; a difference is an error naming the folder, the series and
//! the fields.
//!
//! Names are compared as DICOM writes them: `Family^Given^Middle`, alphabetic, ideographic and
//! phonetic forms separated by `=`, pinyin in capitals (`LI^GUOQIANG`), against the case's
//! Chinese and English names without what is in brackets ("李国强（虚构）"), ignoring case,
//! spaces, `^` and the order of family and given name. A name in one script is only compared
//! with a name in the same script: `LI^GUOQIANG` against a case with only a Chinese name says
//! nothing (no pinyin table is shipped). IDs are compared with `dicom_ids` (the hospitals'
//! patient numbers) and the national ID; without them, series of one case that carry different
//! IDs are an error. Pure.

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::model::Patient;
use crate::date::CaseDate;
use crate::text::Lang;

/// The patient fields of a DICOM series, as written (trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DicomPatient {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `YYYY-MM-DD` when the header's date is valid, else as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

impl DicomPatient {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.id.is_none() && self.birth_date.is_none()
    }
}

/// A field of a series that is not this patient's: its DICOM name, what the series says and
/// what case.toml says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub field: &'static str,
    pub dicom: String,
    pub case: String,
}

/// The fields of `series` that differ from the patient's. `ids` are the patient's hospital
/// IDs (`dicom_ids`) and national ID; empty, the ID is not compared here.
pub fn differences(series: &DicomPatient, patient: &Patient, ids: &[String]) -> Vec<Difference> {
    let mut out = Vec::new();
    if let Some(name) = &series.name
        && names_differ(name, patient)
    {
        let case = [Lang::Zh, Lang::En]
            .iter()
            .filter_map(|&l| patient.name.get(l))
            .collect::<Vec<_>>()
            .join(" / ");
        out.push(Difference {
            field: "PatientName",
            dicom: name.clone(),
            case,
        });
    }
    if let Some(id) = &series.id
        && !ids.is_empty()
        && !ids
            .iter()
            .any(|known| known.trim().eq_ignore_ascii_case(id.trim()))
    {
        out.push(Difference {
            field: "PatientID",
            dicom: id.clone(),
            case: ids.join(", "),
        });
    }
    if let Some(born) = &series.birth_date
        && let Ok(day) = NaiveDate::parse_from_str(born, "%Y-%m-%d")
        && !within(day, patient.birth_date)
    {
        out.push(Difference {
            field: "PatientBirthDate",
            dicom: born.clone(),
            case: patient.birth_date.to_string(),
        });
    }
    out
}

fn within(day: NaiveDate, date: CaseDate) -> bool {
    date.day() <= day && day <= date.last_day()
}

/// Whether a DICOM PatientName is certainly not one of the patient's names: some form of it
/// can be compared (same script) and none matches.
fn names_differ(dicom: &str, patient: &Patient) -> bool {
    // An anonymised export names nobody: it cannot be told apart this way.
    let plain = words(dicom).concat();
    if plain.is_empty() || ANONYMOUS.contains(&plain.as_str()) {
        return false;
    }
    let case: Vec<String> = [Lang::Zh, Lang::En]
        .iter()
        .filter_map(|&l| patient.name.get(l))
        .flat_map(|n| orders(&words(&without_brackets(n))))
        .collect();
    let mut comparable = false;
    for group in dicom.split('=') {
        for form in dicom_forms(group) {
            if case.contains(&form) {
                return false;
            }
            comparable |= case.iter().any(|c| is_cjk(c) == is_cjk(&form));
        }
    }
    comparable
}

/// What anonymising exports write as the name.
const ANONYMOUS: &[&str] = &[
    "anonymous",
    "anonymized",
    "anonymised",
    "anon",
    "unknown",
    "匿名",
];

/// A person-name group's forms: its components (`Family^Given^Middle^Prefix^Suffix`) in
/// DICOM order and given-name first, and its words in either order.
fn dicom_forms(group: &str) -> Vec<String> {
    let parts: Vec<String> = group.split('^').map(|p| words(p).concat()).collect();
    let at = |i: usize| parts.get(i).cloned().unwrap_or_default();
    let mut forms = vec![
        format!("{}{}{}", at(0), at(1), at(2)),
        format!("{}{}{}", at(1), at(2), at(0)),
    ];
    forms.extend(orders(&words(group)));
    forms.retain(|f| !f.is_empty());
    forms
}

/// Words written in either order, joined.
fn orders(words: &[String]) -> Vec<String> {
    let mut reversed = words.to_vec();
    reversed.reverse();
    vec![words.concat(), reversed.concat()]
}

/// Lower-case words: letters and digits, split at anything else (spaces, `^`, `-`, `,`, `.`).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The text without what is in brackets, ASCII or full-width: "李国强（虚构）" → "李国强".
fn without_brackets(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn is_cjk(text: &str) -> bool {
    text.chars()
        .any(|c| ('\u{3400}'..='\u{9FFF}').contains(&c) || ('\u{F900}'..='\u{FAFF}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::tests::demo_case;

    fn series(name: Option<&str>, id: Option<&str>, born: Option<&str>) -> DicomPatient {
        DicomPatient {
            name: name.map(str::to_string),
            id: id.map(str::to_string),
            birth_date: born.map(str::to_string),
        }
    }

    #[test]
    fn names_match_as_dicom_writes_them() {
        let patient = demo_case().patient;
        let born = patient.birth_date.to_string();
        for name in [
            "LI^GUOQIANG",
            "Li^Guoqiang",
            "GUOQIANG^LI",
            "Li Guoqiang",
            "LI^GUO QIANG",
            "李^国强",
            "李国强",
            "LI^GUOQIANG=李^国强=",
        ] {
            let found = differences(&series(Some(name), None, Some(&born)), &patient, &[]);
            assert!(found.is_empty(), "{name}: {found:?}");
        }
        let found = differences(&series(Some("WANG^XIAOMING"), None, None), &patient, &[]);
        assert_eq!(found[0].field, "PatientName");
        let found = differences(&series(Some("王小明"), None, None), &patient, &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(differences(&series(Some("ANONYMOUS"), None, None), &patient, &[]).is_empty());
    }

    #[test]
    fn ids_and_birth_dates_are_compared() {
        let patient = demo_case().patient;
        let ids = vec!["ZS-1234567".to_string()];
        let found = differences(
            &series(None, Some("WANG-999"), Some("1949-01-01")),
            &patient,
            &ids,
        );
        let fields: Vec<&str> = found.iter().map(|d| d.field).collect();
        assert_eq!(fields, ["PatientID", "PatientBirthDate"]);
        assert!(differences(&series(None, Some("zs-1234567"), None), &patient, &ids).is_empty());
        assert!(
            differences(&series(None, Some("WANG-999"), None), &patient, &[]).is_empty(),
            "without known IDs the ID alone says nothing"
        );
    }

    #[test]
    fn a_birth_date_known_only_in_part_takes_any_day_of_it() {
        let mut patient = demo_case().patient;
        patient.birth_date = CaseDate::parse("1958-05").unwrap();
        assert!(differences(&series(None, None, Some("1958-05-31")), &patient, &[]).is_empty());
        assert_eq!(
            differences(&series(None, None, Some("1958-06-01")), &patient, &[]).len(),
            1
        );
    }
}
