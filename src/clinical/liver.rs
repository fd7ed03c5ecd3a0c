//! Liver function: Child-Pugh, the MELD family and ALBI (calculators reference §2–§4).
//!
//! Thresholds are compared in exact decimals; only logarithms go through f64.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::inputs::{LabValue, Sources, attach_assessment, distance};
use super::{Criterion, Input, Kind, Outcome, analyte_name, dec, ln, log10, round_half_up};
use super::{show, t};
use crate::case::model::{Ascites, Encephalopathy, Sex};
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::lab::{Analyte, Unit};
use crate::summary::words;
use crate::text::{Lang, Text};

const BILIRUBIN_UMOL_PER_MG_DL: Decimal = dec(171, 1);

// ───────────────────────────── Child-Pugh (§2) ─────────────────────────────

/// Inputs for Child-Pugh. Bilirubin is in µmol/L because the Chinese/EASL tables quote
/// µmol/L cut-offs, and 34.2 / 17.1 is exactly 2 mg/dL.
#[derive(Debug, Clone, Copy)]
pub struct ChildPughInput {
    pub bilirubin_umol_l: Decimal,
    pub albumin_g_l: Decimal,
    pub inr: Decimal,
    pub ascites: Ascites,
    pub encephalopathy: Encephalopathy,
}

/// Points for bilirubin, albumin, INR, ascites and encephalopathy, in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildPugh {
    pub points: [u8; 5],
}

impl ChildPugh {
    pub fn total(self) -> u8 {
        self.points.iter().sum()
    }

    /// A (5–6), B (7–9) or C (10–15).
    pub fn class(self) -> char {
        match self.total() {
            ..=6 => 'A',
            7..=9 => 'B',
            _ => 'C',
        }
    }

    /// Class with total, as printed: "A6".
    pub fn label(self) -> String {
        format!("{}{}", self.class(), self.total())
    }
}

/// Both interval ends belong to the 2-point band (§2.1).
fn bilirubin_points(mg_dl: Decimal) -> u8 {
    if mg_dl < Decimal::TWO {
        1
    } else if mg_dl <= dec(3, 0) {
        2
    } else {
        3
    }
}

fn albumin_points(g_dl: Decimal) -> u8 {
    if g_dl > dec(35, 1) {
        1
    } else if g_dl >= dec(28, 1) {
        2
    } else {
        3
    }
}

fn inr_points(inr: Decimal) -> u8 {
    if inr < dec(17, 1) {
        1
    } else if inr <= dec(23, 1) {
        2
    } else {
        3
    }
}

fn ascites_points(ascites: Ascites) -> u8 {
    match ascites {
        Ascites::None => 1,
        Ascites::Mild => 2,
        Ascites::ModerateSevere => 3,
    }
}

fn encephalopathy_points(he: Encephalopathy) -> u8 {
    match he {
        Encephalopathy::None => 1,
        Encephalopathy::Grade1To2 => 2,
        Encephalopathy::Grade3To4 => 3,
    }
}

pub(crate) fn points_note(points: u8) -> Text {
    let en = if points == 1 {
        "1 point".into()
    } else {
        format!("{points} points")
    };
    t(format!("{points} 分"), en)
}

fn ascites_name() -> Text {
    t("腹水", "ascites")
}

fn encephalopathy_name() -> Text {
    t("肝性脑病", "encephalopathy")
}

/// The grade as coded in the case file, with its Chinese (腹水 无 / 少量 / 中到大量).
fn ascites_value(ascites: Ascites) -> Text {
    let zh = match ascites {
        Ascites::None => "无",
        Ascites::Mild => "少量",
        Ascites::ModerateSevere => "中到大量",
    };
    t(zh, ascites.to_string())
}

fn encephalopathy_value(he: Encephalopathy) -> Text {
    let zh = match he {
        Encephalopathy::None => "无",
        Encephalopathy::Grade1To2 => "1–2 级",
        Encephalopathy::Grade3To4 => "3–4 级",
    };
    t(zh, he.to_string())
}

fn child_pugh_points(input: &ChildPughInput) -> ChildPugh {
    ChildPugh {
        points: [
            bilirubin_points(input.bilirubin_umol_l / BILIRUBIN_UMOL_PER_MG_DL),
            albumin_points(input.albumin_g_l / Decimal::TEN),
            inr_points(input.inr),
            ascites_points(input.ascites),
            encephalopathy_points(input.encephalopathy),
        ],
    }
}

pub fn child_pugh(input: &ChildPughInput) -> (ChildPugh, Criterion) {
    let bilirubin = input.bilirubin_umol_l / BILIRUBIN_UMOL_PER_MG_DL;
    let albumin = input.albumin_g_l / Decimal::TEN;
    let score = child_pugh_points(input);
    let [b, a, i, asc, he] = score.points;
    let mut criterion = Criterion::new(
        Kind::ChildPugh,
        Outcome::Category(Text::plain(score.label())),
    )
    .valued(Decimal::from(score.total()), None);
    let lab = |analyte: Analyte, value, unit: Unit, points| {
        Input::number(analyte_name(analyte), value, unit.symbol()).note(points_note(points))
    };
    criterion.inputs = vec![
        lab(Analyte::Bilirubin, bilirubin, Unit::MgPerDl, b),
        lab(Analyte::Albumin, albumin, Unit::GPerDl, a),
        lab(Analyte::Inr, input.inr, Unit::Ratio, i),
        Input::worded(ascites_name(), ascites_value(input.ascites), None).note(points_note(asc)),
        Input::worded(
            encephalopathy_name(),
            encephalopathy_value(input.encephalopathy),
            None,
        )
        .note(points_note(he)),
    ];
    criterion.flags.extend(
        [
            borderline(
                analyte_name(Analyte::Bilirubin),
                (Analyte::Bilirubin, bilirubin, Unit::MgPerDl),
                bilirubin_points,
            ),
            borderline(
                analyte_name(Analyte::Albumin),
                (Analyte::Albumin, albumin, Unit::GPerDl),
                albumin_points,
            ),
            borderline(
                Text::plain("INR"),
                (Analyte::Inr, input.inr, Unit::Ratio),
                inr_points,
            ),
        ]
        .into_iter()
        .flatten(),
    );
    criterion
        .flags
        .extend(bilirubin_table_variants(input.bilirubin_umol_l, b));
    (score, criterion)
}

