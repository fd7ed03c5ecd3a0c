//! Staging: BCLC 2022 and CNLC (calculators reference §5).
//!
//! BCLC needs a clinician's call on whether liver function is preserved and whether reduced
//! performance status is cancer-related; the stage is computed from a proposal and those calls
//! are printed as questions for the doctor, never decided.

use rust_decimal::Decimal;

use super::inputs::{Sources, attach_assessment};
use super::liver::{ChildPugh, LiverResults};
use super::tumour::{self, Burden, Limits, Rule, Size};
use super::{Criterion, Input, Kind, Outcome, dec, extrahepatic_spread};
use super::{macrovascular_invasion, status, t};
use crate::case::model::Finding;
use crate::date::CaseDate;
use crate::text::{Lang, Text};

/// The staging criteria, in output order.
pub const KINDS: [Kind; 2] = [Kind::Bclc, Kind::Cnlc];

/// BCLC's liver-function call (§5.1 step 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiverFunction {
    Preserved,
    /// Child-Pugh B: a clinician decides; the stage is computed as if preserved.
    Uncertain,
    EndStage,
}

impl LiverFunction {
    /// What the tool may propose from the Child-Pugh class: A preserved, B uncertain, C end-stage.
    pub fn proposed(child_pugh_class: char) -> Self {
        match child_pugh_class {
            'A' => LiverFunction::Preserved,
            'C' => LiverFunction::EndStage,
            _ => LiverFunction::Uncertain,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct StagingInput<'a> {
    pub ecog: Option<u8>,
    pub child_pugh_class: Option<char>,
    pub burden: &'a Burden,
}

fn stage(name: &str) -> Outcome {
    Outcome::Category(Text::plain(name))
}

/// Everything a stage waits for: ECOG and the Child-Pugh class, and whatever of the tumour
/// (invasion, spread, a lesion that cannot be judged) is unknown too, so that the list is whole.
fn missing_basics(input: &StagingInput<'_>) -> Vec<Text> {
    let mut missing = Vec::new();
    if input.ecog.is_none() {
        missing.push(t("ECOG 体能状态评分", "ECOG performance status"));
    }
    if input.child_pugh_class.is_none() {
        missing.push(t(
            "Child-Pugh 分级（见 Child-Pugh 分级）",
            "Child-Pugh class (see Child-Pugh)",
        ));
    }
    if let Rule::Unknown(tumour) = input.burden.exclusions() {
        missing.extend(tumour);
    }
    missing
}

fn no_viable_tumour() -> Outcome {
    Outcome::Category(Text::both(
        "不适用（无活性肿瘤）",
        "not applicable (no viable tumor)",
    ))
}

/// The question a stage from a reduced performance status leaves open; the headline on page 1
/// carries it wherever the stage is shown.
pub(crate) fn performance_question() -> Text {
    t(
        "请医生判断：体能状态下降是否与肿瘤相关？BCLC 2022 按肿瘤相关症状分期；否则由医生确定分期",
        "question for the doctor: is the reduced performance status cancer-related? BCLC 2022 stages by cancer-related symptoms; otherwise a clinician sets the stage",
    )
}

pub fn bclc(input: &StagingInput<'_>) -> Criterion {
    let burden = input.burden;
    let mut flags = Vec::new();
    let liver = input.child_pugh_class.map(LiverFunction::proposed);
    if let Some(class) = input.child_pugh_class {
        flags.push(match liver {
            Some(LiverFunction::Uncertain) => t(
                format!("肝功能需由医生判断：按规则 Child-Pugh {class} 既非肝功能保留也非终末期；分期按肝功能保留计算"),
                format!("liver function needs clinician classification: Child-Pugh {class} is neither preserved nor end-stage by rule; stage computed assuming preserved"),
            ),
            _ => t(
                format!("肝功能状态按 Child-Pugh {class} 暂定，由医生确认"),
                format!("liver function proposed from Child-Pugh {class}; a clinician confirms"),
            ),
        });
    }
    let ecog = input.ecog;
    let mut decided_by = None;
    let outcome = if liver == Some(LiverFunction::EndStage) {
        decided_by = Some(t("终末期肝功能", "end-stage liver function"));
        let milan = tumour::milan(burden).outcome;
        flags.push(t(
            format!(
                "BCLC 2022 例外：肝功能终末期且肿瘤负荷符合移植标准者归入肝移植评估（此处米兰标准：{}）",
                milan.label(Lang::Zh)
            ),
            format!(
                "BCLC 2022 exception: end-stage liver function with tumor burden within transplant criteria is routed to transplant assessment (Milan here: {})",
                milan.label(Lang::En)
            ),
        ));
        stage("D")
    } else if ecog.is_some_and(|ps| ps >= 3) {
        decided_by = Some(t("ECOG ≥ 3", "ECOG ≥ 3"));
        stage("D")
    } else if liver.is_none() || ecog.is_none() {
        Outcome::missing(missing_basics(input))
    } else if [burden.macrovascular_invasion, burden.extrahepatic_spread].contains(&Finding::Yes) {
        decided_by = tumour::decisive_findings(burden);
        stage("C")
    } else if ecog.is_some_and(|ps| ps >= 1) {
        flags.push(performance_question());
        stage("C")
    } else if let Rule::Unknown(missing) = burden.exclusions() {
        Outcome::Indeterminate { missing }
    } else {
        let mut limits = Limits(&mut flags);
        match burden.count() {
            0 => no_viable_tumour(),
            1 if limits.at_most(Size::Largest, burden.largest(), Decimal::TWO) => stage("0"),
            1 => stage("A"),
            2..=3 if limits.at_most(Size::LargestOfFew, burden.largest(), dec(3, 0)) => stage("A"),
            _ => stage("B"),
        }
    };
    if outcome == stage("B") {
        flags.push(t(
            "请医生判断：属于哪一个 BCLC-B 亚组——符合扩展移植标准；结节边界清楚、门静脉血流保留且可超选择插管至供血动脉；或弥漫、浸润性或广泛双叶病变？（参见 UCSF、up-to-seven、Metroticket 及法国 AFP 模型）",
            "question for the doctor: which BCLC-B sub-group applies — within extended transplant criteria; well-defined nodules with preserved portal flow and selective arterial access; or diffuse, infiltrative or extensive bilobar disease? (see UCSF, up-to-seven, Metroticket and the AFP model)",
        ));
    }
    let mut criterion = Criterion::new(Kind::Bclc, outcome);
    criterion.flags = flags;
    criterion.decided_by = decided_by;
    criterion
}

pub fn cnlc(input: &StagingInput<'_>) -> Criterion {
    let burden = input.burden;
    let mut flags = vec![t(
        "CNLC 定义采用 2019 年版《原发性肝癌诊疗规范》；假设 2022/2024 年版与之相同",
        "CNLC definitions are those of the 2019 规范; the 2022/2024 editions are assumed identical",
    )];
    // What put the stage where it is, when one finding did (as for BCLC).
    let mut decided_by = None;
    let outcome = if input.ecog.is_some_and(|ps| ps >= 3) {
        decided_by = Some(t("ECOG ≥ 3", "ECOG ≥ 3"));
        stage("IV")
    } else if input.child_pugh_class == Some('C') {
        decided_by = Some(t("Child-Pugh C 级", "Child-Pugh C"));
        stage("IV")
    } else if input.ecog.is_none() || input.child_pugh_class.is_none() {
        Outcome::missing(missing_basics(input))
    } else {
        match (burden.extrahepatic_spread, burden.macrovascular_invasion) {
            (Finding::Yes, _) => {
                decided_by = Some(extrahepatic_spread());
                stage("IIIb")
            }
            (Finding::Unknown, _) => Outcome::missing([status(&extrahepatic_spread())]),
            (Finding::No, Finding::Yes) => {
                decided_by = Some(macrovascular_invasion());
                stage("IIIa")
            }
            (Finding::No, Finding::Unknown) => {
                Outcome::missing([status(&macrovascular_invasion())])
            }
            (Finding::No, Finding::No) if !burden.unknown.is_empty() => {
                Outcome::missing(burden.unknown.iter().cloned())
            }
            (Finding::No, Finding::No) => {
                let mut limits = Limits(&mut flags);
                match burden.count() {
                    0 => no_viable_tumour(),
                    1 if limits.at_most(Size::Largest, burden.largest(), dec(5, 0)) => stage("Ia"),
                    1 => stage("Ib"),
                    2..=3 if limits.at_most(Size::LargestOfFew, burden.largest(), dec(3, 0)) => {
                        stage("Ib")
                    }
                    2..=3 => stage("IIa"),
                    _ => stage("IIb"),
                }
            }
        }
    };
    let mut criterion = Criterion::new(Kind::Cnlc, outcome);
    criterion.flags.append(&mut flags);
    criterion.decided_by = decided_by;
    criterion
}

// ───────────────────────────── from the case ─────────────────────────────

/// BCLC and CNLC on one burden, with ECOG (closest to the imaging) and the Child-Pugh class.
pub(crate) fn assess(
    burden: &Burden,
    sources: &Sources<'_>,
    liver: &LiverResults,
    treatment_context: Option<&Text>,
) -> Vec<Criterion> {
    let near = burden.date.map_or(sources.at, CaseDate::day);
    let ecog = sources.assessment_near(near, |a| a.ecog);
    // Performance status in words ("PS良好", "0-1") is quoted, never made a number.
    let described = ecog
        .is_none()
        .then(|| sources.assessment_near(near, |a| a.performance.clone()))
        .flatten();
    let child_pugh: Option<(&ChildPugh, CaseDate)> = liver
        .child_pugh
        .as_ref()
        .map(|found| (&found.score, found.date));
    let input = StagingInput {
        ecog: ecog.map(|(ps, _)| ps),
        child_pugh_class: child_pugh.map(|(score, _)| score.class()),
        burden,
    };
    [bclc(&input), cnlc(&input)]
        .into_iter()
        .map(|mut criterion| {
            criterion.basis = burden.basis.map(tumour::Basis::label);
            let mut inputs = Vec::new();
            if let Some((ps, assessment)) = ecog {
                let name = Text::plain("ECOG");
                inputs.push(Input::new(name.clone(), ps, None));
                attach_assessment(
                    &mut inputs,
                    &name,
                    assessment,
                    near,
                    sources.window_days(),
                    &mut criterion.flags,
                );
            }
            if let Some((score, date)) = child_pugh {
                inputs.push(
                    Input::new(Text::plain("Child-Pugh"), score.label(), None).dated(date, None),
                );
            }
            inputs.extend(burden.inputs.iter().cloned());
            criterion.inputs = inputs;
            if let Some((words, assessment)) = &described {
                let date = assessment.date;
                criterion.flags.push(t(
                    format!(
                        "体能状态写作“{}”（{date}），不是 ECOG 分数：需要 ECOG 的分期无法确定",
                        words.best(Lang::Zh)
                    ),
                    format!(
                        "performance status written as \"{}\" ({date}), not an ECOG number: a stage that needs ECOG is indeterminate",
                        words.best(Lang::En)
                    ),
                ));
            }
            if criterion.kind == Kind::Bclc {
                if child_pugh.is_some_and(|(score, _)| score.class() == 'B') {
                    let summary = liver.summary();
                    criterion.flags.push(t(
                        format!("请医生判断：肝功能是否保留？（{}）", summary.best(Lang::Zh)),
                        format!(
                            "question for the doctor: is liver function preserved? ({})",
                            summary.best(Lang::En)
                        ),
                    ));
                }
                if let Some(context) = treatment_context {
                    criterion.flags.push(t(
                        format!("背景（治疗阶段迁移）：{}", context.best(Lang::Zh)),
                        format!(
                            "context (treatment stage migration): {}",
                            context.best(Lang::En)
                        ),
                    ));
                }
            }
            criterion.flags.splice(0..0, burden.flags.iter().cloned());
            criterion
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::test_util::{d, english};

    fn burden(sizes: &[&str], mvi: Finding, ehs: Finding) -> Burden {
        let mut burden = Burden::new(sizes.iter().map(|s| d(s)).collect());
        burden.macrovascular_invasion = mvi;
        burden.extrahepatic_spread = ehs;
        burden
    }

    use Finding::{No, Yes};

    /// A stage waiting for ECOG names what of the tumour is unknown as well, not only the
    /// first gap.
    #[test]
    fn every_missing_input_of_a_stage_is_named() {
        let unknown = burden(&["2"], No, Finding::Unknown);
        let input = StagingInput {
            ecog: None,
            child_pugh_class: Some('A'),
            burden: &unknown,
        };
        for criterion in [bclc(&input), cnlc(&input)] {
            let missing = criterion.outcome.missing_items(Lang::En).join("; ");
            assert!(
                missing.contains("ECOG") && missing.contains("extrahepatic spread"),
                "{:?}: {missing}",
                criterion.kind
            );
        }
    }

    #[test]
    fn bclc_vectors_b1_to_b13() {
        // id, PS, Child-Pugh class (A preserved, B uncertain, C end-stage), lesions, MVI, EHS,
        // stage, a flag that must be present
        type Row = (
            &'static str,
            u8,
            char,
            &'static [&'static str],
            Finding,
            Finding,
            &'static str,
            &'static str,
        );
        #[rustfmt::skip]
        let vectors: [Row; 13] = [
            ("B1", 0, 'A', &["1.8"], No, No, "0", ""),
            ("B2", 0, 'A', &["2.0"], No, No, "0", ""),
            ("B3", 0, 'A', &["2.1"], No, No, "A", ""),
            ("B4", 0, 'A', &["7.0"], No, No, "A", ""),
            ("B5", 0, 'A', &["3.0", "2.0", "1.0"], No, No, "A", ""),
            ("B6", 0, 'A', &["3.1", "1.0"], No, No, "B", ""),
            ("B7", 0, 'A', &["1", "1", "1", "1"], No, No, "B", ""),
            ("B8", 1, 'A', &["2.0"], No, No, "C", "cancer-related"),
            ("B9", 0, 'A', &["2.0"], Yes, No, "C", ""),
            ("B10", 0, 'C', &["2.0"], No, No, "D", "Milan here: within"),
            ("B11", 3, 'A', &["2.0"], No, No, "D", ""),
            ("B12", 0, 'B', &["4.0", "2.0"], No, No, "B", "needs clinician classification"),
            ("B13", 2, 'A', &["4.0"], No, Yes, "C", ""),
        ];
        for (id, ps, class, sizes, mvi, ehs, expected, flag) in vectors {
            let burden = burden(sizes, mvi, ehs);
            let criterion = bclc(&StagingInput {
                ecog: Some(ps),
                child_pugh_class: Some(class),
                burden: &burden,
            });
            assert_eq!(criterion.outcome.label(Lang::En), expected, "{id}");
            assert!(
                english(&criterion.flags).iter().any(|f| f.contains(flag)),
                "{id}: no flag containing `{flag}` in {:?}",
                criterion.flags
            );
        }
    }

    #[test]
    fn cnlc_vectors_k1_to_k9() {
        type Row = (
            &'static str,
            u8,
            char,
            &'static [&'static str],
            Finding,
            Finding,
            &'static str,
        );
        #[rustfmt::skip]
        let vectors: [Row; 9] = [
            ("K1", 0, 'A', &["5.0"], No, No, "Ia"),
            ("K2", 0, 'B', &["5.1"], No, No, "Ib"),
            ("K3", 1, 'A', &["3.0", "2.5", "1.0"], No, No, "Ib"),
            ("K4", 2, 'A', &["3.1", "1.0"], No, No, "IIa"),
            ("K5", 0, 'A', &["1", "1", "1", "1"], No, No, "IIb"),
            ("K6", 0, 'A', &["4.0"], Yes, No, "IIIa"),
            ("K7", 0, 'B', &["4.0"], Yes, Yes, "IIIb"),
            ("K8", 0, 'C', &["2.0"], No, No, "IV"),
            ("K9", 3, 'A', &["2.0"], No, No, "IV"),
        ];
        for (id, ps, class, sizes, mvi, ehs, expected) in vectors {
            let burden = burden(sizes, mvi, ehs);
            let criterion = cnlc(&StagingInput {
                ecog: Some(ps),
                child_pugh_class: Some(class),
                burden: &burden,
            });
            assert_eq!(criterion.outcome.label(Lang::En), expected, "{id}");
        }
    }

    #[test]
    fn staging_without_ecog_names_it() {
        let burden = burden(&["2.0"], No, No);
        let criterion = bclc(&StagingInput {
            ecog: None,
            child_pugh_class: Some('A'),
            burden: &burden,
        });
        assert!(matches!(
            criterion.outcome,
            Outcome::Indeterminate { ref missing } if missing[0].best(Lang::En).starts_with("ECOG")
        ));
    }
}
