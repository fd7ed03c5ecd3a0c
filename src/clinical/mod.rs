//! Clinical criteria computed from a case, exactly as shared/reference/clinical-calculators.md
//! specifies: tumour burden ([`tumour`]), liver function ([`liver`]), staging ([`staging`]) and
//! response after TACE ([`response`]).
//!
//! Each family is a set of pure calculators over small input structs, testable without a case;
//! [`evaluate`] adapts a [`Case`] to them. A result never recommends anything: it is within,
//! outside, indeterminate (naming what is missing) or a category, and it carries the inputs
//! actually used, its flags and its source, so that a physician can check every number.
//! Input names, values and notes, the flags and what is missing are in Chinese and English
//! ([`Text`]): the Chinese summary shows the Chinese, `consultpack criteria` the English.

mod inputs;
mod lines;
pub mod liver;
pub mod response;
pub mod staging;
pub mod tumour;

use std::fmt::Display;
use std::path::PathBuf;

use chrono::NaiveDate;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::case::Case;
use crate::case::model::Finding;
use crate::date::CaseDate;
use crate::lab::{Analyte, Unit};
use crate::summary::words;
use crate::text::{Lang, Text};

/// Which criterion a result is for; fixes its name and its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ChildPugh,
    Meld,
    MeldNa,
    Meld3,
    Albi,
    Malbi,
    Milan,
    Ucsf,
    UpToSeven,
    Metroticket,
    AfpModel,
    Hangzhou,
    Fudan,
    OptnT2,
    UnosDownstaging,
    Bclc,
    Cnlc,
    Mrecist,
    Art,
    JshInsufficientResponse,
    JshIntrahepaticProgression,
    JshTumourMarkers,
    JshVascularInvasion,
    JshExtrahepaticSpread,
}

impl Kind {
    /// A stable machine name (the `id` in `consultpack criteria --json`).
    pub fn id(self) -> &'static str {
        self.names().0
    }

    /// The criterion's name for a reader of `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        let (_, zh, en) = self.names();
        lang.pick(zh, en)
    }

    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::ChildPugh => ("child_pugh", "Child-Pugh 分级", "Child-Pugh"),
            Kind::Meld => ("meld", "MELD 评分", "MELD (original)"),
            Kind::MeldNa => (
                "meld_na",
                "MELD-Na 评分（OPTN 2016）",
                "MELD-Na (OPTN 2016)",
            ),
            Kind::Meld3 => (
                "meld_3",
                "MELD 3.0 评分（OPTN，封顶）",
                "MELD 3.0 (OPTN, capped)",
            ),
            Kind::Albi => ("albi", "ALBI 分级", "ALBI"),
            Kind::Malbi => ("malbi", "mALBI 分级", "mALBI"),
            Kind::Milan => ("milan", "米兰标准", "Milan"),
            Kind::Ucsf => ("ucsf", "UCSF 标准", "UCSF"),
            Kind::UpToSeven => ("up_to_seven", "Up-to-seven 标准", "Up-to-seven"),
            Kind::Metroticket => ("metroticket", "Metroticket 2.0", "Metroticket 2.0"),
            Kind::AfpModel => ("afp_model", "法国 AFP 模型", "French AFP model"),
            Kind::Hangzhou => ("hangzhou", "杭州标准", "Hangzhou"),
            Kind::Fudan => ("fudan", "上海复旦标准", "Shanghai Fudan"),
            Kind::OptnT2 => ("optn_t2", "OPTN T2（背景参考）", "OPTN T2 (context)"),
            Kind::UnosDownstaging => (
                "unos_downstaging",
                "UNOS 降期治疗入组标准（背景参考）",
                "UNOS downstaging inclusion (context)",
            ),
            Kind::Bclc => ("bclc", "BCLC 2022 分期（暂定）", "BCLC 2022 (provisional)"),
            Kind::Cnlc => ("cnlc", "CNLC 分期", "CNLC"),
            Kind::Mrecist => ("mrecist", "mRECIST 疗效评价", "mRECIST"),
            Kind::Art => ("art", "ART 评分", "ART score"),
            Kind::JshInsufficientResponse => (
                "jsh_1_insufficient_response",
                "JSH TACE 抵抗条目 1：疗效不足",
                "JSH TACE refractoriness item 1: insufficient response",
            ),
            Kind::JshIntrahepaticProgression => (
                "jsh_2_intrahepatic_progression",
                "JSH TACE 抵抗条目 2：肝内进展",
                "JSH TACE refractoriness item 2: intrahepatic progression",
            ),
            Kind::JshTumourMarkers => (
                "jsh_3_tumour_markers",
                "JSH TACE 抵抗条目 3：肿瘤标志物",
                "JSH TACE refractoriness item 3: tumor markers",
            ),
            Kind::JshVascularInvasion => (
                "jsh_4_vascular_invasion",
                "JSH TACE 抵抗条目 4：血管侵犯",
                "JSH TACE refractoriness item 4: vascular invasion",
            ),
            Kind::JshExtrahepaticSpread => (
                "jsh_5_extrahepatic_spread",
                "JSH TACE 抵抗条目 5：肝外转移",
                "JSH TACE refractoriness item 5: extrahepatic spread",
            ),
        }
    }

    /// A short citation of the definition used (calculators reference §1–§6).
    pub fn source(self) -> &'static str {
        match self {
            Kind::ChildPugh => "Pugh et al., Br J Surg 1973 (bands as used by MDCalc/EASL/AASLD)",
            Kind::Meld => "Kamath et al., Hepatology 2001; OPTN policy (MELD before 2016)",
            Kind::MeldNa => "OPTN/UNOS MELD-Na policy, January 2016",
            Kind::Meld3 => "Kim et al., Gastroenterology 2021; OPTN policy 9.1.D (July 2023)",
            Kind::Albi => "Johnson et al., J Clin Oncol 2015;33:550",
            Kind::Malbi => "Hiraoka et al., Liver Cancer 2017 (cut-off −2.270: secondary source)",
            Kind::Milan => "Mazzaferro et al., N Engl J Med 1996",
            Kind::Ucsf => "Yao et al., Hepatology 2001",
            Kind::UpToSeven => "Mazzaferro et al., Lancet Oncol 2009",
            Kind::Metroticket => {
                "Mazzaferro et al., Gastroenterology 2018 (Fatourou, Hepatoma Res 2018;4:63 T3)"
            }
            Kind::AfpModel => "Duvoux et al., Gastroenterology 2012",
            Kind::Hangzhou => "Zheng et al., Transplantation 2008",
            Kind::Fudan => "Fan et al., 2009 (single source: PMC4641125 T1)",
            Kind::OptnT2 => "OPTN policy 9.5 (HCC exception, T2); UNOS AFP notice 2017",
            Kind::UnosDownstaging => "UNOS downstaging protocol (UNOS-DS); UNOS notice 2017",
            Kind::Bclc => "Reig et al., J Hepatol 2022;76:681 (BCLC 2022)",
            Kind::Cnlc => "原发性肝癌诊疗规范 2019 (CNLC); 2022/2024 editions assumed identical",
            Kind::Mrecist => "Lencioni & Llovet, Semin Liver Dis 2010;30:52",
            Kind::Art => "Sieghart et al., Hepatology 2013 (ART score)",
            Kind::JshInsufficientResponse
            | Kind::JshIntrahepaticProgression
            | Kind::JshTumourMarkers
            | Kind::JshVascularInvasion
            | Kind::JshExtrahepaticSpread => {
                "Kudo et al., JSH 2014 TACE failure/refractoriness (retained in JSH 2021)"
            }
        }
    }
}