/// Flags a value whose points would change within ±2 % (measurement imprecision, §0.3),
/// quoting the value in each language's usual units (converted exactly; the cut-off is the
/// same in any unit).
fn borderline(
    name: Text,
    (analyte, value, unit): (Analyte, Decimal, Unit),
    points: fn(Decimal) -> u8,
) -> Option<Text> {
    let range = [dec(98, 2), Decimal::ONE, dec(102, 2)].map(|f| points(value * f));
    let (low, high) = (range.iter().min()?, range.iter().max()?);
    let quoted = |lang: Lang| {
        let to = analyte.display_unit(crate::lab::UnitSystem::for_language(lang));
        let (value, unit) = crate::lab::convert(analyte, value, unit, to)
            .map_or((value, unit), |converted| (converted, to));
        crate::units::with_symbol(&show(value), unit)
    };
    (low != high).then(|| {
        t(
            format!(
                "边缘值：{} {} 在分界值 ±2 % 范围内，评分可能为 {low}–{high} 分",
                name.best(Lang::Zh),
                quoted(Lang::Zh)
            ),
            format!(
                "borderline: {} {} is within ±2 % of a cut-off; its points could be {low}–{high}",
                name.best(Lang::En),
                quoted(Lang::En)
            ),
        )
    })
}

/// A lab value exactly at a Child-Pugh cut-off (§6.4): its points rest on where the cut-off
/// is drawn, so a reading across it, or a table drawing it there, gives `other` points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnCutOff {
    pub analyte: Analyte,
    pub points: u8,
    pub other: u8,
    /// The bilirubin table (µmol/L) whose cut-off it is, when not the 34.2/51.3 used here.
    pub table: Option<(u8, u8)>,
}

/// One table's 2-point band of an analyte, both ends included (§2.1), in the unit used here
/// (bilirubin µmol/L, albumin g/L, INR), and the bilirubin table it is from when not ours.
struct Band {
    low: Decimal,
    high: Decimal,
    table: Option<(u8, u8)>,
}

const BILIRUBIN_BANDS: [Band; 3] = [
    Band {
        low: dec(342, 1),
        high: dec(513, 1),
        table: None,
    },
    Band {
        low: dec(34, 0),
        high: dec(51, 0),
        table: Some((34, 51)),
    },
    Band {
        low: dec(35, 0),
        high: dec(50, 0),
        table: Some((35, 50)),
    },
];
const ALBUMIN_BANDS: [Band; 1] = [Band {
    low: dec(28, 0),
    high: dec(35, 0),
    table: None,
}];
const INR_BANDS: [Band; 1] = [Band {
    low: dec(17, 1),
    high: dec(23, 1),
    table: None,
}];

/// An analyte's value, the points it scored, its bands, and the points below and above them.
type Scored<'b> = (Analyte, Decimal, u8, &'b [Band], u8, u8);

/// Bilirubin, albumin and INR values exactly at a cut-off of any table (§2.1, with the 34/51
/// and 35/50 µmol/L variants), each with the points on the cut-off's other side or by that
/// table, where they differ from the points scored.
pub fn on_cut_off(input: &ChildPughInput) -> Vec<OnCutOff> {
    let [bilirubin, albumin, inr, ..] = child_pugh_points(input).points;
    let scored: [Scored<'_>; 3] = [
        (
            Analyte::Bilirubin,
            input.bilirubin_umol_l,
            bilirubin,
            &BILIRUBIN_BANDS,
            1,
            3,
        ),
        (
            Analyte::Albumin,
            input.albumin_g_l,
            albumin,
            &ALBUMIN_BANDS,
            3,
            1,
        ),
        (Analyte::Inr, input.inr, inr, &INR_BANDS, 1, 3),
    ];
    scored
        .into_iter()
        .filter_map(|(analyte, value, points, bands, below, above)| {
            bands.iter().find_map(|band| {
                let across = if value == band.low {
                    below
                } else if value == band.high {
                    above
                } else {
                    return None;
                };
                // On its own cut-off a table scores 2; the other side scores `across`.
                [2, across]
                    .into_iter()
                    .find(|p| *p != points)
                    .map(|other| OnCutOff {
                        analyte,
                        points,
                        other,
                        table: band.table,
                    })
            })
        })
        .collect()
}

/// Chinese/EASL tables print 34/51 (some 35/50) µmol/L instead of 34.2/51.3 (§2.1).
fn bilirubin_table_variants(umol_l: Decimal, points: u8) -> Option<Text> {
    let variants = [(34, 51), (35, 50)].map(|(low, high)| {
        let p = if umol_l < Decimal::from(low) {
            1
        } else if umol_l <= Decimal::from(high) {
            2
        } else {
            3
        };
        (low, high, p)
    });
    let differing: Vec<(i32, i32, u8)> = variants
        .into_iter()
        .filter(|(_, _, p)| *p != points)
        .collect();
    let [zh, en] = [Lang::Zh, Lang::En].map(|lang| {
        differing
            .iter()
            .map(|(low, high, p)| {
                let p = points_note(*p);
                match lang {
                    Lang::Zh => format!("按 {low}/{high} µmol/L 表为 {}", p.best(lang)),
                    Lang::En => format!("{} with the {low}/{high} µmol/L table", p.best(lang)),
                }
            })
            .collect::<Vec<_>>()
            .join(lang.pick("、", " and "))
    });
    let (umol_l, points) = (show(umol_l), points_note(points));
    (!differing.is_empty()).then(|| {
        t(
            format!(
                "边缘值：总胆红素 {umol_l} µmol/L 按本处所用的 34.2/51.3 µmol/L 分界值为 {}，但{zh}（见于部分中文/EASL 表格）",
                points.best(Lang::Zh)
            ),
            format!(
                "borderline: bilirubin {umol_l} µmol/L scores {} with the 34.2/51.3 µmol/L cut-offs used here, but {en} (printed in some Chinese/EASL tables)",
                points.best(Lang::En)
            ),
        )
    })
}

// ───────────────────────────── MELD family (§3) ─────────────────────────────

/// Inputs for MELD, MELD-Na and MELD 3.0, in conventional units.
#[derive(Debug, Clone, Copy)]
pub struct MeldInput {
    pub bilirubin_mg_dl: Decimal,
    pub creatinine_mg_dl: Decimal,
    pub inr: Decimal,
    pub sodium_mmol_l: Decimal,
    pub albumin_g_dl: Decimal,
    /// ≥ 2 dialysis sessions (or 24 h CVVHD) in the week before the creatinine.
    pub dialysis: bool,
}

/// Which MELD 3.0 path applies (by age at registration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meld3Path {
    Adult(Sex),
    /// Registered before 18 (and now at least 12): +1.33 for every sex.
    Youth,
}

