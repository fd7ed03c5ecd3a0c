//! `intake.md` of a portal pack: the answers US second-opinion request forms ask for (name,
//! birth date, diagnosis and date, treating physicians and hospitals, treatments with dates,
//! current medications, allergies, the question), ready to copy field by field. Only what the
//! contact may see of the patient is filled in; the rest says so.

use chrono::NaiveDate;

use crate::case::Case;
use crate::case::model::PersonalField;
use crate::contacts::Contact;
use crate::summary::words;
use crate::text::{Lang, Text};

/// The intake answers as Markdown, in the contact's language.
pub fn markdown(
    case: &Case,
    contact: &Contact,
    lang: Lang,
    today: NaiveDate,
    records: &[String],
) -> String {
    let t = |text: &Text| text.best(lang).to_string();
    let patient = &case.patient;
    let shared = patient.shared_with(Some(&contact.id));
    let hidden = lang.pick(
        "（本资料包未包含，可自行填写）",
        "(not shared in this packet; fill in yourself if you wish)",
    );
    let not_recorded = lang.pick("未记录", "not recorded");
    let field = |show: bool, value: Option<String>| -> String {
        match (show, value) {
            (false, _) => hidden.to_string(),
            (true, Some(v)) => v,
            (true, None) => not_recorded.to_string(),
        }
    };
    let mut rows: Vec<(&str, String)> = vec![
        (
            lang.pick("姓名", "Patient name"),
            field(
                shared.contains(&PersonalField::Name),
                Some(t(&patient.name)),
            ),
        ),
        (
            lang.pick("出生日期", "Date of birth"),
            field(
                shared.contains(&PersonalField::BirthDate),
                Some(patient.birth_date.to_string()),
            ),
        ),
        (
            lang.pick("性别", "Sex"),
            words::sex(patient.sex, lang).to_string(),
        ),
        (lang.pick("年龄", "Age"), patient.age_text(today)),
        (
            lang.pick("证件号", "ID / passport number"),
            field(
                shared.contains(&PersonalField::IdNumber),
                patient.id_number.clone(),
            ),
        ),
        (
            lang.pick("电话", "Phone"),
            field(
                shared.contains(&PersonalField::Phone),
                patient.phone.clone(),
            ),
        ),
        (
            lang.pick("电子邮箱", "E-mail"),
            field(
                shared.contains(&PersonalField::Email),
                patient.email.clone(),
            ),
        ),
    ];
    let mut diagnoses: Vec<_> = case.diagnoses.iter().collect();
    diagnoses.sort_by_key(|d| d.date);
    rows.push((
        lang.pick("诊断及日期", "Diagnosis and date"),
        list(
            diagnoses
                .iter()
                .map(|d| format!("{} — {}", d.date, words::condition(d.condition, lang))),
            not_recorded,
        ),
    ));
    let mut hospitals: Vec<String> = Vec::new();
    for h in case
        .diagnoses
        .iter()
        .filter_map(|d| d.hospital.as_ref())
        .chain(case.treatments.iter().filter_map(|t| t.hospital.as_ref()))
        .chain(case.imaging.iter().filter_map(|s| s.hospital.as_ref()))
        .map(t)
    {
        if !hospitals.contains(&h) {
            hospitals.push(h);
        }
    }
    rows.push((
        lang.pick("就诊医院及医生", "Treating hospitals and physicians"),
        list(hospitals.into_iter(), not_recorded),
    ));
    let mut treatments: Vec<_> = case.treatments.iter().collect();
    treatments.sort_by_key(|t| t.date);
    rows.push((
        lang.pick("治疗经过（日期）", "Treatments with dates"),
        list(
            treatments.iter().map(|tr| {
                let mut line = format!(
                    "{} — {}",
                    tr.date.in_lang(lang),
                    words::treatment_in_words(tr, lang)
                );
                let details = words::treatment_details(tr, lang);
                if !details.is_empty() {
                    line = format!("{line}: {details}");
                }
                line
            }),
            not_recorded,
        ),
    ));
    rows.push((
        lang.pick("目前用药", "Current medications"),
        list(
            case.medications
                .iter()
                .filter(|m| m.course.stop.is_none() && m.course.stop_reason.is_none())
                .map(|m| match &m.dose {
                    Some(dose) => format!("{} {}", t(&m.name), t(dose)),
                    None => t(&m.name),
                }),
            not_recorded,
        ),
    ));
    rows.push((
        lang.pick("过敏", "Allergies"),
        if case.no_known_allergies {
            lang.pick("无已知过敏", "No known allergies").to_string()
        } else {
            list(
                case.allergies.iter().map(|a| match &a.reaction {
                    Some(r) => format!("{} ({})", t(&a.substance), t(r)),
                    None => t(&a.substance),
                }),
                not_recorded,
            )
        },
    ));
    rows.push((
        lang.pick("希望咨询的问题", "The question for the reviewing physician"),
        list(
            case.questions
                .iter()
                .enumerate()
                .map(|(i, q)| format!("{}. {}", i + 1, t(q))),
            not_recorded,
        ),
    ));
    rows.push((
        lang.pick("所附资料", "Records enclosed"),
        list(records.iter().cloned(), not_recorded),
    ));

    let mut out = match lang {
        Lang::Zh => format!(
            "# 在线申请表填写内容\n\n患者 {} · {today}。逐项复制到 {} 的申请表中。\n",
            patient.id,
            t(&contact.institution)
        ),
        Lang::En => format!(
            "# Answers for the second-opinion request form\n\nPatient {} · {today}. Copy each answer into the form of {}.\n",
            patient.id,
            t(&contact.institution)
        ),
    };
    for (label, value) in rows {
        out.push_str(&format!("\n## {label}\n\n{value}\n"));
    }
    out
}

fn list(items: impl Iterator<Item = String>, empty: &str) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        empty.to_string()
    } else {
        items.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::tests::{contacts, demo_case, today};

    #[test]
    fn answers_respect_what_the_contact_may_see() {
        let case = demo_case();
        let contacts = contacts();
        let uw = contacts.get("uwmc-liver").unwrap();
        let text = markdown(&case, uw, Lang::En, today(), &["a.pdf".into()]);
        assert!(text.contains("## Patient name\n\nLi Guoqiang (fictional)"));
        assert!(
            text.contains("## ID / passport number\n\n(not shared"),
            "{text}"
        );
        assert!(text.contains("2021-07-05 — TACE"));
        assert!(text.contains("Propranolol 10 mg twice daily"));
        assert!(text.contains("penicillin (rash"));
        assert!(text.contains("1. The lesion kept growing"));
    }
}
