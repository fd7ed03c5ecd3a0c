//! Laboratory analytes and units: what each test is called in both languages, which units a
//! printed report may use for it, and the exact conversions between them.
//!
//! Conversion constants follow shared/reference/clinical-calculators.md §0.1 and are applied in
//! exact decimal arithmetic. AFP in IU/mL is deliberately not convertible here: the factor is
//! assay-specific and must come from the case file, stated where it is used.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::toml_reader::Choice;

/// A unit as printed on a lab report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Unit {
    #[serde(rename = "µmol/L")]
    MicromolPerL,
    #[serde(rename = "mg/dL")]
    MgPerDl,
    #[serde(rename = "g/L")]
    GPerL,
    #[serde(rename = "g/dL")]
    GPerDl,
    #[serde(rename = "mmol/L")]
    MmolPerL,
    #[serde(rename = "mEq/L")]
    MeqPerL,
    #[serde(rename = "ng/mL")]
    NgPerMl,
    #[serde(rename = "µg/L")]
    MicrogPerL,
    #[serde(rename = "IU/mL")]
    IuPerMl,
    #[serde(rename = "U/L")]
    UPerL,
    #[serde(rename = "ratio")]
    Ratio,
    #[serde(rename = "s")]
    Seconds,
    #[serde(rename = "%")]
    Percent,
    #[serde(rename = "×10^9/L")]
    E9PerL,
    #[serde(rename = "×10³/µL")]
    E3PerMicroL,
    #[serde(rename = "mAU/mL")]
    MauPerMl,
    #[serde(rename = "copies/mL")]
    CopiesPerMl,
    #[serde(rename = "S/CO")]
    SignalCutoff,
    #[serde(rename = "µg/dL")]
    MicrogPerDl,
    #[serde(rename = "mL/min/1.73m²")]
    MlPerMin173,
    #[serde(rename = "mIU/mL")]
    MilliIuPerMl,
}

impl Choice for Unit {
    const CHOICES: &'static [(&'static str, Self)] = &[
        ("µmol/L", Unit::MicromolPerL),
        ("umol/L", Unit::MicromolPerL),
        ("μmol/L", Unit::MicromolPerL),
        ("mg/dL", Unit::MgPerDl),
        ("g/L", Unit::GPerL),
        ("g/dL", Unit::GPerDl),
        ("mmol/L", Unit::MmolPerL),
        ("mEq/L", Unit::MeqPerL),
        ("ng/mL", Unit::NgPerMl),
        ("µg/L", Unit::MicrogPerL),
        ("ug/L", Unit::MicrogPerL),
        ("μg/L", Unit::MicrogPerL),
        ("IU/mL", Unit::IuPerMl),
        ("U/L", Unit::UPerL),
        ("IU/L", Unit::UPerL),
        ("ratio", Unit::Ratio),
        ("s", Unit::Seconds),
        ("sec", Unit::Seconds),
        ("%", Unit::Percent),
        ("×10^9/L", Unit::E9PerL),
        ("×10⁹/L", Unit::E9PerL),
        ("x10^9/L", Unit::E9PerL),
        ("10^9/L", Unit::E9PerL),
        ("10*9/L", Unit::E9PerL),
        ("×10³/µL", Unit::E3PerMicroL),
        ("x10^3/uL", Unit::E3PerMicroL),
        ("×10^3/µL", Unit::E3PerMicroL),
        ("10^3/uL", Unit::E3PerMicroL),
        ("K/uL", Unit::E3PerMicroL),
        ("mAU/mL", Unit::MauPerMl),
        ("copies/mL", Unit::CopiesPerMl),
        ("S/CO", Unit::SignalCutoff),
        ("COI", Unit::SignalCutoff),
        ("µg/dL", Unit::MicrogPerDl),
        ("ug/dL", Unit::MicrogPerDl),
        ("mL/min/1.73m²", Unit::MlPerMin173),
        ("mL/min/1.73m2", Unit::MlPerMin173),
        ("mIU/mL", Unit::MilliIuPerMl),
    ];
}