/// Clamps into [low, high], saying how when it did.
fn clamp(value: Decimal, low: Decimal, high: Option<Decimal>) -> (Decimal, Option<Text>) {
    let shown = show(value);
    if value < low {
        let low_shown = show(low);
        (
            low,
            Some(t(
                format!("{shown} 低于下限，按 {low_shown} 计"),
                format!("{shown} raised to the floor {low_shown}"),
            )),
        )
    } else if let Some(high) = high.filter(|h| value > *h) {
        let high_shown = show(high);
        (
            high,
            Some(t(
                format!("{shown} 高于上限，按 {high_shown} 计"),
                format!("{shown} lowered to the cap {high_shown}"),
            )),
        )
    } else {
        (value, None)
    }
}

fn clamped_input(analyte: Analyte, value: Decimal, unit: Unit, how: Option<Text>) -> Input {
    let input = Input::number(analyte_name(analyte), value, unit.symbol());
    match how {
        Some(how) => input.note(how),
        None => input,
    }
}

/// Creatinine as the MELD formulas use it: set to the cap on dialysis.
fn creatinine(input: &MeldInput, cap: Decimal) -> (Decimal, Option<Text>) {
    if input.dialysis {
        let cap_shown = show(cap);
        (
            cap,
            Some(t(
                format!("透析，按 {cap_shown} 计"),
                format!("set to {cap_shown} (dialysis)"),
            )),
        )
    } else {
        clamp(input.creatinine_mg_dl, Decimal::ONE, Some(cap))
    }
}

/// The result clamped to 6–40, flagged when the clamp bit.
fn score_6_40(kind: Kind, rounded: Decimal, raw: Decimal) -> Criterion {
    let (value, how) = clamp(rounded, dec(6, 0), Some(dec(40, 0)));
    let value = value.normalize();
    let criterion = Criterion::new(kind, Outcome::Category(Text::plain(value.to_string())))
        .valued(value, raw.to_f64());
    match how {
        Some(how) => criterion.flag(t(
            format!("评分 {}", how.best(Lang::Zh)),
            format!("score {}", how.best(Lang::En)),
        )),
        None => criterion,
    }
}

/// Original MELD; also returns MELD(i), the integer before the 40 cap that MELD-Na builds on.
pub fn meld(input: &MeldInput) -> (Decimal, Criterion) {
    let (b, b_how) = clamp(input.bilirubin_mg_dl, Decimal::ONE, None);
    let (i, i_how) = clamp(input.inr, Decimal::ONE, None);
    let (c, c_how) = creatinine(input, dec(4, 0));
    let x = dec(957, 3) * ln(c) + dec(378, 3) * ln(b) + dec(112, 2) * ln(i) + dec(643, 3);
    let meld_i = (round_half_up(x, 1) * Decimal::TEN).normalize();
    let mut criterion = score_6_40(Kind::Meld, meld_i, x * Decimal::TEN);
    criterion.inputs = vec![
        clamped_input(Analyte::Bilirubin, b, Unit::MgPerDl, b_how),
        clamped_input(Analyte::Creatinine, c, Unit::MgPerDl, c_how),
        clamped_input(Analyte::Inr, i, Unit::Ratio, i_how),
    ];
    (meld_i, criterion)
}

/// MELD-Na as OPTN used it 2016–2023: the sodium step only when MELD(i) > 11.
pub fn meld_na(input: &MeldInput) -> Criterion {
    let (meld_i, meld) = meld(input);
    if meld_i <= dec(11, 0) {
        let mut criterion = score_6_40(Kind::MeldNa, meld_i, meld_i);
        criterion.raw = None;
        criterion.inputs = meld.inputs;
        return criterion.flag(t(
            format!("MELD(i) {meld_i} ≤ 11：不做血钠校正（OPTN）"),
            format!("MELD(i) {meld_i} ≤ 11: no sodium adjustment (OPTN)"),
        ));
    }
    let (na, na_how) = clamp(input.sodium_mmol_l, dec(125, 0), Some(dec(137, 0)));
    let gap = dec(137, 0) - na;
    let v = meld_i + dec(132, 2) * gap - dec(33, 3) * meld_i * gap;
    let mut criterion = score_6_40(Kind::MeldNa, round_half_up(v, 0), v);
    criterion.inputs = meld.inputs;
    criterion
        .inputs
        .push(clamped_input(Analyte::Sodium, na, Unit::MmolPerL, na_how));
    criterion.flag(t(
        format!("MELD(i) {meld_i} > 11：已做血钠校正"),
        format!("MELD(i) {meld_i} > 11: sodium step applied"),
    ))
}

/// MELD 3.0 as OPTN allocates with it since July 2023: rounded and capped at 40.
pub fn meld_3(input: &MeldInput, path: Meld3Path) -> Criterion {
    let (b, b_how) = clamp(input.bilirubin_mg_dl, Decimal::ONE, None);
    let (i, i_how) = clamp(input.inr, Decimal::ONE, None);
    let (c, c_how) = creatinine(input, dec(3, 0));
    let (na, na_how) = clamp(input.sodium_mmol_l, dec(125, 0), Some(dec(137, 0)));
    let (a, a_how) = clamp(input.albumin_g_dl, dec(15, 1), Some(dec(35, 1)));
    let (s, k) = match path {
        Meld3Path::Adult(Sex::Female) => (dec(133, 2), dec(6, 0)),
        Meld3Path::Adult(Sex::Male) => (Decimal::ZERO, dec(6, 0)),
        Meld3Path::Youth => (Decimal::ZERO, dec(733, 2)),
    };
    let (ln_b, ln_c) = (ln(b), ln(c));
    let na_gap = dec(137, 0) - na;
    let alb_gap = dec(35, 1) - a;
    let x = s + dec(456, 2) * ln_b + dec(82, 2) * na_gap - dec(24, 2) * na_gap * ln_b
        + dec(909, 2) * ln(i)
        + dec(1114, 2) * ln_c
        + dec(185, 2) * alb_gap
        - dec(183, 2) * alb_gap * ln_c
        + k;
    let mut criterion = score_6_40(Kind::Meld3, round_half_up(x, 0), x);
    criterion.inputs = vec![
        clamped_input(Analyte::Bilirubin, b, Unit::MgPerDl, b_how),
        clamped_input(Analyte::Creatinine, c, Unit::MgPerDl, c_how),
        clamped_input(Analyte::Inr, i, Unit::Ratio, i_how),
        clamped_input(Analyte::Sodium, na, Unit::MmolPerL, na_how),
        clamped_input(Analyte::Albumin, a, Unit::GPerDl, a_how),
    ];
    criterion
}