/// What a criterion came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Within,
    Outside,
    /// A class, grade, stage or finding, e.g. "A6", "grade 2", "PD".
    Category(Text),
    /// Not computable: each entry names one missing or unknown input.
    Indeterminate {
        missing: Vec<Text>,
    },
}

impl Outcome {
    /// The result word or category for a reader of `lang` (calculators reference §8.2 wording).
    pub fn label(&self, lang: Lang) -> &str {
        match self {
            Outcome::Within => lang.pick("符合", "within"),
            Outcome::Outside => lang.pick("不符合", "outside"),
            Outcome::Indeterminate { .. } => lang.pick("无法判定", "indeterminate"),
            Outcome::Category(text) => text.best(lang),
        }
    }

    /// What an indeterminate result misses, for a reader of `lang`; empty for other results.
    pub fn missing_items(&self, lang: Lang) -> Vec<&str> {
        match self {
            Outcome::Indeterminate { missing } => missing.iter().map(|m| m.best(lang)).collect(),
            _ => Vec::new(),
        }
    }

    fn missing(missing: impl IntoIterator<Item = Text>) -> Self {
        Outcome::Indeterminate {
            missing: missing.into_iter().collect(),
        }
    }
}

/// One value a criterion used, after conversion and clamping, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// In English an analyte key (`bilirubin`) for lab values, else a short description
    /// (`lesion L1`).
    pub name: Text,
    /// A number or code, or a word such as `no` (with its Chinese).
    pub value: Text,
    pub unit: Option<&'static str>,
    pub date: Option<CaseDate>,
    /// The record file (relative to records/) the value was copied from.
    pub source: Option<PathBuf>,
    /// How the value was derived: as printed, converted, clamped, points scored.
    pub note: Option<Text>,
    /// A lab value's reading as its sheet printed it, so that a summary can show the value in
    /// its reader's units.
    pub printed: Option<PrintedLab>,
}

