//! Response to treatment (calculators reference §6): one mRECIST verdict per follow-up study,
//! against the line of treatment it answers for (§6.4, `clinical::lines`); the ART score before
//! each repeat TACE and if another TACE is considered; and the JSH refractoriness items with
//! the data behind each. Whether TACE has failed is the physician's judgement; the items only
//! show the data.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::inputs::{LabValue, Sources};
use super::lines::{self, Line, LineKind, and_list, zh_joined};
use super::liver::{FoundChildPugh, child_pugh_from, points_note};
use super::{Criterion, Input, Kind, Outcome, dec, extrahepatic_spread, finding_value};
use super::{macrovascular_invasion, round_half_up, show, status, t};
use crate::case::model::{Finding, ImagingStudy, Lesion, Treatment};
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::lab::Analyte;
use crate::text::{Lang, Text};

/// "Before" and "after" a session, in Chinese and English.
const BEFORE: [&str; 2] = ["前", "before"];
const AFTER: [&str; 2] = ["后", "after"];

/// Target lesions and new lesions are at least this large (mRECIST, §6.1).
const MEASURABLE_MM: Decimal = dec(10, 0);
/// Up to 2 targets per organ; every lesion here is in the liver.
const TARGETS_PER_ORGAN: usize = 2;

/// An mRECIST response category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    Cr,
    Pr,
    Sd,
    Pd,
}

impl Response {
    pub fn code(self) -> &'static str {
        match self {
            Response::Cr => "CR",
            Response::Pr => "PR",
            Response::Sd => "SD",
            Response::Pd => "PD",
        }
    }

    /// An objective response (CR or PR), as the ART score asks.
    fn objective(self) -> bool {
        matches!(self, Response::Cr | Response::Pr)
    }
}

/// mRECIST target response at one time point (§6.1), with the rule that decided it.
/// `nadir_mm` is the smallest earlier sum, baseline included.
pub fn target_response(
    baseline_mm: Decimal,
    nadir_mm: Decimal,
    current_mm: &[Decimal],
) -> (Response, Text) {
    let sum: Decimal = current_mm.iter().sum();
    let (sum_s, base_s, nadir_s) = (show(sum), show(baseline_mm), show(nadir_mm));
    if current_mm.iter().all(Decimal::is_zero) {
        (
            Response::Cr,
            t(
                "靶病灶：CR —— 靶病灶无强化组织",
                "target: CR — no enhancing target tissue",
            ),
        )
    } else if nadir_mm.is_zero() {
        (
            Response::Pd,
            t(
                format!("靶病灶：PD —— CR 后再次出现强化组织（总和 {sum_s} mm）"),
                format!("target: PD — enhancing tissue reappeared after CR (sum {sum_s} mm)"),
            ),
        )
    } else if Decimal::ONE_HUNDRED * sum >= dec(120, 0) * nadir_mm {
        (
            Response::Pd,
            t(
                format!("靶病灶：PD —— 总和 {sum_s} mm ≥ 1.2 × 最低值 {nadir_s} mm"),
                format!("target: PD — sum {sum_s} mm ≥ 1.2 × nadir {nadir_s} mm"),
            ),
        )
    } else if Decimal::ONE_HUNDRED * sum <= dec(70, 0) * baseline_mm {
        (
            Response::Pr,
            t(
                format!("靶病灶：PR —— 总和 {sum_s} mm ≤ 0.7 × 基线 {base_s} mm"),
                format!("target: PR — sum {sum_s} mm ≤ 0.7 × baseline {base_s} mm"),
            ),
        )
    } else {
        (
            Response::Sd,
            t(
                format!("靶病灶：SD —— 总和 {sum_s} mm（基线 {base_s} mm，最低值 {nadir_s} mm）"),
                format!("target: SD — sum {sum_s} mm (baseline {base_s} mm, nadir {nadir_s} mm)"),
            ),
        )
    }
}

/// Inputs of the ART score (§6.3), before the first TACE and before the one being considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtInput {
    pub ast_before_first_u_l: Decimal,
    pub ast_before_this_u_l: Decimal,
    pub child_pugh_before_first: u8,
    pub child_pugh_before_this: u8,
    /// CR or PR after the previous TACE.
    pub radiological_response: bool,
}

/// Sieghart's two bands; the score moves in steps of 0.5, so nothing falls between them.
fn art_band(score: Decimal) -> &'static str {
    if score <= dec(15, 1) {
        "0–1.5"
    } else {
        "≥ 2.5"
    }
}

pub fn art(input: &ArtInput) -> Criterion {
    // "> 25 %" is strict: exactly +25 % does not score.
    let ast = if input.ast_before_this_u_l > dec(125, 2) * input.ast_before_first_u_l {
        dec(4, 0)
    } else {
        Decimal::ZERO
    };
    let child_pugh = match input
        .child_pugh_before_this
        .saturating_sub(input.child_pugh_before_first)
    {
        0 => Decimal::ZERO,
        1 => dec(15, 1),
        _ => dec(3, 0),
    };
    let no_response = if input.radiological_response {
        Decimal::ZERO
    } else {
        Decimal::ONE
    };
    let score = (ast + child_pugh + no_response).normalize();
    let band = art_band(score);
    let mut criterion = Criterion::new(Kind::Art, Outcome::Category(Text::plain(band)))
        .valued(score, None)
        .flag(t(
            "Sieghart 2013：0–1.5 分与再次 TACE 后较好的生存相关，≥ 2.5 分与继续 TACE 的不良预后相关",
            "Sieghart 2013: 0–1.5 was associated with better survival on retreatment, ≥ 2.5 with a poor prognosis on further TACE",
        ))
        .flag(t(
            "此处影像学缓解按 mRECIST 判定；原研究采用 EASL 标准",
            "radiological response here is mRECIST; the original study used EASL criteria",
        ));
    criterion.inputs = vec![
        Input::new(
            t("分值：AST 升高 > 25 %", "points: AST rise > 25 %"),
            show(ast),
            None,
        ),
        Input::new(
            t("分值：Child-Pugh 评分升高", "points: Child-Pugh rise"),
            show(child_pugh),
            None,
        ),
        Input::new(
            t("分值：无影像学缓解", "points: no radiological response"),
            show(no_response),
            None,
        ),
    ];
    criterion
}

// ───────────────────────────── from the case ─────────────────────────────

/// The response criteria, and a line of treatment history for the BCLC stage.
pub(crate) struct ResponseResults {
    pub criteria: Vec<Criterion>,
    /// TACE sessions and mRECIST trend ("treatment stage migration", §5.1).
    pub context: Option<Text>,
}

/// One TACE session and the time until the next one (or the evaluation date).
struct Session<'a> {
    tace: &'a Treatment,
    label: String,
    until: NaiveDate,
    /// The next session, which ends this one's time.
    next: Option<&'a Treatment>,
    /// The next session's label.
    next_label: Option<String>,
}

impl Session<'_> {
    /// The newest study on or before the session; Err when a study could be on either side
    /// of it ([`order_uncertain`]): which is the last before it is then not known.
    fn before<'s>(&self, studies: &[&'s ImagingStudy]) -> Result<Option<&'s ImagingStudy>, Text> {
        self.in_known_order(studies)?;
        Ok(studies
            .iter()
            .rev()
            .find(|s| s.date <= self.tace.date)
            .copied())
    }

    /// The newest study after the session and before the next one; Err as for `before`, and
    /// when a study could be on either side of the next session.
    fn after<'s>(&self, studies: &[&'s ImagingStudy]) -> Result<Option<&'s ImagingStudy>, Text> {
        self.in_known_order(studies)?;
        if let (Some(next), Some(label)) = (self.next, &self.next_label) {
            known_order(studies, &Text::plain(label.clone()), next.date)?;
        }
        Ok(studies
            .iter()
            .rev()
            .find(|s| s.date > self.tace.date && s.date.day() <= self.until)
            .copied())
    }

    /// Err naming the first study whose order against the session is not known.
    fn in_known_order(&self, studies: &[&ImagingStudy]) -> Result<(), Text> {
        known_order(studies, &Text::plain(self.label.clone()), self.tace.date)
    }

    /// "TACE-2 (2021-08-27)", "TACE-2 (Aug 27, 2021)".
    fn named(&self, lang: Lang) -> String {
        format!("{} ({})", self.label, self.tace.date.for_reader(lang))
    }

    /// "TACE-2 前 AST", "AST before TACE-2": a value from before the session.
    fn before_it(&self, what: &str) -> Text {
        let label = &self.label;
        t(
            format!("{label} 前 {what}"),
            format!("{what} before {label}"),
        )
    }
}

