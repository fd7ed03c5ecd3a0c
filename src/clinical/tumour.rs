//! Tumour burden against transplant criteria (calculators reference §1): Milan, UCSF,
//! up-to-seven, Metroticket 2.0, the French AFP model, Hangzhou and Fudan, with OPTN T2 and
//! UNOS downstaging printed as context.
//!
//! Outside is decided as soon as any part of a rule fails, even when something else is
//! unknown: every criterion only gets harder to meet with more lesions or a "yes", so the
//! unknown cannot bring the tumour back within.

use rust_decimal::Decimal;

use super::inputs::{Sources, distance, stale_flag};
use super::{Alternative, Criterion, Input, Kind, Outcome, analyte_name, dec, extrahepatic_spread};
use super::{finding_value, macrovascular_invasion, show, status, t};
use crate::case::model::{Finding, Grade, ImagingStudy};
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::lab::Analyte;
use crate::text::{Lang, Text};

/// The tumour criteria, in output order.
pub const KINDS: [Kind; 9] = [
    Kind::Milan,
    Kind::Ucsf,
    Kind::UpToSeven,
    Kind::Metroticket,
    Kind::AfpModel,
    Kind::Hangzhou,
    Kind::Fudan,
    Kind::OptnT2,
    Kind::UnosDownstaging,
];

/// Lesions under 1 cm are listed but not counted (OPTN counts class-5 lesions ≥ 1 cm).
const MIN_COUNTED_MM: Decimal = dec(10, 0);
/// One reporting digit of a diameter in mm: a result this close to a limit is flagged.
const ONE_MM_IN_CM: Decimal = dec(1, 1);
/// An AFP this close to the imaging is "nearest the imaging" (§6.4).
const NEAREST_AFP_DAYS: i64 = 30;

/// Which diameter a burden is measured by (§1.1: computed on both when both exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    WholeLesion,
    Viable,
}

impl Basis {
    pub fn label(self) -> Text {
        match self {
            Basis::WholeLesion => Text::both("病灶整体直径", "whole-lesion diameter"),
            Basis::Viable => Text::both("活性部分直径", "viable diameter"),
        }
    }
}

/// The tumour burden on one size basis, as the criteria count it.
#[derive(Debug, Clone)]
pub struct Burden {
    pub basis: Option<Basis>,
    /// The imaging study measured.
    pub date: Option<CaseDate>,
    /// Diameters in cm of the lesions counted: HCC and ≥ 1 cm on this basis.
    pub sizes_cm: Vec<Decimal>,
    /// Lesions that may count but cannot be judged, e.g. "class of lesion L2 (2021-10-15)".
    pub unknown: Vec<Text>,
    pub macrovascular_invasion: Finding,
    pub extrahepatic_spread: Finding,
    /// AFP in ng/mL (the latest on or before the evaluation date, §6.4), or what is missing.
    pub afp_ng_ml: Result<Decimal, Text>,
    /// The AFP nearest the imaging (within 30 days) where it is not the latest, and how a
    /// reader is told of it ("AFP 85 ng/mL on Oct 14, 2021, nearest the MRI").
    pub afp_nearest: Option<(Decimal, Text)>,
    /// "rising AFP: …" when each of the last three values is higher than the one before.
    pub afp_rising: Option<Text>,
    pub grade: Option<Grade>,
    /// Lesions, N, D, TTD, invasion and spread, with dates and report.
    pub inputs: Vec<Input>,
    pub afp_input: Option<Input>,
    pub grade_input: Option<Input>,
    /// Flags every criterion on this burden shares (uncounted lesions, data age, basis).
    pub flags: Vec<Text>,
}

impl Burden {
    /// A burden of counted lesions with no invasion or spread, no AFP and no grade.
    pub fn new(sizes_cm: Vec<Decimal>) -> Self {
        Self {
            basis: None,
            date: None,
            sizes_cm,
            unknown: Vec::new(),
            macrovascular_invasion: Finding::No,
            extrahepatic_spread: Finding::No,
            afp_ng_ml: Err(analyte_name(Analyte::Afp)),
            afp_nearest: None,
            afp_rising: None,
            grade: None,
            inputs: Vec::new(),
            afp_input: None,
            grade_input: None,
            flags: Vec::new(),
        }
    }

    /// N: the number of counted lesions.
    pub fn count(&self) -> usize {
        self.sizes_cm.len()
    }

    /// D: the largest diameter in cm (0 without lesions).
    pub fn largest(&self) -> Decimal {
        self.sizes_cm.iter().copied().max().unwrap_or_default()
    }

    /// TTD: the sum of diameters in cm.
    pub fn total(&self) -> Decimal {
        self.sizes_cm.iter().sum()
    }

    /// N + D, as up-to-seven and Metroticket add them.
    fn n_plus_d(&self) -> Decimal {
        (Decimal::from(self.count()) + self.largest()).normalize()
    }

    /// What every criterion requires besides size: no macrovascular invasion, no extrahepatic
    /// spread, and every lesion judged.
    pub(crate) fn exclusions(&self) -> Rule {
        let finding = |f: Finding, what: Text| match f {
            Finding::No => Rule::Holds,
            Finding::Yes => Rule::Fails,
            Finding::Unknown => Rule::Unknown(vec![status(&what)]),
        };
        finding(self.macrovascular_invasion, macrovascular_invasion())
            .and(finding(self.extrahepatic_spread, extrahepatic_spread()))
            .and(if self.unknown.is_empty() {
                Rule::Holds
            } else {
                Rule::Unknown(self.unknown.clone())
            })
    }
}

/// A rule that holds, fails, or cannot be decided for want of the named inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    Holds,
    Fails,
    Unknown(Vec<Text>),
}

impl From<bool> for Rule {
    fn from(holds: bool) -> Self {
        if holds { Rule::Holds } else { Rule::Fails }
    }
}

impl Rule {
    /// Kleene "and": one failure decides; otherwise what is unknown adds up.
    pub fn and(self, other: Rule) -> Rule {
        match (self, other) {
            (Rule::Fails, _) | (_, Rule::Fails) => Rule::Fails,
            (Rule::Unknown(mut a), Rule::Unknown(b)) => {
                a.extend(b);
                Rule::Unknown(a)
            }
            (Rule::Unknown(a), Rule::Holds) | (Rule::Holds, Rule::Unknown(a)) => Rule::Unknown(a),
            (Rule::Holds, Rule::Holds) => Rule::Holds,
        }
    }
}

/// What a size limit applies to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Size {
    /// D: the largest diameter.
    Largest,
    /// The largest diameter when there are 2–3 lesions.
    LargestOfFew,
    /// TTD: the sum of diameters.
    Total,
    NPlusD,
}