/// What a lab input was read from, beside the value a formula used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedLab {
    pub analyte: crate::lab::Analyte,
    pub measured: crate::case::model::Measured,
    /// Whether the value used is the printed one (in the formula's unit, perhaps), rather than
    /// one raised to a floor, capped, set for dialysis or converted by an assay's factor.
    pub used_as_printed: bool,
    /// The note without what was printed: a conversion factor, points, how it was clamped.
    pub derivation: Option<Text>,
}

impl Input {
    /// An input whose value is a number or code, the same in every language.
    pub fn new(name: Text, value: impl Display, unit: Option<&'static str>) -> Self {
        Self::worded(name, Text::plain(value.to_string()), unit)
    }

    /// An input whose value is a word with a Chinese and an English version.
    pub fn worded(name: Text, value: Text, unit: Option<&'static str>) -> Self {
        Self {
            name,
            value,
            unit,
            date: None,
            source: None,
            note: None,
            printed: None,
        }
    }

    /// A number shown to at most 4 decimals (exact values can have 28 digits after division).
    pub fn number(name: Text, value: Decimal, unit: &'static str) -> Self {
        Self::new(name, show(value), Some(unit).filter(|u| !u.is_empty()))
    }

    /// Adds to the note, after what is already there.
    pub fn note(mut self, note: Text) -> Self {
        self.note = join(self.note.take().into_iter().chain([note]));
        self
    }

    pub fn dated(mut self, date: CaseDate, source: Option<PathBuf>) -> Self {
        self.date = Some(date);
        self.source = source;
        self
    }

    /// One line for a reader of `lang`:
    /// Whether the value used differs from the one the lab printed (converted, raised to a
    /// floor, set for dialysis): its note then says what was printed.
    pub fn differs_from_print(&self) -> bool {
        self.printed.as_ref().is_some_and(|p| !p.used_as_printed)
            || self
                .note
                .as_ref()
                .is_some_and(|note| note.best(Lang::En).starts_with(AS_PRINTED))
    }

    /// `bilirubin 1.2 mg/dL (2021-08-20) — as printed: 20.52 µmol/L`.
    pub fn describe(&self, lang: Lang) -> String {
        let mut out = self.short(lang);
        if let Some(date) = self.date {
            out.push_str(&format!(
                " ({})",
                crate::date::ReaderDate::for_reader(date, lang)
            ));
        }
        if let Some(note) = &self.note {
            out.push_str(" — ");
            out.push_str(note.best(lang));
        }
        out
    }

    /// Name, value and unit, without date or note: `bilirubin 1.2 mg/dL`.
    pub fn short(&self, lang: Lang) -> String {
        let mut out = format!("{} {}", self.name.best(lang), self.value.best(lang));
        // The units that are words: age in years, and INR's "ratio" (unitless in Chinese).
        let unit = match (lang, self.unit) {
            (Lang::Zh, Some("years")) => Some("岁"),
            (Lang::Zh, Some(unit)) if unit == Unit::Ratio.symbol() => None,
            (_, unit) => unit,
        };
        if let Some(unit) = unit {
            out.push(' ');
            out.push_str(unit);
        }
        out
    }
}

/// How a lab input's note starts when the value used is not the one printed.
pub(crate) const AS_PRINTED: &str = "as printed: ";

/// A phrase of the results in Chinese and English (calculators reference §8 wording).
pub(crate) fn t(zh: impl Into<String>, en: impl Into<String>) -> Text {
    Text::both(zh, en)
}

/// Parts joined with "；" in Chinese and "; " in English; `None` without parts.
pub(crate) fn join(parts: impl IntoIterator<Item = Text>) -> Option<Text> {
    let parts: Vec<Text> = parts.into_iter().collect();
    let joined = |lang: Lang, separator: &str| {
        parts
            .iter()
            .map(|p| p.best(lang))
            .collect::<Vec<_>>()
            .join(separator)
    };
    (!parts.is_empty()).then(|| t(joined(Lang::Zh, "；"), joined(Lang::En, "; ")))
}

/// An analyte as an input is named: its Chinese name, and in English its key (`bilirubin`).
pub(crate) fn analyte_name(analyte: Analyte) -> Text {
    t(analyte.info().zh, analyte.key())
}

/// The two findings every tumour criterion excludes, as inputs and flags name them.
pub(crate) fn macrovascular_invasion() -> Text {
    t("大血管侵犯", "macrovascular invasion")
}

pub(crate) fn extrahepatic_spread() -> Text {
    t("肝外转移", "extrahepatic spread")
}

/// A finding's status as a missing item: "大血管侵犯情况", "macrovascular invasion status".
pub(crate) fn status(finding: &Text) -> Text {
    t(
        format!("{}情况", finding.best(Lang::Zh)),
        format!("{} status", finding.best(Lang::En)),
    )
}

/// A finding as an input value, in the summary's words (有 / 无 / 未知) and as the case file
/// spells it.
pub(crate) fn finding_value(finding: Finding) -> Text {
    t(words::finding(finding, Lang::Zh), finding.to_string())
}

