//! The validated case: the patient, the course of the disease and the records, as domain types.
//!
//! Everything here has been checked by the parser: dates are real and not in the future,
//! units are known, referenced record files exist. Nothing here does I/O.

use std::path::PathBuf;

use chrono::NaiveDate;

pub use crate::date::CaseDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::date::ReaderDate;
use crate::lab::{Analyte, Unit};
use crate::text::{Lang, Text};
use crate::toml_reader::Choice;

/// Declares a closed set of words as an enum with its accepted spellings.
macro_rules! choice_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = [$($word:literal),+]),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl Choice for $name {
            const CHOICES: &'static [(&'static str, Self)] = &[$($(($word, $name::$variant)),+),+];
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
pub(crate) use choice_enum;

/// Everything consultpack knows about one patient.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub patient: Patient,
    pub aetiology: Vec<Aetiology>,
    pub diagnoses: Vec<Diagnosis>,
    pub treatments: Vec<Treatment>,
    pub imaging: Vec<ImagingStudy>,
    pub pathology: Vec<Pathology>,
    pub labs: Vec<LabResult>,
    pub assessments: Vec<Assessment>,
    pub medications: Vec<Medication>,
    pub allergies: Vec<Allergy>,
    /// The family wrote that there are no known allergies (`allergies = "none known"`); with
    /// neither this nor `[[allergy]]` entries, allergies are *not recorded*, never "none".
    pub no_known_allergies: bool,
    pub comorbidities: Vec<Comorbidity>,
    pub history: History,
    /// The family's own account of the illness (病情经过), free text, paragraphs separated by
    /// blank lines.
    pub narrative: Option<Text>,
    /// What a doctor said, as the family recorded it (`[[remark]]`): quoted in the narrative,
    /// never read as a criterion's result.
    pub remarks: Vec<Remark>,
    pub questions: Vec<Text>,
    /// What a transplant team asks before it can take a patient from abroad (`[practical]`).
    pub practical: Practical,
    pub records: Vec<Record>,
    pub criteria_settings: CriteriaSettings,
}

/// A doctor's remark as the family recorded it: "可能超出米兰标准".
#[derive(Debug, Clone, Serialize)]
pub struct Remark {
    pub who: Option<Text>,
    pub date: Option<CaseDate>,
    pub text: Text,
}

impl Remark {
    /// Quoted, with who said it and when: “可能超出米兰标准” — 张医生，2021-10-20（家属记录的医生原话）.
    pub fn quoted(&self, lang: crate::text::Lang) -> String {
        let said: Vec<String> = [
            self.who.as_ref().map(|w| w.best(lang).to_string()),
            self.date.map(|d| d.for_reader(lang)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let text = self.text.best(lang);
        match lang {
            crate::text::Lang::Zh => format!(
                "“{text}”{}（家属记录的医生原话，不是评估结果）",
                if said.is_empty() {
                    String::new()
                } else {
                    format!(" —— {}", said.join("，"))
                }
            ),
            crate::text::Lang::En => format!(
                "“{text}”{} (a doctor's remark as the family recorded it, not a computed result)",
                if said.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", said.join(", "))
                }
            ),
        }
    }
}

/// The practical questions a transplant team asks first, as the family answers them; each
/// left out is listed as not available for readers who ask for it ([`crate::gaps`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Practical {
    /// Whether a relative could be a living liver donor, in the family's words.
    pub living_donor: Option<Text>,
    /// The language the patient speaks and whether an interpreter is needed.
    pub interpreter: Option<Text>,
    /// How care would be paid for (international self-pay, insurance).
    pub payment: Option<Text>,
    /// Where the patient lives, and whether and when they can travel.
    pub travel: Option<Text>,
}

impl Case {
    /// The newest date of the case's data on or before `today` (labs, imaging, treatments,
    /// assessments, diagnoses, pathology): the date a reader's picture of the case holds for.
    pub fn data_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.labs
            .iter()
            .map(|l| l.date)
            .chain(self.imaging.iter().map(|s| s.date))
            .chain(self.treatments.iter().map(|t| t.date))
            .chain(self.assessments.iter().map(|a| a.date))
            .chain(self.diagnoses.iter().map(|d| d.date))
            .chain(self.pathology.iter().map(|p| p.date))
            .map(CaseDate::day)
            .filter(|d| *d <= today)
            .max()
    }
}

choice_enum!(
    /// Sex as recorded; MELD 3.0 needs it.
    Sex { Male = ["male", "m", "男"], Female = ["female", "f", "女"] }
);

