//! `fields.md` of a platform pack: the consultation form's fields (haodf.com's order:
//! 疾病, 病情描述, 希望获得的帮助, 患病多久, 已就诊医院及科室, 用药情况, 过敏史, 既往病史) as
//! paste-ready text, each with its character count against the platform's limit. A field over
//! its limit is cut between whole lines or sentences — the description drops its oldest events
//! first, the others their last sentences — and the file says what was cut.
//!
//! No platform publishes its limits; the presets are those of comparable forms
//! (shared/reference/channels.md) and a contact's `text_limit` overrides the description's.

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::Case;
use crate::case::model::{Condition, PersonalField, TreatmentKind};
use crate::contacts::Contact;
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::statement::{Fact, Statement};
use crate::summary::words;
use crate::text::{Lang, Text};

/// The description's limit when neither the contact nor a preset gives one: the comparable
/// platform's `maxlength="1000"`.
const DESCRIPTION_LIMIT: usize = 1000;

/// One field of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    pub label: String,
    pub text: String,
    /// Characters as a form counts them (one per character, Chinese included).
    pub chars: usize,
    pub limit: usize,
    /// What was left out to stay within the limit, in words for the family.
    pub cut: Option<String>,
}

/// The fields for a contact, in the form's order. What they say about the case comes from the
/// case statement ([`crate::statement`]), as in every other outgoing text.
pub fn fields(
    case: &Case,
    statement: &Statement,
    contact: &Contact,
    lang: Lang,
    today: NaiveDate,
) -> Vec<Field> {
    let t = |text: &Text| text.best(lang).to_string();
    let sep = lang.pick("；", "; ");
    let description_limit = contact.text_limit.map_or(DESCRIPTION_LIMIT, |l| l as usize);
    let mut out = Vec::new();

    // 疾病: the primary diagnosis and date, what was done, the latest response. haodf shows it
    // as a one-line title and publishes no limit; 150 keeps it one line on a phone.
    out.push(sentences(
        lang.pick("疾病", "Diagnosis"),
        std::slice::from_ref(&statement.disease_line),
        150,
    ));

    // 病情描述: the case in one line, the current status, then the course, one dated line
    // per event.
    let patient = &case.patient;
    let shared = patient.shared_with(Some(&contact.id));
    let name = shared
        .contains(&PersonalField::Name)
        .then(|| t(&patient.name));
    let who = match (lang, name) {
        (Lang::Zh, Some(name)) => format!("患者{name}：{}", statement.case_line),
        (Lang::Zh, None) => format!("患者：{}", statement.case_line),
        (Lang::En, Some(name)) => format!("{name}: {}", statement.case_line),
        (Lang::En, None) => format!("Patient: {}", statement.case_line),
    };
    let mut lines = vec![who];
    if !statement.status_line.is_empty() {
        lines.push(match lang {
            Lang::Zh => format!("目前状况：{}。", statement.status_line),
            Lang::En => format!("Current status: {}.", statement.status_line),
        });
    }
    let mut events: Vec<(CaseDate, String)> = Vec::new();
    for d in &case.diagnoses {
        let text = d
            .text
            .as_ref()
            .map(t)
            .unwrap_or_else(|| words::condition(d.condition, lang).to_string());
        events.push((d.date, text));
    }
    for tr in &case.treatments {
        let mut text = words::treatment_in_words(tr, lang);
        let details = words::treatment_details(tr, lang);
        if !details.is_empty() {
            text = format!("{text}{}{details}", lang.pick("：", ": "));
        }
        if let Some(notes) = &tr.notes {
            text = format!("{text}{sep}{}", t(notes));
        }
        events.push((tr.date, text));
    }
    for s in &case.imaging {
        let findings = s.findings.as_ref().map(t).unwrap_or_default();
        events.push((
            s.date,
            format!(
                "{}{}{findings}",
                words::modality(s.modality, lang),
                lang.pick("：", ": ")
            ),
        ));
    }
    events.sort_by_key(|e| e.0);
    let first_event = lines.len();
    lines.extend(
        events
            .iter()
            .map(|(date, text)| format!("{} {text}", date.with_uncertainty(lang))),
    );
    out.push(lines_field(
        lang.pick("病情描述", "Description of the illness"),
        &lines,
        description_limit,
        first_event,
        &events,
        lang,
    ));

    // 希望获得的帮助
    let questions: Vec<String> = case
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| format!("{}. {}", i + 1, t(q)))
        .collect();
    out.push(sentences(
        lang.pick("希望获得的帮助", "Help wanted"),
        &questions,
        500,
    ));

    // 患病多久: one of the platform's four choices, from the first diagnosis of the liver disease.
    let since = case
        .diagnoses
        .iter()
        .map(|d| d.date)
        .filter(|d| !d.is_unknown())
        .min();
    let duration = match since.map(|d| (today - d.day()).num_days()) {
        Some(..=7) => lang.pick("一周内", "within a week"),
        Some(8..=31) => lang.pick("一月内", "within a month"),
        Some(32..=183) => lang.pick("半年内", "within six months"),
        Some(_) => lang.pick("大于半年", "more than six months"),
        None => lang.pick("未记录", "not recorded"),
    };
    out.push(sentences(
        lang.pick("患病多久", "How long ill"),
        &[duration.to_string()],
        20,
    ));

    // 已就诊医院及科室
    let mut hospitals: Vec<String> = Vec::new();
    let visited = case
        .diagnoses
        .iter()
        .filter_map(|d| d.hospital.as_ref())
        .chain(case.treatments.iter().filter_map(|t| t.hospital.as_ref()))
        .chain(case.imaging.iter().filter_map(|s| s.hospital.as_ref()));
    for h in visited {
        let h = t(h);
        if !hospitals.contains(&h) {
            hospitals.push(h);
        }
    }
    out.push(sentences(
        lang.pick("已就诊医院及科室", "Hospitals and departments seen"),
        &[or_not_recorded(hospitals, sep, lang)],
        300,
    ));

    // 用药情况: current medications, then the stopped ones said as stopped.
    let facts = |list: &[Fact]| list.iter().map(|f| f.text.clone()).collect::<Vec<_>>();
    let current = facts(&statement.current_medications);
    let stopped = facts(&statement.stopped_medications);
    let mut medications = Vec::new();
    if !current.is_empty() || !stopped.is_empty() {
        medications.push(format!(
            "{}{}",
            lang.pick("目前用药：", "Current: "),
            or_not_recorded(current, sep, lang)
        ));
    }
    if !stopped.is_empty() {
        medications.push(format!(
            "{}{}",
            lang.pick("已停用：", "Stopped: "),
            stopped.join(sep)
        ));
    }
    out.push(sentences(
        lang.pick("用药情况", "Medications"),
        &[or_not_recorded(medications, "\n", lang)],
        500,
    ));

    // 过敏史: only what was written; nothing written is "not recorded", never "none".
    let allergies: Vec<String> = case
        .allergies
        .iter()
        .map(|a| match &a.reaction {
            Some(r) => format!(
                "{}{}{}{}",
                t(&a.substance),
                lang.pick("（", " ("),
                t(r),
                lang.pick("）", ")")
            ),
            None => t(&a.substance),
        })
        .collect();
    out.push(sentences(
        lang.pick("过敏史", "Allergies"),
        &[if case.no_known_allergies {
            lang.pick("无已知过敏", "no known allergies").to_string()
        } else {
            or_not_recorded(allergies, sep, lang)
        }],
        200,
    ));

    // 既往病史: the liver disease's cause, other conditions, and procedures tagged 【手术】.
    let mut history: Vec<String> = case
        .aetiology
        .iter()
        .map(|a| match a.since {
            Some(since) => format!("{} {since}", words::cause(a.cause, lang)),
            None => words::cause(a.cause, lang).to_string(),
        })
        .collect();
    history.extend(case.comorbidities.iter().map(|c| match c.since {
        Some(since) => format!("{} {since}", t(&c.name)),
        None => t(&c.name),
    }));
    history.extend(
        case.treatments
            .iter()
            .filter(|t| {
                matches!(
                    t.kind,
                    TreatmentKind::Tace
                        | TreatmentKind::Haic
                        | TreatmentKind::Ablation
                        | TreatmentKind::Resection
                        | TreatmentKind::Transplant
                        | TreatmentKind::Radiotherapy
                )
            })
            .map(|tr| {
                format!(
                    "{}{} {}",
                    lang.pick("【手术】", "[procedure] "),
                    words::treatment(tr.kind, lang),
                    tr.date
                )
            }),
    );
    let cirrhosis = case
        .diagnoses
        .iter()
        .find(|d| d.condition == Condition::Cirrhosis);
    if let Some(c) = cirrhosis {
        history.push(format!(
            "{} {}",
            words::condition(c.condition, lang),
            c.date
        ));
    }
    out.push(sentences(
        lang.pick("既往病史", "Past history"),
        &[or_not_recorded(history, sep, lang)],
        500,
    ));
    out
}