impl Unit {
    /// The unit as it is printed in documents.
    pub fn symbol(self) -> &'static str {
        self.name()
    }
}

/// A measured substance or test. The key is what the case file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Analyte {
    Bilirubin,
    DirectBilirubin,
    Albumin,
    TotalProtein,
    Inr,
    ProthrombinTime,
    ProthrombinActivity,
    Creatinine,
    Sodium,
    Afp,
    AfpL3,
    PivkaII,
    Ast,
    Alt,
    Ggt,
    Alp,
    Platelets,
    Wbc,
    Hemoglobin,
    Ammonia,
    HbvDna,
    Hbsag,
    Hbeag,
    AntiHbs,
    AntiHbe,
    AntiHbc,
    AntiHcv,
    IcgR15,
    Egfr,
}

/// Names and accepted units of an analyte.
pub struct AnalyteInfo {
    pub analyte: Analyte,
    /// The key in case.toml.
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// The abbreviation printed in tables.
    pub abbr: &'static str,
    /// Units a report may print; the first is the one criteria are computed in.
    pub units: &'static [Unit],
}

use Unit as U;

/// Every analyte the case file accepts, in the order lab tables list them.
pub const ANALYTES: &[AnalyteInfo] = &[
    info(
        Analyte::Bilirubin,
        "bilirubin",
        "总胆红素",
        "Total bilirubin",
        "TBIL",
        &[U::MgPerDl, U::MicromolPerL],
    ),
    info(
        Analyte::DirectBilirubin,
        "direct_bilirubin",
        "直接胆红素",
        "Direct bilirubin",
        "DBIL",
        &[U::MgPerDl, U::MicromolPerL],
    ),
    info(
        Analyte::Albumin,
        "albumin",
        "白蛋白",
        "Albumin",
        "ALB",
        &[U::GPerDl, U::GPerL],
    ),
    info(
        Analyte::TotalProtein,
        "total_protein",
        "总蛋白",
        "Total protein",
        "TP",
        &[U::GPerDl, U::GPerL],
    ),
    info(
        Analyte::Inr,
        "inr",
        "国际标准化比值",
        "INR",
        "INR",
        &[U::Ratio],
    ),
    info(
        Analyte::ProthrombinTime,
        "pt",
        "凝血酶原时间",
        "Prothrombin time",
        "PT",
        &[U::Seconds],
    ),
    info(
        Analyte::ProthrombinActivity,
        "pta",
        "凝血酶原活动度",
        "Prothrombin activity",
        "PTA",
        &[U::Percent],
    ),
    info(
        Analyte::Creatinine,
        "creatinine",
        "肌酐",
        "Creatinine",
        "Cr",
        &[U::MgPerDl, U::MicromolPerL],
    ),
    info(
        Analyte::Sodium,
        "sodium",
        "血钠",
        "Sodium",
        "Na",
        &[U::MmolPerL, U::MeqPerL],
    ),
    info(
        Analyte::Afp,
        "afp",
        "甲胎蛋白",
        "Alpha-fetoprotein",
        "AFP",
        &[U::NgPerMl, U::MicrogPerL, U::IuPerMl],
    ),
    info(
        Analyte::AfpL3,
        "afp_l3",
        "甲胎蛋白异质体比率",
        "AFP-L3 fraction",
        "AFP-L3",
        &[U::Percent],
    ),
    info(
        Analyte::PivkaII,
        "pivka_ii",
        "异常凝血酶原",
        "PIVKA-II (DCP)",
        "PIVKA-II",
        &[U::MauPerMl, U::NgPerMl],
    ),
    info(
        Analyte::Ast,
        "ast",
        "天门冬氨酸氨基转移酶",
        "AST",
        "AST",
        &[U::UPerL],
    ),
    info(
        Analyte::Alt,
        "alt",
        "丙氨酸氨基转移酶",
        "ALT",
        "ALT",
        &[U::UPerL],
    ),
    info(
        Analyte::Ggt,
        "ggt",
        "γ-谷氨酰转移酶",
        "GGT",
        "GGT",
        &[U::UPerL],
    ),
    info(
        Analyte::Alp,
        "alp",
        "碱性磷酸酶",
        "Alkaline phosphatase",
        "ALP",
        &[U::UPerL],
    ),
    info(
        Analyte::Platelets,
        "platelets",
        "血小板计数",
        "Platelets",
        "PLT",
        &[U::E9PerL, U::E3PerMicroL],
    ),
    info(
        Analyte::Wbc,
        "wbc",
        "白细胞计数",
        "White cells",
        "WBC",
        &[U::E9PerL, U::E3PerMicroL],
    ),
    info(
        Analyte::Hemoglobin,
        "hemoglobin",
        "血红蛋白",
        "Haemoglobin",
        "Hb",
        &[U::GPerDl, U::GPerL],
    ),
    info(
        Analyte::Ammonia,
        "ammonia",
        "血氨",
        "Ammonia",
        "NH₃",
        &[U::MicromolPerL, U::MicrogPerDl],
    ),
    info(
        Analyte::HbvDna,
        "hbv_dna",
        "乙肝病毒DNA",
        "HBV DNA",
        "HBV DNA",
        &[U::IuPerMl, U::CopiesPerMl],
    ),
    info(
        Analyte::Hbsag,
        "hbsag",
        "乙肝表面抗原",
        "HBsAg",
        "HBsAg",
        &[U::IuPerMl, U::SignalCutoff],
    ),
    info(
        Analyte::Hbeag,
        "hbeag",
        "乙肝e抗原",
        "HBeAg",
        "HBeAg",
        &[U::SignalCutoff],
    ),
    info(
        Analyte::AntiHbs,
        "anti_hbs",
        "乙肝表面抗体",
        "Anti-HBs",
        "Anti-HBs",
        &[U::MilliIuPerMl, U::SignalCutoff],
    ),
    info(
        Analyte::AntiHbe,
        "anti_hbe",
        "乙肝e抗体",
        "Anti-HBe",
        "Anti-HBe",
        &[U::SignalCutoff],
    ),
    info(
        Analyte::AntiHbc,
        "anti_hbc",
        "乙肝核心抗体",
        "Anti-HBc",
        "Anti-HBc",
        &[U::SignalCutoff],
    ),
    info(
        Analyte::AntiHcv,
        "anti_hcv",
        "丙肝抗体",
        "Anti-HCV",
        "Anti-HCV",
        &[U::SignalCutoff],
    ),
    info(
        Analyte::IcgR15,
        "icg_r15",
        "吲哚菁绿15分钟滞留率",
        "ICG-R15",
        "ICG-R15",
        &[U::Percent],
    ),
    info(
        Analyte::Egfr,
        "egfr",
        "估算肾小球滤过率",
        "eGFR",
        "eGFR",
        &[U::MlPerMin173],
    ),
];