choice_enum!(
    /// A personal detail that a contact may or may not be shown.
    PersonalField {
        Name = ["name"],
        BirthDate = ["birth_date"],
        IdNumber = ["id_number"],
        Phone = ["phone"],
        Address = ["address"],
        Email = ["email"],
    }
);

#[derive(Debug, Clone, Serialize)]
pub struct Patient {
    /// A short identifier used in file names and page headers, e.g. `WANG-JM`.
    pub id: String,
    pub name: Text,
    pub sex: Sex,
    pub birth_date: CaseDate,
    pub id_number: Option<String>,
    /// ABO blood group and Rh as a lab printed it ("A+", "O Rh阳性").
    pub blood_group: Option<String>,
    /// The patient's IDs at hospitals (DICOM PatientID), to tell their images from another's.
    pub dicom_ids: Vec<String>,
    pub phone: Option<String>,
    pub address: Option<Text>,
    pub email: Option<String>,
    /// The personal fields shown to every contact unless `share_with` says otherwise.
    pub share: Vec<PersonalField>,
    /// Per contact id: the personal fields that contact sees instead of `share`.
    pub share_with: Vec<(String, Vec<PersonalField>)>,
}

impl Patient {
    /// The personal fields a contact may see.
    pub fn shared_with(&self, contact_id: Option<&str>) -> &[PersonalField] {
        contact_id
            .and_then(|id| self.share_with.iter().find(|(c, _)| c == id))
            .map_or(&self.share, |(_, fields)| fields)
    }

    /// Age in whole years on a date; with a birth date known only approximately, the oldest
    /// the patient can be.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        date.years_since(self.birth_date.day()).unwrap_or(0)
    }

    /// Age for a reader: `63`, or `62–63` when the birth date is approximate and the age on
    /// `date` depends on the day.
    pub fn age_text(&self, date: NaiveDate) -> String {
        let oldest = self.age_on(date);
        let youngest = date.years_since(self.birth_date.last_day()).unwrap_or(0);
        if youngest == oldest {
            oldest.to_string()
        } else {
            format!("{youngest}–{oldest}")
        }
    }
}

choice_enum!(
    /// The cause of the liver disease.
    Cause {
        Hbv = ["HBV", "hepatitis-b"],
        Hcv = ["HCV", "hepatitis-c"],
        Hdv = ["HDV"],
        Alcohol = ["alcohol"],
        Masld = ["MASLD", "NAFLD", "MASH", "NASH"],
        Other = ["other"],
    }
);

#[derive(Debug, Clone, Serialize)]
pub struct Aetiology {
    pub cause: Cause,
    /// When it was first known; only the year may be known.
    pub since: Option<CaseDate>,
    pub note: Option<Text>,
}

choice_enum!(
    /// A step in the course of the liver disease.
    Condition {
        Cirrhosis = ["cirrhosis"],
        Lgdn = ["LGDN", "low-grade-dysplastic-nodule"],
        Hgdn = ["HGDN", "high-grade-dysplastic-nodule"],
        Hcc = ["HCC", "hepatocellular-carcinoma"],
        PortalHypertension = ["portal-hypertension"],
        Varices = ["varices"],
        Other = ["other"],
    }
);

#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    pub date: CaseDate,
    pub condition: Condition,
    /// How the diagnosis was made or worded in the report.
    pub text: Option<Text>,
    pub hospital: Option<Text>,
    pub record: Option<PathBuf>,
}

choice_enum!(
    /// A kind of treatment.
    TreatmentKind {
        Tace = ["TACE"],
        Haic = ["HAIC"],
        Ablation = ["ablation", "RFA", "MWA"],
        Resection = ["resection"],
        Transplant = ["transplant"],
        Radiotherapy = ["radiotherapy", "SBRT", "TARE", "Y90"],
        Systemic = ["systemic"],
        Antiviral = ["antiviral"],
        Other = ["other"],
    }
);

#[derive(Debug, Clone, Serialize)]
pub struct Treatment {
    pub id: Option<String>,
    pub date: CaseDate,
    pub kind: TreatmentKind,
    pub hospital: Option<Text>,
    /// e.g. "cTACE, superselective (S8)".
    pub technique: Option<Text>,
    /// Drugs and materials with doses, as written in the procedure note.
    pub agents: Vec<Text>,
    /// For a course of treatment (systemic, antiviral): when and why it stopped.
    pub course: Course,
    pub notes: Option<Text>,
    pub record: Option<PathBuf>,
}

