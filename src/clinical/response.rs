//! Response after TACE (calculators reference §6): mRECIST at each follow-up study, the ART
//! score before each repeat TACE, and the JSH refractoriness items with the data behind each.
//! Whether TACE has failed is the physician's judgement; the items only show the data.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::inputs::{LabValue, Sources};
use super::liver::child_pugh_from;
use super::{Criterion, Input, Kind, Outcome, dec, extrahepatic_spread, finding_value};
use super::{macrovascular_invasion, round_half_up, show, status, t};
use crate::case::model::{Finding, ImagingStudy, Lesion, Treatment, TreatmentKind};
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
#[derive(Debug, Clone, Copy)]
pub struct ArtInput {
    pub ast_before_first_u_l: Decimal,
    pub ast_before_this_u_l: Decimal,
    pub child_pugh_before_first: u8,
    pub child_pugh_before_this: u8,
    /// CR or PR after the previous TACE.
    pub radiological_response: bool,
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
    let band = if score <= dec(15, 1) {
        "0–1.5"
    } else {
        "≥ 2.5"
    };
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
    /// How a follow-up study names it: the TACE's label, or a drug course's drugs.
    name: Text,
    until: NaiveDate,
}

impl Session<'_> {
    /// The newest study on or before the session.
    fn before<'s>(&self, studies: &[&'s ImagingStudy]) -> Option<&'s ImagingStudy> {
        studies
            .iter()
            .rev()
            .find(|s| s.date <= self.tace.date)
            .copied()
    }

    /// The newest study after the session and before the next one.
    fn after<'s>(&self, studies: &[&'s ImagingStudy]) -> Option<&'s ImagingStudy> {
        studies
            .iter()
            .rev()
            .find(|s| s.date > self.tace.date && s.date.day() <= self.until)
            .copied()
    }

    fn named(&self) -> String {
        format!("{} ({})", self.label, self.tace.date)
    }
}

/// One mRECIST time point.
struct TimePoint<'a> {
    study: &'a ImagingStudy,
    response: Option<Response>,
}

pub(crate) fn assess(sources: &Sources<'_>) -> ResponseResults {
    let mut results = after_tace(sources);
    results.criteria.extend(after_drug_courses(sources));
    results
}

/// mRECIST after each systemic drug course, by the same rules as after TACE: the baseline is
/// the newest measured study on or before its start, the follow-ups are those after it and
/// before the next treatment of the tumour.
fn after_drug_courses(sources: &Sources<'_>) -> Vec<Criterion> {
    let measured: Vec<&ImagingStudy> = sources
        .studies()
        .into_iter()
        .filter(|s| !s.lesions.is_empty())
        .collect();
    let treatments = sources.tumour_treatments();
    let mut criteria = Vec::new();
    for course in treatments
        .iter()
        .filter(|t| t.kind == TreatmentKind::Systemic)
    {
        let [zh, en] = [Lang::Zh, Lang::En].map(|lang| {
            course
                .drugs(lang)
                .unwrap_or_else(|| crate::summary::words::treatment(course.kind, lang).into())
        });
        let until = treatments
            .iter()
            .find(|t| t.date > course.date)
            .map_or(sources.at, |next| next.date.day());
        let studies: Vec<&ImagingStudy> = measured
            .iter()
            .copied()
            .filter(|s| s.date.day() <= until)
            .collect();
        let session = Session {
            tace: course,
            label: en.clone(),
            name: t(zh.clone(), en.clone()),
            until,
        };
        let start = t(format!("{zh} 开始"), format!("the start of {en}"));
        let (mut found, _) = mrecist(&studies, std::slice::from_ref(&session), &start);
        // A treatment between the baseline and the start shares in the response.
        let baseline = studies.iter().rev().find(|s| s.date <= course.date);
        let between: Vec<&&Treatment> = treatments
            .iter()
            .filter(|t| baseline.is_some_and(|b| t.date > b.date) && t.date < course.date)
            .collect();
        for criterion in &mut found {
            for other in &between {
                let other_name = other.name(Lang::En).unwrap_or_else(|| {
                    crate::summary::words::treatment(other.kind, Lang::En).into()
                });
                criterion.flags.push(t(
                    format!("基线影像之后、{zh}开始之前另有治疗（{other_name}，{}）：疗效不只反映该药物", other.date),
                    format!("{other_name} ({}) came between the baseline study and the start of {en}: the response is not the drug's alone", other.date),
                ));
            }
            criterion
                .flags
                .extend(course.date.approximation_flag(&session.name));
        }
        criteria.extend(found);
    }
    criteria
}