const fn info(
    analyte: Analyte,
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    abbr: &'static str,
    units: &'static [Unit],
) -> AnalyteInfo {
    AnalyteInfo {
        analyte,
        key,
        zh,
        en,
        abbr,
        units,
    }
}

impl Analyte {
    pub fn info(self) -> &'static AnalyteInfo {
        ANALYTES
            .iter()
            .find(|i| i.analyte == self)
            .expect("every analyte is listed")
    }

    pub fn from_key(key: &str) -> Option<Analyte> {
        let key = key.trim().to_lowercase().replace(['-', ' '], "_");
        ANALYTES.iter().find(|i| i.key == key).map(|i| i.analyte)
    }

    pub fn key(self) -> &'static str {
        self.info().key
    }

    /// Whether the lab may print a word instead of a number (阳性, negative, 未检出): viral
    /// serology and the viral load.
    pub fn accepts_words(self) -> bool {
        matches!(
            self,
            Analyte::HbvDna
                | Analyte::Hbsag
                | Analyte::Hbeag
                | Analyte::AntiHbs
                | Analyte::AntiHbe
                | Analyte::AntiHbc
                | Analyte::AntiHcv
        )
    }

    /// The unit criteria are computed in (conventional US units, as the formulas expect).
    pub fn canonical_unit(self) -> Unit {
        self.info().units[0]
    }
}