impl Treatment {
    /// A drug course by its drugs ("sorafenib 400 mg twice daily"), so that a reader sees the
    /// drug, never just "systemic therapy"; `None` for procedures.
    pub fn drugs(&self, lang: crate::text::Lang) -> Option<String> {
        let course = matches!(
            self.kind,
            TreatmentKind::Systemic | TreatmentKind::Antiviral | TreatmentKind::Other
        );
        let drugs: Vec<&str> = self.agents.iter().map(|a| a.best(lang)).collect();
        (course && !drugs.is_empty()).then(|| self.course.named(&drugs.join(", "), lang))
    }

    /// What to call it for a reader: its drugs, else its id ("TACE-1"); `None` when only the
    /// kind is known.
    pub fn name(&self, lang: crate::text::Lang) -> Option<String> {
        self.drugs(lang).or_else(|| self.id.clone())
    }
}

choice_enum!(
    /// Why a drug or course was stopped.
    StopReason {
        Progression = ["progression", "disease-progression", "PD", "进展", "疾病进展"],
        SideEffects = ["side-effects", "side-effect", "adverse-events", "toxicity", "intolerance", "不良反应", "副作用", "不能耐受"],
        Completed = ["completed", "course-completed", "疗程结束", "完成"],
        Other = ["other", "其他"],
    }
);

/// A side effect as the family or the notes describe it, with its CTCAE grade (1–5) if known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdverseEvent {
    pub event: Text,
    pub grade: Option<u8>,
}

/// How a course of a drug ended, as far as the family knows; empty when nothing was written.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Course {
    pub stop: Option<CaseDate>,
    pub stop_reason: Option<StopReason>,
    pub adverse_events: Vec<AdverseEvent>,
    /// `certainty = "probable"`: the drug is the family's recollection ("应该是索拉非尼"), not
    /// read from a document.
    pub probable: bool,
}

impl Course {
    pub fn is_empty(&self) -> bool {
        self.stop.is_none() && self.stop_reason.is_none() && self.adverse_events.is_empty()
    }

    /// A drug's name as certain as it is known: "probably sorafenib (family's recollection)".
    pub fn named(&self, name: &str, lang: crate::text::Lang) -> String {
        match (self.probable, lang) {
            (false, _) => name.to_string(),
            (true, crate::text::Lang::Zh) => format!("可能是{name}（家属回忆）"),
            (true, crate::text::Lang::En) => format!("probably {name} (family's recollection)"),
        }
    }
}

choice_enum!(
    /// How sure the family is of a drug or treatment.
    Certainty {
        Certain = ["certain", "sure", "确定"],
        Probable = ["probable", "probably", "likely", "可能", "应该是"],
    }
);

choice_enum!(
    /// An imaging modality.
    Modality {
        Ct = ["CT"],
        Mri = ["MRI", "MR"],
        Us = ["US", "ultrasound"],
        Ceus = ["CEUS"],
        PetCt = ["PET-CT", "PET"],
        Xray = ["X-ray"],
        Angiography = ["DSA", "angiography"],
        Other = ["other"],
    }
);

choice_enum!(
    /// The part of the body a study covers.
    Region {
        Abdomen = ["abdomen", "liver", "upper-abdomen"],
        Chest = ["chest", "thorax"],
        ChestAbdomen = ["chest-abdomen", "chest-abdomen-pelvis"],
        WholeBody = ["whole-body"],
        Other = ["other"],
    }
);

impl Region {
    /// Whether a study of this region shows the lungs (a chest CT for staging).
    pub fn covers_chest(self) -> bool {
        matches!(
            self,
            Region::Chest | Region::ChestAbdomen | Region::WholeBody
        )
    }
}

choice_enum!(
    /// A finding that may be present, absent or not yet known. Unknown is never read as "no".
    Finding { Yes = ["yes", "true"], No = ["no", "false"], Unknown = ["unknown"] }
);

choice_enum!(
    /// How a lesion is classified: LI-RADS categories, treatment-response categories, or biopsy.
    LesionClass {
        Lr1 = ["LR-1"],
        Lr2 = ["LR-2"],
        Lr3 = ["LR-3"],
        Lr4 = ["LR-4"],
        Lr5 = ["LR-5"],
        LrM = ["LR-M"],
        LrTrViable = ["LR-TR-viable"],
        LrTrEquivocal = ["LR-TR-equivocal"],
        LrTrNonviable = ["LR-TR-nonviable"],
        BiopsyHcc = ["biopsy-HCC"],
        Hgdn = ["HGDN"],
        Lgdn = ["LGDN"],
    }
);