// ───────────────────────────── ALBI (§4) ─────────────────────────────

#[derive(Debug, Clone, Copy)]
pub struct AlbiInput {
    pub bilirubin_umol_l: Decimal,
    pub albumin_g_l: Decimal,
}

fn albi_score(bilirubin_umol_l: Decimal, albumin_g_l: Decimal) -> Decimal {
    dec(66, 2) * log10(bilirubin_umol_l) - dec(85, 3) * albumin_g_l
}

/// A grading of the unrounded ALBI score.
type Grading = fn(Decimal) -> &'static str;

/// ALBI grade from the unrounded score.
fn albi_grade(score: Decimal) -> &'static str {
    if score <= dec(-260, 2) {
        "1"
    } else if score <= dec(-139, 2) {
        "2"
    } else {
        "3"
    }
}

/// Hiraoka's split of grade 2 at −2.270.
fn malbi_grade(score: Decimal) -> &'static str {
    match albi_grade(score) {
        "2" if score <= dec(-2270, 3) => "2a",
        "2" => "2b",
        grade => grade,
    }
}

/// ALBI and mALBI, both graded from the unrounded score and shown to 2 decimals.
pub fn albi(input: &AlbiInput) -> [Criterion; 2] {
    let kinds = [Kind::Albi, Kind::Malbi];
    if input.bilirubin_umol_l <= Decimal::ZERO {
        return kinds.map(|kind| {
            Criterion::new(
                kind,
                Outcome::missing([t(
                    "大于 0 的总胆红素（ALBI 需取其对数）",
                    "bilirubin above 0 (ALBI takes its logarithm)",
                )]),
            )
        });
    }
    let score = albi_score(input.bilirubin_umol_l, input.albumin_g_l);
    // The score rises with bilirubin and falls with albumin, so ±2 % extremes are these two.
    let extremes = [(dec(98, 2), dec(102, 2)), (dec(102, 2), dec(98, 2))]
        .map(|(fb, fa)| albi_score(input.bilirubin_umol_l * fb, input.albumin_g_l * fa));
    let inputs = vec![
        Input::number(
            analyte_name(Analyte::Bilirubin),
            input.bilirubin_umol_l,
            Unit::MicromolPerL.symbol(),
        ),
        Input::number(
            analyte_name(Analyte::Albumin),
            input.albumin_g_l,
            Unit::GPerL.symbol(),
        ),
    ];
    let graded: [(Kind, Grading); 2] = [(Kind::Albi, albi_grade), (Kind::Malbi, malbi_grade)];
    let mut out = graded.map(|(kind, grade_of)| {
        let grade = grade_of(score);
        let label = match kind {
            Kind::Albi => t(format!("{grade} 级"), format!("grade {grade}")),
            _ => Text::plain(grade),
        };
        let mut criterion = Criterion::new(kind, Outcome::Category(label))
            .valued(round_half_up(score, 2), score.to_f64());
        criterion.inputs.clone_from(&inputs);
        let possible = extremes.map(grade_of);
        if possible.iter().any(|g| *g != grade) {
            let [low, high] = possible;
            criterion.flags.push(t(
                format!("边缘值：总胆红素或白蛋白变动 ±2 % 时分级为 {low} 至 {high} 级"),
                format!("borderline: ±2 % in bilirubin or albumin gives grade {low} to {high}"),
            ));
        }
        criterion
    });
    out[1].flags.push(t(
        "次要结果：mALBI 分界值 −2.270 来自参考文献列表，未经原始文献核实",
        "secondary output: the mALBI cut-off −2.270 is from reference lists, not verified in a source text",
    ));
    out
}

// ───────────────────────────── from the case ─────────────────────────────

/// The liver-function criteria, and the Child-Pugh score that staging builds on.
pub(crate) struct LiverResults {
    pub criteria: Vec<Criterion>,
    pub child_pugh: Option<FoundChildPugh>,
}

/// Child-Pugh as computed from the case: the score, the date of its labs, and its lab values
/// that sit exactly at a cut-off, each in the language's usual units ("albumin 35 g/L
/// (2021-08-20)", "albumin 3.5 g/dL (35 g/L as printed, 2021-08-20)").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FoundChildPugh {
    pub score: ChildPugh,
    pub date: CaseDate,
    pub on_cut_off: Vec<(OnCutOff, Text)>,
}

impl LiverResults {
    /// ALBI and MELD as one line, for questions about liver function.
    pub fn summary(&self) -> Text {
        let line = |lang: Lang| {
            self.criteria
                .iter()
                .filter(|c| matches!(c.kind, Kind::Albi | Kind::Meld | Kind::Meld3))
                .map(|c| format!("{} {}", c.kind.label(lang), c.outcome.label(lang)))
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; "))
        };
        t(line(Lang::Zh), line(Lang::En))
    }
}

pub(crate) fn assess(sources: &Sources<'_>) -> LiverResults {
    let (child_pugh, child_pugh_criterion) = child_pugh_from(sources);
    let mut criteria = vec![child_pugh_criterion];
    criteria.extend(meld_family_from(sources));
    criteria.extend(albi_from(sources));
    LiverResults {
        criteria,
        child_pugh,
    }
}