/// One computed criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub kind: Kind,
    /// What this result was computed on when a criterion appears more than once: the size
    /// basis ("viable diameter") or the follow-up study.
    pub basis: Option<Text>,
    /// The number as reported, rounded as the definition says.
    pub value: Option<Decimal>,
    /// The unrounded number, for the appendix.
    pub raw: Option<f64>,
    pub outcome: Outcome,
    pub inputs: Vec<Input>,
    /// Borderline, clamped, assumed, stale, conflicting definitions, questions for the doctor.
    pub flags: Vec<Text>,
    /// The one finding that decided the result, where one did ("macrovascular invasion"):
    /// shown beside the result so that a reader sees why at a glance.
    pub decided_by: Option<Text>,
    /// The result another defensible choice of dated input gives, where its category differs
    /// (the AFP nearest the imaging instead of the latest, §6.4); also said in a flag.
    pub alternative: Option<Alternative>,
    /// Flags a reader of the key page must not miss, also in `flags`: a rising AFP beside
    /// every AFP-based result, a Child-Pugh point on a cut-off that moves the ART band. The
    /// key page shows them first beside the result, never folded into the notes for several
    /// results nor left behind "(+n)", and says them in full.
    pub pinned: Vec<Text>,
}

/// Another result from another defensible choice of input.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub outcome: Outcome,
    pub value: Option<Decimal>,
    /// The input chosen instead: "AFP 85 ng/mL on 2021-10-14, nearest the MRI".
    pub because: Text,
}

impl Criterion {
    pub fn new(kind: Kind, outcome: Outcome) -> Self {
        Self {
            kind,
            basis: None,
            value: None,
            raw: None,
            outcome,
            inputs: Vec::new(),
            flags: Vec::new(),
            decided_by: None,
            alternative: None,
            pinned: Vec::new(),
        }
    }

    /// Adds a flag the key page shows beside the result (see `pinned`).
    pub(crate) fn pin(&mut self, flag: Text) {
        if !self.flags.contains(&flag) {
            self.flags.push(flag.clone());
        }
        if !self.pinned.contains(&flag) {
            self.pinned.push(flag);
        }
    }

    pub fn source(&self) -> &'static str {
        self.kind.source()
    }

    fn valued(mut self, value: Decimal, raw: Option<f64>) -> Self {
        self.value = Some(value);
        self.raw = raw;
        self
    }

    fn flag(mut self, flag: Text) -> Self {
        self.flags.push(flag);
        self
    }
}

/// Every criterion computable from the case with data dated on or before `at`, in a fixed
/// order: liver function, tumour burden (per size basis), staging (per size basis), response.
pub fn evaluate(case: &Case, at: NaiveDate) -> Vec<Criterion> {
    let sources = inputs::Sources::new(case, at);
    let liver = liver::assess(&sources);
    let response = response::assess(&sources);
    let mut out = liver.criteria.clone();
    match tumour::burdens(&sources) {
        Ok(burdens) => {
            for burden in &burdens {
                out.extend(tumour::assess(burden));
            }
            for burden in &burdens {
                out.extend(staging::assess(
                    burden,
                    &sources,
                    &liver,
                    response.context.as_ref(),
                ));
            }
        }
        Err(missing) => {
            let kinds = tumour::KINDS.iter().chain(&staging::KINDS);
            out.extend(
                kinds.map(|&kind| Criterion::new(kind, Outcome::missing([missing.clone()]))),
            );
        }
    }
    out.extend(response.criteria);
    for criterion in &mut out {
        flag_approximate_dates(criterion);
    }
    out
}

/// A criterion computed from a date known only approximately says so, once per input.
fn flag_approximate_dates(criterion: &mut Criterion) {
    for input in &criterion.inputs {
        if let Some(flag) = input.date.and_then(|d| d.approximation_flag(&input.name))
            && !criterion.flags.contains(&flag)
        {
            criterion.flags.push(flag);
        }
    }
}