impl Size {
    fn name(self, lang: Lang) -> &'static str {
        match self {
            Size::Largest => "D (cm)",
            Size::LargestOfFew => {
                lang.pick("2–3 个病灶中的最大直径 (cm)", "largest of 2–3 lesions (cm)")
            }
            Size::Total => "TTD (cm)",
            Size::NPlusD => "N + D",
        }
    }
}

/// Size comparisons that flag values within 1 mm of their limit (one reporting digit, §0.3).
pub(crate) struct Limits<'f>(pub &'f mut Vec<Text>);

impl Limits<'_> {
    pub fn at_most(&mut self, what: Size, value: Decimal, limit: Decimal) -> bool {
        if (value - limit).abs() <= ONE_MM_IN_CM {
            let (value, limit) = (show(value), show(limit));
            self.0.push(t(
                format!(
                    "边缘值：{} {value} 与界值 {limit} 相差不超过 1 mm",
                    what.name(Lang::Zh)
                ),
                format!(
                    "borderline: {} {value} is within 1 mm of the limit {limit}",
                    what.name(Lang::En)
                ),
            ));
        }
        value <= limit
    }
}

/// Flags an AFP within ±5 % of a cut-off (assay variation; §1.2 Metroticket); true if it did.
fn afp_near_cut_off(afp: Decimal, cut_offs: &[i64], flags: &mut Vec<Text>) -> bool {
    let mut near = false;
    for &cut_off in cut_offs {
        let cut_off = Decimal::from(cut_off);
        if (afp - cut_off).abs() <= cut_off * dec(5, 2) {
            near = true;
            let afp = show(afp);
            flags.push(t(
                format!("边缘值：AFP {afp} ng/mL 在分界值 {cut_off} ng/mL 的 ±5 % 范围内"),
                format!(
                    "borderline: AFP {afp} ng/mL is within ±5 % of the {cut_off} ng/mL cut-off"
                ),
            ));
        }
    }
    near
}

/// Size rule combined with the shared exclusions.
fn verdict(kind: Kind, size: Rule, burden: &Burden, mut flags: Vec<Text>) -> Criterion {
    for (finding, what) in [
        (burden.macrovascular_invasion, macrovascular_invasion()),
        (burden.extrahepatic_spread, extrahepatic_spread()),
    ] {
        if finding == Finding::Yes {
            flags.push(t(
                format!("报告有{}", what.best(Lang::Zh)),
                format!("{} reported", what.best(Lang::En)),
            ));
        }
    }
    let outcome = match size.and(burden.exclusions()) {
        Rule::Holds => Outcome::Within,
        Rule::Fails => {
            if let Rule::Unknown(unknown) = burden.exclusions() {
                let [zh, en] = [Lang::Zh, Lang::En].map(|lang| {
                    let items: Vec<&str> = unknown.iter().map(|u| u.best(lang)).collect();
                    items.join(lang.pick("、", ", "))
                });
                flags.push(t(
                    format!("无论以下各项结果如何均为不符合：{zh}"),
                    format!("outside whatever these turn out to be: {en}"),
                ));
            }
            Outcome::Outside
        }
        Rule::Unknown(missing) => Outcome::Indeterminate { missing },
    };
    if outcome == Outcome::Within && burden.count() == 0 {
        flags.push(t("无计入的存活肿瘤", "no viable tumor counted"));
    }
    let mut criterion = Criterion::new(kind, outcome);
    criterion.flags = flags;
    if criterion.outcome == Outcome::Outside {
        criterion.decided_by = decisive_findings(burden);
    }
    criterion
}

/// Macrovascular invasion and extrahepatic spread, where reported: each decides a tumour
/// criterion (and BCLC) whatever the sizes.
pub(crate) fn decisive_findings(burden: &Burden) -> Option<Text> {
    let found: Vec<Text> = [
        (burden.macrovascular_invasion, macrovascular_invasion()),
        (burden.extrahepatic_spread, extrahepatic_spread()),
    ]
    .into_iter()
    .filter(|(finding, _)| *finding == Finding::Yes)
    .map(|(_, what)| what)
    .collect();
    (!found.is_empty()).then(|| {
        let [zh, en] = [Lang::Zh, Lang::En].map(|lang| {
            found
                .iter()
                .map(|f| f.best(lang))
                .collect::<Vec<_>>()
                .join(lang.pick("、", ", "))
        });
        t(zh, en)
    })
}

pub fn milan(burden: &Burden) -> Criterion {
    let mut flags = Vec::new();
    let mut limits = Limits(&mut flags);
    let size = match burden.count() {
        0 | 1 => limits.at_most(Size::Largest, burden.largest(), dec(5, 0)),
        2..=3 => limits.at_most(Size::LargestOfFew, burden.largest(), dec(3, 0)),
        _ => false,
    };
    verdict(Kind::Milan, size.into(), burden, flags)
}

pub fn ucsf(burden: &Burden) -> Criterion {
    let mut flags = Vec::new();
    let mut limits = Limits(&mut flags);
    let size = match burden.count() {
        0 | 1 => limits.at_most(Size::Largest, burden.largest(), dec(65, 1)),
        2..=3 => {
            limits.at_most(Size::Largest, burden.largest(), dec(45, 1))
                && limits.at_most(Size::Total, burden.total(), dec(8, 0))
        }
        _ => false,
    };
    verdict(Kind::Ucsf, size.into(), burden, flags)
}

pub fn up_to_seven(burden: &Burden) -> Criterion {
    let mut flags = vec![t(
        "说明：up-to-seven 原始研究人群同时无微血管侵犯（病理所见）；此处仅采用大小、数目及大血管侵犯",
        "caveat: the original up-to-seven group also had no microvascular invasion, a pathology finding; only size, number and macrovascular invasion are applied here",
    )];
    let size = Limits(&mut flags).at_most(Size::NPlusD, burden.n_plus_d(), dec(7, 0));
    let criterion = verdict(Kind::UpToSeven, size.into(), burden, flags);
    with_n_plus_d(criterion, burden)
}

/// N + D as the result's value when every lesion is counted; with a lesion that cannot be
/// judged it would be a sum over the others, shown as if it were the tumour's.
fn with_n_plus_d(mut criterion: Criterion, burden: &Burden) -> Criterion {
    if burden.unknown.is_empty() {
        criterion.value = Some(burden.n_plus_d());
    }
    criterion
}

