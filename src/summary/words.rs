//! Fixed words of the summary in both languages: names of conditions, treatments, modalities.
//! Terms follow shared/reference/clinical-calculators.md §8.2.

use crate::case::model::{
    Cause, Condition, Finding, Habit, Modality, Qualitative, Reading, RecordKind, Sex,
    TreatmentKind,
};
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
        Condition::Varices => lang.pick("食管胃底静脉曲张", "oesophagogastric varices"),
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
        Modality::Ct => lang.pick("增强CT", "CT"),
        Modality::Mri => lang.pick("增强MRI", "MRI"),
        Modality::Us => lang.pick("超声", "ultrasound"),
        Modality::Ceus => lang.pick("超声造影", "CEUS"),
        Modality::PetCt => "PET-CT",
        Modality::Xray => lang.pick("X线", "X-ray"),
        Modality::Angiography => lang.pick("血管造影", "angiography"),
        Modality::Other => lang.pick("其他", "other"),
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
        RecordKind::Discharge => lang.pick("出院小结", "discharge summary"),
        RecordKind::Letter => lang.pick("信函", "letter"),
        RecordKind::Other => lang.pick("其他", "other"),
    }
}