/// One mRECIST time point: a study and its verdict, where one could be reached.
struct TimePoint<'a> {
    study: &'a ImagingStudy,
    response: Option<Response>,
}

/// mRECIST once per follow-up study over every line of treatment; with TACE, the ART scores
/// (before each repeat TACE and if another is considered) and the JSH items.
pub(crate) fn assess(sources: &Sources<'_>) -> ResponseResults {
    let all_studies = sources.studies();
    let measured: Vec<&ImagingStudy> = all_studies
        .iter()
        .copied()
        .filter(|s| !s.lesions.is_empty())
        .collect();
    let treatments = sources.tumour_treatments();
    let taces = sources.taces();
    let undated: Vec<&Treatment> = treatments
        .iter()
        .copied()
        .filter(|t| t.date.is_unknown())
        .collect();
    if !undated.is_empty() {
        return undated_course(&undated, !taces.is_empty());
    }
    let lines = lines::lines(&treatments);
    let (mut criteria, points) = mrecist(&lines, &measured, &all_studies);
    if taces.is_empty() {
        return ResponseResults {
            criteria,
            context: None,
        };
    }
    let sessions: Vec<Session<'_>> = taces
        .iter()
        .enumerate()
        .map(|(n, tace)| {
            let label = |n: usize, tace: &Treatment| {
                tace.id.clone().unwrap_or_else(|| format!("TACE-{}", n + 1))
            };
            let next = taces.get(n + 1).copied();
            Session {
                tace,
                label: label(n, tace),
                until: next.map_or(sources.at, |next| next.date.day()),
                next,
                next_label: next.map(|next| label(n + 1, next)),
            }
        })
        .collect();
    let mut after_tace = art_scores(sources, &sessions, &points);
    after_tace.push(art_next(
        sources,
        &sessions,
        &points,
        &measured,
        &all_studies,
    ));
    after_tace.extend(jsh(sources, &sessions, &measured, &all_studies));
    // Which study is before and which after a session depends on its day.
    let approximate: Vec<Text> = sessions
        .iter()
        .filter_map(|s| {
            s.tace
                .date
                .approximation_flag(&Text::plain(s.label.clone()))
        })
        .collect();
    for criterion in &mut after_tace {
        criterion.flags.extend(approximate.iter().cloned());
    }
    criteria.extend(after_tace);
    let trend = |lang: Lang| {
        let trend: Vec<String> = points
            .iter()
            .map(|p| {
                let word = match p.response {
                    Some(response) => response.code().to_string(),
                    None => Outcome::Indeterminate {
                        missing: Vec::new(),
                    }
                    .label(lang)
                    .to_string(),
                };
                let date = p.study.date;
                match lang {
                    Lang::Zh => format!("{date} {word}"),
                    Lang::En => format!("{word} on {}", date.for_reader(Lang::En)),
                }
            })
            .collect();
        if trend.is_empty() {
            lang.pick("无随访", "no follow-up").to_string()
        } else {
            trend.join(lang.pick("，", ", "))
        }
    };
    let (n, at) = (sessions.len(), sources.at);
    let named = |lang: Lang| {
        sessions
            .iter()
            .map(|session| session.named(lang))
            .collect::<Vec<_>>()
            .join(lang.pick("、", ", "))
    };
    let context = t(
        format!(
            "截至 {at} 共 {n} 次 TACE：{}；mRECIST：{}",
            named(Lang::Zh),
            trend(Lang::Zh)
        ),
        format!(
            "{n} TACE session(s) up to {}: {}; mRECIST: {}",
            at.for_reader(Lang::En),
            named(Lang::En),
            trend(Lang::En)
        ),
    );
    ResponseResults {
        criteria,
        context: Some(context),
    }
}

/// The response criteria when a treatment of the tumour has a date not known: which studies and
/// labs came before or after it cannot be told, so mRECIST (and with TACE, ART and the JSH
/// items) is indeterminate, naming each such treatment.
fn undated_course(undated: &[&Treatment], tace: bool) -> ResponseResults {
    let missing: Vec<Text> = undated
        .iter()
        .map(|t| {
            let [zh, en] = [Lang::Zh, Lang::En].map(|lang| {
                t.name(lang)
                    .unwrap_or_else(|| crate::summary::words::treatment(t.kind, lang).to_string())
            });
            Text::both(
                format!("{zh} 的日期（写为日期不详）：无法判断哪些影像和化验在其之前、哪些在其之后"),
                format!(
                    "the date of {en} (written as not known): which imaging and labs came before or after it cannot be told"
                ),
            )
        })
        .collect();
    let kinds: &[Kind] = if tace {
        &[
            Kind::Mrecist,
            Kind::Art,
            Kind::JshInsufficientResponse,
            Kind::JshIntrahepaticProgression,
            Kind::JshTumourMarkers,
            Kind::JshVascularInvasion,
            Kind::JshExtrahepaticSpread,
        ]
    } else {
        &[Kind::Mrecist]
    };
    ResponseResults {
        criteria: kinds
            .iter()
            .map(|&kind| Criterion::new(kind, Outcome::missing(missing.clone())))
            .collect(),
        context: None,
    }
}

/// "order uncertain: MRI Aug 20, 2021 and TACE-2 (late Aug 2021)" when the study and the
/// treatment `name` of `date` could each be the earlier (their periods overlap, one is known
/// only in part): a baseline or a before/after choice between them is not made.
fn order_uncertain(study: &ImagingStudy, name: &Text, date: CaseDate) -> Option<Text> {
    study.date.order_uncertain(date).then(|| {
        let (modality, on) = (study.modality, study.date);
        let (zh, en) = (name.best(Lang::Zh), name.best(Lang::En));
        let (zh_date, en_date) = (date.for_reader(Lang::Zh), date.for_reader(Lang::En));
        let (zh_on, en_on) = (on.for_reader(Lang::Zh), on.for_reader(Lang::En));
        t(
            format!("先后顺序不确定：{modality} {zh_on} 与 {zh}（{zh_date}）"),
            format!("order uncertain: {modality} {en_on} and {en} ({en_date})"),
        )
    })
}

/// Err naming the first of `studies` whose order against the treatment `name` of `date` is
/// not known.
fn known_order(studies: &[&ImagingStudy], name: &Text, date: CaseDate) -> Result<(), Text> {
    studies
        .iter()
        .find_map(|s| order_uncertain(s, name, date))
        .map_or(Ok(()), Err)
}

/// Diameters in whole millimetres, as mRECIST measures.
fn whole_mm(mm: Decimal) -> Decimal {
    round_half_up(mm, 0)
}

/// Targets at baseline: HCC with a viable diameter ≥ 10 mm, largest first, 2 at most.
fn choose_targets(baseline: &ImagingStudy) -> Result<Vec<(&Lesion, Decimal)>, Vec<Text>> {
    let date = baseline.date;
    let unclassified: Vec<Text> = baseline
        .lesions
        .iter()
        .filter(|l| l.class.is_none() && l.longest_mm >= MEASURABLE_MM)
        .map(|l| {
            t(
                format!("基线（{date}）病灶 {} 的分类", l.id),
                format!(
                    "class of lesion {} at baseline ({})",
                    l.id,
                    date.for_reader(Lang::En)
                ),
            )
        })
        .collect();
    if !unclassified.is_empty() {
        return Err(unclassified);
    }
    let mut candidates: Vec<(&Lesion, Decimal)> = baseline
        .lesions
        .iter()
        .filter(|l| l.class.is_some_and(|c| c.counts_as_hcc()))
        .filter_map(|l| l.viable_mm.map(|v| (l, whole_mm(v))))
        .filter(|(_, v)| *v >= MEASURABLE_MM)
        .collect();
    candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
    candidates.truncate(TARGETS_PER_ORGAN);
    if candidates.is_empty() {
        return Err(vec![t(
            format!("基线（{date}）靶病灶：活性部分直径 ≥ 10 mm 的 HCC 病灶"),
            format!(
                "a target lesion at baseline ({date}): HCC with a viable diameter of 10 mm or more"
            ),
        )]);
    }
    Ok(candidates)
}

/// "MRI Oct 15, 2021, after TACE-2 and sorafenib 400 mg twice daily".
fn follow_up_basis(study: &ImagingStudy, named: &[Text]) -> Text {
    let (modality, date) = (study.modality, study.date);
    Text::both(
        format!(
            "{modality} {date}，{}",
            zh_joined(&[&and_list(named, Lang::Zh), "后"])
        ),
        format!(
            "{modality} {}, after {}",
            date.for_reader(Lang::En),
            and_list(named, Lang::En)
        ),
    )
}