/// Which units a reader is used to: SI (China, Europe: µmol/L, g/L) or US conventional
/// (mg/dL, g/dL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitSystem {
    Si,
    Us,
}

impl Choice for UnitSystem {
    const CHOICES: &'static [(&'static str, Self)] = &[
        ("si", UnitSystem::Si),
        ("us", UnitSystem::Us),
        ("conventional", UnitSystem::Us),
    ];
}

impl UnitSystem {
    /// A reader of Chinese gets SI units, of English US conventional ones.
    pub fn for_language(lang: crate::text::Lang) -> Self {
        match lang {
            crate::text::Lang::Zh => UnitSystem::Si,
            crate::text::Lang::En => UnitSystem::Us,
        }
    }
}

impl Analyte {
    /// The unit this analyte is shown in for readers of `system` (values printed in another
    /// unit are converted to it, exactly, where a fixed conversion exists).
    pub fn display_unit(self, system: UnitSystem) -> Unit {
        use UnitSystem::{Si, Us};
        match (self, system) {
            (Analyte::Bilirubin | Analyte::DirectBilirubin | Analyte::Creatinine, Si) => {
                U::MicromolPerL
            }
            (Analyte::Bilirubin | Analyte::DirectBilirubin | Analyte::Creatinine, Us) => U::MgPerDl,
            (Analyte::Albumin | Analyte::TotalProtein | Analyte::Hemoglobin, Si) => U::GPerL,
            (Analyte::Albumin | Analyte::TotalProtein | Analyte::Hemoglobin, Us) => U::GPerDl,
            (Analyte::Ammonia, Si) => U::MicromolPerL,
            (Analyte::Ammonia, Us) => U::MicrogPerDl,
            (Analyte::Platelets | Analyte::Wbc, Si) => U::E9PerL,
            (Analyte::Platelets | Analyte::Wbc, Us) => U::E3PerMicroL,
            (Analyte::Afp, _) => U::NgPerMl,
            (other, _) => other.canonical_unit(),
        }
    }
}

/// How many decimals a value converted to `unit` is shown with (rounded half-up; the value as
/// printed is shown beside it): bilirubin 1 in mg/dL and µmol/L (1.3 mg/dL is 22.2 µmol/L),
/// creatinine 2 in mg/dL and 0 in µmol/L (0.95 mg/dL is 84 µmol/L), albumin, total protein
/// and haemoglobin 1 in g/dL and 0 in g/L, ammonia 1 — as laboratories print them.
pub fn display_decimals(analyte: Analyte, unit: Unit) -> u32 {
    match (analyte, unit) {
        (Analyte::Creatinine, U::MgPerDl) => 2,
        (Analyte::Creatinine, U::MicromolPerL) => 0,
        (Analyte::Albumin | Analyte::TotalProtein | Analyte::Hemoglobin, U::GPerL) => 0,
        _ => 1,
    }
}

/// Tests that do not change tenfold between two draws in real life: such a change is a unit or
/// typing slip, and is warned about.
pub const STABLE_ANALYTES: &[Analyte] = &[
    Analyte::Albumin,
    Analyte::TotalProtein,
    Analyte::Sodium,
    Analyte::Inr,
    Analyte::Creatinine,
    Analyte::Hemoglobin,
];