pub fn metroticket(burden: &Burden) -> Criterion {
    let mut flags = Vec::new();
    let n_plus_d = burden.n_plus_d();
    let mut limit_input = None;
    let size = match &burden.afp_ng_ml {
        // Every AFP band allows at most 7, so beyond 7 the AFP does not matter.
        Err(_) if n_plus_d > dec(7, 0) => {
            flags.push(t(
                "AFP 未知；N + D > 7 在任何 AFP 区间均为不符合",
                "AFP not known; N + D > 7 is outside in every AFP band",
            ));
            Rule::Fails
        }
        Err(missing) => Rule::Unknown(vec![missing.clone()]),
        Ok(afp) => {
            if afp_near_cut_off(*afp, &[200, 400, 1000], &mut flags) {
                flags.push(t(
                    "AFP 恰为 200/400/1000 ng/mL 时归入哪一区间未经核实（calculators §1.2）",
                    "boundary handling at exactly 200/400/1000 ng/mL is unverified (calculators §1.2)",
                ));
            }
            let limit = if *afp < dec(200, 0) {
                Some((dec(7, 0), "AFP < 200 ng/mL"))
            } else if *afp < dec(400, 0) {
                Some((dec(5, 0), "200 ≤ AFP < 400 ng/mL"))
            } else if *afp <= dec(1000, 0) {
                Some((dec(4, 0), "400 ≤ AFP ≤ 1000 ng/mL"))
            } else {
                None
            };
            match limit {
                Some((limit, band)) => {
                    limit_input = Some(
                        Input::number(t("N + D 上限", "N + D limit"), limit, "")
                            .note(Text::plain(band)),
                    );
                    Limits(&mut flags)
                        .at_most(Size::NPlusD, n_plus_d, limit)
                        .into()
                }
                None => {
                    flags.push(t(
                        "AFP > 1000 ng/mL：任何大小均为不符合",
                        "AFP > 1000 ng/mL: outside at any size",
                    ));
                    Rule::Fails
                }
            }
        }
    };
    let mut criterion = with_n_plus_d(verdict(Kind::Metroticket, size, burden, flags), burden);
    criterion.inputs.extend(limit_input);
    criterion
}

/// Duvoux's points; ≤ 2 is low risk. The model has no invasion term, so unknown invasion does
/// not matter, but with macrovascular invasion it does not apply (§1.4 T17, T19).
pub fn afp_model(burden: &Burden) -> Criterion {
    if burden.macrovascular_invasion == Finding::Yes {
        return Criterion::new(
            Kind::AfpModel,
            Outcome::Category(Text::both(
                "不适用（大血管侵犯）",
                "not applicable (macrovascular invasion)",
            )),
        );
    }
    let mut flags = Vec::new();
    let d = burden.largest();
    let d_points = if Limits(&mut flags).at_most(Size::Largest, d, dec(3, 0)) {
        0
    } else if Limits(&mut flags).at_most(Size::Largest, d, dec(6, 0)) {
        1
    } else {
        4
    };
    let n_points = if burden.count() <= 3 { 0 } else { 2 };
    let afp_points = burden.afp_ng_ml.as_ref().map(|afp| {
        afp_near_cut_off(*afp, &[100, 1000], &mut flags);
        if *afp <= dec(100, 0) {
            0
        } else if *afp <= dec(1000, 0) {
            2
        } else {
            3
        }
    });
    let known = d_points + n_points;
    // Points only rise with more lesions or any AFP, so a high score stays high.
    let mut criterion = match &afp_points {
        Ok(afp) if burden.unknown.is_empty() || known + afp > 2 => {
            Criterion::new(Kind::AfpModel, Outcome::Category(risk(known + afp <= 2)))
                .valued(Decimal::from(known + afp), None)
        }
        Err(_) if known > 2 => {
            Criterion::new(Kind::AfpModel, Outcome::Category(risk(false))).flag(t(
                "AFP 未知；仅大小与数目分值已超过 2 分",
                "AFP not known; the size points alone exceed 2",
            ))
        }
        _ => Criterion::new(
            Kind::AfpModel,
            Outcome::missing(
                afp_points
                    .err()
                    .cloned()
                    .into_iter()
                    .chain(burden.unknown.iter().cloned()),
            ),
        ),
    };
    criterion.inputs = vec![
        Input::new(t("D 分值", "D points"), d_points, None),
        Input::new(t("N 分值", "N points"), n_points, None),
    ];
    if let Ok(points) = afp_points {
        criterion
            .inputs
            .push(Input::new(t("AFP 分值", "AFP points"), points, None));
    }
    criterion.flags.append(&mut flags);
    criterion
}

fn risk(low: bool) -> Text {
    if low {
        Text::both("低风险（≤ 2 分）", "low risk (≤ 2)")
    } else {
        Text::both("高风险（> 2 分）", "high risk (> 2)")
    }
}

pub fn hangzhou(burden: &Burden) -> Criterion {
    let mut flags = Vec::new();
    let size = if Limits(&mut flags).at_most(Size::Total, burden.total(), dec(8, 0)) {
        Rule::Holds
    } else {
        let grade = match burden.grade {
            Some(Grade::I | Grade::II) => Rule::Holds,
            Some(Grade::III | Grade::IV) => Rule::Fails,
            None => Rule::Unknown(vec![t(
                "组织学分级（TTD > 8 cm 时需要）",
                "histological grade (needed with TTD > 8 cm)",
            )]),
        };
        let afp = match &burden.afp_ng_ml {
            Ok(afp) => {
                afp_near_cut_off(*afp, &[400], &mut flags);
                Rule::from(*afp <= dec(400, 0))
            }
            Err(missing) => Rule::Unknown(vec![missing.clone()]),
        };
        grade.and(afp)
    };
    verdict(Kind::Hangzhou, size, burden, flags)
}

pub fn fudan(burden: &Burden) -> Criterion {
    let mut flags = Vec::new();
    let mut limits = Limits(&mut flags);
    let size = match burden.count() {
        0 | 1 => limits.at_most(Size::Largest, burden.largest(), dec(9, 0)),
        2..=3 => {
            limits.at_most(Size::Largest, burden.largest(), dec(5, 0))
                && limits.at_most(Size::Total, burden.total(), dec(9, 0))
        }
        _ => false,
    };
    verdict(Kind::Fudan, size.into(), burden, flags)
}

/// OPTN T2 size limits: one lesion 2–5 cm, or 2–3 lesions each 1–3 cm.
fn t2_size(burden: &Burden, limits: &mut Limits<'_>) -> bool {
    match burden.count() {
        1 => {
            burden.largest() >= Decimal::TWO
                && limits.at_most(Size::Largest, burden.largest(), dec(5, 0))
        }
        2..=3 => limits.at_most(Size::LargestOfFew, burden.largest(), dec(3, 0)),
        _ => false,
    }
}