/// Imaging with measured lesions after `what` (a treatment named with its date), as a missing
/// item; a study of any modality after `date` that lists no lesions is named (§6.4), so that
/// nobody is told to get imaging that was done.
fn imaging_after(what: &Text, date: CaseDate, all_studies: &[&ImagingStudy]) -> Text {
    let (zh, en) = (what.best(Lang::Zh), what.best(Lang::En));
    match all_studies.iter().rev().find(|s| s.date > date) {
        Some(newer) => {
            let (modality, on) = (newer.modality, newer.date);
            t(
                format!("{zh}后有病灶测量的影像检查（其后最近的 {modality}（{on}）未列出病灶）"),
                format!(
                    "imaging with measured lesions after {en} (the latest study after it, {modality} {}, lists none)",
                    on.for_reader(Lang::En)
                ),
            )
        }
        None => t(
            format!("{zh}后有病灶测量的影像检查"),
            format!("imaging with measured lesions after {en}"),
        ),
    }
}

/// A line's baseline study (the last on or before its first treatment), its targets there,
/// and the target sums of the line's assessed studies so far (baseline first): the nadir is
/// the smallest of them.
struct Reference<'a> {
    baseline: &'a ImagingStudy,
    targets: Vec<(&'a Lesion, Decimal)>,
    non_targets: Vec<&'a Lesion>,
    inputs: Vec<Input>,
    sums: Vec<(CaseDate, Decimal)>,
}

impl<'a> Reference<'a> {
    /// Err names what is missing: a study before the line, or targets in it.
    fn of(line: &Line<'_>, start: &Text, studies: &[&'a ImagingStudy]) -> Result<Self, Vec<Text>> {
        // A study that could be on either side of the line's start could be its baseline or
        // its first follow-up: not chosen.
        let first = &line.entries[0].name;
        if let Some(uncertain) = studies
            .iter()
            .find_map(|s| order_uncertain(s, first, line.start()))
        {
            return Err(vec![uncertain]);
        }
        let Some(baseline) = studies
            .iter()
            .rev()
            .find(|s| s.date <= line.start())
            .copied()
        else {
            return Err(vec![t(
                format!("{}及之前有病灶测量的影像检查", start.best(Lang::Zh)),
                format!(
                    "imaging with measured lesions on or before {}",
                    start.best(Lang::En)
                ),
            )]);
        };
        let targets = choose_targets(baseline)?;
        let sum: Decimal = targets.iter().map(|(_, mm)| mm).sum();
        let non_targets = baseline
            .lesions
            .iter()
            .filter(|l| l.class.is_some_and(|c| c.counts_as_hcc()))
            .filter(|l| !targets.iter().any(|(t, _)| t.id == l.id))
            .collect();
        let inputs = targets
            .iter()
            .map(|(lesion, mm)| {
                let name = t(
                    format!("基线靶病灶 {}", lesion.id),
                    format!("target {} at baseline", lesion.id),
                );
                Input::number(name, *mm, "mm").dated(baseline.date, baseline.report.clone())
            })
            .collect();
        Ok(Self {
            baseline,
            targets,
            non_targets,
            inputs,
            sums: vec![(baseline.date, sum)],
        })
    }

    /// The verdict on `study` against the baseline and nadir; a computed sum joins the line's.
    fn assess(&mut self, study: &ImagingStudy) -> (Criterion, Option<Response>) {
        let find = |id: &str| study.lesions.iter().find(|l| l.id == id);
        let mut inputs = self.inputs.clone();
        let mut missing = Vec::new();
        let mut current = Vec::new();
        for (target, _) in &self.targets {
            match find(&target.id).and_then(|l| l.viable_mm) {
                Some(mm) => {
                    current.push(whole_mm(mm));
                    let name = t(
                        format!("靶病灶 {}", target.id),
                        format!("target {}", target.id),
                    );
                    inputs.push(
                        Input::number(name, whole_mm(mm), "mm")
                            .dated(study.date, study.report.clone()),
                    );
                }
                None => {
                    let (id, date) = (&target.id, study.date);
                    missing.push(t(
                        format!("{date} 靶病灶 {id} 的活性部分直径"),
                        format!(
                            "viable diameter of target {id} on {}",
                            date.for_reader(Lang::En)
                        ),
                    ));
                }
            }
        }
        if !missing.is_empty() {
            let mut criterion = Criterion::new(Kind::Mrecist, Outcome::missing(missing));
            criterion.inputs = inputs;
            return (criterion, None);
        }
        let (baseline_date, baseline_sum) = self.sums[0];
        let (nadir_date, nadir) = self
            .sums
            .iter()
            .copied()
            .min_by_key(|(_, sum)| *sum)
            .unwrap_or((baseline_date, baseline_sum));
        inputs.push(Input::number(t("最低总和", "nadir sum"), nadir, "mm").dated(nadir_date, None));
        let (target, explained) = target_response(baseline_sum, nadir, &current);
        let sum: Decimal = current.iter().sum();
        self.sums.push((study.date, sum));
        let mut flags = vec![explained];
        let overall = overall_response(target, study, self.baseline, &self.non_targets, &mut flags);
        let mut criterion = match &overall {
            Ok(response) => Criterion::new(
                Kind::Mrecist,
                Outcome::Category(Text::plain(response.code())),
            ),
            Err(missing) => Criterion::new(Kind::Mrecist, Outcome::missing(missing.clone())),
        }
        .valued(sum, None);
        criterion.flags = flags;
        criterion.inputs = inputs;
        (criterion, overall.ok())
    }
}

