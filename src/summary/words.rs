//! Fixed words of the summary in both languages: names of conditions, treatments, modalities.
//! Terms follow shared/reference/clinical-calculators.md §8.2.

use crate::case::model::{
    AdverseEvent, Ascites, Cause, Condition, Course, Finding, Habit, Modality, Qualitative,
    Reading, RecordKind, Sex, StopReason, Treatment, TreatmentKind,
};
use crate::date::ReaderDate;
use crate::text::Lang;

pub fn qualitative(result: Qualitative, lang: Lang) -> &'static str {
    match result {
        Qualitative::Positive => lang.pick("阳性", "positive"),
        Qualitative::WeaklyPositive => lang.pick("弱阳性", "weakly positive"),
        Qualitative::Negative => lang.pick("阴性", "negative"),
        Qualitative::NotDetected => lang.pick("未检出", "not detected"),
    }
}

/// A lab reading without its unit, as printed (`<20`, `5.2E+02`) or in words (`阳性`).
pub fn reading(reading: &Reading, lang: Lang) -> String {
    match reading {
        Reading::Number(measured) => measured.shown(),
        Reading::Word(word) => qualitative(*word, lang).to_string(),
    }
}

/// A treatment in running text: "TACE", "systemic therapy (sorafenib 400 mg twice daily)".
pub fn treatment_in_words(t: &Treatment, lang: Lang) -> String {
    let kind = treatment(t.kind, lang);
    match t.drugs(lang) {
        Some(drugs) => format!(
            "{kind}{}{drugs}{}",
            lang.pick("（", " ("),
            lang.pick("）", ")")
        ),
        None => kind.to_string(),
    }
}

/// A treatment's technique and how it ended, joined: "cTACE, superselective; stopped …".
pub fn treatment_details(t: &Treatment, lang: Lang) -> String {
    let technique = t.technique.as_ref().map(|x| x.best(lang).to_string());
    technique
        .into_iter()
        .chain(course_end(&t.course, lang))
        .collect::<Vec<_>>()
        .join(lang.pick("；", "; "))
}