/// Child-Pugh from the case; also used for the ART score before each TACE.
pub(crate) fn child_pugh_from(sources: &Sources<'_>) -> (Option<FoundChildPugh>, Criterion) {
    let set = sources.lab_set([Analyte::Bilirubin, Analyte::Albumin, Analyte::Inr]);
    let near = set.as_ref().map_or(sources.at, |s| s.date().day());
    let ascites = sources.assessment_near(near, |a| a.ascites);
    let he = sources.assessment_near(near, |a| a.encephalopathy);
    let mut missing = set.as_ref().err().cloned().unwrap_or_default();
    if sources.labs(Analyte::Inr).is_err() && sources.labs(Analyte::ProthrombinTime).is_ok() {
        missing.push(t(
            "PT 较对照延长的秒数（仅记录了 PT 秒数，还需对照 PT；PTA 不能换算）",
            "PT prolongation over control (only PT seconds are recorded; the control PT is needed, and PTA is not convertible)",
        ));
    }
    if ascites.is_none() {
        missing.push(sources.describe_missing(t(
            "腹水分级（[[assessment]] 中的 ascites）",
            "ascites grade (an [[assessment]] with ascites)",
        )));
    }
    if he.is_none() {
        missing.push(sources.describe_missing(t(
            "肝性脑病分级（[[assessment]] 中的 encephalopathy）",
            "encephalopathy grade (an [[assessment]] with encephalopathy)",
        )));
    }
    let (Ok(set), Some((ascites, asc_at)), Some((he, he_at)), true) =
        (set, ascites, he, missing.is_empty())
    else {
        return (
            None,
            Criterion::new(Kind::ChildPugh, Outcome::missing(missing)),
        );
    };
    let [bilirubin, albumin, inr] = &set.values;
    let (bilirubin_umol_l, albumin_g_l) = match in_si_units(bilirubin, albumin) {
        Ok(values) => values,
        Err(missing) => return (None, Criterion::new(Kind::ChildPugh, missing)),
    };
    let input = ChildPughInput {
        bilirubin_umol_l,
        albumin_g_l,
        inr: inr.value,
        ascites,
        encephalopathy: he,
    };
    let (score, mut criterion) = child_pugh(&input);
    let on_cut_off = on_cut_off(&input)
        .into_iter()
        .filter_map(|at| {
            let value = set.values.iter().find(|v| v.analyte() == at.analyte)?;
            let (name, date) = (analyte_name(at.analyte), value.date());
            let quoted = |lang: Lang| {
                let date = date.for_reader(lang);
                let shown = value.in_units_of(lang);
                let number = crate::units::with_symbol(&shown.number, shown.unit);
                match (lang, shown.printed) {
                    (Lang::Zh, None) => format!("{number}（{date}）"),
                    (Lang::Zh, Some(p)) => format!("{number}（报告原值 {p}，{date}）"),
                    (Lang::En, None) => format!("{number} ({date})"),
                    (Lang::En, Some(p)) => format!("{number} ({p} as printed, {date})"),
                }
            };
            Some((
                at,
                t(
                    format!("{} {}", name.best(Lang::Zh), quoted(Lang::Zh)),
                    format!("{} {}", name.best(Lang::En), quoted(Lang::En)),
                ),
            ))
        })
        .collect();
    set.attach(&mut criterion.inputs, &mut criterion.flags);
    for (name, assessment) in [(ascites_name(), asc_at), (encephalopathy_name(), he_at)] {
        attach_assessment(
            &mut criterion.inputs,
            &name,
            assessment,
            set.date(),
            sources.window_days(),
            &mut criterion.flags,
        );
    }
    let found = FoundChildPugh {
        score,
        date: set.date(),
        on_cut_off,
    };
    (Some(found), criterion)
}

fn meld_family_from(sources: &Sources<'_>) -> Vec<Criterion> {
    let kinds = [Kind::Meld, Kind::MeldNa, Kind::Meld3];
    let set = match sources.lab_set([
        Analyte::Bilirubin,
        Analyte::Creatinine,
        Analyte::Inr,
        Analyte::Sodium,
        Analyte::Albumin,
    ]) {
        Ok(set) => set,
        Err(missing) => {
            return kinds
                .map(|kind| Criterion::new(kind, Outcome::missing(missing.clone())))
                .into();
        }
    };
    let [bilirubin, creatinine, inr, sodium, albumin] = &set.values;
    let mut shared_flags = Vec::new();
    let (dialysis, dialysis_input) = dialysis_from(sources, creatinine, &mut shared_flags);
    let input = MeldInput {
        bilirubin_mg_dl: bilirubin.value,
        creatinine_mg_dl: creatinine.value,
        inr: inr.value,
        sodium_mmol_l: sodium.value,
        albumin_g_dl: albumin.value,
        dialysis,
    };
    let patient = &sources.case.patient;
    let age = patient.age_on(set.date().day());
    let on = set.date();
    // The birth date itself is never written here: these texts go to contacts the case may
    // not share it with (`[patient.share_with]`), and they do not know the contact.
    let age_input = Input::new(t("年龄", "age"), age, Some("years"))
        .dated(on, None)
        .note(t("按出生日期计算", "from the birth date"));
    let mut meld_3 = match age {
        18.. => meld_3(&input, Meld3Path::Adult(patient.sex)).flag(t(
            format!("假设：登记肝移植时年满 18 岁（{on} 时 {age} 岁）"),
            format!(
                "assumption: registered for transplant at age 18 or older (age {age} on {})",
                on.for_reader(Lang::En)
            ),
        )),
        12..=17 => meld_3(&input, Meld3Path::Youth).flag(t(
            format!("假设：登记肝移植时未满 18 岁（{on} 时 {age} 岁）"),
            format!(
                "assumption: registered for transplant before age 18 (age {age} on {})",
                on.for_reader(Lang::En)
            ),
        )),
        _ => Criterion::new(
            Kind::Meld3,
            Outcome::Category(Text::both(
                "不适用（12 岁以下用 PELD）",
                "not applicable (under 12: PELD)",
            )),
        ),
    };
    let sex = t(words::sex(patient.sex, Lang::Zh), patient.sex.to_string());
    meld_3.inputs.push(
        Input::worded(t("性别", "sex"), sex, None)
            .note(t("取自患者信息", "from the patient details")),
    );
    meld_3.inputs.push(age_input);
    if patient.birth_date.is_approximate() {
        meld_3.flags.push(t(
            "日期为约数：出生日期不确切，年龄按可能的最大值计算",
            "approximate date: birth date not exact, age counted as the oldest possible",
        ));
    }
    [meld(&input).1, meld_na(&input), meld_3]
        .map(|mut criterion| {
            criterion.inputs.push(dialysis_input.clone());
            set.attach(&mut criterion.inputs, &mut criterion.flags);
            criterion.flags.extend(shared_flags.iter().cloned());
            criterion
        })
        .into()
}

/// Bilirubin in µmol/L and albumin in g/L, converted from the printed values so that they stay
/// exact. Every unit the case file accepts for them converts; the error is for completeness.
fn in_si_units(
    bilirubin: &LabValue<'_>,
    albumin: &LabValue<'_>,
) -> Result<(Decimal, Decimal), Outcome> {
    bilirubin
        .in_unit(Unit::MicromolPerL)
        .zip(albumin.in_unit(Unit::GPerL))
        .ok_or_else(|| {
            Outcome::missing([t(
                "可换算为 µmol/L 和 g/L 的总胆红素和白蛋白",
                "bilirubin and albumin in units convertible to µmol/L and g/L",
            )])
        })
}