/// Context flags OPTN attaches to T2: T1 below it, and the AFP > 1000 rule — the latter only
/// where the tumour would otherwise qualify (`fits`), since only there does it change anything.
fn optn_flags(burden: &Burden, fits: bool, flags: &mut Vec<Text>) {
    if burden.count() == 1 && burden.largest() < Decimal::TWO {
        flags.push(t(
            "单个病灶 < 2 cm：T1，低于 T2 范围",
            "single lesion under 2 cm: T1, below the T2 range",
        ));
    }
    let excluded =
        [burden.macrovascular_invasion, burden.extrahepatic_spread].contains(&Finding::Yes);
    if fits
        && !excluded
        && burden
            .afp_ng_ml
            .as_ref()
            .is_ok_and(|afp| *afp > dec(1000, 0))
    {
        flags.push(t(
            "适用 OPTN AFP 规则：AFP > 1000 ng/mL 时，T2 例外须在局部治疗后 AFP 降至 500 ng/mL 以下",
            "OPTN AFP rule applies: with AFP > 1000 ng/mL a T2 exception needs AFP to fall below 500 ng/mL after locoregional therapy",
        ));
    }
}

fn no_viable_tumour(kind: Kind) -> Criterion {
    Criterion::new(
        kind,
        Outcome::Category(Text::both(
            "不适用（无活性肿瘤）",
            "not applicable (no viable tumor)",
        )),
    )
}

pub fn optn_t2(burden: &Burden) -> Criterion {
    if burden.count() == 0 && burden.unknown.is_empty() {
        return no_viable_tumour(Kind::OptnT2);
    }
    let mut flags = Vec::new();
    let size = t2_size(burden, &mut Limits(&mut flags));
    optn_flags(burden, size, &mut flags);
    verdict(Kind::OptnT2, size.into(), burden, flags)
}

/// UNOS-DS inclusion; a tumour already within T2 is reported as such, not as "within".
pub fn unos_downstaging(burden: &Burden) -> Criterion {
    if burden.count() == 0 && burden.unknown.is_empty() {
        return no_viable_tumour(Kind::UnosDownstaging);
    }
    let mut flags = Vec::new();
    let mut limits = Limits(&mut flags);
    if t2_size(burden, &mut limits) {
        optn_flags(burden, true, &mut flags);
        let mut criterion = verdict(Kind::UnosDownstaging, Rule::Holds, burden, flags);
        if criterion.outcome == Outcome::Within {
            criterion.outcome =
                Outcome::Category(Text::both("已在 T2 范围内", "already within T2"));
        }
        return criterion;
    }
    let (d, ttd) = (burden.largest(), burden.total());
    let size = match burden.count() {
        1 => d > dec(5, 0) && limits.at_most(Size::Largest, d, dec(8, 0)),
        2..=3 => {
            limits.at_most(Size::Largest, d, dec(5, 0))
                && limits.at_most(Size::Total, ttd, dec(8, 0))
        }
        4..=5 => {
            limits.at_most(Size::Largest, d, dec(3, 0))
                && limits.at_most(Size::Total, ttd, dec(8, 0))
        }
        _ => false,
    };
    optn_flags(burden, size, &mut flags);
    verdict(Kind::UnosDownstaging, size.into(), burden, flags)
}

/// Every tumour criterion on one burden, with its inputs and shared flags.
pub fn assess(burden: &Burden) -> Vec<Criterion> {
    let calculators: [fn(&Burden) -> Criterion; 9] = [
        milan,
        ucsf,
        up_to_seven,
        metroticket,
        afp_model,
        hangzhou,
        fudan,
        optn_t2,
        unos_downstaging,
    ];
    calculators
        .iter()
        .map(|calculate| {
            let mut criterion = calculate(burden);
            criterion.basis = burden.basis.map(Basis::label);
            let mut inputs = burden.inputs.clone();
            let uses_afp = matches!(
                criterion.kind,
                Kind::Metroticket
                    | Kind::AfpModel
                    | Kind::Hangzhou
                    | Kind::OptnT2
                    | Kind::UnosDownstaging
            );
            if uses_afp {
                inputs.extend(burden.afp_input.clone());
                if let Some(nearest) = &burden.afp_nearest {
                    with_nearest_afp(&mut criterion, burden, nearest, *calculate);
                }
                if let Some(rising) = &burden.afp_rising {
                    criterion.pin(rising.clone());
                }
            }
            if criterion.kind == Kind::Hangzhou {
                inputs.extend(burden.grade_input.clone());
            }
            inputs.append(&mut criterion.inputs);
            criterion.inputs = inputs;
            let mut flags = burden.flags.clone();
            flags.append(&mut criterion.flags);
            criterion.flags = flags;
            criterion
        })
        .collect()
}

/// The result with the AFP nearest the imaging, where its category differs from the result
/// with the latest AFP: carried as the alternative (printed beside the result), and said with
/// both AFPs in a flag.
fn with_nearest_afp(
    criterion: &mut Criterion,
    burden: &Burden,
    (value, because): &(Decimal, Text),
    calculate: fn(&Burden) -> Criterion,
) {
    let (Ok(latest), Some(latest_input)) = (&burden.afp_ng_ml, &burden.afp_input) else {
        return;
    };
    let other = calculate(&Burden {
        afp_ng_ml: Ok(*value),
        ..burden.clone()
    });
    if other.outcome == criterion.outcome {
        return;
    }
    let result = |c: &Criterion, lang: Lang| match c.value {
        Some(value) => format!("{} · {value}", c.outcome.label(lang)),
        None => c.outcome.label(lang).to_string(),
    };
    let latest = show(*latest);
    let on = |lang| {
        latest_input
            .date
            .map(|d| d.for_reader(lang))
            .unwrap_or_default()
    };
    criterion.flags.push(t(
        format!(
            "结果取决于所用 AFP：按最近一次 AFP {latest} ng/mL（{}）为{}；按{}为{}",
            on(Lang::Zh),
            result(criterion, Lang::Zh),
            because.best(Lang::Zh),
            result(&other, Lang::Zh)
        ),
        format!(
            "depends on the AFP: {} with AFP {latest} ng/mL on {}, the latest; {} with {}",
            result(criterion, Lang::En),
            on(Lang::En),
            result(&other, Lang::En),
            because.best(Lang::En)
        ),
    ));
    criterion.alternative = Some(Alternative {
        outcome: other.outcome,
        value: other.value,
        because: because.clone(),
    });
}

/// "rising AFP: 62.4 → 85 → 141 ng/mL (…)" when each of the last three AFP values (oldest
/// first) is strictly higher than the one before (§6.4).
pub(crate) fn rising_afp(values: &[(CaseDate, Decimal)]) -> Option<Text> {
    let [(d1, a1), (d2, a2), (d3, a3)] = values.last_chunk::<3>()?;
    (a1 < a2 && a2 < a3).then(|| {
        let (a1, a2, a3) = (show(*a1), show(*a2), show(*a3));
        t(
            format!("AFP 升高：{a1} → {a2} → {a3} ng/mL，最近三次均较前升高（{d1}、{d2}、{d3}）"),
            format!(
                "rising AFP: {a1} → {a2} → {a3} ng/mL, on {}, {} and {}",
                d1.for_reader(Lang::En),
                d2.for_reader(Lang::En),
                d3.for_reader(Lang::En)
            ),
        )
    })
}