fn or_not_recorded(items: Vec<String>, sep: &str, lang: Lang) -> String {
    if items.is_empty() {
        lang.pick("未记录", "not recorded").to_string()
    } else {
        items.join(sep)
    }
}

/// A field of one or more paragraphs, cut at the last sentence end that fits.
fn sentences(label: &str, paragraphs: &[String], limit: usize) -> Field {
    let text = paragraphs.join("\n");
    let chars = text.chars().count();
    if chars <= limit {
        return Field {
            label: label.into(),
            text,
            chars,
            limit,
            cut: None,
        };
    }
    // The longest prefix ending at a sentence end (or line break) within the limit.
    let mut end_byte = 0;
    for (count, (i, c)) in text.char_indices().enumerate() {
        if count >= limit {
            break;
        }
        if "。！？；.!?;\n".contains(c) {
            end_byte = i + c.len_utf8();
        }
    }
    if end_byte == 0 {
        // No sentence end within the limit: cut at the last space (never inside a word).
        let upto: usize = text
            .char_indices()
            .nth(limit)
            .map_or(text.len(), |(i, _)| i);
        end_byte = text[..upto]
            .char_indices()
            .rev()
            .find(|(_, c)| matches!(c, ' ' | '，' | ','))
            .map_or(0, |(i, c)| i + c.len_utf8());
    }
    let kept = text[..end_byte].trim_end().to_string();
    let dropped = text[end_byte..].chars().count();
    Field {
        label: label.into(),
        chars: kept.chars().count(),
        text: kept,
        limit,
        cut: Some(format!(
            "{dropped} characters at the end / 末尾 {dropped} 字"
        )),
    }
}