/// "vomiting, gastric ulcer (grade 3)" / "呕吐、胃溃疡（3级）".
pub fn adverse_events(events: &[AdverseEvent], lang: Lang) -> String {
    events
        .iter()
        .map(|e| {
            let event = e.event.best(lang);
            match (e.grade, lang) {
                (Some(g), Lang::Zh) => format!("{event}（{g}级）"),
                (Some(g), Lang::En) => format!("{event} (grade {g})"),
                (None, _) => event.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// How a drug or course ended, in one phrase: "stopped Oct 25, 2021 for side effects: vomiting,
/// gastric ulcer (grade 3)". `None` when nothing about its end was written.
pub fn course_end(course: &Course, lang: Lang) -> Option<String> {
    if course.is_empty() {
        return None;
    }
    let events =
        (!course.adverse_events.is_empty()).then(|| adverse_events(&course.adverse_events, lang));
    let stop = course.stop.map(|d| d.for_reader(lang));
    let line = match (lang, course.stop_reason, stop) {
        (Lang::En, Some(StopReason::Completed), stop) => match stop {
            Some(stop) => format!("completed {stop}"),
            None => "completed (date not recorded)".to_string(),
        },
        (Lang::Zh, Some(StopReason::Completed), stop) => match stop {
            Some(stop) => format!("{stop} 疗程结束"),
            None => "疗程结束（日期未记录）".to_string(),
        },
        (Lang::En, Some(reason), stop) => {
            let why = match reason {
                StopReason::Progression => "for progression",
                StopReason::SideEffects => "for side effects",
                _ => "for another reason",
            };
            match stop {
                Some(stop) => format!("stopped {stop} {why}"),
                None => format!("stopped {why} (date not recorded)"),
            }
        }
        (Lang::Zh, Some(reason), stop) => {
            let why = match reason {
                StopReason::Progression => "因疾病进展停药",
                StopReason::SideEffects => "因不良反应停药",
                _ => "因其他原因停药",
            };
            match stop {
                Some(stop) => format!("{stop} {why}"),
                None => format!("{why}（日期未记录）"),
            }
        }
        (Lang::En, None, Some(stop)) => format!("stopped {stop} (reason not recorded)"),
        (Lang::Zh, None, Some(stop)) => format!("{stop} 停药（原因未记录）"),
        (_, None, None) => {
            let events = events.unwrap_or_default();
            return Some(format!(
                "{}{events}",
                lang.pick("不良反应：", "side effects: ")
            ));
        }
    };
    Some(match (events, course.stop_reason) {
        (Some(events), Some(StopReason::SideEffects)) => {
            format!("{line}{}{events}", lang.pick("：", ": "))
        }
        (Some(events), _) => format!(
            "{line}{}{events}",
            lang.pick("；不良反应：", "; side effects: ")
        ),
        (None, _) => line,
    })
}

pub fn sex(sex: Sex, lang: Lang) -> &'static str {
    match sex {
        Sex::Male => lang.pick("男", "male"),
        Sex::Female => lang.pick("女", "female"),
    }
}

pub fn condition(condition: Condition, lang: Lang) -> &'static str {
    match condition {
        Condition::Cirrhosis => lang.pick("肝硬化", "cirrhosis"),
        Condition::Lgdn => lang.pick(
            "低级别不典型增生结节（LGDN）",
            "low-grade dysplastic nodule (LGDN)",
        ),
        Condition::Hgdn => lang.pick(
            "高级别不典型增生结节（HGDN）",
            "high-grade dysplastic nodule (HGDN)",
        ),
        Condition::Hcc => lang.pick("肝细胞癌（HCC）", "hepatocellular carcinoma (HCC)"),
        Condition::PortalHypertension => lang.pick("门静脉高压", "portal hypertension"),
        Condition::Varices => lang.pick("静脉曲张", "varices"),
        Condition::Other => lang.pick("其他", "other"),
    }
}

pub fn cause(cause: Cause, lang: Lang) -> &'static str {
    match cause {
        Cause::Hbv => lang.pick("乙型肝炎病毒（HBV）", "hepatitis B (HBV)"),
        Cause::Hcv => lang.pick("丙型肝炎病毒（HCV）", "hepatitis C (HCV)"),
        Cause::Hdv => lang.pick("丁型肝炎病毒（HDV）", "hepatitis D (HDV)"),
        Cause::Alcohol => lang.pick("酒精", "alcohol"),
        Cause::Masld => lang.pick("代谢相关脂肪性肝病（MASLD）", "MASLD"),
        Cause::Other => lang.pick("其他", "other"),
    }
}

pub fn treatment(kind: TreatmentKind, lang: Lang) -> &'static str {
    match kind {
        TreatmentKind::Tace => "TACE",
        TreatmentKind::Haic => "HAIC",
        TreatmentKind::Ablation => lang.pick("消融", "ablation"),
        TreatmentKind::Resection => lang.pick("肝切除", "resection"),
        TreatmentKind::Transplant => lang.pick("肝移植", "transplant"),
        TreatmentKind::Radiotherapy => lang.pick("放疗", "radiotherapy"),
        TreatmentKind::Systemic => lang.pick("系统治疗", "systemic therapy"),
        TreatmentKind::Antiviral => lang.pick("抗病毒治疗", "antiviral therapy"),
        TreatmentKind::Other => lang.pick("其他治疗", "other treatment"),
    }
}

pub fn modality(modality: Modality, lang: Lang) -> &'static str {
    match modality {
        Modality::Ct => "CT",
        Modality::Mri => "MRI",
        Modality::Us => lang.pick("超声", "ultrasound"),
        Modality::Ceus => lang.pick("超声造影", "CEUS"),
        Modality::PetCt => "PET-CT",
        Modality::Xray => lang.pick("X线", "X-ray"),
        Modality::Angiography => lang.pick("血管造影", "angiography"),
        Modality::Other => lang.pick("其他", "other"),
    }
}

pub fn ascites(ascites: Ascites, lang: Lang) -> &'static str {
    match ascites {
        Ascites::None => lang.pick("无腹水", "no ascites"),
        Ascites::Mild => lang.pick("少量腹水", "mild ascites"),
        Ascites::ModerateSevere => lang.pick("中到大量腹水", "moderate–severe ascites"),
    }
}

pub fn finding(finding: Finding, lang: Lang) -> &'static str {
    match finding {
        Finding::Yes => lang.pick("有", "yes"),
        Finding::No => lang.pick("无", "no"),
        Finding::Unknown => lang.pick("未知", "unknown"),
    }
}