/// Rounds half away from zero, as every rule in the reference means by "round".
pub(crate) fn round_half_up(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// `ln` through f64 (the only place floating point is allowed); callers clamp `value` ≥ 1 or
/// check it is positive, so the result is finite.
pub(crate) fn ln(value: Decimal) -> Decimal {
    float_op(value, f64::ln)
}

pub(crate) fn log10(value: Decimal) -> Decimal {
    float_op(value, f64::log10)
}

fn float_op(value: Decimal, op: fn(f64) -> f64) -> Decimal {
    let x = value.to_f64().unwrap_or(f64::NAN);
    Decimal::from_f64(op(x)).expect("logarithm of a positive, bounded value is finite")
}

/// A decimal for display: at most 4 places, no trailing zeros.
pub(crate) fn show(value: Decimal) -> String {
    round_half_up(value, 4).normalize().to_string()
}

/// A decimal literal usable in consts: `dec(171, 1)` is 17.1.
pub(crate) const fn dec(num: i64, scale: u32) -> Decimal {
    let magnitude = num.unsigned_abs();
    Decimal::from_parts(
        magnitude as u32,
        (magnitude >> 32) as u32,
        0,
        num < 0,
        scale,
    )
}

#[cfg(test)]
pub(crate) mod test_util {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    use crate::case::Case;
    use crate::case::model::*;
    use crate::date::CaseDate;
    use crate::lab::{Analyte, Unit};

    use crate::text::{Lang, Text};

    /// Parses a decimal literal in a test table.
    pub fn d(s: &str) -> Decimal {
        s.parse().expect("decimal literal")
    }

    /// Parses a date literal in a test table.
    pub fn day(s: &str) -> CaseDate {
        s.parse::<NaiveDate>().expect("date literal").into()
    }

    /// A lab value as printed, exact, with no source.
    pub fn lab(analyte: Analyte, value: &str, unit: Unit, on: &str) -> LabResult {
        LabResult {
            analyte,
            reading: Reading::Number(Measured {
                value: d(value),
                qualifier: Qualifier::Exact,
                unit,
                printed: None,
            }),
            date: day(on),
            hospital: None,
            source: None,
            reference_range: None,
        }
    }

    /// An MRI without invasion or spread, measuring one lesion L1 in S8.
    pub fn study(on: &str, longest: &str, viable: &str, class: LesionClass) -> ImagingStudy {
        ImagingStudy {
            id: None,
            date: day(on),
            modality: Modality::Mri,
            region: None,
            hospital: None,
            report: None,
            dicom: None,
            findings: None,
            macrovascular_invasion: Finding::No,
            extrahepatic_spread: Finding::No,
            splenomegaly: Finding::Unknown,
            lesions: vec![Lesion {
                id: "L1".into(),
                segment: Some("S8".into()),
                longest_mm: d(longest),
                viable_mm: Some(d(viable)),
                class: Some(class),
                note: None,
                longest_approximate: false,
                viable_approximate: false,
            }],
        }
    }

    /// A treatment with its agents (drugs) and nothing else.
    pub fn treatment(
        kind: TreatmentKind,
        id: Option<&str>,
        on: &str,
        agents: &[&str],
    ) -> Treatment {
        Treatment {
            id: id.map(String::from),
            date: day(on),
            kind,
            hospital: None,
            technique: None,
            agents: agents.iter().map(|a| Text::plain(*a)).collect(),
            course: Default::default(),
            notes: None,
            record: None,
        }
    }

    /// ECOG 0, no ascites, no encephalopathy, no dialysis.
    pub fn well(on: &str) -> Assessment {
        Assessment {
            date: day(on),
            ecog: Some(0),
            performance: None,
            ascites: Some(Ascites::None),
            encephalopathy: Some(Encephalopathy::None),
            dialysis: Some(false),
            weight_kg: None,
            assessed_by: None,
            note: None,
        }
    }

    /// The English of each flag (what `consultpack criteria` prints).
    pub fn english(flags: &[Text]) -> Vec<&str> {
        flags.iter().map(|f| f.best(Lang::En)).collect()
    }

    /// A case with a male patient born 1956-03-14 and nothing else; tests fill in the rest
    /// with struct update syntax.
    pub fn bare_case() -> Case {
        Case {
            patient: Patient {
                id: "TEST".into(),
                name: Text::plain("Test"),
                sex: Sex::Male,
                birth_date: NaiveDate::from_ymd_opt(1956, 3, 14)
                    .expect("valid date")
                    .into(),
                id_number: None,
                blood_group: None,
                dicom_ids: Vec::new(),
                phone: None,
                address: None,
                email: None,
                share: Vec::new(),
                share_with: Vec::new(),
            },
            aetiology: Vec::new(),
            diagnoses: Vec::new(),
            treatments: Vec::new(),
            imaging: Vec::new(),
            pathology: Vec::new(),
            labs: Vec::new(),
            assessments: Vec::new(),
            medications: Vec::new(),
            allergies: Vec::new(),
            no_known_allergies: false,
            comorbidities: Vec::new(),
            history: History::default(),
            narrative: None,
            remarks: Vec::new(),
            questions: Vec::new(),
            practical: Practical::default(),
            records: Vec::new(),
            criteria_settings: CriteriaSettings::default(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::test_util::{d, english, study, treatment, well};
    use super::*;
    use crate::case::model::*;
    use crate::lab::{Analyte, Unit};

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date literal")
    }

    /// A value of the fixture's one lab set.
    fn lab(analyte: Analyte, value: &str, unit: Unit) -> LabResult {
        test_util::lab(analyte, value, unit, "2021-08-20")
    }

    fn tace(id: &str, on: &str) -> Treatment {
        treatment(TreatmentKind::Tace, Some(id), on, &[])
    }

    /// The fictional example of calculators reference §10.
    pub(crate) fn fixture_case() -> Case {
        Case {
            treatments: vec![tace("TACE-1", "2021-07-06"), tace("TACE-2", "2021-08-25")],
            imaging: vec![
                study("2021-06-25", "26", "26", LesionClass::Lr5),
                study("2021-08-15", "28", "22", LesionClass::LrTrViable),
                study("2021-10-15", "38", "34", LesionClass::LrTrViable),
            ],
            pathology: Vec::new(),
            labs: vec![
                lab(Analyte::Bilirubin, "20.52", Unit::MicromolPerL),
                lab(Analyte::Albumin, "35", Unit::GPerL),
                lab(Analyte::Inr, "1.2", Unit::Ratio),
                lab(Analyte::Creatinine, "80", Unit::MicromolPerL),
                lab(Analyte::Sodium, "138", Unit::MmolPerL),
                lab(Analyte::Afp, "85", Unit::NgPerMl),
            ],
            assessments: vec![well("2021-08-20")],
            ..test_util::bare_case()
        }
    }

    fn find<'c>(criteria: &'c [Criterion], kind: Kind, basis: Option<&str>) -> &'c Criterion {
        criteria
            .iter()
            .find(|c| c.kind == kind && c.basis.as_ref().map(|b| b.best(Lang::En)) == basis)
            .unwrap_or_else(|| panic!("no {kind:?} on {basis:?}"))
    }

    #[test]
    fn the_section_10_example_end_to_end() {
        let criteria = evaluate(&fixture_case(), date("2021-11-01"));
        let en = |kind, basis| {
            find(&criteria, kind, basis)
                .outcome
                .label(Lang::En)
                .to_string()
        };
        let value = |kind, basis| find(&criteria, kind, basis).value;
        let viable = Some("viable diameter");

        let child_pugh = find(&criteria, Kind::ChildPugh, None);
        assert_eq!(en(Kind::ChildPugh, None), "A6");
        assert!(
            english(&child_pugh.flags)
                .iter()
                .any(|f| f.starts_with("borderline: albumin 3.5 g/dL"))
        );
        assert_eq!(value(Kind::Albi, None), Some(d("-2.11")));
        assert_eq!(en(Kind::Albi, None), "grade 2");
        assert_eq!(en(Kind::Malbi, None), "2b");
        assert_eq!(value(Kind::Meld, None), Some(d("9")));
        assert_eq!(value(Kind::MeldNa, None), Some(d("9")));
        let meld_3 = find(&criteria, Kind::Meld3, None);
        assert_eq!(meld_3.value, Some(d("8")));
        assert!((meld_3.raw.expect("raw") - 8.4887).abs() < 5e-4);
        for kind in [
            Kind::Milan,
            Kind::Ucsf,
            Kind::UpToSeven,
            Kind::Metroticket,
            Kind::Hangzhou,
            Kind::Fudan,
        ] {
            assert_eq!(en(kind, viable), "within", "{kind:?}");
        }
        assert_eq!(value(Kind::UpToSeven, viable), Some(d("4.4")));
        assert_eq!(value(Kind::AfpModel, viable), Some(d("1")));
        assert_eq!(en(Kind::AfpModel, viable), "low risk (≤ 2)");
        assert_eq!(en(Kind::Bclc, viable), "A");
        assert_eq!(en(Kind::Cnlc, viable), "Ia");
        assert_eq!(
            en(Kind::Mrecist, Some("MRI Aug 15, 2021, after TACE-1")),
            "SD"
        );
        assert_eq!(
            en(Kind::Mrecist, Some("MRI Oct 15, 2021, after TACE-2")),
            "PD"
        );
        assert_eq!(
            en(Kind::JshInsufficientResponse, None),
            "possible — % viable not reported (viable tumor after TACE-1, TACE-2)"
        );
        assert_eq!(
            en(Kind::JshIntrahepaticProgression, None),
            "no new intrahepatic lesions reported"
        );
        assert_eq!(en(Kind::JshTumourMarkers, None), "indeterminate");
        assert_eq!(en(Kind::Art, Some("before TACE-2")), "indeterminate");
    }

    #[test]
    fn every_criterion_names_what_it_used_or_missed() {
        let criteria = evaluate(&fixture_case(), date("2021-11-01"));
        for criterion in &criteria {
            match &criterion.outcome {
                Outcome::Indeterminate { missing } => assert!(!missing.is_empty(), "{criterion:?}"),
                _ => assert!(!criterion.inputs.is_empty(), "{criterion:?}"),
            }
            assert!(!criterion.source().is_empty());
        }
    }

    #[test]
    fn data_after_the_date_is_ignored() {
        let criteria = evaluate(&fixture_case(), date("2021-08-01"));
        assert!(matches!(
            find(&criteria, Kind::Meld, None).outcome,
            Outcome::Indeterminate { .. }
        ));
        // Only the baseline study and TACE-1 exist; AFP comes later.
        let viable = Some("viable diameter");
        assert_eq!(
            find(&criteria, Kind::Milan, viable).outcome,
            Outcome::Within
        );
        assert_eq!(
            find(&criteria, Kind::Metroticket, viable)
                .outcome
                .missing_items(Lang::En),
            ["afp on or before Aug 1, 2021"]
        );
        assert_eq!(
            find(&criteria, Kind::Mrecist, None).outcome,
            Outcome::missing([t(
                "首次 TACE（2021-07-06）后有病灶测量的影像检查",
                "imaging with measured lesions after the first TACE (Jul 6, 2021)"
            )])
        );
        // No ART before a repeat TACE yet; only the one if another TACE is considered (§6.4),
        // waiting for imaging after TACE-1.
        let art: Vec<&Criterion> = criteria.iter().filter(|c| c.kind == Kind::Art).collect();
        assert_eq!(art.len(), 1);
        assert_eq!(
            art[0].basis.as_ref().map(|b| b.best(Lang::En)),
            Some("if another TACE is considered")
        );
        assert!(
            art[0]
                .outcome
                .missing_items(Lang::En)
                .contains(&"imaging with measured lesions after TACE-1 (Jul 6, 2021)"),
            "{:?}",
            art[0].outcome
        );
    }

    /// Chinese for a reader: some Chinese, or only codes, numbers and units ("LR-TR-viable; S8",
    /// "AFP < 200 ng/mL", "A6"), and no English word.
    fn reads_as_chinese(text: &str) -> bool {
        const UNITS: &[&str] = &["mm", "cm", "mg", "ng", "g"];
        let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
        let english_word = |word: &str| {
            word.len() >= 2
                && word.chars().all(|c| c.is_ascii_lowercase())
                && !UNITS.contains(&word)
        };
        !text.trim().is_empty()
            && (text.chars().any(cjk)
                || !text
                    .split(|c: char| c.is_whitespace() || ";,:()".contains(c))
                    .any(english_word))
    }

    /// Copies of the fixture with the gaps that leave results indeterminate (each named), or
    /// outside whatever the unknowns turn out to be.
    fn gappy_cases() -> Vec<Case> {
        let edits: [fn(&mut Case); 10] = [
            |c| c.imaging[2].macrovascular_invasion = Finding::Unknown,
            |c| {
                c.imaging[2].macrovascular_invasion = Finding::Unknown;
                c.imaging[2].extrahepatic_spread = Finding::Unknown;
                c.imaging[2].lesions[0].longest_mm = d("95");
                c.imaging[2].lesions[0].viable_mm = Some(d("92"));
            },
            |c| {
                let [a] = &mut c.assessments[..] else {
                    panic!("one assessment")
                };
                (a.ascites, a.encephalopathy, a.ecog) = (None, None, None);
            },
            |c| c.imaging[2].lesions[0].class = None,
            |c| c.imaging[0].lesions[0].class = None,
            |c| c.imaging[1].lesions[0].viable_mm = None,
            |c| {
                let mut l2 = c.imaging[2].lesions[0].clone();
                (l2.id, l2.viable_mm, l2.class) = ("L2".into(), None, None);
                c.imaging[2].lesions.push(l2);
            },
            |c| {
                for lab in c.labs.iter_mut().filter(|l| l.analyte == Analyte::Afp) {
                    if let Reading::Number(m) = &mut lab.reading {
                        m.unit = Unit::IuPerMl;
                    }
                }
            },
            |c| {
                c.labs.retain(|l| l.analyte != Analyte::Inr);
                c.labs
                    .push(lab(Analyte::ProthrombinTime, "14.2", Unit::Seconds));
            },
            |c| c.labs.clear(),
        ];
        edits
            .iter()
            .map(|edit| {
                let mut case = fixture_case();
                edit(&mut case);
                case
            })
            .collect()
    }

    /// Dates from before the first study to after the last.
    const GAPPY_DATES: [&str; 5] = [
        "2021-06-01",
        "2021-07-10",
        "2021-08-01",
        "2021-08-21",
        "2021-11-01",
    ];

    #[test]
    fn every_flag_and_input_reads_in_chinese() {
        assert!(!reads_as_chinese("lesion L1") && !reads_as_chinese("no"));
        assert!(reads_as_chinese("LR-TR-viable; S8") && reads_as_chinese("病灶 L1"));
        let mut more = fixture_case();
        more.assessments[0].dialysis = None;
        more.imaging[2].lesions.push(Lesion {
            id: "L2".into(),
            segment: None,
            longest_mm: d("8"),
            viable_mm: Some(d("8")),
            class: Some(LesionClass::Lr5),
            note: None,
            longest_approximate: false,
            viable_approximate: false,
        });
        more.labs.push(lab(Analyte::Ast, "40", Unit::UPerL));
        let mut flags = 0;
        for case in [fixture_case(), more].into_iter().chain(gappy_cases()) {
            for at in GAPPY_DATES {
                for c in evaluate(&case, date(at)) {
                    flags += c.flags.len();
                    let inputs = c
                        .inputs
                        .iter()
                        .flat_map(|i| [&i.name, &i.value].into_iter().chain(i.note.as_ref()));
                    for text in c.flags.iter().chain(inputs) {
                        let zh = text.best(Lang::Zh);
                        assert!(reads_as_chinese(zh), "{:?} on {at}: `{zh}`", c.kind);
                    }
                }
            }
        }
        assert!(flags > 100, "only {flags} flags checked");
        let criteria = evaluate(&fixture_case(), date("2021-11-01"));
        let child_pugh = find(&criteria, Kind::ChildPugh, None);
        assert!(
            child_pugh
                .flags
                .iter()
                .any(|f| f.best(Lang::Zh).starts_with("边缘值：白蛋白 35 g/L"))
        );
        assert!(
            child_pugh
                .flags
                .iter()
                .any(|f| f.best(Lang::Zh).starts_with("数据时效："))
        );
        assert_eq!(
            child_pugh.inputs[0].describe(Lang::Zh),
            "总胆红素 1.2 mg/dL (2021-08-20) — 报告原值：20.52 µmol/L；1 分"
        );
    }

    /// Criteria texts go to every contact, whatever the case shares with it, so no input, flag
    /// or missing item may carry the birth date or the name (the summary redacts those itself).
    #[test]
    fn no_criterion_text_carries_the_birth_date_or_the_name() {
        let mut approximate = fixture_case();
        approximate.patient.birth_date = CaseDate::parse("1956").expect("a year");
        let mut checked = 0;
        for mut case in [fixture_case(), approximate]
            .into_iter()
            .chain(gappy_cases())
        {
            case.patient.name = Text::both("甄测试", "Zhen Ceshi");
            for at in GAPPY_DATES {
                for c in evaluate(&case, date(at)) {
                    let all = format!("{c:?}");
                    checked += 1;
                    for private in ["1956", "甄测试", "Zhen Ceshi"] {
                        assert!(!all.contains(private), "`{private}` in {all}");
                    }
                }
            }
        }
        assert!(checked > 100, "only {checked} criteria checked");
    }

    #[test]
    fn every_missing_item_reads_in_chinese() {
        let mut items = 0;
        for case in gappy_cases() {
            for at in GAPPY_DATES {
                for c in evaluate(&case, date(at)) {
                    let Outcome::Indeterminate { missing } = &c.outcome else {
                        continue;
                    };
                    for item in missing {
                        items += 1;
                        let (zh, en) = (item.best(Lang::Zh), item.best(Lang::En));
                        assert!(reads_as_chinese(zh), "{:?} on {at}: `{zh}`", c.kind);
                        assert_ne!(zh, en, "{:?} on {at}", c.kind);
                    }
                }
            }
        }
        assert!(items > 300, "only {items} missing items checked");
        let [unknown, outside, ..] = &gappy_cases()[..] else {
            panic!("gappy cases")
        };
        let criteria = evaluate(unknown, date("2021-11-01"));
        let milan = find(&criteria, Kind::Milan, Some("viable diameter"));
        assert_eq!(
            milan.outcome,
            Outcome::missing([t("大血管侵犯情况", "macrovascular invasion status")])
        );
        // A flag naming the unknowns names them in the reader's language.
        let criteria = evaluate(outside, date("2021-11-01"));
        let milan = find(&criteria, Kind::Milan, Some("viable diameter"));
        assert_eq!(milan.outcome, Outcome::Outside);
        let zh: Vec<&str> = milan.flags.iter().map(|f| f.best(Lang::Zh)).collect();
        assert!(
            zh.contains(&"无论以下各项结果如何均为不符合：大血管侵犯情况、肝外转移情况"),
            "{zh:?}"
        );
        assert!(english(&milan.flags).contains(
            &"outside whatever these turn out to be: macrovascular invasion status, extrahepatic spread status"
        ));
    }

    #[test]
    fn no_output_word_recommends() {
        let mut words = Vec::new();
        for case in gappy_cases() {
            for c in evaluate(&case, date("2021-11-01")) {
                for lang in Lang::ALL {
                    words.push(c.kind.label(lang).to_string());
                    words.push(c.outcome.label(lang).to_string());
                    words.extend(c.flags.iter().map(|f| f.best(lang).to_string()));
                    words.extend(c.inputs.iter().map(|i| i.describe(lang)));
                    words.extend(c.outcome.missing_items(lang).into_iter().map(String::from));
                }
            }
        }
        for text in words {
            let lower = text.to_lowercase();
            for banned in ["eligible", "should", "recommend", "建议", "应该"] {
                assert!(!lower.contains(banned), "`{banned}` in `{text}`");
            }
        }
    }
}