/// What a value can physically be and what is plausible, in the analyte's canonical unit:
/// `(minimum possible, plausible low, plausible high)`. A value below the minimum (0 where 0
/// cannot be) is an error; outside the plausible range, a warning. `None`: no bounds known.
pub fn plausible(analyte: Analyte) -> Option<(Decimal, Decimal, Decimal)> {
    let d = |n: i64, scale: u32| Decimal::new(n, scale);
    Some(match analyte {
        Analyte::Bilirubin => (Decimal::ZERO, d(5, 2), d(50, 0)),
        Analyte::Albumin => (d(1, 1), d(10, 1), d(60, 1)),
        Analyte::TotalProtein => (d(1, 1), d(30, 1), d(120, 1)),
        Analyte::Inr => (d(1, 1), d(6, 1), d(10, 0)),
        Analyte::ProthrombinTime => (d(1, 0), d(8, 0), d(100, 0)),
        Analyte::Creatinine => (d(1, 2), d(15, 2), d(20, 0)),
        Analyte::Sodium => (d(1, 0), d(100, 0), d(180, 0)),
        Analyte::Platelets => (d(1, 1), d(2, 0), d(2000, 0)),
        Analyte::Hemoglobin => (d(1, 1), d(20, 1), d(250, 1)),
        Analyte::Ast | Analyte::Alt => (Decimal::ZERO, d(2, 0), d(20000, 0)),
        _ => return None,
    })
}

/// Where a laboratory's reference range for a test with two common units lies, in the
/// analyte's canonical unit: `(lowest usual lower limit, highest usual lower limit, lowest
/// usual upper limit, highest usual upper limit)`. A range outside these read in the unit
/// written but inside them read in the other unit was printed in the other unit (bilirubin
/// 3.4–20.5 is µmol/L, never mg/dL). `None` for a test with one common unit.
pub fn usual_reference_limits(analyte: Analyte) -> Option<[Decimal; 4]> {
    let d = |n: i64, scale: u32| Decimal::new(n, scale);
    Some(match analyte {
        Analyte::Bilirubin => [Decimal::ZERO, d(6, 1), d(6, 1), d(25, 1)],
        Analyte::DirectBilirubin => [Decimal::ZERO, d(3, 1), d(1, 1), d(8, 1)],
        Analyte::Albumin => [d(25, 1), d(45, 1), d(40, 1), d(60, 1)],
        Analyte::TotalProtein => [d(50, 1), d(75, 1), d(65, 1), d(95, 1)],
        Analyte::Creatinine => [d(2, 1), d(10, 1), d(6, 1), d(18, 1)],
        Analyte::Hemoglobin => [d(90, 1), d(150, 1), d(120, 1), d(200, 1)],
        _ => return None,
    })
}

/// The other of a two-unit test's units (µmol/L for mg/dL bilirubin); `None` for a test with
/// one unit or more than two.
pub fn other_common_unit(analyte: Analyte, unit: Unit) -> Option<Unit> {
    usual_reference_limits(analyte)?;
    match analyte.info().units {
        [a, b] if *a == unit => Some(*b),
        [a, b] if *b == unit => Some(*a),
        _ => None,
    }
}

/// A printed reference range's limits: `3.4-20.5` (also with – — ~ ～), `<8.1`, `≤8.1`, `>60`,
/// `≥60` as `(lower, upper)`; `None` when it is not such a range.
pub fn range_limits(range: &str) -> Option<(Option<Decimal>, Option<Decimal>)> {
    let range = range.trim().replace(['–', '—', '~', '～'], "-");
    let number = |s: &str| s.trim().parse::<Decimal>().ok();
    if let Some(max) = range.strip_prefix('<').or_else(|| range.strip_prefix('≤')) {
        return Some((None, Some(number(max)?)));
    }
    if let Some(min) = range.strip_prefix('>').or_else(|| range.strip_prefix('≥')) {
        return Some((Some(number(min)?), None));
    }
    let (low, high) = range.split_once('-')?;
    Some((Some(number(low)?), Some(number(high)?)))
}