/// The description: a first line about the patient, then one line per event. Over the limit,
/// the oldest events go first (the recent course matters most), and the field says which.
fn lines_field(
    label: &str,
    lines: &[String],
    limit: usize,
    first_event: usize,
    events: &[(CaseDate, String)],
    lang: Lang,
) -> Field {
    let count = |lines: &[String]| {
        lines.iter().map(|l| l.chars().count()).sum::<usize>() + lines.len().saturating_sub(1)
    };
    let mut kept: Vec<String> = lines.to_vec();
    let mut dropped = 0;
    while count(&kept) > limit && kept.len() > first_event + 1 {
        kept.remove(first_event);
        dropped += 1;
    }
    if count(&kept) > limit {
        // Even one event is too long: cut that text at a sentence end.
        return sentences(label, &kept, limit);
    }
    let text = kept.join("\n");
    let cut = (dropped > 0).then(|| {
        let until = events[dropped - 1].0.for_reader(lang);
        match lang {
            Lang::Zh => format!("删去了最早的 {dropped} 条记录（至 {until}），详见病历摘要图片"),
            Lang::En => format!("left out the {dropped} oldest events (up to {until}); they are in the summary images"),
        }
    });
    Field {
        label: label.into(),
        chars: text.chars().count(),
        text,
        limit,
        cut,
    }
}