// ───────────────────────────── from the case ─────────────────────────────

/// The burdens of the newest study listing lesions: on the whole-lesion basis, and on the
/// viable basis when the study reports viable diameters. Err names what is missing.
pub(crate) fn burdens(sources: &Sources<'_>) -> Result<Vec<Burden>, Text> {
    let studies = sources.studies();
    let Some(position) = studies.iter().rposition(|s| !s.lesions.is_empty()) else {
        return Err(sources.describe_missing(t(
            "有病灶测量的影像检查（[[imaging]]）",
            "an [[imaging]] study with measured lesions",
        )));
    };
    let study = studies[position];
    let mut shared = Vec::new();
    for newer in &studies[position + 1..] {
        let (modality, date, used) = (newer.modality, newer.date, study.date);
        shared.push(t(
            format!("较新的 {modality}（{date}）未列出病灶；采用 {used} 的检查"),
            format!(
                "the newer {modality} of {} lists no lesions; the study of {} is used",
                date.for_reader(Lang::En),
                used.for_reader(Lang::En)
            ),
        ));
    }
    shared.extend(stale_flag(study.date, sources.at));
    // The latest AFP, as Duvoux and Mazzaferro used the last value before transplantation;
    // the one nearest the imaging is the other defensible choice (§6.4).
    let afp = sources.newest_lab(Analyte::Afp);
    let afp_nearest = sources
        .lab_near(Analyte::Afp, study.date)
        .ok()
        .filter(|near| {
            distance(near.date(), study.date) <= NEAREST_AFP_DAYS
                && afp
                    .as_ref()
                    .is_ok_and(|latest| latest.date() != near.date())
        })
        .map(|near| {
            let (value, date, modality) = (show(near.value), near.date(), study.modality);
            (
                near.value,
                t(
                    format!("与 {modality} 时间最近的 AFP {value} ng/mL（{date}）"),
                    format!(
                        "AFP {value} ng/mL on {}, nearest the {modality}",
                        date.for_reader(Lang::En)
                    ),
                ),
            )
        });
    let afp_rising = sources.labs(Analyte::Afp).ok().and_then(|values| {
        let dated: Vec<(CaseDate, Decimal)> = values.iter().map(|v| (v.date(), v.value)).collect();
        rising_afp(&dated)
    });
    shared.extend(sources.unusable_flags(Analyte::Afp));
    let afp_input = afp.as_ref().ok().map(|afp| {
        let days = distance(afp.date(), study.date);
        // A later AFP is the rule (the latest); an earlier one may predate the tumour measured.
        if afp.date() < study.date && days > sources.window_days() {
            let (afp_date, imaged) = (afp.date(), study.date);
            shared.push(t(
                format!("AFP（{afp_date}）与影像检查（{imaged}）相隔 {days} 天"),
                format!("AFP of {afp_date} is {days} days from the imaging of {imaged}"),
            ));
        }
        afp.input()
    });
    let grade = sources.grade();
    let grade_input = grade.map(|(grade, pathology)| {
        Input::new(t("组织学分级", "histological grade"), grade, None)
            .dated(pathology.date, pathology.record.clone())
    });
    let both = study.lesions.iter().any(|l| l.viable_mm.is_some());
    let bases: &[Basis] = if both {
        shared.push(t(
            "直径依据：同时列出病灶整体直径和活性部分直径；局部治疗后采用哪一种由各中心临床决定",
            "size basis: whole-lesion and viable diameters are both shown; which one a centre uses after locoregional therapy is a clinical decision",
        ));
        &[Basis::WholeLesion, Basis::Viable]
    } else {
        &[Basis::WholeLesion]
    };
    Ok(bases
        .iter()
        .map(|&basis| {
            let mut burden = count_lesions(study, basis);
            burden.basis = Some(basis);
            burden.afp_ng_ml = afp.as_ref().map(|v| v.value).map_err(Clone::clone);
            burden.afp_nearest.clone_from(&afp_nearest);
            burden.afp_rising.clone_from(&afp_rising);
            burden.grade = grade.map(|(g, _)| g);
            burden.afp_input.clone_from(&afp_input);
            burden.grade_input.clone_from(&grade_input);
            burden.flags.splice(0..0, shared.iter().cloned());
            burden
        })
        .collect())
}