impl LesionClass {
    /// Whether transplant criteria count the lesion as HCC (LR-5, viable treated, biopsy-proven).
    pub fn counts_as_hcc(self) -> bool {
        matches!(
            self,
            LesionClass::Lr5 | LesionClass::LrTrViable | LesionClass::BiopsyHcc
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImagingStudy {
    pub id: Option<String>,
    pub date: CaseDate,
    pub modality: Modality,
    /// The part of the body it covers, where written.
    pub region: Option<Region>,
    pub hospital: Option<Text>,
    /// The written report, under records/.
    pub report: Option<PathBuf>,
    /// The DICOM folder, under records/.
    pub dicom: Option<PathBuf>,
    pub findings: Option<Text>,
    pub macrovascular_invasion: Finding,
    pub extrahepatic_spread: Finding,
    /// An enlarged spleen (a sign of portal hypertension), as the report says.
    pub splenomegaly: Finding,
    pub lesions: Vec<Lesion>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lesion {
    /// The same id across studies marks the same lesion (needed for response assessment).
    pub id: String,
    pub segment: Option<String>,
    /// Longest whole-lesion diameter in mm.
    pub longest_mm: Decimal,
    /// Longest viable (arterially enhancing) diameter in mm, where reported.
    pub viable_mm: Option<Decimal>,
    pub class: Option<LesionClass>,
    pub note: Option<Text>,
    /// The longest diameter was written as approximate ("约3 cm", "~30 mm", "about 3 cm").
    pub longest_approximate: bool,
    /// The viable diameter was written as approximate.
    pub viable_approximate: bool,
}

choice_enum!(
    /// Histological differentiation (Edmondson–Steiner grade).
    Grade {
        I = ["I", "1", "well"],
        II = ["II", "2", "moderate"],
        III = ["III", "3", "poor"],
        IV = ["IV", "4", "undifferentiated"],
    }
);

#[derive(Debug, Clone, Serialize)]
pub struct Pathology {
    pub date: CaseDate,
    pub specimen: Option<Text>,
    pub diagnosis: Text,
    pub grade: Option<Grade>,
    pub microvascular_invasion: Finding,
    pub record: Option<PathBuf>,
}

/// How a value was printed: exactly, or as below/above a detection limit (`<0.5`, `>1000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Qualifier {
    Exact,
    Below,
    Above,
}

#[derive(Debug, Clone, Serialize)]
pub struct LabResult {
    pub analyte: Analyte,
    pub reading: Reading,
    pub date: CaseDate,
    pub hospital: Option<Text>,
    /// The lab sheet the value was copied from, under records/.
    pub source: Option<PathBuf>,
    /// The lab's own reference range as printed (never hard-coded by us).
    pub reference_range: Option<String>,
}

impl LabResult {
    /// The number, when the lab printed one.
    pub fn measured(&self) -> Option<&Measured> {
        match &self.reading {
            Reading::Number(measured) => Some(measured),
            Reading::Word(_) => None,
        }
    }
}

/// What a lab printed for a test: a number with its unit, or a word (serology, "not detected").
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reading {
    Number(Measured),
    Word(Qualitative),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measured {
    pub value: Decimal,
    pub qualifier: Qualifier,
    pub unit: Unit,
    /// The number as printed when it was not a plain decimal (`5.2E+02`, `5.2×10^2`), so that
    /// it is shown as the lab printed it.
    pub printed: Option<String>,
}

impl Reading {
    /// An exact value in the analyte's canonical unit, when it is a number that converts.
    pub fn canonical(&self, analyte: Analyte) -> Option<Decimal> {
        match self {
            Reading::Number(m) if m.qualifier == Qualifier::Exact => {
                crate::lab::convert(analyte, m.value, m.unit, analyte.canonical_unit())
            }
            _ => None,
        }
    }

    /// Whether two values of one test say the same: written alike, or equal once converted.
    pub fn agrees_with(&self, other: &Reading, analyte: Analyte) -> bool {
        let written_alike = match (self, other) {
            (Reading::Number(x), Reading::Number(y)) => {
                x.value == y.value && x.unit == y.unit && x.qualifier == y.qualifier
            }
            (x, y) => x == y,
        };
        written_alike
            || self
                .canonical(analyte)
                .is_some_and(|x| other.canonical(analyte) == Some(x))
    }
}

impl Measured {
    /// The number as printed, with its `<` or `>`, without the unit: `<20`, `5.2E+02`.
    pub fn shown(&self) -> String {
        let sign = match self.qualifier {
            Qualifier::Exact => "",
            Qualifier::Below => "<",
            Qualifier::Above => ">",
        };
        match &self.printed {
            Some(printed) => format!("{sign}{printed}"),
            None => format!("{sign}{}", self.value),
        }
    }
}

choice_enum!(
    /// A qualitative result as labs print it (HBsAg 阳性, anti-HCV −, HBV DNA 未检出).
    Qualitative {
        Positive = ["positive", "pos", "+", "(+)", "阳性", "阳性(+)", "阳性（+）"],
        WeaklyPositive = ["weakly positive", "weak positive", "weakly-positive", "±", "+/-", "弱阳性"],
        Negative = ["negative", "neg", "-", "−", "(-)", "(−)", "阴性", "阴性(-)", "阴性（-）", "阴性（−）"],
        NotDetected = ["not detected", "undetectable", "undetected", "TND", "未检出", "未检测到", "低于检测下限"],
    }
);

choice_enum!(
    /// Ascites grade as a clinician coded it.
    Ascites { None = ["none"], Mild = ["mild", "slight"], ModerateSevere = ["moderate-severe", "moderate", "severe", "refractory"] }
);

choice_enum!(
    /// Hepatic encephalopathy grade as a clinician coded it.
    Encephalopathy { None = ["none"], Grade1To2 = ["grade-1-2", "grade1-2", "mild"], Grade3To4 = ["grade-3-4", "grade3-4", "severe"] }
);

/// A clinical assessment on a date: any of performance status, ascites, encephalopathy, dialysis.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub date: CaseDate,
    pub ecog: Option<u8>,
    /// Performance status as the family or a doctor described it when it is not an ECOG number
    /// (`ecog = "0-1"`, `performance = "PS良好"`): printed as written, never turned into one.
    pub performance: Option<Text>,
    pub ascites: Option<Ascites>,
    pub encephalopathy: Option<Encephalopathy>,
    /// Two or more dialysis sessions (or 24 h CVVHD) in the week before this date.
    pub dialysis: Option<bool>,
    pub weight_kg: Option<Decimal>,
    pub assessed_by: Option<Text>,
    pub note: Option<Text>,
}

impl Assessment {
    /// The performance status as recorded, for every text that says it: "ECOG 1", or the
    /// words as written ("performance status: PS良好") — never a number made from words.
    pub fn performance_status(&self, lang: crate::text::Lang) -> Option<String> {
        match (self.ecog, &self.performance) {
            (Some(ecog), _) => Some(format!("ECOG {ecog}")),
            (None, Some(words)) => Some(format!(
                "{}{}",
                lang.pick("体能状态：", "performance status: "),
                words.best(lang)
            )),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Medication {
    pub name: Text,
    pub dose: Option<Text>,
    pub start: Option<CaseDate>,
    pub course: Course,
    pub purpose: Option<Text>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Allergy {
    pub substance: Text,
    pub reaction: Option<Text>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comorbidity {
    pub name: Text,
    pub since: Option<CaseDate>,
    pub note: Option<Text>,
}

choice_enum!(
    /// Smoking or drinking history.
    Habit { Never = ["never"], Former = ["former"], Current = ["current"], Unknown = ["unknown"] }
);

#[derive(Debug, Clone, Default, Serialize)]
pub struct History {
    pub smoking: Option<Habit>,
    pub alcohol: Option<Habit>,
    pub note: Option<Text>,
}

choice_enum!(
    /// What a record file is.
    RecordKind {
        Imaging = ["imaging"],
        Dicom = ["dicom"],
        Lab = ["lab"],
        Pathology = ["pathology"],
        Procedure = ["procedure"],
        Endoscopy = ["endoscopy"],
        Discharge = ["discharge"],
        Letter = ["letter"],
        Other = ["other"],
    }
);

/// A file under records/ with what the family said about it.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Path relative to records/, with forward slashes.
    pub path: PathBuf,
    pub kind: RecordKind,
    pub date: CaseDate,
    pub title: Text,
    /// The language the document is written in.
    pub language: Option<Lang>,
    /// A DICOM folder the family knows holds another person's images: left out of everything.
    pub other_patient: bool,
}

/// Settings for the criteria calculators that only the family (or their doctor) can supply.
#[derive(Debug, Clone, Serialize)]
pub struct CriteriaSettings {
    /// Labs combined in one score must be at most this many days apart.
    pub lab_window_days: u32,
    /// ng/mL per IU/mL for this patient's AFP assay; without it AFP in IU/mL is not used.
    pub afp_ng_per_iu: Option<Decimal>,
}

impl Default for CriteriaSettings {
    fn default() -> Self {
        Self {
            lab_window_days: 7,
            afp_ng_per_iu: None,
        }
    }
}