/// Dialysis from an assessment within the lab window of the creatinine; otherwise "no", printed
/// as an assumption (the one default §0.2 allows).
fn dialysis_from(
    sources: &Sources<'_>,
    creatinine: &LabValue<'_>,
    flags: &mut Vec<Text>,
) -> (bool, Input) {
    let window = sources.window_days();
    let name = t("透析", "dialysis");
    let word = |on: bool| if on { t("是", "yes") } else { t("否", "no") };
    match sources.assessment_near(creatinine.date(), |a| a.dialysis) {
        Some((on, at)) if distance(at.date, creatinine.date()) <= window => {
            (on, Input::worded(name, word(on), None).dated(at.date, None))
        }
        _ => {
            let date = creatinine.date();
            flags.push(t(
                format!("假设：未透析（肌酐（{date}）前后 {window} 天内无透析记录）"),
                format!("assumption: dialysis = no (no dialysis status recorded within {window} days of the creatinine of {})", date.for_reader(Lang::En)),
            ));
            (
                false,
                Input::worded(name, word(false), None).note(t("假设", "assumed")),
            )
        }
    }
}

fn albi_from(sources: &Sources<'_>) -> Vec<Criterion> {
    let kinds = [Kind::Albi, Kind::Malbi];
    let set = match sources.lab_set([Analyte::Bilirubin, Analyte::Albumin]) {
        Ok(set) => set,
        Err(missing) => {
            return kinds
                .map(|kind| Criterion::new(kind, Outcome::missing(missing.clone())))
                .into();
        }
    };
    let [bilirubin, albumin] = &set.values;
    let (bilirubin_umol_l, albumin_g_l) = match in_si_units(bilirubin, albumin) {
        Ok(values) => values,
        Err(missing) => {
            return kinds
                .map(|kind| Criterion::new(kind, missing.clone()))
                .into();
        }
    };
    albi(&AlbiInput {
        bilirubin_umol_l,
        albumin_g_l,
    })
    .map(|mut criterion| {
        set.attach(&mut criterion.inputs, &mut criterion.flags);
        criterion
    })
    .into()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::clinical::test_util::{d, english};

    fn mg_to_umol(mg: &str) -> Decimal {
        d(mg) * BILIRUBIN_UMOL_PER_MG_DL
    }

    #[test]
    fn child_pugh_vectors_c1_to_c10() {
        use Ascites as A;
        use Encephalopathy as E;
        // (id, bilirubin µmol/L, albumin g/L, INR, ascites, HE, points, class and total)
        #[rustfmt::skip]
        let vectors = [
            ("C1", mg_to_umol("1.0"), d("40"), "1.1", A::None, E::None, [1, 1, 1, 1, 1], "A5"),
            ("C2", mg_to_umol("2.0"), d("35"), "1.7", A::None, E::None, [2, 2, 2, 1, 1], "B8"),
            ("C3", mg_to_umol("1.99"), d("35.1"), "1.69", A::None, E::None, [1, 1, 1, 1, 1], "A5"),
            ("C4", mg_to_umol("3.0"), d("28"), "2.3", A::Mild, E::Grade1To2, [2, 2, 2, 2, 2], "C10"),
            ("C5", mg_to_umol("3.01"), d("27.9"), "2.31", A::ModerateSevere, E::Grade3To4, [3, 3, 3, 3, 3], "C15"),
            ("C6", mg_to_umol("2.1"), d("33"), "1.2", A::None, E::None, [2, 2, 1, 1, 1], "B7"),
            ("C7", mg_to_umol("1.2"), d("33"), "1.3", A::None, E::None, [1, 2, 1, 1, 1], "A6"),
            ("C8", mg_to_umol("2.5"), d("30"), "1.5", A::Mild, E::Grade1To2, [2, 2, 1, 2, 2], "B9"),
            ("C9", d("34.2"), d("36"), "1.2", A::None, E::None, [2, 1, 1, 1, 1], "A6"),
            ("C10", d("34.1"), d("36"), "1.2", A::None, E::None, [1, 1, 1, 1, 1], "A5"),
        ];
        for (id, bilirubin_umol_l, albumin_g_l, inr, ascites, encephalopathy, points, label) in
            vectors
        {
            let (score, criterion) = child_pugh(&ChildPughInput {
                bilirubin_umol_l,
                albumin_g_l,
                inr: d(inr),
                ascites,
                encephalopathy,
            });
            assert_eq!(score.points, points, "{id}");
            assert_eq!(score.label(), label, "{id}");
            assert_eq!(criterion.outcome.label(Lang::En), label, "{id}");
        }
    }

    #[test]
    fn c10_is_flagged_for_the_34_51_table() {
        let (_, criterion) = child_pugh(&ChildPughInput {
            bilirubin_umol_l: d("34.1"),
            albumin_g_l: d("36"),
            inr: d("1.2"),
            ascites: Ascites::None,
            encephalopathy: Encephalopathy::None,
        });
        assert!(
            english(&criterion.flags)
                .iter()
                .any(|f| f.contains("2 points with the 34/51 µmol/L table")),
            "{:?}",
            criterion.flags
        );
    }

    /// §6.4: a value exactly at a cut-off of any table names the points across it. C2 and C4
    /// sit on every lower and upper edge; C3 and C10 are near, not on, one.
    #[test]
    fn values_exactly_at_a_cut_off_name_the_other_points() {
        use Analyte::{Albumin as Alb, Bilirubin as Bil, Inr};
        // (id, bilirubin µmol/L, albumin g/L, INR, [(analyte, points, other, table)])
        type Row = (
            &'static str,
            Decimal,
            &'static str,
            &'static str,
            Vec<(Analyte, u8, u8, Option<(u8, u8)>)>,
        );
        #[rustfmt::skip]
        let vectors: [Row; 8] = [
            ("C2", mg_to_umol("2.0"), "35", "1.7", vec![(Bil, 2, 1, None), (Alb, 2, 1, None), (Inr, 2, 1, None)]),
            ("C3", mg_to_umol("1.99"), "35.1", "1.69", vec![]),
            ("C4", mg_to_umol("3.0"), "28", "2.3", vec![(Bil, 2, 3, None), (Alb, 2, 3, None), (Inr, 2, 3, None)]),
            ("C9", d("34.2"), "36", "1.2", vec![(Bil, 2, 1, None)]),
            ("C10", d("34.1"), "36", "1.2", vec![]),
            ("34/51", d("34"), "36", "1.2", vec![(Bil, 1, 2, Some((34, 51)))]),
            ("51", d("51"), "36", "1.2", vec![(Bil, 2, 3, Some((34, 51)))]),
            ("demo 2021-08-20", d("20.52"), "35", "1.2", vec![(Alb, 2, 1, None)]),
        ];
        for (id, bilirubin_umol_l, albumin, inr, expected) in vectors {
            let found = on_cut_off(&ChildPughInput {
                bilirubin_umol_l,
                albumin_g_l: d(albumin),
                inr: d(inr),
                ascites: Ascites::None,
                encephalopathy: Encephalopathy::None,
            });
            let found: Vec<_> = found
                .iter()
                .map(|c| (c.analyte, c.points, c.other, c.table))
                .collect();
            assert_eq!(found, expected, "{id}");
        }
    }

    #[test]
    fn child_pugh_without_ascites_is_indeterminate_c11() {
        let case = crate::clinical::tests::fixture_case();
        let mut case = case;
        case.assessments.clear();
        let (score, criterion) =
            child_pugh_from(&Sources::new(&case, "2021-11-01".parse().expect("date")));
        assert_eq!(score, None);
        let Outcome::Indeterminate { missing } = criterion.outcome else {
            panic!("expected indeterminate")
        };
        assert!(
            missing.contains(&t(
                "2021-11-01 及之前的腹水分级（[[assessment]] 中的 ascites）",
                "ascites grade (an [[assessment]] with ascites) on or before Nov 1, 2021"
            )),
            "{missing:?}"
        );
    }

    fn meld_input(
        bili: &str,
        cr: &str,
        inr: &str,
        na: &str,
        alb: &str,
        dialysis: bool,
    ) -> MeldInput {
        MeldInput {
            bilirubin_mg_dl: d(bili),
            creatinine_mg_dl: d(cr),
            inr: d(inr),
            sodium_mmol_l: d(na),
            albumin_g_dl: d(alb),
            dialysis,
        }
    }

    fn assert_raw(criterion: &Criterion, raw: f64, id: &str) {
        let got = criterion.raw.expect("raw value");
        assert!((got - raw).abs() < 5e-4, "{id}: raw {got} vs {raw}");
    }

    #[test]
    fn meld_vectors_m1_to_m9() {
        #[rustfmt::skip]
        let vectors = [
            ("M1", "1.0", "1.0", "1.0", false, 6.43, "6"),
            ("M2", "0.5", "0.6", "0.9", false, 6.43, "6"),
            ("M3", "1.5", "1.0", "1.5", false, 12.5039, "13"),
            ("M4", "3.1", "1.9", "2.0", false, 24.6124, "25"),
            ("M5", "2.0", "5.0", "1.5", false, 26.8581, "27"),
            ("M6", "2.0", "1.2", "1.5", true, 26.8581, "27"),
            ("M7", "30", "6", "6", true, 52.6211, "40"),
            ("M8", "1.0", "1.0", "1.5", false, 10.9712, "11"),
            ("M9", "1.0", "1.0", "1.6", false, 11.6940, "12"),
        ];
        for (id, bili, cr, inr, dialysis, raw, value) in vectors {
            let (_, criterion) = meld(&meld_input(bili, cr, inr, "137", "3.5", dialysis));
            assert_eq!(criterion.value, Some(d(value)), "{id}");
            assert_raw(&criterion, raw, id);
        }
    }

    #[test]
    fn meld_na_vectors_n1_to_n8() {
        #[rustfmt::skip]
        let vectors = [
            ("N1", "1.5", "1.0", "1.5", "135", Some(14.782), "15"),
            ("N2", "1.0", "1.0", "1.5", "125", None, "11"),
            ("N3", "1.0", "1.0", "1.6", "125", Some(23.088), "23"),
            ("N4", "1.0", "1.0", "1.6", "120", Some(23.088), "23"),
            ("N5", "2.0", "1.5", "1.5", "130", Some(22.313), "22"),
            ("N6", "5.0", "2.0", "2.5", "140", Some(29.0), "29"),
            ("N7", "10", "4.0", "3.0", "125", Some(40.604), "40"),
            ("N8", "3.0", "2.0", "2.0", "137", Some(25.0), "25"),
        ];
        for (id, bili, cr, inr, na, raw, value) in vectors {
            let criterion = meld_na(&meld_input(bili, cr, inr, na, "3.5", false));
            assert_eq!(criterion.value, Some(d(value)), "{id}");
            match raw {
                Some(raw) => assert_raw(&criterion, raw, id),
                None => assert_eq!(criterion.raw, None, "{id}"),
            }
        }
    }

    #[test]
    fn meld_na_u1_from_si_units() {
        let bili = d("34.2") / BILIRUBIN_UMOL_PER_MG_DL;
        let cr = d("132.6") / d("88.4");
        let input = MeldInput {
            bilirubin_mg_dl: bili,
            creatinine_mg_dl: cr,
            inr: d("1.4"),
            sodium_mmol_l: d("131"),
            albumin_g_dl: d("3.2"),
            dialysis: false,
        };
        assert_eq!((bili, cr), (d("2"), d("1.5")));
        let (meld_i, _) = meld(&input);
        assert_eq!(meld_i, d("17"));
        let criterion = meld_na(&input);
        assert_eq!(criterion.value, Some(d("22")));
        assert_raw(&criterion, 21.554, "U1");
        let criterion = meld_3(&input, Meld3Path::Adult(Sex::Male));
        assert_eq!(criterion.value, Some(d("21")));
        assert_raw(&criterion, 20.9905, "MELD 3.0 U1");
    }

    #[test]
    fn meld_3_vectors_t1_to_t9() {
        use Meld3Path::{Adult, Youth};
        let (m, f) = (Adult(Sex::Male), Adult(Sex::Female));
        #[rustfmt::skip]
        let vectors = [
            ("T1", m, "0.8", "0.8", "1.0", "140", "4.0", false, 6.0, "6"),
            ("T2", f, "1.5", "1.0", "1.2", "135", "3.0", false, 13.2066, "13"),
            ("T3", m, "1.5", "1.0", "1.2", "135", "3.0", false, 11.8766, "12"),
            ("T4", m, "2.0", "1.0", "1.5", "137", "1.8", false, 15.9914, "16"),
            ("T5", f, "10.0", "2.5", "2.2", "128", "2.8", false, 37.7320, "38"),
            ("T6", m, "10.0", "2.5", "2.2", "128", "2.8", false, 36.4020, "36"),
            ("T7", m, "2.0", "5.0", "1.5", "137", "3.5", true, 25.0850, "25"),
            ("T8", Youth, "1.5", "1.0", "1.2", "135", "3.0", false, 13.2066, "13"),
            ("T9", f, "40", "3.5", "4.0", "120", "1.2", false, 47.8864, "40"),
        ];
        for (id, path, bili, cr, inr, na, alb, dialysis, raw, value) in vectors {
            let criterion = meld_3(&meld_input(bili, cr, inr, na, alb, dialysis), path);
            assert_eq!(criterion.value, Some(d(value)), "{id}");
            assert_raw(&criterion, raw, id);
        }
    }

    #[test]
    fn albi_vectors_a1_to_a10() {
        #[rustfmt::skip]
        let vectors = [
            ("A1", "20.52", "35", -2.1090, "grade 2", "2b"),
            ("A2", "10", "38.4", -2.6040, "grade 1", "1"),
            ("A3", "10", "38.3", -2.5955, "grade 2", "2a"),
            ("A4", "100", "31.9", -1.3915, "grade 2", "2b"),
            ("A5", "100", "31.8", -1.3830, "grade 3", "3"),
            ("A6", "17.1", "40", -2.5862, "grade 2", "2a"),
            ("A7", "5.0", "40", -2.9387, "grade 1", "1"),
            ("A8", "51.3", "25", -0.9963, "grade 3", "3"),
            ("A9", "20", "36.8", -2.2693, "grade 2", "2b"),
            ("A10", "20", "36.9", -2.2778, "grade 2", "2a"),
        ];
        for (id, bili, alb, raw, grade, malbi) in vectors {
            let [albi_result, malbi_result] = albi(&AlbiInput {
                bilirubin_umol_l: d(bili),
                albumin_g_l: d(alb),
            });
            assert_raw(&albi_result, raw, id);
            assert_eq!(
                albi_result.value,
                Some(round_half_up(Decimal::try_from(raw).expect("finite"), 2)),
                "{id}"
            );
            assert_eq!(albi_result.outcome.label(Lang::En), grade, "{id}");
            assert_eq!(malbi_result.outcome.label(Lang::En), malbi, "{id}");
        }
    }

    #[test]
    fn albi_of_a3_rounds_to_the_cut_off_but_grades_from_the_raw_score() {
        let [albi_result, _] = albi(&AlbiInput {
            bilirubin_umol_l: d("10"),
            albumin_g_l: d("38.3"),
        });
        assert_eq!(albi_result.value, Some(d("-2.60")));
        assert_eq!(albi_result.outcome.label(Lang::En), "grade 2");
    }

    fn lab() -> impl Strategy<Value = Decimal> {
        (0i64..=1_000_000_000, 0u32..=4).prop_map(|(n, scale)| Decimal::new(n, scale))
    }

    fn ascites() -> impl Strategy<Value = Ascites> {
        prop_oneof![
            Just(Ascites::None),
            Just(Ascites::Mild),
            Just(Ascites::ModerateSevere)
        ]
    }

    fn encephalopathy() -> impl Strategy<Value = Encephalopathy> {
        prop_oneof![
            Just(Encephalopathy::None),
            Just(Encephalopathy::Grade1To2),
            Just(Encephalopathy::Grade3To4)
        ]
    }

    fn meld_inputs() -> impl Strategy<Value = MeldInput> {
        (lab(), lab(), lab(), lab(), lab(), any::<bool>()).prop_map(
            |(bilirubin_mg_dl, creatinine_mg_dl, inr, sodium_mmol_l, albumin_g_dl, dialysis)| {
                MeldInput {
                    bilirubin_mg_dl,
                    creatinine_mg_dl,
                    inr,
                    sodium_mmol_l,
                    albumin_g_dl,
                    dialysis,
                }
            },
        )
    }

    fn path() -> impl Strategy<Value = Meld3Path> {
        prop_oneof![
            Just(Meld3Path::Adult(Sex::Male)),
            Just(Meld3Path::Adult(Sex::Female)),
            Just(Meld3Path::Youth)
        ]
    }

    fn in_6_40(criterion: &Criterion) -> bool {
        criterion
            .value
            .is_some_and(|v| v >= dec(6, 0) && v <= dec(40, 0))
    }

    proptest! {
        #[test]
        fn meld_scores_never_panic_and_stay_within_6_to_40(input in meld_inputs(), path in path()) {
            let (_, m) = meld(&input);
            prop_assert!(in_6_40(&m));
            prop_assert!(in_6_40(&meld_na(&input)));
            let m3 = meld_3(&input, path);
            prop_assert!(in_6_40(&m3));
            // Clamped inputs as used: sodium 125–137, albumin 1.5–3.5 g/dL, creatinine ≤ 3.
            for input in &m3.inputs {
                let v = d(input.value.best(Lang::En));
                match input.name.best(Lang::En) {
                    "sodium" => prop_assert!(v >= dec(125, 0) && v <= dec(137, 0)),
                    "albumin" => prop_assert!(v >= dec(15, 1) && v <= dec(35, 1)),
                    "creatinine" => prop_assert!(v >= Decimal::ONE && v <= dec(3, 0)),
                    _ => prop_assert!(v >= Decimal::ONE),
                }
            }
        }

        #[test]
        fn meld_scores_never_fall_when_bilirubin_rises(input in meld_inputs(), more in lab(), path in path()) {
            let higher = MeldInput { bilirubin_mg_dl: input.bilirubin_mg_dl + more, ..input };
            prop_assert!(meld(&higher).1.value >= meld(&input).1.value);
            prop_assert!(meld_na(&higher).value >= meld_na(&input).value);
            prop_assert!(meld_3(&higher, path).value >= meld_3(&input, path).value);
        }

        #[test]
        fn child_pugh_never_panics_stays_5_to_15_and_rises_with_bilirubin(
            bilirubin in lab(), more in lab(), albumin in lab(), inr in lab(),
            ascites in ascites(), encephalopathy in encephalopathy(),
        ) {
            let input = ChildPughInput { bilirubin_umol_l: bilirubin, albumin_g_l: albumin, inr, ascites, encephalopathy };
            let (score, _) = child_pugh(&input);
            prop_assert!((5..=15).contains(&score.total()));
            let (higher, _) = child_pugh(&ChildPughInput { bilirubin_umol_l: bilirubin + more, ..input });
            prop_assert!(higher.total() >= score.total());
        }

        #[test]
        fn albi_never_panics(bilirubin in lab(), albumin in lab()) {
            let [a, m] = albi(&AlbiInput { bilirubin_umol_l: bilirubin, albumin_g_l: albumin });
            prop_assert_eq!(a.value.is_some(), bilirubin > Decimal::ZERO);
            prop_assert_eq!(m.value.is_some(), bilirubin > Decimal::ZERO);
        }
    }
}
