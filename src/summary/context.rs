//! The values a summary template sees: the case in one language, with the personal details the
//! recipient may not see already removed (so no template can leak them by mistake).

use chrono::NaiveDate;
use serde::Serialize;

use super::words;
use crate::case::Case;
use crate::case::model::{Encephalopathy, PersonalField};
use crate::clinical::Criterion;
use crate::contacts::Contact;
use crate::date::ReaderDate;
use crate::statement::{self, Statement};
use crate::text::{Lang, Text};

#[derive(Debug, Serialize)]
pub struct SummaryContext {
    pub lang: Lang,
    pub today: String,
    pub patient: PatientView,
    pub recipient: Option<RecipientView>,
    pub aetiology: Vec<AetiologyView>,
    pub diagnoses: Vec<DiagnosisView>,
    pub treatments: Vec<TreatmentView>,
    pub latest_imaging: Option<ImagingView>,
    pub status: Option<StatusView>,
    /// What every outgoing text says about the case ([`crate::statement`]): the primary
    /// diagnosis, treatments with their stops, current medications, the one-line statement.
    pub statement: Statement,
    /// One line of the key computed criteria, filled in by the caller.
    pub headline: Option<String>,
    /// The family's account (`[narrative]`), one string per paragraph; empty when not written.
    pub narrative: Vec<String>,
    pub questions: Vec<String>,
    /// What this reader asks for first and the case does not hold ([`crate::gaps`]), one line
    /// each in the reader's terms; the decision page and the cover letter list them.
    pub not_available: Vec<String>,
    pub medications: Vec<MedicationView>,
    pub allergies: Vec<AllergyView>,
    /// The family wrote that there are none (otherwise an empty list means not recorded).
    pub no_known_allergies: bool,
    pub comorbidities: Vec<ComorbidityView>,
    pub history: HistoryView,
    pub records_appended: bool,
}