/// mRECIST, the ART scores and the JSH items over the TACE sessions.
fn after_tace(sources: &Sources<'_>) -> ResponseResults {
    let taces = sources.taces();
    if taces.is_empty() {
        return ResponseResults {
            criteria: Vec::new(),
            context: None,
        };
    }
    let sessions: Vec<Session<'_>> = taces
        .iter()
        .enumerate()
        .map(|(n, tace)| Session {
            tace,
            label: tace.id.clone().unwrap_or_else(|| format!("TACE-{}", n + 1)),
            name: Text::plain(tace.id.clone().unwrap_or_else(|| format!("TACE-{}", n + 1))),
            until: taces.get(n + 1).map_or(sources.at, |next| next.date.day()),
        })
        .collect();
    let all_studies = sources.studies();
    let measured: Vec<&ImagingStudy> = all_studies
        .iter()
        .copied()
        .filter(|s| !s.lesions.is_empty())
        .collect();
    let (mut criteria, points) = mrecist(&measured, &sessions, &t("首次 TACE", "the first TACE"));
    criteria.extend(art_scores(sources, &sessions, &points));
    criteria.extend(jsh(sources, &sessions, &measured, &all_studies));
    // Which study is before and which after a session depends on its day.
    let approximate: Vec<Text> = sessions
        .iter()
        .filter_map(|s| {
            s.tace
                .date
                .approximation_flag(&Text::plain(s.label.clone()))
        })
        .collect();
    for criterion in &mut criteria {
        criterion.flags.extend(approximate.iter().cloned());
    }
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
                    Lang::En => format!("{word} on {date}"),
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
            .map(Session::named)
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
            "{n} TACE session(s) up to {at}: {}; mRECIST: {}",
            named(Lang::En),
            trend(Lang::En)
        ),
    );
    ResponseResults {
        criteria,
        context: Some(context),
    }
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
                format!("class of lesion {} at baseline ({date})", l.id),
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

/// "MRI 2021-10-15, after TACE-2".
fn follow_up_basis(study: &ImagingStudy, session: &Session<'_>) -> Text {
    Text::both(
        format!(
            "{} {}，{} 后",
            study.modality,
            study.date,
            session.name.best(Lang::Zh)
        ),
        format!(
            "{} {}, after {}",
            study.modality,
            study.date,
            session.name.best(Lang::En)
        ),
    )
}