/// `fields.md`: each field as a heading with its count and a fenced block to copy.
pub fn markdown(
    fields: &[Field],
    platform: Option<&str>,
    patient_id: &str,
    date: NaiveDate,
    lang: Lang,
) -> String {
    let platform = platform.unwrap_or(lang.pick("咨询平台", "the platform"));
    let mut out = match lang {
        Lang::Zh => format!(
            "# {platform} 填写内容（逐项复制粘贴）\n\n患者 {patient_id} · {date}。字数按每个汉字、字母或标点计 1。\n"
        ),
        Lang::En => format!(
            "# What to paste into {platform}\n\nPatient {patient_id} · {date}. Characters count one each, Chinese or Latin.\n"
        ),
    };
    for field in fields {
        out.push_str(&format!(
            "\n## {}（{} / {} {}）\n\n```text\n{}\n```\n",
            field.label,
            field.chars,
            field.limit,
            lang.pick("字", "characters"),
            field.text
        ));
        if let Some(cut) = &field.cut {
            out.push_str(&format!(
                "\n> {}{cut}\n",
                lang.pick("已删节：", "Shortened: ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::tests::{contacts, demo_case, today};

    fn statement(case: &Case) -> Statement {
        let criteria = crate::clinical::evaluate(case, today());
        crate::statement::build(case, &criteria, Lang::Zh, today())
    }

    #[test]
    fn the_demo_fields_fit_and_count_characters() {
        let case = demo_case();
        let contacts = contacts();
        let contact = contacts.get("ehbh-liver").unwrap();
        let fields = fields(&case, &statement(&case), contact, Lang::Zh, today());
        let labels: Vec<&str> = fields.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "疾病",
                "病情描述",
                "希望获得的帮助",
                "患病多久",
                "已就诊医院及科室",
                "用药情况",
                "过敏史",
                "既往病史"
            ]
        );
        for f in &fields {
            assert_eq!(f.chars, f.text.chars().count(), "{}", f.label);
            assert!(f.chars <= f.limit, "{}", f.label);
        }
        assert_eq!(fields[3].text, "大于半年");
        assert!(fields[1].text.contains("2021-10-15"), "{}", fields[1].text);
        assert!(
            fields[7].text.contains("【手术】TACE 2021-07-05"),
            "{}",
            fields[7].text
        );
    }

    #[test]
    fn a_long_description_drops_its_oldest_events_and_says_so() {
        let case = demo_case();
        let mut contact = contacts().get("ehbh-liver").unwrap().clone();
        contact.text_limit = Some(700);
        let fields = fields(&case, &statement(&case), &contact, Lang::Zh, today());
        let description = &fields[1];
        assert!(description.chars <= 700);
        assert!(
            description.text.contains("2021-10-15"),
            "the newest event stays"
        );
        assert!(!description.text.contains("2017-03-22"), "the oldest goes");
        assert!(description.cut.as_ref().unwrap().contains("最早的"));
        assert!(
            description.text.starts_with("患者"),
            "the patient line stays"
        );
    }

    #[test]
    fn cuts_fall_on_sentence_ends() {
        let field = sentences("x", &["第一句。第二句很长很长。第三句。".to_string()], 12);
        assert_eq!(field.text, "第一句。第二句很长很长。");
        assert!(field.cut.is_some());
        let english = sentences("x", &["One two three four five".to_string()], 12);
        assert_eq!(english.text, "One two", "never inside a word");
        let commas = sentences(
            "x",
            &["第一部分，第二部分很长很长很长，第三部分".to_string()],
            10,
        );
        assert_eq!(
            commas.text, "第一部分，",
            "cut after a Chinese comma, not inside it"
        );
    }

    #[test]
    fn nothing_written_is_not_recorded() {
        let mut case = demo_case();
        case.allergies.clear();
        let contacts = contacts();
        let fields = fields(
            &case,
            &statement(&case),
            contacts.get("ehbh-liver").unwrap(),
            Lang::Zh,
            today(),
        );
        assert_eq!(fields[6].text, "未记录");
    }
}