/// Counts a study's lesions on one basis: HCC (by class) and ≥ 10 mm.
fn count_lesions(study: &ImagingStudy, basis: Basis) -> Burden {
    let mut burden = Burden::new(Vec::new());
    burden.date = Some(study.date);
    burden.macrovascular_invasion = study.macrovascular_invasion;
    burden.extrahepatic_spread = study.extrahepatic_spread;
    let dated = |input: Input| input.dated(study.date, study.report.clone());
    for lesion in &study.lesions {
        let (size_mm, approximate) = match basis {
            Basis::WholeLesion => (Some(lesion.longest_mm), lesion.longest_approximate),
            Basis::Viable => (lesion.viable_mm, lesion.viable_approximate),
        };
        let name = t(
            format!("病灶 {}", lesion.id),
            format!("lesion {}", lesion.id),
        );
        let class = lesion
            .class
            .map_or(t("未分类", "no class"), |c| Text::plain(c.to_string()));
        let Some(size_mm) = size_mm else {
            burden.inputs.push(dated(
                Input::worded(name, t("未报告", "not reported"), None).note(class),
            ));
            if lesion.class.is_none_or(|c| c.counts_as_hcc()) {
                let (id, date) = (&lesion.id, study.date);
                burden.unknown.push(t(
                    format!("病灶 {id} 的活性部分直径（{date}）"),
                    format!(
                        "viable diameter of lesion {id} ({})",
                        date.for_reader(Lang::En)
                    ),
                ));
            }
            continue;
        };
        let mut input = dated(Input::number(name, size_mm, "mm")).note(class);
        if let Some(segment) = &lesion.segment {
            input = input.note(Text::plain(segment));
        }
        if approximate {
            input = input.note(t("约数", "approximate"));
            let (id, mm, date) = (&lesion.id, show(size_mm), study.date);
            burden.flags.push(t(
                format!("病灶 {id} 的大小为约数：≈ {mm} mm（{date}）"),
                format!(
                    "approximate size: lesion {id} ≈ {mm} mm ({})",
                    date.for_reader(Lang::En)
                ),
            ));
        }
        match lesion.class {
            _ if size_mm == Decimal::ZERO => {
                input = input.note(t("无存活肿瘤", "no viable tumor"));
            }
            _ if size_mm < MIN_COUNTED_MM => {
                input = input.note(t("未计入：< 10 mm", "not counted: under 10 mm"));
                let (id, mm) = (&lesion.id, show(size_mm));
                burden.flags.push(t(
                    format!("病灶 {id}（{mm} mm）已列出但未计入：< 10 mm"),
                    format!("lesion {id} ({mm} mm) listed but not counted: under 10 mm"),
                ));
            }
            None => {
                let (id, date) = (&lesion.id, study.date);
                burden.unknown.push(t(
                    format!("病灶 {id} 的分类（{date}）"),
                    format!("class of lesion {id} ({})", date.for_reader(Lang::En)),
                ));
            }
            Some(class) if !class.counts_as_hcc() => {
                input = input.note(t("未计入：未归类为 HCC", "not counted: not classed as HCC"));
            }
            Some(_) => burden.sizes_cm.push(size_mm / Decimal::TEN),
        }
        burden.inputs.push(input);
    }
    let n = burden.count();
    burden.inputs.extend([
        // Dated like the lesions they are counted from, so that a reader sees which study.
        dated(Input::new(
            t("N（计入的病灶数）", "N (lesions counted)"),
            n,
            None,
        )),
        dated(Input::number(
            t("D（最大直径）", "D (largest)"),
            burden.largest(),
            "cm",
        )),
        dated(Input::number(
            t("TTD（直径总和）", "TTD (total diameter)"),
            burden.total(),
            "cm",
        )),
        dated(Input::worded(
            macrovascular_invasion(),
            finding_value(study.macrovascular_invasion),
            None,
        )),
        dated(Input::worded(
            extrahepatic_spread(),
            finding_value(study.extrahepatic_spread),
            None,
        )),
    ]);
    burden
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::test_util::{d, english};

    fn burden(sizes: &[&str], afp: &str) -> Burden {
        let mut burden = Burden::new(sizes.iter().map(|s| d(s)).collect());
        burden.afp_ng_ml = Ok(d(afp));
        burden
    }

    /// "W" within, "O" outside, "I" indeterminate, else the category word.
    fn short(criterion: &Criterion) -> String {
        match &criterion.outcome {
            Outcome::Within => "W".into(),
            Outcome::Outside => "O".into(),
            Outcome::Indeterminate { .. } => "I".into(),
            Outcome::Category(text) => text.best(Lang::En).to_string(),
        }
    }

    /// The OPTN AFP rule is named only where it changes something: a tumour that would
    /// otherwise be within T2.
    #[test]
    fn the_afp_rule_is_flagged_only_where_it_matters() {
        let rule = "OPTN AFP rule applies";
        let has_rule = |c: &Criterion| english(&c.flags).iter().any(|f| f.starts_with(rule));
        let mut within_t2 = burden(&["3"], "1500");
        within_t2.macrovascular_invasion = Finding::No;
        within_t2.extrahepatic_spread = Finding::No;
        assert!(has_rule(&optn_t2(&within_t2)));
        let mut too_large = burden(&["6"], "1500");
        too_large.macrovascular_invasion = Finding::No;
        too_large.extrahepatic_spread = Finding::No;
        assert!(!has_rule(&optn_t2(&too_large)));
        let mut invaded = within_t2.clone();
        invaded.macrovascular_invasion = Finding::Yes;
        assert!(!has_rule(&optn_t2(&invaded)));
    }

    /// With a lesion that cannot be judged, up-to-seven and Metroticket carry no N + D: it
    /// would be a sum over the other lesions, read as the tumour's.
    #[test]
    fn a_sum_over_some_lesions_is_not_shown_as_n_plus_d() {
        let mut known = burden(&["3", "2"], "85");
        known.macrovascular_invasion = Finding::No;
        known.extrahepatic_spread = Finding::No;
        assert_eq!(up_to_seven(&known).value, Some(d("5")));
        assert_eq!(metroticket(&known).value, Some(d("5")));
        let mut partial = known.clone();
        partial.unknown.push(Text::plain("size of lesion L3"));
        for criterion in [up_to_seven(&partial), metroticket(&partial)] {
            assert_eq!(criterion.value, None, "{:?}", criterion.outcome);
        }
    }

    #[test]
    fn transplant_vectors_t1_to_t19() {
        const L: &str = "low risk (≤ 2)";
        const H: &str = "high risk (> 2)";
        const T2: &str = "already within T2";
        const NA: &str = "not applicable (no viable tumor)";
        const AFP_NA: &str = "not applicable (macrovascular invasion)";
        // id, lesions (cm), AFP, MVI, Milan, UCSF, up-to-7, N+D, Metroticket, AFP model
        // (points, class), Hangzhou, Fudan, UNOS-DS
        #[rustfmt::skip]
        type Row = (
            &'static str,
            &'static [&'static str],
            &'static str,
            Finding,
            [&'static str; 3],
            &'static str,
            &'static str,
            Option<&'static str>,
            &'static str,
            [&'static str; 3],
        );
        let vectors: [Row; 19] = [
            (
                "T1",
                &["5.0"],
                "50",
                Finding::No,
                ["W", "W", "W"],
                "6.0",
                "W",
                Some("1"),
                L,
                ["W", "W", T2],
            ),
            (
                "T2",
                &["5.1"],
                "50",
                Finding::No,
                ["O", "W", "W"],
                "6.1",
                "W",
                Some("1"),
                L,
                ["W", "W", "W"],
            ),
            (
                "T3",
                &["3.0", "3.0", "3.0"],
                "50",
                Finding::No,
                ["W", "O", "W"],
                "6.0",
                "W",
                Some("0"),
                L,
                ["I", "W", T2],
            ),
            (
                "T4",
                &["3.1", "1.0"],
                "50",
                Finding::No,
                ["O", "W", "W"],
                "5.1",
                "W",
                Some("1"),
                L,
                ["W", "W", "W"],
            ),
            (
                "T5",
                &["6.5"],
                "50",
                Finding::No,
                ["O", "W", "O"],
                "7.5",
                "O",
                Some("4"),
                H,
                ["W", "W", "W"],
            ),
            (
                "T6",
                &["6.6"],
                "50",
                Finding::No,
                ["O", "O", "O"],
                "7.6",
                "O",
                Some("4"),
                H,
                ["W", "W", "W"],
            ),
            (
                "T7",
                &["4.5", "2.0", "1.5"],
                "50",
                Finding::No,
                ["O", "W", "O"],
                "7.5",
                "O",
                Some("1"),
                L,
                ["W", "W", "W"],
            ),
            (
                "T8",
                &["4.5", "2.5", "1.5"],
                "50",
                Finding::No,
                ["O", "O", "O"],
                "7.5",
                "O",
                Some("1"),
                L,
                ["I", "W", "O"],
            ),
            (
                "T9",
                &["2", "2", "1.5", "1"],
                "50",
                Finding::No,
                ["O", "O", "W"],
                "6",
                "W",
                Some("2"),
                L,
                ["W", "O", "W"],
            ),
            (
                "T10",
                &["6.0"],
                "150",
                Finding::No,
                ["O", "W", "W"],
                "7.0",
                "W",
                Some("3"),
                H,
                ["W", "W", "W"],
            ),
            (
                "T11",
                &["4.0", "2.0"],
                "250",
                Finding::No,
                ["O", "W", "W"],
                "6.0",
                "O",
                Some("3"),
                H,
                ["W", "W", "W"],
            ),
            (
                "T12",
                &["2.0", "1.5"],
                "400",
                Finding::No,
                ["W", "W", "W"],
                "4.0",
                "W",
                Some("2"),
                L,
                ["W", "W", T2],
            ),
            (
                "T13",
                &["3.0"],
                "1000",
                Finding::No,
                ["W", "W", "W"],
                "4.0",
                "W",
                Some("2"),
                L,
                ["W", "W", T2],
            ),
            (
                "T14",
                &["3.0"],
                "1001",
                Finding::No,
                ["W", "W", "W"],
                "4.0",
                "O",
                Some("3"),
                H,
                ["W", "W", T2],
            ),
            (
                "T15",
                &["9.0"],
                "300",
                Finding::No,
                ["O", "O", "O"],
                "10.0",
                "O",
                Some("6"),
                H,
                ["I", "W", "O"],
            ),
            (
                "T16",
                &["7.5"],
                "30",
                Finding::No,
                ["O", "O", "O"],
                "8.5",
                "O",
                Some("4"),
                H,
                ["W", "W", "W"],
            ),
            (
                "T17",
                &["2.0"],
                "50",
                Finding::Yes,
                ["O", "O", "O"],
                "3.0",
                "O",
                None,
                AFP_NA,
                ["O", "O", "O"],
            ),
            (
                "T18",
                &[],
                "20",
                Finding::No,
                ["W", "W", "W"],
                "0",
                "W",
                Some("0"),
                L,
                ["W", "W", NA],
            ),
            (
                "T19",
                &["2.0"],
                "50",
                Finding::Unknown,
                ["I", "I", "I"],
                "3.0",
                "I",
                Some("0"),
                L,
                ["I", "I", "I"],
            ),
        ];
        for (
            id,
            sizes,
            afp,
            mvi,
            [milan_v, ucsf_v, up7_v],
            n_plus_d,
            metro_v,
            points,
            class,
            [hz_v, fudan_v, ds_v],
        ) in vectors
        {
            let mut b = burden(sizes, afp);
            b.macrovascular_invasion = mvi;
            let up7 = up_to_seven(&b);
            let model = afp_model(&b);
            assert_eq!(short(&milan(&b)), milan_v, "{id} Milan");
            assert_eq!(short(&ucsf(&b)), ucsf_v, "{id} UCSF");
            assert_eq!(short(&up7), up7_v, "{id} up-to-seven");
            assert_eq!(up7.value, Some(d(n_plus_d)), "{id} N + D");
            assert_eq!(short(&metroticket(&b)), metro_v, "{id} Metroticket");
            assert_eq!(model.value, points.map(d), "{id} AFP model points");
            assert_eq!(short(&model), class, "{id} AFP model");
            assert_eq!(short(&hangzhou(&b)), hz_v, "{id} Hangzhou");
            assert_eq!(short(&fudan(&b)), fudan_v, "{id} Fudan");
            assert_eq!(short(&unos_downstaging(&b)), ds_v, "{id} UNOS-DS");
        }
    }

    #[test]
    fn edge_and_context_flags() {
        let t1 = milan(&burden(&["5.0"], "50"));
        assert!(
            english(&t1.flags)
                .iter()
                .any(|f| f.starts_with("borderline: D (cm) 5"))
        );
        let t14 = unos_downstaging(&burden(&["3.0"], "1001"));
        assert!(
            english(&t14.flags)
                .iter()
                .any(|f| f.starts_with("OPTN AFP rule applies"))
        );
        let t18 = milan(&burden(&[], "20"));
        assert!(english(&t18.flags).contains(&"no viable tumor counted"));
        let near_200 = metroticket(&burden(&["2.0"], "195"));
        assert!(
            english(&near_200.flags)
                .iter()
                .any(|f| f.contains("±5 % of the 200 ng/mL"))
        );
        let t19 = milan(&{
            let mut b = burden(&["2.0"], "50");
            b.macrovascular_invasion = Finding::Unknown;
            b
        });
        assert_eq!(
            t19.outcome,
            Outcome::missing([t("大血管侵犯情况", "macrovascular invasion status")])
        );
    }

    /// §6.4 vectors: the latest AFP decides; the AFP nearest the imaging is printed as the
    /// alternative (and in a pinned flag) only where it gives another category.
    #[test]
    fn the_latest_afp_decides_and_the_nearest_is_the_alternative_vectors() {
        const L: &str = "low risk (≤ 2)";
        const H: &str = "high risk (> 2)";
        // id, lesions (cm), grade, latest AFP, nearest AFP, then for the AFP model,
        // Metroticket and Hangzhou: (result, alternative or "" for none)
        type Row = (
            &'static str,
            &'static [&'static str],
            Option<Grade>,
            &'static str,
            &'static str,
            [(&'static str, &'static str); 3],
        );
        #[rustfmt::skip]
        let vectors: [Row; 5] = [
            ("A1 demo", &["3.4"], None, "141", "85", [(H, L), ("W", ""), ("W", "")]),
            ("A2 falling", &["3.4"], None, "85", "141", [(L, H), ("W", ""), ("W", "")]),
            ("A3 same band", &["2.0", "2.0"], None, "250", "150", [(L, ""), ("W", ""), ("W", "")]),
            ("A4 Metroticket", &["4.0", "2.0"], None, "250", "150", [(H, ""), ("O", "W"), ("W", "")]),
            ("A5 Hangzhou", &["9.0"], Some(Grade::II), "450", "300", [(H, ""), ("O", ""), ("O", "W")]),
        ];
        for (id, sizes, grade, latest, nearest, expected) in vectors {
            let mut b = burden(sizes, latest);
            b.grade = grade;
            b.afp_input = Some(Input::number(
                analyte_name(Analyte::Afp),
                d(latest),
                "ng/mL",
            ));
            b.afp_nearest = Some((d(nearest), Text::plain("the nearest")));
            let results = assess(&b);
            for (kind, (result, alternative)) in [Kind::AfpModel, Kind::Metroticket, Kind::Hangzhou]
                .into_iter()
                .zip(expected)
            {
                let c = results.iter().find(|c| c.kind == kind).expect("computed");
                assert_eq!(short(c), result, "{id} {kind:?}");
                let other = c.alternative.as_ref().map(|a| match &a.outcome {
                    Outcome::Within => "W".to_string(),
                    Outcome::Outside => "O".to_string(),
                    outcome => outcome.label(Lang::En).to_string(),
                });
                assert_eq!(other.as_deref().unwrap_or(""), alternative, "{id} {kind:?}");
                let said = english(&c.flags)
                    .iter()
                    .any(|f| f.starts_with("depends on the AFP"));
                assert_eq!(
                    said,
                    !alternative.is_empty(),
                    "{id} {kind:?}: {:?}",
                    c.flags
                );
            }
        }
        // The flag names both results with their AFPs, the latest first.
        let mut b = burden(&["3.4"], "141");
        b.afp_input = Some(
            Input::number(analyte_name(Analyte::Afp), d("141"), "ng/mL").dated(
                "2021-11-10".parse::<chrono::NaiveDate>().unwrap().into(),
                None,
            ),
        );
        b.afp_nearest = Some((
            d("85"),
            t(
                "与 MRI 时间最近的 AFP 85 ng/mL（2021-10-14）",
                "AFP 85 ng/mL on Oct 14, 2021, nearest the MRI",
            ),
        ));
        let model = afp_model_of(&b);
        let flag = model.flags.last().expect("the flag");
        assert_eq!(
            flag.best(Lang::En),
            "depends on the AFP: high risk (> 2) · 3 with AFP 141 ng/mL on Nov 10, 2021, the latest; low risk (≤ 2) · 1 with AFP 85 ng/mL on Oct 14, 2021, nearest the MRI"
        );
        assert_eq!(
            flag.best(Lang::Zh),
            "结果取决于所用 AFP：按最近一次 AFP 141 ng/mL（2021-11-10）为高风险（> 2 分） · 3；按与 MRI 时间最近的 AFP 85 ng/mL（2021-10-14）为低风险（≤ 2 分） · 1"
        );
        let alternative = model.alternative.expect("an alternative");
        assert_eq!(alternative.value, Some(d("1")));
        assert_eq!(
            alternative.because.best(Lang::En),
            "AFP 85 ng/mL on Oct 14, 2021, nearest the MRI"
        );
    }

    fn afp_model_of(b: &Burden) -> Criterion {
        assess(b)
            .into_iter()
            .find(|c| c.kind == Kind::AfpModel)
            .expect("AFP model")
    }

    /// §6.4: "rising" means each of the last three values is strictly higher than the one
    /// before; it is pinned beside every AFP-based result, and only those.
    #[test]
    fn a_rising_afp_is_the_last_three_values_each_higher() {
        let on =
            |n: u32| -> CaseDate { chrono::NaiveDate::from_ymd_opt(2021, n, 1).unwrap().into() };
        #[rustfmt::skip]
        let vectors: [(&[&str], bool); 7] = [
            (&["62.4", "85", "141"], true),
            (&["85", "85", "141"], false),
            (&["141", "85", "62.4"], false),
            (&["10", "20"], false),
            (&[], false),
            (&["100", "50", "60", "70"], true),
            (&["50", "60", "70", "65"], false),
        ];
        for (values, rising) in vectors {
            let dated: Vec<(CaseDate, Decimal)> =
                values.iter().zip(1..).map(|(v, n)| (on(n), d(v))).collect();
            assert_eq!(rising_afp(&dated).is_some(), rising, "{values:?}");
        }
        let dated = [
            ("2021-08-20", "62.4"),
            ("2021-10-14", "85.0"),
            ("2021-11-10", "141"),
        ]
        .map(|(on, v)| (on.parse::<chrono::NaiveDate>().unwrap().into(), d(v)));
        let flag = rising_afp(&dated).expect("rising");
        assert_eq!(
            flag.best(Lang::En),
            "rising AFP: 62.4 → 85 → 141 ng/mL, on Aug 20, 2021, Oct 14, 2021 and Nov 10, 2021"
        );
        assert_eq!(
            flag.best(Lang::Zh),
            "AFP 升高：62.4 → 85 → 141 ng/mL，最近三次均较前升高（2021-08-20、2021-10-14、2021-11-10）"
        );
        let mut b = burden(&["3.4"], "141");
        b.afp_rising = Some(flag.clone());
        for c in assess(&b) {
            let uses_afp = matches!(
                c.kind,
                Kind::Metroticket
                    | Kind::AfpModel
                    | Kind::Hangzhou
                    | Kind::OptnT2
                    | Kind::UnosDownstaging
            );
            assert_eq!(c.pinned.contains(&flag), uses_afp, "{:?}", c.kind);
            assert_eq!(c.flags.contains(&flag), uses_afp, "{:?}", c.kind);
        }
    }

    #[test]
    fn hangzhou_extra_vectors() {
        for (grade, afp, expected) in [
            (Grade::II, "300", "W"),
            (Grade::III, "300", "O"),
            (Grade::II, "401", "O"),
        ] {
            let mut b = burden(&["9.0"], afp);
            b.grade = Some(grade);
            assert_eq!(short(&hangzhou(&b)), expected, "{grade} AFP {afp}");
        }
    }

    #[test]
    fn an_unclassified_lesion_leaves_within_undecided_but_not_outside() {
        let unclassified = t(
            "病灶 L2 的分类（2021-10-15）",
            "class of lesion L2 (2021-10-15)",
        );
        let mut b = burden(&["2.0"], "50");
        b.unknown.push(unclassified.clone());
        assert_eq!(milan(&b).outcome, Outcome::missing([unclassified.clone()]));
        let mut big = burden(&["6.0"], "50");
        big.unknown.push(unclassified);
        big.macrovascular_invasion = Finding::Unknown;
        let outside = milan(&big);
        assert_eq!(outside.outcome, Outcome::Outside);
        assert!(english(&outside.flags).contains(
            &"outside whatever these turn out to be: macrovascular invasion status, class of lesion L2 (2021-10-15)"
        ));
        assert!(outside.flags.iter().any(|f| f.best(Lang::Zh)
            == "无论以下各项结果如何均为不符合：大血管侵犯情况、病灶 L2 的分类（2021-10-15）"));
    }

    #[test]
    fn missing_afp_is_named() {
        let mut b = Burden::new(vec![d("2.0")]);
        assert_eq!(metroticket(&b).outcome.missing_items(Lang::En), ["afp"]);
        b.afp_ng_ml = Err(t(
            "2021-11-01 及之前的甲胎蛋白",
            "afp on or before 2021-11-01",
        ));
        assert_eq!(
            metroticket(&b).outcome.missing_items(Lang::En),
            ["afp on or before 2021-11-01"]
        );
        assert_eq!(short(&metroticket(&Burden::new(vec![d("7.0")]))), "O");
    }
}