/// mRECIST at every study after the first session (a TACE, or the start of a drug course),
/// against the newest study on or before it. `start` names the first session in messages.
fn mrecist<'a>(
    studies: &[&'a ImagingStudy],
    sessions: &[Session<'_>],
    start: &Text,
) -> (Vec<Criterion>, Vec<TimePoint<'a>>) {
    let first = sessions[0].tace.date;
    let (start_zh, start_en) = (start.best(Lang::Zh), start.best(Lang::En));
    let Some(baseline) = studies.iter().rev().find(|s| s.date <= first).copied() else {
        let missing = t(
            format!("{start_zh}（{first}）及之前有病灶测量的影像检查"),
            format!("imaging with measured lesions on or before {start_en} ({first})"),
        );
        return (
            vec![Criterion::new(Kind::Mrecist, Outcome::missing([missing]))],
            Vec::new(),
        );
    };
    let targets = match choose_targets(baseline) {
        Ok(targets) => targets,
        Err(missing) => {
            return (
                vec![Criterion::new(Kind::Mrecist, Outcome::missing(missing))],
                Vec::new(),
            );
        }
    };
    let baseline_sum: Decimal = targets.iter().map(|(_, mm)| mm).sum();
    let non_targets: Vec<&Lesion> = baseline
        .lesions
        .iter()
        .filter(|l| l.class.is_some_and(|c| c.counts_as_hcc()))
        .filter(|l| !targets.iter().any(|(t, _)| t.id == l.id))
        .collect();
    let baseline_inputs: Vec<Input> = targets
        .iter()
        .map(|(lesion, mm)| {
            let name = t(
                format!("基线靶病灶 {}", lesion.id),
                format!("target {} at baseline", lesion.id),
            );
            Input::number(name, *mm, "mm").dated(baseline.date, baseline.report.clone())
        })
        .collect();
    let mut sums = vec![(baseline.date, baseline_sum)];
    let mut criteria = Vec::new();
    let mut points = Vec::new();
    for study in studies.iter().copied().filter(|s| s.date > first) {
        // Follow-ups are after the first session, so one always precedes the study.
        let session = sessions
            .iter()
            .rfind(|s| s.tace.date < study.date)
            .unwrap_or(&sessions[0]);
        let find = |id: &str| study.lesions.iter().find(|l| l.id == id);
        let mut inputs = baseline_inputs.clone();
        let mut missing = Vec::new();
        let mut current = Vec::new();
        for (target, _) in &targets {
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
                        format!("viable diameter of target {id} on {date}"),
                    ));
                }
            }
        }
        let (mut criterion, response) = if missing.is_empty() {
            let (nadir_date, nadir) = sums
                .iter()
                .copied()
                .min_by_key(|(_, sum)| *sum)
                .unwrap_or((baseline.date, baseline_sum));
            inputs.push(
                Input::number(t("最低总和", "nadir sum"), nadir, "mm").dated(nadir_date, None),
            );
            let (target, explained) = target_response(baseline_sum, nadir, &current);
            let sum: Decimal = current.iter().sum();
            sums.push((study.date, sum));
            let mut flags = vec![explained];
            let overall = overall_response(target, study, baseline, &non_targets, &mut flags);
            let mut criterion = match &overall {
                Ok(response) => Criterion::new(
                    Kind::Mrecist,
                    Outcome::Category(Text::plain(response.code())),
                ),
                Err(missing) => Criterion::new(Kind::Mrecist, Outcome::missing(missing.clone())),
            }
            .valued(sum, None);
            criterion.flags = flags;
            (criterion, overall.ok())
        } else {
            (
                Criterion::new(Kind::Mrecist, Outcome::missing(missing)),
                None,
            )
        };
        criterion.basis = Some(follow_up_basis(study, session));
        criterion.inputs = inputs;
        points.push(TimePoint { study, response });
        criteria.push(criterion);
    }
    if criteria.is_empty() {
        let missing = t(
            format!("{start_zh}（{first}）后有病灶测量的影像检查"),
            format!("imaging with measured lesions after {start_en} ({first})"),
        );
        criteria.push(Criterion::new(Kind::Mrecist, Outcome::missing([missing])));
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
                        "class of lesion {id} on {date} (absent at baseline: a new lesion if HCC)"
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
            "unequivocal progression of non-target lesions is a radiologist's judgement and is not assessed here",
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
                    format!("viable diameter of non-target {id} on {date}"),
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
    let before_first = sources.between(None, first.tace.date);
    sessions
        .windows(2)
        .map(|pair| {
            let (previous, this) = (&pair[0], &pair[1]);
            let before_this = sources.between(Some(previous.tace.date), this.tace.date);
            let mut missing = Vec::new();
            let mut inputs = Vec::new();
            // Values skipped (conflicting, unconvertible) are named, never silently passed over
            // for an older one.
            let mut flags: Vec<Text> = [&before_first, &before_this]
                .iter()
                .flat_map(|range| range.unusable_flags(Analyte::Ast))
                .collect();
            let [ast_1, ast_2] =
                [(&before_first, first), (&before_this, this)].map(|(range, session)| match range
                    .newest_lab(Analyte::Ast)
                {
                    Ok(value) => {
                        let mut input = value.input();
                        input.name = t(
                            format!("{} 前 AST", session.label),
                            format!("AST before {}", session.label),
                        );
                        inputs.push(input);
                        Some(value.value)
                    }
                    Err(why) => {
                        missing.push(why);
                        None
                    }
                });
            let child_pugh =
                [(&before_first, first), (&before_this, this)].map(|(range, session)| {
                    match child_pugh_from(range) {
                        (Some((score, date)), criterion) => {
                            flags.extend(criterion.flags);
                            let name = t(
                                format!("{} 前 Child-Pugh", session.label),
                                format!("Child-Pugh before {}", session.label),
                            );
                            inputs.push(Input::new(name, score.label(), None).dated(date, None));
                            Some(score.total())
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
                    }
                });
            let after_previous = points
                .iter()
                .rfind(|p| p.study.date > previous.tace.date && p.study.date <= this.tace.date);
            let response = match after_previous {
                Some(TimePoint {
                    study,
                    response: Some(response),
                }) => {
                    let name = t(
                        format!("{} 后 mRECIST", previous.label),
                        format!("mRECIST after {}", previous.label),
                    );
                    inputs.push(
                        Input::new(name, response.code(), None)
                            .dated(study.date, study.report.clone()),
                    );
                    Some(response.objective())
                }
                Some(TimePoint {
                    study,
                    response: None,
                }) => {
                    let date = study.date;
                    missing.push(t(
                        format!("{date} 的 mRECIST 疗效评价（见 mRECIST）"),
                        format!("mRECIST response on {date} (see mRECIST)"),
                    ));
                    None
                }
                None => {
                    let (previous, this) = (previous.named(), this.named());
                    missing.push(t(
                        format!("{previous} 之后至 {this} 及之前有病灶测量的影像检查"),
                        format!(
                            "imaging with measured lesions after {previous} and on or before {this}"
                        ),
                    ));
                    None
                }
            };
            let mut criterion = match (ast_1, ast_2, child_pugh, response) {
                (Some(ast_1), Some(ast_2), [Some(cp_1), Some(cp_2)], Some(responded)) => {
                    let mut criterion = art(&ArtInput {
                        ast_before_first_u_l: ast_1,
                        ast_before_this_u_l: ast_2,
                        child_pugh_before_first: cp_1,
                        child_pugh_before_this: cp_2,
                        radiological_response: responded,
                    });
                    inputs.append(&mut criterion.inputs);
                    criterion
                }
                _ => Criterion::new(Kind::Art, Outcome::missing(missing)),
            };
            criterion.basis = Some(Text::both(
                format!("{} 前", this.label),
                format!("before {}", this.label),
            ));
            criterion.inputs = inputs;
            for flag in flags {
                if !criterion.flags.contains(&flag) {
                    criterion.flags.push(flag);
                }
            }
            criterion
        })
        .collect()
}

/// Whether each session shows what a JSH item looks for, and what is missing to tell.
#[derive(Default)]
struct PerSession {
    held: Vec<Option<bool>>,
    inputs: Vec<Input>,
    missing: Vec<Text>,
}

impl PerSession {
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
        "the JSH items are listed with their data (wording partially verified); whether TACE has failed is the physician's judgement",
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
    let named = session.named();
    t(
        format!("{named} 前后的影像检查"),
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
        let (Some(before), Some(after)) = (session.before(measured), session.after(measured))
        else {
            data.missing.push(imaging_around(session));
            data.held.push(None);
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
                        format!("viable diameter of {id} on {date}"),
                    ));
                    viable = None;
                }
            }
        }
        if treated.is_empty() {
            let (date, named) = (before.date, session.named());
            data.missing.push(t(
                format!("{named} 后对 {date} 所见病灶的复测"),
                format!("the lesions of {date} re-measured after {named}"),
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
                format!("possible — % viable not reported (viable tumour after {list})"),
            )
        },
        Text::both(
            "各次治疗后均无存活肿瘤",
            "no viable tumour after any session",
        ),
        |list| {
            Text::both(
                format!("仅 {list} 后有存活肿瘤（非连续两次）"),
                format!("viable tumour after {list} only (not two consecutive sessions)"),
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
                format!("class of lesion {} on {date}", l.id),
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
        let (Some(before), Some(after)) = (session.before(measured), session.after(measured))
        else {
            data.missing.push(imaging_around(session));
            data.held.push(None);
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
            sources.between(None, session.tace.date),
            sources.between(Some(session.tace.date), session.until),
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
                let named = session.named();
                data.missing.push(t(
                    format!("{named} {zh}的 AFP"),
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
    let before = first.before(studies);
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
            format!("reported on {}", study.date),
        ))
    } else {
        match after.last() {
            None => {
                let named = first.named();
                Outcome::missing([t(
                    format!("{named} 后的影像检查"),
                    format!("imaging after {named}"),
                )])
            }
            Some(study) if finding(study) == Finding::Unknown => {
                let (status, date) = (status(&what), study.date);
                Outcome::missing([t(
                    format!("{date} 的{}", status.best(Lang::Zh)),
                    format!("{} on {date}", status.best(Lang::En)),
                )])
            }
            Some(study) => Outcome::Category(Text::both(
                format!("截至 {} 未见报告", study.date),
                format!("none reported up to {}", study.date),
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
    use crate::clinical::test_util::d;

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