/// The patient as this recipient may see them: hidden fields are `null`.
#[derive(Debug, Serialize)]
pub struct PatientView {
    pub id: String,
    /// The case id with the name and birth date this recipient may see, as every page's
    /// header and every record's banner print them ([`identifiers`]).
    pub identifiers: String,
    pub name: Option<String>,
    pub sex: &'static str,
    pub age: String,
    pub birth_date: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RecipientView {
    pub institution: String,
    pub departments: String,
    pub doctor: Option<String>,
    /// How a letter greets them, in the reader's convention, without the final colon or comma:
    /// "尊敬的范嘉教授", "尊敬的复旦大学附属中山医院肝肿瘤外科各位专家", "Dear Dr. Demo",
    /// "Dear Liver Tumor Clinic team" (a team letter greets one department, not all).
    pub greeting: String,
}

#[derive(Debug, Serialize)]
pub struct AetiologyView {
    pub cause: &'static str,
    pub since: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DiagnosisView {
    pub date: String,
    pub condition: &'static str,
    pub text: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TreatmentView {
    pub date: String,
    pub kind: &'static str,
    /// The drugs of a drug course ("sorafenib 400 mg twice daily").
    pub drugs: Option<String>,
    pub course_end: Option<String>,
    pub hospital: Option<String>,
    pub technique: Option<String>,
    pub agents: String,
    pub notes: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ImagingView {
    pub date: String,
    pub modality: &'static str,
    pub findings: String,
}

#[derive(Debug, Serialize)]
pub struct StatusView {
    pub date: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct MedicationView {
    pub name: String,
    pub dose: Option<String>,
    pub start: Option<String>,
    pub stop: Option<String>,
    /// When and why it stopped, with side effects ([`words::course_end`]).
    pub course_end: Option<String>,
    pub purpose: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AllergyView {
    pub substance: String,
    pub reaction: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ComorbidityView {
    pub name: String,
    pub since: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct HistoryView {
    pub smoking: Option<&'static str>,
    pub alcohol: Option<&'static str>,
}

/// Builds the template context for one language and (optionally) one recipient, with the
/// criteria computed for `today` (the case statement cites them).
pub fn build(
    case: &Case,
    contact: Option<&Contact>,
    criteria: &[Criterion],
    lang: Lang,
    today: NaiveDate,
    records_appended: bool,
) -> SummaryContext {
    let t = |text: &Text| text.best(lang).to_string();
    let opt = |text: &Option<Text>| text.as_ref().map(|x| x.best(lang).to_string());
    let patient = &case.patient;
    let shared = patient.shared_with(contact.map(|c| c.id.as_str()));
    let show = |field: PersonalField| shared.contains(&field);
    let patient_view = PatientView {
        id: patient.id.clone(),
        identifiers: identifiers(case, contact, lang),
        name: show(PersonalField::Name).then(|| t(&patient.name)),
        sex: words::sex(patient.sex, lang),
        age: patient.age_text(today),
        birth_date: show(PersonalField::BirthDate).then(|| patient.birth_date.for_reader(lang)),
        id_number: patient
            .id_number
            .clone()
            .filter(|_| show(PersonalField::IdNumber)),
        phone: patient.phone.clone().filter(|_| show(PersonalField::Phone)),
        address: opt(&patient.address).filter(|_| show(PersonalField::Address)),
        email: patient.email.clone().filter(|_| show(PersonalField::Email)),
    };
    let recipient = contact.map(|c| RecipientView {
        institution: t(&c.institution),
        departments: c
            .departments
            .iter()
            .map(|d| d.best(lang))
            .collect::<Vec<_>>()
            .join(lang.pick("、", "; ")),
        doctor: opt(&c.doctor),
        greeting: greeting(c, lang),
    });
    let latest_imaging = case
        .imaging
        .iter()
        .filter(|s| s.date.day() <= today)
        .max_by_key(|s| s.date)
        .map(|s| ImagingView {
            date: s.date.for_reader(lang),
            modality: words::modality(s.modality, lang),
            findings: opt(&s.findings).unwrap_or_default(),
        });
    SummaryContext {
        lang,
        today: today.for_reader(lang),
        patient: patient_view,
        recipient,
        aetiology: case
            .aetiology
            .iter()
            .map(|a| AetiologyView {
                cause: words::cause(a.cause, lang),
                since: a.since.map(|s| s.for_reader(lang)),
                note: opt(&a.note),
            })
            .collect(),
        diagnoses: case
            .diagnoses
            .iter()
            .map(|d| DiagnosisView {
                date: d.date.for_reader(lang),
                condition: words::condition(d.condition, lang),
                text: opt(&d.text),
            })
            .collect(),
        treatments: case
            .treatments
            .iter()
            .map(|tr| TreatmentView {
                date: tr.date.for_reader(lang),
                kind: words::treatment(tr.kind, lang),
                drugs: tr.drugs(lang),
                course_end: words::course_end(&tr.course, lang),
                hospital: opt(&tr.hospital),
                technique: opt(&tr.technique),
                agents: tr
                    .agents
                    .iter()
                    .map(|a| a.best(lang))
                    .collect::<Vec<_>>()
                    .join(", "),
                notes: opt(&tr.notes),
            })
            .collect(),
        latest_imaging,
        status: status(case, lang),
        statement: statement::build(case, criteria, lang, today),
        headline: None,
        narrative: case
            .narrative
            .as_ref()
            .map(|n| paragraphs(n.best(lang)))
            .unwrap_or_default()
            .into_iter()
            .chain(case.remarks.iter().map(|r| r.quoted(lang)))
            .collect(),
        questions: case.questions.iter().map(t).collect(),
        not_available: crate::gaps::not_available(
            case,
            &crate::gaps::asked_first(contact, lang),
            lang,
            today,
        ),
        medications: case
            .medications
            .iter()
            .map(|m| MedicationView {
                name: m.course.named(&t(&m.name), lang),
                dose: opt(&m.dose),
                start: m.start.map(|d| d.for_reader(lang)),
                stop: m.course.stop.map(|d| d.for_reader(lang)),
                course_end: words::course_end(&m.course, lang),
                purpose: opt(&m.purpose),
            })
            .collect(),
        allergies: case
            .allergies
            .iter()
            .map(|a| AllergyView {
                substance: t(&a.substance),
                reaction: opt(&a.reaction),
            })
            .collect(),
        no_known_allergies: case.no_known_allergies,
        comorbidities: case
            .comorbidities
            .iter()
            .map(|c| ComorbidityView {
                name: t(&c.name),
                since: c.since.map(|d| d.to_string()),
                note: opt(&c.note),
            })
            .collect(),
        history: HistoryView {
            smoking: case.history.smoking.map(|h| words::habit(h, lang)),
            alcohol: case.history.alcohol.map(|h| words::habit(h, lang)),
        },
        records_appended,
    }
}

/// Two identifiers for every page and every record's banner (US practice asks for two): the
/// case id, then the name and the birth date where this recipient may see them, so that a
/// redaction holds on every page too. "DEMO-LGQ · Li Guoqiang · born 1958-05-12".
pub fn identifiers(case: &Case, contact: Option<&Contact>, lang: Lang) -> String {
    let patient = &case.patient;
    let shared = patient.shared_with(contact.map(|c| c.id.as_str()));
    let mut parts = vec![patient.id.clone()];
    if shared.contains(&PersonalField::Name) {
        parts.push(patient.name.best(lang).to_string());
    }
    if shared.contains(&PersonalField::BirthDate) {
        parts.push(format!(
            "{} {}",
            lang.pick("出生", "born"),
            patient.birth_date.for_reader(lang)
        ));
    }
    parts.join(" · ")
}

/// The greeting of a letter to `contact`: a doctor by name and title (医生 when no title is
/// written), a team by its first department (the one a letter is first read in), else by the
/// institution.
pub fn greeting(contact: &Contact, lang: Lang) -> String {
    let title = contact.title.as_ref().and_then(|t| t.get(lang));
    let team = contact
        .departments
        .first()
        .map(|d| d.best(lang).to_string());
    let institution = contact.institution.best(lang);
    match (lang, contact.doctor.as_ref().map(|d| d.best(lang))) {
        (Lang::Zh, Some(doctor)) => format!("尊敬的{doctor}{}", title.unwrap_or("医生")),
        (Lang::En, Some(doctor)) => match title {
            Some(title) => format!("Dear {title} {doctor}"),
            None => format!("Dear {doctor}"),
        },
        (Lang::Zh, None) => format!("尊敬的{institution}{}各位专家", team.unwrap_or_default()),
        (Lang::En, None) => format!("Dear {} team", team.as_deref().unwrap_or(institution)),
    }
}

/// Free text as paragraphs: a blank line separates them; the lines of one paragraph join with a
/// space, or with nothing between Chinese characters (a space there would show as a gap).
fn paragraphs(text: &str) -> Vec<String> {
    let is_cjk = |c: char| c as u32 >= 0x2E80;
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        let joins_without_space =
            current.chars().last().is_none_or(is_cjk) && line.chars().next().is_some_and(is_cjk);
        if !current.is_empty() && !joins_without_space {
            current.push(' ');
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The newest assessment, in words: performance status, ascites, encephalopathy.
fn status(case: &Case, lang: Lang) -> Option<StatusView> {
    let a = case.assessments.iter().max_by_key(|a| a.date)?;
    let mut parts = Vec::new();
    parts.extend(a.performance_status(lang));
    if let Some(ascites) = a.ascites {
        parts.push(words::ascites(ascites, lang).to_string());
    }
    if let Some(he) = a.encephalopathy {
        let word = match he {
            Encephalopathy::None => lang.pick("无肝性脑病", "no encephalopathy"),
            Encephalopathy::Grade1To2 => lang.pick("肝性脑病1–2级", "encephalopathy grade 1–2"),
            Encephalopathy::Grade3To4 => lang.pick("肝性脑病3–4级", "encephalopathy grade 3–4"),
        };
        parts.push(word.to_string());
    }
    if let Some(kg) = a.weight_kg {
        parts.push(format!("{} {kg} kg", lang.pick("体重", "weight")));
    }
    (!parts.is_empty()).then(|| StatusView {
        date: a.date.for_reader(lang),
        text: parts.join(lang.pick("，", ", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_keeps_its_paragraphs_and_joins_lines_as_the_script_needs() {
        let text = "2019年体检发现\n肝内结节。\n\n\n  2021年7月初\n第一次TACE。\n\nFound at a\ncheck-up.\n";
        assert_eq!(
            paragraphs(text),
            [
                "2019年体检发现肝内结节。",
                "2021年7月初第一次TACE。",
                "Found at a check-up."
            ]
        );
        assert!(paragraphs(" \n\n ").is_empty());
    }
}