/// One mRECIST verdict per follow-up study (§6.4), against the baseline and nadir of the line
/// it is assessed in, naming every line treated since the previous study; a line without a
/// usable baseline is one row saying what it lacks, and the latest line with no study after
/// it yet is one row awaiting it.
fn mrecist<'a>(
    lines: &[Line<'a>],
    measured: &[&'a ImagingStudy],
    all_studies: &[&ImagingStudy],
) -> (Vec<Criterion>, Vec<TimePoint<'a>>) {
    let first_tace_course = lines.iter().position(|l| l.kind == LineKind::TaceCourse);
    let start_named = |index: usize| lines[index].start_named(Some(index) == first_tace_course);
    let mut references: Vec<Option<Result<Reference<'a>, Vec<Text>>>> =
        lines.iter().map(|_| None).collect();
    let mut criteria = Vec::new();
    let mut points = Vec::new();
    for assessment in lines::assessments(lines, measured) {
        let study = assessment.study;
        let reference = references[assessment.line].get_or_insert_with(|| {
            Reference::of(
                &lines[assessment.line],
                &start_named(assessment.line),
                measured,
            )
        });
        let (mut criterion, response) = match reference {
            Ok(reference) => reference.assess(study),
            Err(missing) => {
                points.push(TimePoint {
                    study,
                    response: None,
                });
                // Every study against the line lacks the same: said once (and then taken).
                if !missing.is_empty() {
                    let missing = std::mem::take(missing);
                    criteria.push(Criterion::new(Kind::Mrecist, Outcome::missing(missing)));
                }
                continue;
            }
        };
        criterion.basis = Some(follow_up_basis(study, &assessment.named));
        if assessment.treated.len() >= 2 {
            let [zh, en] = [Lang::Zh, Lang::En].map(|lang| and_list(&assessment.named, lang));
            criterion.flags.push(t(
                format!("疗效无法确定属于哪一项治疗（{zh}）"),
                format!("response cannot be attributed to one treatment ({en})"),
            ));
        }
        // Which line a study answers for depends on the days of the treatments before it.
        for &index in &assessment.treated {
            criterion.flags.extend(
                lines[index]
                    .entries
                    .iter()
                    .filter(|e| e.treatment.date < study.date)
                    .filter_map(|e| e.treatment.date.approximation_flag(&e.name)),
            );
        }
        // The verdict stands against the line's baseline, but which treatments it follows is
        // not known where a treatment could be on either side of the study.
        criterion.flags.extend(
            lines
                .iter()
                .flat_map(|l| &l.entries)
                .filter_map(|e| order_uncertain(study, &e.name, e.treatment.date)),
        );
        points.push(TimePoint { study, response });
        criteria.push(criterion);
    }
    if let Some((index, latest)) = lines.iter().enumerate().next_back()
        && latest.kind != LineKind::Surgery
        && !measured.iter().any(|s| s.date > latest.start())
    {
        let mut criterion = Criterion::new(
            Kind::Mrecist,
            Outcome::missing([imaging_after(
                &start_named(index),
                latest.start(),
                all_studies,
            )]),
        );
        criterion
            .flags
            .extend(latest.start().approximation_flag(&latest.entries[0].name));
        criteria.push(criterion);
    }
    (criteria, points)
}

/// Overall response: new lesions and non-targets on top of the target response (§6.1).
fn overall_response(
    target: Response,
    study: &ImagingStudy,
    baseline: &ImagingStudy,
    non_targets: &[&Lesion],
    flags: &mut Vec<Text>,
) -> Result<Response, Vec<Text>> {
    let mut new = Vec::new();
    let mut unclassified = Vec::new();
    for lesion in &study.lesions {
        if baseline.lesions.iter().any(|b| b.id == lesion.id) || lesion.longest_mm < MEASURABLE_MM {
            continue;
        }
        match lesion.class {
            Some(class) if class.counts_as_hcc() => new.push(format!(
                "{} ({} mm, {class})",
                lesion.id,
                show(lesion.longest_mm)
            )),
            Some(_) => {}
            None => {
                let (id, date) = (&lesion.id, study.date);
                unclassified.push(t(
                    format!("{date} 病灶 {id} 的分类（基线时无此病灶：如为 HCC 即为新发病灶）"),
                    format!(
                        "class of lesion {id} on {} (absent at baseline: a new lesion if HCC)",
                        date.for_reader(Lang::En)
                    ),
                ));
            }
        }
    }
    if !new.is_empty() {
        let new = new.join(", ");
        flags.push(t(
            format!("新发病灶：{new}"),
            format!("new lesion(s): {new}"),
        ));
        return Ok(Response::Pd);
    }
    if study.macrovascular_invasion == Finding::Yes {
        flags.push(t(
            "报告有大血管侵犯：属不可测量病变，由放射科医生判断",
            "macrovascular invasion reported: non-measurable disease, judged by a radiologist",
        ));
    }
    if target == Response::Pd {
        return Ok(Response::Pd);
    }
    if !unclassified.is_empty() {
        return Err(unclassified);
    }
    if !non_targets.is_empty() {
        flags.push(t(
            "非靶病灶是否明确进展由放射科医生判断，此处未评估",
            "unequivocal progression of non-target lesions is a radiologist's judgment and is not assessed here",
        ));
    }
    if target != Response::Cr {
        return Ok(target);
    }
    let mut unknown = Vec::new();
    let mut enhancing = Vec::new();
    for lesion in non_targets {
        match study
            .lesions
            .iter()
            .find(|l| l.id == lesion.id)
            .and_then(|l| l.viable_mm)
        {
            Some(mm) if mm.is_zero() => {}
            Some(_) => enhancing.push(lesion.id.clone()),
            None => {
                let (id, date) = (&lesion.id, study.date);
                unknown.push(t(
                    format!("{date} 非靶病灶 {id} 的活性部分直径"),
                    format!(
                        "viable diameter of non-target {id} on {}",
                        date.for_reader(Lang::En)
                    ),
                ));
            }
        }
    }
    if !unknown.is_empty() {
        return Err(unknown);
    }
    if enhancing.is_empty() {
        Ok(Response::Cr)
    } else {
        let enhancing = enhancing.join(", ");
        flags.push(t(
            format!("靶病灶 CR，但非靶病灶仍有强化（{enhancing}）：总体 PR"),
            format!("target CR with persisting non-target enhancement ({enhancing}): overall PR"),
        ));
        Ok(Response::Pr)
    }
}

/// ART before each repeat TACE, against the values before the first.
fn art_scores(
    sources: &Sources<'_>,
    sessions: &[Session<'_>],
    points: &[TimePoint<'_>],
) -> Vec<Criterion> {
    let first = &sessions[0];
    let before_first = sources.between(None, Some(first.tace));
    let assessed: Vec<&ImagingStudy> = points.iter().map(|p| p.study).collect();
    sessions
        .windows(2)
        .map(|pair| {
            let (previous, this) = (&pair[0], &pair[1]);
            // A study that could be on either side of either session is not chosen.
            let after_previous = previous
                .in_known_order(&assessed)
                .and(this.in_known_order(&assessed))
                .and_then(|()| {
                    points
                        .iter()
                        .rfind(|p| {
                            p.study.date > previous.tace.date && p.study.date <= this.tace.date
                        })
                        .ok_or_else(|| {
                            let named = |lang| (previous.named(lang), this.named(lang));
                            let ((previous_zh, this_zh), (previous, this)) =
                                (named(Lang::Zh), named(Lang::En));
                            t(
                                format!("{previous_zh} 之后至 {this_zh} 及之前有病灶测量的影像检查"),
                                format!(
                                    "imaging with measured lesions after {previous} and on or before {this}"
                                ),
                            )
                        })
                });
            let mut criterion = art_from(
                [
                    (
                        &before_first,
                        first.before_it("AST"),
                        first.before_it("Child-Pugh"),
                    ),
                    (
                        &sources.between(Some(previous.tace), Some(this.tace)),
                        this.before_it("AST"),
                        this.before_it("Child-Pugh"),
                    ),
                ],
                t(
                    format!("{} 后 mRECIST", previous.label),
                    format!("mRECIST after {}", previous.label),
                ),
                after_previous,
            );
            criterion.basis = Some(Text::both(
                format!("{} 前", this.label),
                format!("before {}", this.label),
            ));
            criterion
        })
        .collect()
}

/// "ART if another TACE is considered" (§6.4), as of the evaluation date: AST and Child-Pugh
/// of the latest labs after the most recent TACE against those before the first, and the
/// response on the latest imaging, which must follow the most recent TACE.
fn art_next(
    sources: &Sources<'_>,
    sessions: &[Session<'_>],
    points: &[TimePoint<'_>],
    measured: &[&ImagingStudy],
    all_studies: &[&ImagingStudy],
) -> Criterion {
    let (first, last) = (&sessions[0], &sessions[sessions.len() - 1]);
    let latest = |what: &str| t(format!("最近一次 {what}"), format!("latest {what}"));
    // The latest study, when it could be on either side of the most recent session, is not
    // taken as following it.
    let latest_study = measured
        .last()
        .map(std::slice::from_ref)
        .unwrap_or_default();
    let response = last
        .in_known_order(latest_study)
        .and_then(|()| match measured.last() {
            Some(&study) if study.date > last.tace.date => points
                .iter()
                .find(|p| std::ptr::eq(p.study, study))
                .ok_or_else(|| {
                    let date = study.date;
                    t(
                        format!("{date} 的 mRECIST 疗效评价"),
                        format!("mRECIST response on {}", date.for_reader(Lang::En)),
                    )
                }),
            _ => Err(imaging_after(
                &Text::both(last.named(Lang::Zh), last.named(Lang::En)),
                last.tace.date,
                all_studies,
            )),
        });
    let mut criterion = art_from(
        [
            (
                &sources.between(None, Some(first.tace)),
                first.before_it("AST"),
                first.before_it("Child-Pugh"),
            ),
            (
                &sources.between(Some(last.tace), None),
                latest("AST"),
                latest("Child-Pugh"),
            ),
        ],
        t("最近一次影像的 mRECIST", "mRECIST of the latest imaging"),
        response,
    );
    // As of the evaluation date, which every dated input says.
    criterion.basis = Some(t("如考虑再次 TACE", "if another TACE is considered"));
    criterion
}

/// The ART score from AST and Child-Pugh in two ranges of dates (before the first TACE, and
/// before the TACE considered), each with the names its inputs get, and the response after
/// the previous TACE, named `response_name` (Err: what is missing). A Child-Pugh point on a
/// cut-off that changes the band is said in full on the key page.
fn art_from(
    ranges: [(&Sources<'_>, Text, Text); 2],
    response_name: Text,
    after_previous: Result<&TimePoint<'_>, Text>,
) -> Criterion {
    let mut missing = Vec::new();
    let mut inputs = Vec::new();
    // Values skipped (conflicting, unconvertible) are named, never silently passed over for
    // an older one.
    let mut flags: Vec<Text> = ranges
        .iter()
        .flat_map(|(range, ..)| range.unusable_flags(Analyte::Ast))
        .collect();
    let ast = ranges
        .each_ref()
        .map(|(range, name, _)| match range.newest_lab(Analyte::Ast) {
            Ok(value) => {
                let mut input = value.input();
                input.name = name.clone();
                inputs.push(input);
                Some(value.value)
            }
            Err(why) => {
                missing.push(why);
                None
            }
        });
    let child_pugh = ranges
        .each_ref()
        .map(|(range, _, name)| match child_pugh_from(range) {
            (Some(found), criterion) => {
                flags.extend(criterion.flags);
                inputs.push(
                    Input::new(name.clone(), found.score.label(), None).dated(found.date, None),
                );
                Some(found)
            }
            (None, criterion) => {
                if let Outcome::Indeterminate { missing: why } = criterion.outcome {
                    missing.extend(why.iter().map(|w| {
                        t(
                            format!("Child-Pugh 所需：{}", w.best(Lang::Zh)),
                            format!("for Child-Pugh: {}", w.best(Lang::En)),
                        )
                    }));
                }
                None
            }
        });
    let response = match after_previous {
        Ok(TimePoint {
            study,
            response: Some(response),
        }) => {
            inputs.push(
                Input::new(response_name, response.code(), None)
                    .dated(study.date, study.report.clone()),
            );
            Some(response.objective())
        }
        Ok(TimePoint {
            study,
            response: None,
        }) => {
            let date = study.date;
            missing.push(t(
                format!("{date} 的 mRECIST 疗效评价（见 mRECIST）"),
                format!(
                    "mRECIST response on {} (see mRECIST)",
                    date.for_reader(Lang::En)
                ),
            ));
            None
        }
        Err(why) => {
            missing.push(why);
            None
        }
    };
    let mut criterion = match (ast, &child_pugh, response) {
        ([Some(ast_1), Some(ast_2)], [Some(cp_1), Some(cp_2)], Some(responded)) => {
            let input = ArtInput {
                ast_before_first_u_l: ast_1,
                ast_before_this_u_l: ast_2,
                child_pugh_before_first: cp_1.score.total(),
                child_pugh_before_this: cp_2.score.total(),
                radiological_response: responded,
            };
            let mut criterion = art(&input);
            inputs.append(&mut criterion.inputs);
            let names = ranges.each_ref().map(|(_, _, name)| name);
            for flag in cut_off_flags(&input, [cp_1, cp_2], names) {
                criterion.pin(flag);
            }
            criterion
        }
        _ => Criterion::new(Kind::Art, Outcome::missing(missing)),
    };
    criterion.inputs = inputs;
    for flag in flags {
        if !criterion.flags.contains(&flag) {
            criterion.flags.push(flag);
        }
    }
    criterion
}

/// A Child-Pugh value exactly at a cut-off whose other points would move the ART score into
/// the other band (§6.4): "albumin 3.5 g/dL (35 g/L as printed, Aug 20, 2021) is exactly at a
/// Child-Pugh cut-off …".
fn cut_off_flags(
    input: &ArtInput,
    child_pugh: [&FoundChildPugh; 2],
    names: [&Text; 2],
) -> Vec<Text> {
    let scored = art(input);
    let (score, band) = (
        scored.value.unwrap_or_default(),
        art_band(scored.value.unwrap_or_default()),
    );
    let mut flags = Vec::new();
    for (position, (found, name)) in child_pugh.iter().zip(names).enumerate() {
        for (at, printed) in &found.on_cut_off {
            let total = found.score.total();
            let other = (total - at.points + at.other).clamp(5, 15);
            let mut moved = *input;
            if position == 0 {
                moved.child_pugh_before_first = other;
            } else {
                moved.child_pugh_before_this = other;
            }
            let other_score = art(&moved).value.unwrap_or_default();
            let other_band = art_band(other_score);
            if other_band == band {
                continue;
            }
            let (points, other_points) = (at.points, points_note(at.other));
            let [other_zh, other_en] = [Lang::Zh, Lang::En].map(|l| other_points.best(l));
            let [table_zh, table_en] = match at.table {
                Some((low, high)) => [
                    format!("（{low}/{high} µmol/L 表）"),
                    format!(" (of the {low}/{high} µmol/L table)"),
                ],
                None => [String::new(), String::new()],
            };
            let (score, other_score) = (show(score), show(other_score));
            flags.push(t(
                format!(
                    "ART 边缘值：{}正好位于 Child-Pugh 分界值上{table_zh}：如计 {other_zh}而非 {points} 分，{} 为 {other} 分而非 {total} 分，ART 评分为 {other_score}（{other_band}），而非 {score}（{band}）",
                    printed.best(Lang::Zh),
                    name.best(Lang::Zh)
                ),
                format!(
                    "borderline for ART: {} is exactly at a Child-Pugh cut-off{table_en}: at {other_en} instead of {points}, {} would be {other}, not {total}, and the ART score {other_score} ({other_band}), not {score} ({band})",
                    printed.best(Lang::En),
                    name.best(Lang::En)
                ),
            ));
        }
    }
    flags
}

/// Whether each session shows what a JSH item looks for, and what is missing to tell.
#[derive(Default)]
struct PerSession {
    held: Vec<Option<bool>>,
    inputs: Vec<Input>,
    missing: Vec<Text>,
}

impl PerSession {
    /// The studies just before and after `session`; when one is missing, or a study could be
    /// on either side of it, that is noted (once) and the session holds nothing.
    fn studies_around<'s>(
        &mut self,
        session: &Session<'_>,
        measured: &[&'s ImagingStudy],
    ) -> Option<(&'s ImagingStudy, &'s ImagingStudy)> {
        let missing = match (session.before(measured), session.after(measured)) {
            (Ok(Some(before)), Ok(Some(after))) => return Some((before, after)),
            (Err(uncertain), _) | (_, Err(uncertain)) => uncertain,
            _ => imaging_around(session),
        };
        if !self.missing.contains(&missing) {
            self.missing.push(missing);
        }
        self.held.push(None);
        None
    }

    /// The sessions after which the item held, and whether two of them were consecutive.
    fn held_after(&self, sessions: &[Session<'_>]) -> (Vec<String>, bool) {
        let labels = sessions
            .iter()
            .zip(&self.held)
            .filter(|(_, held)| **held == Some(true))
            .map(|(s, _)| s.label.clone())
            .collect();
        let consecutive = self
            .held
            .windows(2)
            .any(|w| w[0] == Some(true) && w[1] == Some(true));
        (labels, consecutive)
    }

    /// The outcome of an item that asks for two consecutive sessions (JSH items 1 and 2):
    /// `consecutive` when it held after two in a row, `never` when after none, `some` when
    /// after some but not two in a row; missing data or a single session say so instead.
    fn consecutive_outcome(
        &self,
        sessions: &[Session<'_>],
        consecutive: fn(&str) -> Text,
        never: Text,
        some: fn(&str) -> Text,
    ) -> Outcome {
        if let Some(too_few) = needs_two_sessions(sessions) {
            return too_few;
        }
        let (labels, held_twice) = self.held_after(sessions);
        let list = labels.join(", ");
        if held_twice {
            Outcome::Category(consecutive(&list))
        } else if !self.missing.is_empty() {
            Outcome::missing(self.missing.clone())
        } else if labels.is_empty() {
            Outcome::Category(never)
        } else {
            Outcome::Category(some(&list))
        }
    }
}

fn jsh_item(kind: Kind, outcome: Outcome, inputs: Vec<Input>) -> Criterion {
    let mut criterion = Criterion::new(kind, outcome).flag(t(
        "JSH 各条目仅列出相关数据（条目措辞部分核实）；TACE 是否失败由医生判断",
        "the JSH items are listed with their data (wording partially verified); whether TACE has failed is the physician's judgment",
    ));
    criterion.inputs = inputs;
    criterion
}

fn jsh(
    sources: &Sources<'_>,
    sessions: &[Session<'_>],
    measured: &[&ImagingStudy],
    all_studies: &[&ImagingStudy],
) -> Vec<Criterion> {
    vec![
        insufficient_response(sessions, measured),
        intrahepatic_progression(sessions, measured),
        tumour_markers(sources, sessions),
        appearance(
            Kind::JshVascularInvasion,
            macrovascular_invasion(),
            |s| s.macrovascular_invasion,
            sessions,
            all_studies,
        ),
        appearance(
            Kind::JshExtrahepaticSpread,
            extrahepatic_spread(),
            |s| s.extrahepatic_spread,
            sessions,
            all_studies,
        ),
    ]
}

/// Imaging before and after a session, as JSH items 1 and 2 miss it.
fn imaging_around(session: &Session<'_>) -> Text {
    let (named_zh, named) = (session.named(Lang::Zh), session.named(Lang::En));
    t(
        format!("{named_zh} 前后的影像检查"),
        format!("imaging before and after {named}"),
    )
}

fn needs_two_sessions(sessions: &[Session<'_>]) -> Option<Outcome> {
    (sessions.len() < 2).then(|| {
        Outcome::Category(Text::both(
            format!("需连续两次治疗（目前 {} 次）", sessions.len()),
            format!("needs two consecutive sessions ({} so far)", sessions.len()),
        ))
    })
}

/// Item 1: viable tumour left after two consecutive sessions. The case records diameters,
/// not the viable percentage JSH uses, so the most the data can say is "possible".
fn insufficient_response(sessions: &[Session<'_>], measured: &[&ImagingStudy]) -> Criterion {
    let mut data = PerSession::default();
    for session in sessions {
        let Some((before, after)) = data.studies_around(session, measured) else {
            continue;
        };
        let treated: Vec<&Lesion> = after
            .lesions
            .iter()
            .filter(|l| before.lesions.iter().any(|b| b.id == l.id))
            .collect();
        let mut viable = Some(false);
        for lesion in &treated {
            match lesion.viable_mm {
                Some(mm) => {
                    let (id, label) = (&lesion.id, &session.label);
                    let (shown, longest) = (show(mm), show(lesion.longest_mm));
                    data.inputs.push(
                        Input::worded(
                            t(format!("{label} 后 {id}"), format!("{id} after {label}")),
                            t(
                                format!("存活部分 {shown} mm（病灶 {longest} mm）"),
                                format!("viable {shown} of {longest} mm"),
                            ),
                            None,
                        )
                        .dated(after.date, after.report.clone()),
                    );
                    if !mm.is_zero() {
                        viable = viable.map(|_| true);
                    }
                }
                None => {
                    let (id, date) = (&lesion.id, after.date);
                    data.missing.push(t(
                        format!("{date} 病灶 {id} 的活性部分直径"),
                        format!("viable diameter of {id} on {}", date.for_reader(Lang::En)),
                    ));
                    viable = None;
                }
            }
        }
        if treated.is_empty() {
            let (date, named_zh, named) = (
                before.date,
                session.named(Lang::Zh),
                session.named(Lang::En),
            );
            data.missing.push(t(
                format!("{named_zh} 后对 {date} 所见病灶的复测"),
                format!(
                    "the lesions of {} re-measured after {named}",
                    date.for_reader(Lang::En)
                ),
            ));
            viable = None;
        }
        data.held.push(viable);
    }
    let outcome = data.consecutive_outcome(
        sessions,
        |list| {
            Text::both(
                format!("可能 —— 未报告存活肿瘤百分比（{list} 后仍有存活肿瘤）"),
                format!("possible — % viable not reported (viable tumor after {list})"),
            )
        },
        Text::both(
            "各次治疗后均无存活肿瘤",
            "no viable tumor after any session",
        ),
        |list| {
            Text::both(
                format!("仅 {list} 后有存活肿瘤（非连续两次）"),
                format!("viable tumor after {list} only (not two consecutive sessions)"),
            )
        },
    );
    jsh_item(Kind::JshInsufficientResponse, outcome, data.inputs)
}

/// HCC lesions of 10 mm or more with viable tumour; Err names unclassified ones.
fn intrahepatic_count(study: &ImagingStudy) -> Result<usize, Vec<Text>> {
    let large = study
        .lesions
        .iter()
        .filter(|l| l.longest_mm >= MEASURABLE_MM);
    let date = study.date;
    let unclassified: Vec<Text> = large
        .clone()
        .filter(|l| l.class.is_none())
        .map(|l| {
            t(
                format!("{date} 病灶 {} 的分类", l.id),
                format!("class of lesion {} on {}", l.id, date.for_reader(Lang::En)),
            )
        })
        .collect();
    if !unclassified.is_empty() {
        return Err(unclassified);
    }
    Ok(large
        .filter(|l| {
            l.class.is_some_and(|c| c.counts_as_hcc()) && l.viable_mm != Some(Decimal::ZERO)
        })
        .count())
}

/// Item 2: more intrahepatic tumours after two consecutive sessions than before each.
fn intrahepatic_progression(sessions: &[Session<'_>], measured: &[&ImagingStudy]) -> Criterion {
    let mut data = PerSession::default();
    for session in sessions {
        let Some((before, after)) = data.studies_around(session, measured) else {
            continue;
        };
        let label = &session.label;
        let mut count = |study: &ImagingStudy, [zh, en]: [&str; 2]| match intrahepatic_count(study)
        {
            Ok(n) => {
                let name = t(
                    format!("{label} {zh} HCC 病灶数"),
                    format!("HCC lesions {en} {label}"),
                );
                data.inputs
                    .push(Input::new(name, n, None).dated(study.date, study.report.clone()));
                Some(n)
            }
            Err(missing) => {
                data.missing.extend(missing);
                None
            }
        };
        let (n_before, n_after) = (count(before, BEFORE), count(after, AFTER));
        data.held.push(n_before.zip(n_after).map(|(b, a)| a > b));
    }
    let outcome = data.consecutive_outcome(
        sessions,
        |list| {
            Text::both(
                format!("连续两次治疗后肝内病灶增多（{list}）"),
                format!("more intrahepatic lesions after two consecutive sessions ({list})"),
            )
        },
        Text::both(
            "未见肝内新发病灶报告",
            "no new intrahepatic lesions reported",
        ),
        |list| {
            Text::both(
                format!("{list} 后肝内病灶增多"),
                format!("more intrahepatic lesions after {list}"),
            )
        },
    );
    jsh_item(Kind::JshIntrahepaticProgression, outcome, data.inputs)
}

/// Item 3: AFP right after each session against AFP before it.
fn tumour_markers(sources: &Sources<'_>, sessions: &[Session<'_>]) -> Criterion {
    let mut data = PerSession::default();
    let mut flags: Vec<Text> = Vec::new();
    for session in sessions {
        let (before_range, after_range) = (
            sources.between(None, Some(session.tace)),
            sources.between(Some(session.tace), session.next),
        );
        for flag in [&before_range, &after_range]
            .iter()
            .flat_map(|range| range.unusable_flags(Analyte::Afp))
        {
            if !flags.contains(&flag) {
                flags.push(flag);
            }
        }
        let before = before_range.newest_lab(Analyte::Afp);
        let after = after_range
            .labs(Analyte::Afp)
            .map(|values| values.into_iter().next());
        let label = &session.label;
        let mut value = |found: Result<Option<LabValue<'_>>, Text>, [zh, en]: [&str; 2]| match found
        {
            Ok(Some(afp)) => {
                let mut input = afp.input();
                input.name = t(format!("{label} {zh} AFP"), format!("AFP {en} {label}"));
                data.inputs.push(input);
                Some(afp.value)
            }
            Ok(None) | Err(_) => {
                let (named_zh, named) = (session.named(Lang::Zh), session.named(Lang::En));
                data.missing.push(t(
                    format!("{named_zh} {zh}的 AFP"),
                    format!("AFP {en} {named}"),
                ));
                None
            }
        };
        let before = value(before.map(Some), BEFORE);
        let after = value(after, AFTER);
        data.held.push(before.zip(after).map(|(b, a)| a > b));
    }
    let (labels, _) = data.held_after(sessions);
    let list = labels.join(", ");
    let outcome = if labels.len() == sessions.len() {
        Outcome::Category(Text::both(
            "每次治疗后 AFP 均升高",
            "AFP rose after every session",
        ))
    } else if !data.missing.is_empty() {
        Outcome::missing(data.missing.clone())
    } else if labels.is_empty() {
        Outcome::Category(Text::both(
            "各次治疗后 AFP 均未升高",
            "AFP did not rise after any session",
        ))
    } else {
        Outcome::Category(Text::both(
            format!("{list} 后 AFP 升高"),
            format!("AFP rose after {list}"),
        ))
    };
    let mut criterion = jsh_item(Kind::JshTumourMarkers, outcome, data.inputs);
    criterion.flags.extend(flags);
    criterion
}

/// Items 4 and 5: vascular invasion or extrahepatic spread appearing after the first TACE.
fn appearance(
    kind: Kind,
    what: Text,
    finding: fn(&ImagingStudy) -> Finding,
    sessions: &[Session<'_>],
    studies: &[&ImagingStudy],
) -> Criterion {
    let first = &sessions[0];
    let dated = |study: &ImagingStudy| {
        Input::worded(what.clone(), finding_value(finding(study)), None)
            .dated(study.date, study.report.clone())
    };
    let before = match first.before(studies) {
        Ok(before) => before,
        Err(uncertain) => return jsh_item(kind, Outcome::missing([uncertain]), Vec::new()),
    };
    let after: Vec<&ImagingStudy> = studies
        .iter()
        .copied()
        .filter(|s| s.date > first.tace.date)
        .collect();
    let inputs: Vec<Input> = before
        .into_iter()
        .chain(after.iter().copied())
        .map(dated)
        .collect();
    let outcome = if let Some(study) = after.iter().find(|s| finding(s) == Finding::Yes) {
        Outcome::Category(Text::both(
            format!("{} 报告有", study.date),
            format!("reported on {}", study.date.for_reader(Lang::En)),
        ))
    } else {
        match after.last() {
            None => {
                let (named_zh, named) = (first.named(Lang::Zh), first.named(Lang::En));
                Outcome::missing([t(
                    format!("{named_zh} 后的影像检查"),
                    format!("imaging after {named}"),
                )])
            }
            Some(study) if finding(study) == Finding::Unknown => {
                let (status, date) = (status(&what), study.date);
                Outcome::missing([t(
                    format!("{date} 的{}", status.best(Lang::Zh)),
                    format!("{} on {}", status.best(Lang::En), date.for_reader(Lang::En)),
                )])
            }
            Some(study) => Outcome::Category(Text::both(
                format!("截至 {} 未见报告", study.date),
                format!("none reported up to {}", study.date.for_reader(Lang::En)),
            )),
        }
    };
    let mut criterion = jsh_item(kind, outcome, inputs);
    if before.is_some_and(|s| finding(s) == Finding::Yes) {
        criterion.flags.push(t(
            format!("首次 TACE 前已报告{}", what.best(Lang::Zh)),
            format!(
                "{} was already reported before the first TACE",
                what.best(Lang::En)
            ),
        ));
    }
    criterion
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Case;
    use crate::case::model::{LesionClass, Modality, TreatmentKind};
    use crate::clinical::test_util::{self, bare_case, d, english, lab, study, treatment, well};
    use crate::clinical::{Criterion, evaluate};
    use crate::lab::Unit;

    /// The demo's course (calculators §6.4): TACE-1, TACE-2, sorafenib 25 days before the
    /// MRI of 2021-10-15; lab sets before each TACE and on 2021-11-10.
    fn demo_course() -> Case {
        let labs = [
            ("2021-06-20", "17.8", "38.6", "1.12", "38"),
            ("2021-08-20", "20.52", "35", "1.2", "46"),
            ("2021-11-10", "22.23", "34", "1.21", "55"),
        ];
        Case {
            treatments: vec![
                treatment(TreatmentKind::Tace, Some("TACE-1"), "2021-07-05", &[]),
                treatment(TreatmentKind::Tace, Some("TACE-2"), "2021-08-27", &[]),
                treatment(
                    TreatmentKind::Systemic,
                    None,
                    "2021-09-20",
                    &["sorafenib 400 mg twice daily"],
                ),
            ],
            imaging: vec![
                study("2021-06-18", "24", "24", LesionClass::Lr5),
                study("2021-08-10", "28", "26", LesionClass::LrTrViable),
                study("2021-10-15", "34", "31", LesionClass::LrTrViable),
            ],
            labs: labs
                .iter()
                .flat_map(|&(on, bilirubin, albumin, inr, ast)| {
                    [
                        lab(Analyte::Bilirubin, bilirubin, Unit::MicromolPerL, on),
                        lab(Analyte::Albumin, albumin, Unit::GPerL, on),
                        lab(Analyte::Inr, inr, Unit::Ratio, on),
                        lab(Analyte::Ast, ast, Unit::UPerL, on),
                    ]
                })
                .collect(),
            assessments: ["2021-06-20", "2021-08-20", "2021-11-10"].map(well).into(),
            ..bare_case()
        }
    }

    fn on(s: &str) -> NaiveDate {
        s.parse().expect("date literal")
    }

    fn of_kind(criteria: &[Criterion], kind: Kind) -> Vec<&Criterion> {
        criteria.iter().filter(|c| c.kind == kind).collect()
    }

    fn basis(c: &Criterion) -> &str {
        c.basis.as_ref().map_or("", |b| b.best(Lang::En))
    }

    /// §6.4: the MRI of 2021-10-15 is one verdict in the TACE course (baseline 24 mm before
    /// TACE-1, nadir 24): 31 ≥ 1.2 × 24 → PD, after TACE-2 and sorafenib, not attributable.
    #[test]
    fn one_study_after_tace_and_a_drug_is_one_verdict() {
        let criteria = evaluate(&demo_course(), on("2021-11-15"));
        let mrecist = of_kind(&criteria, Kind::Mrecist);
        let rows: Vec<(&str, &str)> = mrecist
            .iter()
            .map(|c| (basis(c), c.outcome.label(Lang::En)))
            .collect();
        assert_eq!(
            rows,
            [
                ("MRI Aug 10, 2021, after TACE-1", "SD"),
                ("MRI Oct 15, 2021, after TACE-2 and sorafenib", "PD"),
            ]
        );
        let october = mrecist[1];
        assert_eq!(october.value, Some(d("31")));
        let inputs: Vec<String> = october
            .inputs
            .iter()
            .map(|i| i.describe(Lang::En))
            .collect();
        assert!(
            inputs.contains(&"target L1 at baseline 24 mm (Jun 18, 2021)".to_string()),
            "{inputs:?}"
        );
        assert!(
            inputs.contains(&"nadir sum 24 mm (Jun 18, 2021)".to_string()),
            "{inputs:?}"
        );
        let flags = english(&october.flags);
        assert!(
            flags.contains(&"target: PD — sum 31 mm ≥ 1.2 × nadir 24 mm"),
            "{flags:?}"
        );
        assert!(
            flags
                .contains(&"response cannot be attributed to one treatment (TACE-2 and sorafenib)"),
            "{flags:?}"
        );
        assert_eq!(
            october.basis.as_ref().unwrap().best(Lang::Zh),
            "MRI 2021-10-15，TACE-2 和 sorafenib 后"
        );
    }

    /// A regimen's own verdict: a study after its start with nothing else since the study
    /// before, against that study as baseline; a later study with no treatment since
    /// continues it (nadir included).
    #[test]
    fn a_regimen_alone_is_assessed_against_its_own_baseline() {
        let mut case = demo_course();
        case.imaging
            .push(study("2021-12-20", "30", "27", LesionClass::LrTrViable));
        case.imaging
            .push(study("2022-02-20", "36", "33", LesionClass::LrTrViable));
        case.treatments.push(treatment(
            TreatmentKind::Systemic,
            None,
            "2021-11-01",
            &["lenvatinib 8 mg once daily"],
        ));
        let criteria = evaluate(&case, on("2022-03-01"));
        let rows: Vec<(&str, &str)> = of_kind(&criteria, Kind::Mrecist)
            .iter()
            .map(|c| (basis(c), c.outcome.label(Lang::En)))
            .collect();
        // Lenvatinib: baseline 31 mm (2021-10-15); 27 → SD; 33 ≥ 1.2 × nadir 27 → PD.
        assert_eq!(
            rows[2..],
            [
                ("MRI Dec 20, 2021, after lenvatinib", "SD"),
                ("MRI Feb 20, 2022, after lenvatinib", "PD"),
            ]
        );
    }

    /// §6.4: cycles of one regimen are one line: no row per cycle, and a CT after the cycles
    /// is the imaging after the regimen.
    #[test]
    fn cycles_of_one_regimen_are_one_line() {
        let mut case = demo_course();
        let atezo_bev = ["atezolizumab 1200 mg", "bevacizumab 15 mg/kg"];
        for cycle in ["2024-03-18", "2024-04-08", "2024-04-29"] {
            case.treatments
                .push(treatment(TreatmentKind::Systemic, None, cycle, &atezo_bev));
        }
        let mut ct = study("2024-06-10", "30", "20", LesionClass::LrTrViable);
        ct.modality = Modality::Ct;
        case.imaging.push(ct);
        let criteria = evaluate(&case, on("2024-07-01"));
        let mrecist = of_kind(&criteria, Kind::Mrecist);
        assert!(
            mrecist
                .iter()
                .all(|c| !matches!(c.outcome, Outcome::Indeterminate { .. })),
            "{mrecist:#?}"
        );
        let last = mrecist.last().unwrap();
        assert_eq!(
            (basis(last), last.outcome.label(Lang::En)),
            ("CT Jun 10, 2024, after atezolizumab, bevacizumab", "PR")
        );
        assert_eq!(mrecist.len(), 3, "one verdict per study");
    }

    /// §6.4: the latest line with no study after it is one row awaiting imaging, naming a
    /// newer study that lists no lesions.
    #[test]
    fn the_latest_line_awaits_imaging_and_names_a_study_without_lesions() {
        let mut case = demo_course();
        case.treatments.push(treatment(
            TreatmentKind::Systemic,
            None,
            "2021-11-01",
            &["lenvatinib 8 mg once daily"],
        ));
        let mut ultrasound = study("2021-11-12", "30", "30", LesionClass::Lr5);
        (ultrasound.modality, ultrasound.lesions) = (Modality::Us, Vec::new());
        case.imaging.push(ultrasound);
        let criteria = evaluate(&case, on("2021-11-15"));
        let mrecist = of_kind(&criteria, Kind::Mrecist);
        assert_eq!(mrecist.len(), 3, "{mrecist:#?}");
        assert_eq!(
            mrecist[2].outcome.missing_items(Lang::En),
            [
                "imaging with measured lesions after the start of lenvatinib (Nov 1, 2021) (the latest study after it, US Nov 12, 2021, lists none)"
            ]
        );
    }

    /// §6.4 vectors: ART if another TACE is considered, with and without a study after the
    /// last TACE; the demo's inputs give 6.5 by hand (AST 38 → 55: +4; Child-Pugh 5 → 6:
    /// +1.5; PD: +1).
    #[test]
    fn art_if_another_tace_is_considered() {
        let next = |case: &Case, at: &str| -> Criterion {
            evaluate(case, on(at))
                .into_iter()
                .find(|c| {
                    c.kind == Kind::Art && basis(c).starts_with("if another TACE is considered")
                })
                .expect("ART for the next TACE")
        };
        let demo = next(&demo_course(), "2021-11-15");
        assert_eq!(basis(&demo), "if another TACE is considered");
        assert_eq!(
            (demo.value, demo.outcome.label(Lang::En)),
            (Some(d("6.5")), "≥ 2.5")
        );
        let inputs: Vec<String> = demo.inputs.iter().map(|i| i.describe(Lang::En)).collect();
        for wanted in [
            "AST before TACE-1 38 U/L (Jun 20, 2021)",
            "latest AST 55 U/L (Nov 10, 2021)",
            "Child-Pugh before TACE-1 A5 (Jun 20, 2021)",
            "latest Child-Pugh A6 (Nov 10, 2021)",
            "mRECIST of the latest imaging PD (Oct 15, 2021)",
        ] {
            assert!(
                inputs.contains(&wanted.to_string()),
                "{wanted} in {inputs:?}"
            );
        }
        // A third TACE with no imaging after it: indeterminate, naming what is missing.
        let mut case = demo_course();
        case.treatments.push(treatment(
            TreatmentKind::Tace,
            Some("TACE-3"),
            "2021-11-12",
            &[],
        ));
        let mut ct = study("2021-11-14", "30", "30", LesionClass::Lr5);
        (ct.modality, ct.lesions) = (Modality::Ct, Vec::new());
        case.imaging.push(ct);
        let waiting = next(&case, "2021-11-15");
        assert_eq!(
            waiting.outcome.missing_items(Lang::En),
            [
                "ast after Nov 12, 2021 and on or before Nov 15, 2021",
                "for Child-Pugh: bilirubin after Nov 12, 2021 and on or before Nov 15, 2021",
                "for Child-Pugh: albumin after Nov 12, 2021 and on or before Nov 15, 2021",
                "for Child-Pugh: inr after Nov 12, 2021 and on or before Nov 15, 2021",
                "for Child-Pugh: ascites grade (an [[assessment]] with ascites) after Nov 12, 2021 and on or before Nov 15, 2021",
                "for Child-Pugh: encephalopathy grade (an [[assessment]] with encephalopathy) after Nov 12, 2021 and on or before Nov 15, 2021",
                "imaging with measured lesions after TACE-3 (Nov 12, 2021) (the latest study after it, CT Nov 14, 2021, lists none)",
            ]
        );
        // ART before TACE-3 is the demo's "next TACE" score.
        let criteria = evaluate(&case, on("2021-11-15"));
        let before_3 = criteria
            .iter()
            .find(|c| c.kind == Kind::Art && basis(c) == "before TACE-3")
            .expect("ART before TACE-3");
        assert_eq!(before_3.value, Some(d("6.5")));
    }

    /// §6.4: a Child-Pugh point resting on a value exactly at a cut-off is pinned when the
    /// other points change the ART band (albumin 35 g/L before TACE-2: 2.5 would be 1), and
    /// only then.
    #[test]
    fn a_child_pugh_point_on_a_cut_off_that_moves_the_art_band_is_pinned() {
        let before_2 = |case: &Case| -> Criterion {
            evaluate(case, on("2021-11-15"))
                .into_iter()
                .find(|c| c.kind == Kind::Art && basis(c) == "before TACE-2")
                .expect("ART before TACE-2")
        };
        let art = before_2(&demo_course());
        assert_eq!(art.value, Some(d("2.5")));
        assert_eq!(
            english(&art.pinned),
            [
                "borderline for ART: albumin 3.5 g/dL (35 g/L as printed, Aug 20, 2021) is exactly at a Child-Pugh cut-off: at 1 point instead of 2, Child-Pugh before TACE-2 would be 5, not 6, and the ART score 1 (0–1.5), not 2.5 (≥ 2.5)"
            ]
        );
        assert!(art.flags.contains(&art.pinned[0]));
        assert_eq!(
            art.pinned[0].best(Lang::Zh),
            "ART 边缘值：白蛋白 35 g/L（2021-08-20）正好位于 Child-Pugh 分界值上：如计 1 分而非 2 分，TACE-2 前 Child-Pugh 为 5 分而非 6 分，ART 评分为 1（0–1.5），而非 2.5（≥ 2.5）"
        );
        // AST 51 before TACE-2 scores 4: one Child-Pugh point less leaves 5, the same band.
        let mut case = demo_course();
        case.labs
            .retain(|l| !(l.analyte == Analyte::Ast && l.date == test_util::day("2021-08-20")));
        case.labs
            .push(lab(Analyte::Ast, "51", Unit::UPerL, "2021-08-20"));
        let art = before_2(&case);
        assert_eq!(art.value, Some(d("6.5")));
        assert!(art.pinned.is_empty(), "{:?}", art.pinned);
    }

    #[test]
    fn mrecist_vectors_r1_to_r9() {
        // id, baseline sum, earlier post-treatment sums, current target diameters, response
        type Row = (
            &'static str,
            &'static str,
            &'static [&'static str],
            &'static [&'static str],
            Response,
        );
        #[rustfmt::skip]
        let vectors: [Row; 9] = [
            ("R1", "50", &[], &["35"], Response::Pr),
            ("R2", "50", &[], &["36"], Response::Sd),
            ("R3", "50", &[], &["30", "0"], Response::Pr),
            ("R4", "50", &["30"], &["36"], Response::Pd),
            ("R5", "50", &["30"], &["35"], Response::Pr),
            ("R6", "50", &[], &["0", "0"], Response::Cr),
            ("R7", "50", &[], &["60"], Response::Pd),
            ("R8", "50", &[], &["59"], Response::Sd),
            ("R9", "40", &["0"], &["8"], Response::Pd),
        ];
        for (id, baseline, prior, current, expected) in vectors {
            let baseline = d(baseline);
            let nadir = prior.iter().map(|s| d(s)).fold(baseline, Decimal::min);
            let current: Vec<Decimal> = current.iter().map(|s| d(s)).collect();
            let (response, explained) = target_response(baseline, nadir, &current);
            assert_eq!(response, expected, "{id}: {explained:?}");
        }
        let (_, r9) = target_response(d("40"), Decimal::ZERO, &[d("8")]);
        assert!(r9.best(Lang::En).contains("reappeared after CR"));
    }

    #[test]
    fn art_vectors_s1_to_s6() {
        #[rustfmt::skip]
        let vectors = [
            ("S1", "40", "50", 5, 5, true, "0", "0–1.5"),
            ("S2", "40", "51", 5, 5, true, "4", "≥ 2.5"),
            ("S3", "40", "45", 5, 6, false, "2.5", "≥ 2.5"),
            ("S4", "40", "45", 5, 7, true, "3", "≥ 2.5"),
            ("S5", "40", "40", 5, 5, false, "1", "0–1.5"),
            ("S6", "40", "60", 6, 8, false, "8", "≥ 2.5"),
        ];
        for (id, ast_1, ast_2, cp_1, cp_2, responded, score, band) in vectors {
            let criterion = art(&ArtInput {
                ast_before_first_u_l: d(ast_1),
                ast_before_this_u_l: d(ast_2),
                child_pugh_before_first: cp_1,
                child_pugh_before_this: cp_2,
                radiological_response: responded,
            });
            assert_eq!(criterion.value, Some(d(score)), "{id}");
            assert_eq!(criterion.outcome.label(crate::text::Lang::En), band, "{id}");
        }
    }
}