/// Converts a value between two units of the same analyte, exactly; `None` when no fixed
/// conversion exists (AFP IU/mL, HBV DNA copies, PIVKA-II mAU ↔ ng).
pub fn convert(analyte: Analyte, value: Decimal, from: Unit, to: Unit) -> Option<Decimal> {
    if from == to {
        return Some(value);
    }
    let factor = |n: i64, scale: u32| Decimal::new(n, scale);
    match (analyte, from, to) {
        (Analyte::Bilirubin | Analyte::DirectBilirubin, U::MicromolPerL, U::MgPerDl) => {
            value.checked_div(factor(171, 1))
        }
        (Analyte::Bilirubin | Analyte::DirectBilirubin, U::MgPerDl, U::MicromolPerL) => {
            value.checked_mul(factor(171, 1))
        }
        (Analyte::Creatinine, U::MicromolPerL, U::MgPerDl) => value.checked_div(factor(884, 1)),
        (Analyte::Creatinine, U::MgPerDl, U::MicromolPerL) => value.checked_mul(factor(884, 1)),
        (Analyte::Albumin | Analyte::TotalProtein | Analyte::Hemoglobin, U::GPerL, U::GPerDl) => {
            value.checked_div(Decimal::TEN)
        }
        (Analyte::Albumin | Analyte::TotalProtein | Analyte::Hemoglobin, U::GPerDl, U::GPerL) => {
            value.checked_mul(Decimal::TEN)
        }
        (Analyte::Ammonia, U::MicromolPerL, U::MicrogPerDl) => value.checked_mul(factor(1703, 3)),
        (Analyte::Ammonia, U::MicrogPerDl, U::MicromolPerL) => value.checked_div(factor(1703, 3)),
        (Analyte::Sodium, U::MmolPerL | U::MeqPerL, U::MmolPerL | U::MeqPerL)
        | (Analyte::Afp, U::NgPerMl | U::MicrogPerL, U::NgPerMl | U::MicrogPerL)
        | (
            Analyte::Platelets | Analyte::Wbc,
            U::E9PerL | U::E3PerMicroL,
            U::E9PerL | U::E3PerMicroL,
        ) => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn bilirubin_converts_exactly() {
        // 51.3 / 17.1 drifts in binary floating point; in decimals it is exactly 3.
        assert_eq!(
            convert(Analyte::Bilirubin, d("51.3"), U::MicromolPerL, U::MgPerDl),
            Some(d("3"))
        );
        assert_eq!(
            convert(Analyte::Bilirubin, d("34.2"), U::MicromolPerL, U::MgPerDl),
            Some(d("2"))
        );
    }

    #[test]
    fn afp_in_iu_is_never_converted_silently() {
        assert_eq!(convert(Analyte::Afp, d("10"), U::IuPerMl, U::NgPerMl), None);
        assert_eq!(
            convert(Analyte::Afp, d("10"), U::MicrogPerL, U::NgPerMl),
            Some(d("10"))
        );
    }

    #[test]
    fn every_analyte_key_round_trips() {
        for info in ANALYTES {
            assert_eq!(Analyte::from_key(info.key), Some(info.analyte));
            assert!(!info.units.is_empty());
        }
    }

    #[test]
    fn unit_spellings_parse() {
        assert_eq!(Unit::parse_choice("umol/l"), Some(U::MicromolPerL));
        assert_eq!(Unit::parse_choice("μmol/L"), Some(U::MicromolPerL));
        assert_eq!(Unit::parse_choice("x10^9/L"), Some(U::E9PerL));
        assert_eq!(Unit::parse_choice("mg/dl"), Some(U::MgPerDl));
        assert_eq!(Unit::parse_choice("furlongs"), None);
    }
}