pub fn habit(habit: Habit, lang: Lang) -> &'static str {
    match habit {
        Habit::Never => lang.pick("从不", "never"),
        Habit::Former => lang.pick("已戒", "former"),
        Habit::Current => lang.pick("目前有", "current"),
        Habit::Unknown => lang.pick("不详", "unknown"),
    }
}

pub fn record_kind(kind: RecordKind, lang: Lang) -> &'static str {
    match kind {
        RecordKind::Imaging => lang.pick("影像报告", "imaging report"),
        RecordKind::Dicom => lang.pick("DICOM 影像", "DICOM images"),
        RecordKind::Lab => lang.pick("化验单", "lab report"),
        RecordKind::Pathology => lang.pick("病理报告", "pathology report"),
        RecordKind::Procedure => lang.pick("手术/操作记录", "procedure note"),
        RecordKind::Endoscopy => lang.pick("胃镜报告", "endoscopy report"),
        RecordKind::Discharge => lang.pick("出院小结", "discharge summary"),
        RecordKind::Letter => lang.pick("信函", "letter"),
        RecordKind::Other => lang.pick("其他", "other"),
    }
}

/// A record's kind and title as one label, the kind left out where the title already says it
/// ("Imaging report", not "imaging report Imaging report"; "MRI report", not "imaging report
/// MRI report").
pub fn record_label(kind: RecordKind, title: &str, lang: Lang, separator: &str) -> String {
    let kind = record_kind(kind, lang);
    let (title_lower, kind_lower) = (title.to_lowercase(), kind.to_lowercase());
    // The word a kind ends with: "report", "note"; 报告, 记录.
    let last = match lang {
        Lang::En => kind_lower
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_string(),
        Lang::Zh => kind_lower
            .chars()
            .rev()
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect(),
    };
    if title_lower.starts_with(&kind_lower)
        || (!last.is_empty() && title_lower.trim_end().ends_with(&last))
    {
        title.to_string()
    } else {
        format!("{kind}{separator}{title}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::CaseDate;
    use crate::text::Text;

    fn course(
        stop: Option<&str>,
        reason: Option<StopReason>,
        events: &[(&str, Option<u8>)],
    ) -> Course {
        Course {
            stop: stop.map(|s| CaseDate::parse(s).unwrap()),
            stop_reason: reason,
            probable: false,
            adverse_events: events
                .iter()
                .map(|(e, grade)| AdverseEvent {
                    event: Text::plain(*e),
                    grade: *grade,
                })
                .collect(),
        }
    }

    #[test]
    fn how_a_course_ended_is_said_without_inventing_anything() {
        use StopReason::*;
        let vomiting = [("vomiting", None), ("gastric ulcer", Some(3))];
        for (course, en, zh) in [
            (
                course(Some("2021-10-25"), Some(SideEffects), &vomiting),
                "stopped Oct 25, 2021 for side effects: vomiting, gastric ulcer (grade 3)",
                "2021-10-25 因不良反应停药：vomiting、gastric ulcer（3级）",
            ),
            (
                course(Some("2021-10 late"), Some(Progression), &[]),
                "stopped late Oct 2021 for progression",
                "2021-10下旬 因疾病进展停药",
            ),
            (
                course(None, Some(Progression), &vomiting),
                "stopped for progression (date not recorded); side effects: vomiting, gastric ulcer (grade 3)",
                "因疾病进展停药（日期未记录）；不良反应：vomiting、gastric ulcer（3级）",
            ),
            (
                course(Some("2021-10-25"), None, &[]),
                "stopped Oct 25, 2021 (reason not recorded)",
                "2021-10-25 停药（原因未记录）",
            ),
            (
                course(Some("2021-10-25"), Some(Completed), &[]),
                "completed Oct 25, 2021",
                "2021-10-25 疗程结束",
            ),
            (
                course(None, None, &vomiting[..1]),
                "side effects: vomiting",
                "不良反应：vomiting",
            ),
        ] {
            assert_eq!(course_end(&course, Lang::En).as_deref(), Some(en));
            assert_eq!(course_end(&course, Lang::Zh).as_deref(), Some(zh));
        }
        assert_eq!(course_end(&Course::default(), Lang::En), None);
    }
}
