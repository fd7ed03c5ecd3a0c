//! `intake.md` of a portal pack: the answers US second-opinion request forms ask for (name,
//! birth date, diagnosis and date, treating physicians and hospitals, treatments with dates,
//! current medications, allergies, the question), ready to copy field by field. Only what the
//! contact may see of the patient is filled in; the rest says so.

use chrono::NaiveDate;

use crate::case::Case;
use crate::case::model::PersonalField;
use crate::contacts::Contact;
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::statement::{Fact, Statement};
use crate::summary::words;
use crate::text::{Lang, Text};

/// What an intake form is told besides the case: the records enclosed, and those among them
/// in Chinese that go untranslated to an English reader.
pub struct Enclosed<'a> {
    pub records: &'a [String],
    pub untranslated: &'a [String],
}

/// The intake answers as Markdown, in the contact's language. What they say about the case
/// comes from the case statement ([`crate::statement`]).
pub fn markdown(
    case: &Case,
    statement: &Statement,
    contact: &Contact,
    lang: Lang,
    today: NaiveDate,
    enclosed: Enclosed<'_>,
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
    let texts = |facts: &[Fact]| facts.iter().map(|f| f.text.clone()).collect::<Vec<_>>();
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
                Some(birth_date(patient.birth_date, lang)),
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
        (
            lang.pick("病情概要", "The case in one line"),
            statement.case_line.clone(),
        ),
        (
            lang.pick("诊断及日期", "Diagnosis and date"),
            list(texts(&statement.diagnoses).into_iter(), not_recorded),
        ),
        (
            lang.pick("就诊医院及医生", "Treating hospitals and physicians"),
            list(texts(&statement.hospitals).into_iter(), not_recorded),
        ),
        (
            lang.pick("治疗经过（日期）", "Treatments with dates"),
            list(
                statement
                    .treatments
                    .iter()
                    .map(|l| l.fact.text.clone())
                    .chain(statement.antivirals.iter().map(|l| {
                        format!(
                            "{}{}",
                            lang.pick("抗病毒治疗：", "antiviral: "),
                            l.fact.text
                        )
                    })),
                not_recorded,
            ),
        ),
        (
            lang.pick("目前用药", "Current medications"),
            list(
                texts(&statement.current_medications).into_iter(),
                not_recorded,
            ),
        ),
    ];
    if !statement.stopped_medications.is_empty() {
        rows.push((
            lang.pick("已停用的药物", "Stopped medications"),
            list(
                texts(&statement.stopped_medications).into_iter(),
                not_recorded,
            ),
        ));
    }
    if !statement.status_line.is_empty() {
        rows.push((
            lang.pick("目前状况", "Current status"),
            list(
                texts(&statement.status)
                    .into_iter()
                    .zip(&statement.status)
                    .map(|(text, f)| match &f.date {
                        Some(date) => format!(
                            "{text}{}{date}{}",
                            lang.pick("（", " ("),
                            lang.pick("）", ")")
                        ),
                        None => text,
                    }),
                not_recorded,
            ),
        ));
    }
    rows.push((
        lang.pick("过敏", "Allergies"),
        if case.no_known_allergies {
            lang.pick("无已知过敏", "No known allergies").to_string()
        } else {
            list(
                case.allergies.iter().map(|a| match &a.reaction {
                    Some(r) => format!("{}{}{}", t(&a.substance), lang.pick("：", ": "), t(r)),
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
        list(enclosed.records.iter().cloned(), not_recorded),
    ));
    if !enclosed.untranslated.is_empty() {
        rows.push((
            lang.pick("未翻译的中文资料", "Records in Chinese, not translated"),
            list(enclosed.untranslated.iter().cloned(), not_recorded),
        ));
    }

    let mut out = match lang {
        Lang::Zh => format!(
            "# 在线申请表填写内容\n\n患者 {} · {today}。逐项复制到 {} 的申请表中。\n",
            patient.id,
            t(&contact.institution)
        ),
        Lang::En => format!(
            "# Answers for the second-opinion request form\n\nPatient {} · {}. Copy each answer into the form of {}.\n",
            patient.id,
            today.for_reader(lang),
            t(&contact.institution)
        ),
    };
    for (label, value) in rows {
        out.push_str(&format!("\n## {label}\n\n{value}\n"));
    }
    out
}

/// A date of birth as the reader's forms take it: US forms "May 12, 1958 (05/12/1958)", a
/// Chinese form 1958-05-12; a birth date known only in part as written.
fn birth_date(date: CaseDate, lang: Lang) -> String {
    match lang {
        Lang::En if !date.is_approximate() => {
            let day = date.day();
            format!("{} ({})", day.format("%B %-d, %Y"), day.format("%m/%d/%Y"))
        }
        _ => date.for_reader(lang),
    }
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
        let criteria = crate::clinical::evaluate(&case, today());
        let statement = crate::statement::build(&case, &criteria, Lang::En, today());
        let enclosed = Enclosed {
            records: &["a.pdf".into()],
            untranslated: &[],
        };
        let text = markdown(&case, &statement, uw, Lang::En, today(), enclosed);
        assert!(text.contains("## Patient name\n\nLi Guoqiang (fictional)"));
        assert!(
            text.contains("## ID / passport number\n\n(not shared"),
            "{text}"
        );
        assert!(text.contains("TACE Jul 5, 2021"));
        assert!(text.contains("Propranolol 10 mg twice daily"));
        assert!(text.contains("penicillin: rash"));
        assert!(text.contains("1. The lesion kept growing"));
    }
}
