//! Treatment lines over time, and which line each follow-up study answers for (calculators
//! reference §6.4).
//!
//! Consecutive TACE sessions with no other treatment of the tumour between them are one line,
//! the TACE course (Sieghart's ART, too, compares with the values before the first TACE). The
//! entries of one drug set with nothing else between them (cycles, a course restarted) are one
//! line, the regimen. Every other treatment is a line of its own. A follow-up study is assessed
//! once, against the earliest line treated since the previous study, and names every line
//! treated in that interval: a response seen after two treatments cannot be credited to either.

use crate::case::model::{ImagingStudy, Treatment, TreatmentKind};
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::text::{Lang, Text};

/// What kind of line, for how a study after it is assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    TaceCourse,
    Regimen,
    /// Resection or transplant: the targets are removed, so no response is measured across it;
    /// the next study is a new baseline.
    Surgery,
    /// HAIC, ablation, radiotherapy: one treatment, one line.
    Procedure,
}

/// One treatment as a line names it: "TACE-2", "sorafenib 400 mg twice daily", "ablation".
#[derive(Debug, Clone)]
pub(crate) struct Entry<'a> {
    pub treatment: &'a Treatment,
    pub name: Text,
}

/// A line of treatment: its entries, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct Line<'a> {
    pub kind: LineKind,
    pub entries: Vec<Entry<'a>>,
}

impl<'a> Line<'a> {
    /// The first treatment's date: the line's baseline is the last study on or before it.
    pub fn start(&self) -> CaseDate {
        self.entries[0].treatment.date
    }

    /// How a follow-up names the line's treatments given in an interval: each TACE session,
    /// a regimen once (its cycles are one treatment), a procedure by its name.
    fn named(&self, given: &[&Entry<'a>]) -> Vec<Text> {
        match self.kind {
            LineKind::Regimen => given.first().map(|e| e.name.clone()).into_iter().collect(),
            _ => given.iter().map(|e| e.name.clone()).collect(),
        }
    }

    /// "the first TACE (2021-07-06)", "the start of sorafenib (2021-09-20)", "ablation
    /// (2022-03-01)": what imaging after the line is looked for after.
    pub fn start_named(&self, first_tace_course: bool) -> Text {
        let first = &self.entries[0];
        let date = first.treatment.date;
        let (zh, en) = (first.name.best(Lang::Zh), first.name.best(Lang::En));
        match self.kind {
            LineKind::TaceCourse if first_tace_course => Text::both(
                format!("首次 TACE（{date}）"),
                format!("the first TACE ({})", date.for_reader(Lang::En)),
            ),
            LineKind::Regimen => Text::both(
                format!("{}（{date}）", zh_joined(&[zh, "开始"])),
                format!("the start of {en} ({})", date.for_reader(Lang::En)),
            ),
            _ => Text::both(
                format!("{zh}（{date}）"),
                format!("{en} ({})", date.for_reader(Lang::En)),
            ),
        }
    }
}

/// A regimen's drugs, each by the first word written ("atezolizumab 1200 mg" →
/// "atezolizumab", "索拉非尼 400 mg 每日两次" → "索拉非尼"): the drug without its dose.
fn drug_names(treatment: &Treatment, lang: Lang) -> Vec<&str> {
    treatment
        .agents
        .iter()
        .filter_map(|agent| agent.best(lang).split_whitespace().next())
        .map(|word| word.trim_end_matches([',', ';', '.', '，', '；']))
        .collect()
}

/// The drug set a regimen is known by: a changed dose stays the same regimen; empty when no
/// drug is recorded.
fn drug_set(treatment: &Treatment) -> Vec<String> {
    let mut drugs: Vec<String> = drug_names(treatment, Lang::En)
        .into_iter()
        .map(str::to_lowercase)
        .collect();
    drugs.sort();
    drugs.dedup();
    drugs
}

/// A treatment's name: a TACE by its id or its number among the TACE sessions, a regimen by
/// its drugs (the doses are in the treatment table), anything else by its id or its kind.
fn name(treatment: &Treatment, tace_number: usize) -> Text {
    let word = |lang| crate::summary::words::treatment(treatment.kind, lang).to_string();
    match treatment.kind {
        TreatmentKind::Tace => Text::plain(
            treatment
                .id
                .clone()
                .unwrap_or_else(|| format!("TACE-{tace_number}")),
        ),
        _ => {
            let [zh, en] = [Lang::Zh, Lang::En].map(|lang| {
                let drugs = drug_names(treatment, lang);
                if drugs.is_empty() {
                    treatment.id.clone().unwrap_or_else(|| word(lang))
                } else {
                    drugs.join(lang.pick("、", ", "))
                }
            });
            Text::both(zh, en)
        }
    }
}

/// The lines of `treatments` (the tumour's treatments, oldest first).
pub(crate) fn lines<'a>(treatments: &[&'a Treatment]) -> Vec<Line<'a>> {
    let mut lines: Vec<Line<'a>> = Vec::new();
    let mut taces = 0;
    for &treatment in treatments {
        if treatment.kind == TreatmentKind::Tace {
            taces += 1;
        }
        let entry = Entry {
            treatment,
            name: name(treatment, taces),
        };
        let kind = match treatment.kind {
            TreatmentKind::Tace => LineKind::TaceCourse,
            TreatmentKind::Systemic => LineKind::Regimen,
            TreatmentKind::Resection | TreatmentKind::Transplant => LineKind::Surgery,
            _ => LineKind::Procedure,
        };
        // Only the line just before can continue: anything between starts a new one.
        let continues = lines.last().is_some_and(|last| {
            last.kind == kind
                && match kind {
                    LineKind::TaceCourse => true,
                    LineKind::Regimen => drug_set(last.entries[0].treatment) == drug_set(treatment),
                    LineKind::Surgery | LineKind::Procedure => false,
                }
        });
        match lines.last_mut() {
            Some(last) if continues => last.entries.push(entry),
            _ => lines.push(Line {
                kind,
                entries: vec![entry],
            }),
        }
    }
    lines
}

/// One follow-up study and what it is assessed against.
#[derive(Debug, Clone)]
pub(crate) struct Assessment<'a> {
    pub study: &'a ImagingStudy,
    /// The line (an index into the lines) whose baseline and nadir the study is compared with.
    pub line: usize,
    /// The treatments given since the previous study, by line (the reference line first when
    /// it was treated): a study with none continues the previous study's assessment and
    /// names what it named.
    pub named: Vec<Text>,
    /// The lines treated in that interval (indices, oldest first): from two on, the response
    /// cannot be attributed to one treatment.
    pub treated: Vec<usize>,
}

/// The assessment of every study (with measured lesions, oldest first) that follows a line:
/// against the earliest line treated since the previous study, or, with no treatment since,
/// as the previous study was. A study on the day of a treatment counts as before it. Surgery
/// in the interval leaves the study unassessed: it is the baseline of what follows.
pub(crate) fn assessments<'a>(
    lines: &[Line<'a>],
    studies: &[&'a ImagingStudy],
) -> Vec<Assessment<'a>> {
    let mut out: Vec<Assessment<'a>> = Vec::new();
    let mut current: Option<Assessment<'a>> = None;
    let mut previous: Option<CaseDate> = None;
    for &study in studies {
        let in_interval = |e: &&Entry<'a>| {
            e.treatment.date < study.date && previous.is_none_or(|p| e.treatment.date >= p)
        };
        let treated: Vec<(usize, Vec<&Entry<'a>>)> = lines
            .iter()
            .enumerate()
            .map(|(index, line)| (index, line.entries.iter().filter(in_interval).collect()))
            .filter(|(_, given): &(usize, Vec<&Entry<'a>>)| !given.is_empty())
            .collect();
        previous = Some(study.date);
        if treated.is_empty() {
            if let Some(assessment) = &current {
                out.push(Assessment {
                    study,
                    ..assessment.clone()
                });
            }
            continue;
        }
        if treated
            .iter()
            .any(|(index, _)| lines[*index].kind == LineKind::Surgery)
        {
            current = None;
            continue;
        }
        let assessment = Assessment {
            study,
            line: treated[0].0,
            named: treated
                .iter()
                .flat_map(|(index, given)| lines[*index].named(given))
                .collect(),
            treated: treated.iter().map(|(index, _)| *index).collect(),
        };
        out.push(assessment.clone());
        current = Some(assessment);
    }
    out
}

/// "TACE-2 and sorafenib", "TACE-1, TACE-2 and sorafenib"; in Chinese with "、" and "和".
pub(crate) fn and_list(items: &[Text], lang: Lang) -> String {
    let words: Vec<&str> = items.iter().map(|i| i.best(lang)).collect();
    match (words.split_last(), lang) {
        (None, _) => String::new(),
        (Some((last, [])), _) => (*last).to_string(),
        (Some((last, rest)), Lang::En) => format!("{} and {last}", rest.join(", ")),
        (Some((last, rest)), Lang::Zh) => zh_joined(&[&rest.join("、"), "和", last]),
    }
}

/// Chinese words run together, with a space only where Latin letters or digits meet another
/// word ("TACE-2 和索拉非尼", "索拉非尼后", "TACE-2 后").
pub(crate) fn zh_joined(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts.iter().filter(|p| !p.is_empty()) {
        let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == ')');
        if latin(out.chars().last()) || (!out.is_empty() && latin(part.chars().next())) {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::LesionClass;
    use crate::clinical::test_util::{self, treatment};

    fn study(on: &str) -> ImagingStudy {
        test_util::study(on, "20", "20", LesionClass::Lr5)
    }

    /// (study date, reference line, named treatments, lines named) for every assessment.
    fn plan(treatments: &[Treatment], studies: &[&str]) -> Vec<(String, usize, String, usize)> {
        let treatments: Vec<&Treatment> = treatments.iter().collect();
        let studies: Vec<ImagingStudy> = studies.iter().map(|s| study(s)).collect();
        let studies: Vec<&ImagingStudy> = studies.iter().collect();
        let lines = lines(&treatments);
        assessments(&lines, &studies)
            .into_iter()
            .map(|a| {
                (
                    a.study.date.to_string(),
                    a.line,
                    and_list(&a.named, Lang::En),
                    a.treated.len(),
                )
            })
            .collect()
    }

    fn tace(id: &str, on: &str) -> Treatment {
        treatment(TreatmentKind::Tace, Some(id), on, &[])
    }

    fn drug(on: &str, agents: &[&str]) -> Treatment {
        treatment(TreatmentKind::Systemic, None, on, agents)
    }

    #[test]
    fn the_demo_one_study_after_tace_and_a_drug_is_one_verdict_in_the_tace_course() {
        let treatments = [
            tace("TACE-1", "2021-07-05"),
            tace("TACE-2", "2021-08-27"),
            drug("2021-09-20", &["sorafenib 400 mg twice daily"]),
        ];
        let lines = lines(&treatments.iter().collect::<Vec<_>>());
        assert_eq!(lines.len(), 2, "the TACE course and sorafenib");
        assert_eq!(lines[0].entries.len(), 2);
        assert_eq!(
            plan(&treatments, &["2021-06-18", "2021-08-10", "2021-10-15"]),
            [
                ("2021-08-10".into(), 0, "TACE-1".into(), 1),
                ("2021-10-15".into(), 0, "TACE-2 and sorafenib".into(), 2),
            ]
        );
    }

    #[test]
    fn cycles_of_one_regimen_are_one_line_and_a_dose_change_stays_in_it() {
        let atezo_bev = ["atezolizumab 1200 mg", "bevacizumab 15 mg/kg"];
        let treatments = [
            tace("TACE-1", "2023-10-01"),
            drug("2024-03-18", &atezo_bev),
            drug("2024-04-08", &atezo_bev),
            drug(
                "2024-04-29",
                &["bevacizumab 7.5 mg/kg", "atezolizumab 1200 mg"],
            ),
        ];
        let lines = lines(&treatments.iter().collect::<Vec<_>>());
        assert_eq!(lines.len(), 2, "{lines:#?}");
        assert_eq!(lines[1].entries.len(), 3);
        assert_eq!(
            plan(&treatments, &["2023-09-20", "2023-12-01", "2024-06-10"]),
            [
                ("2023-12-01".into(), 0, "TACE-1".into(), 1),
                (
                    "2024-06-10".into(),
                    1,
                    "atezolizumab, bevacizumab".into(),
                    1
                ),
            ]
        );
    }

    #[test]
    fn another_treatment_between_starts_a_new_line() {
        let treatments = [
            drug("2022-01-01", &["sorafenib 400 mg"]),
            tace("TACE-1", "2022-03-01"),
            drug("2022-04-01", &["sorafenib 400 mg"]),
            tace("TACE-2", "2022-06-01"),
            drug("2022-07-01", &["lenvatinib 8 mg"]),
        ];
        let kinds: Vec<(LineKind, usize)> = lines(&treatments.iter().collect::<Vec<_>>())
            .iter()
            .map(|l| (l.kind, l.entries.len()))
            .collect();
        assert_eq!(
            kinds,
            [
                (LineKind::Regimen, 1),
                (LineKind::TaceCourse, 1),
                (LineKind::Regimen, 1),
                (LineKind::TaceCourse, 1),
                (LineKind::Regimen, 1),
            ]
        );
    }

    #[test]
    fn a_study_without_treatment_since_continues_and_surgery_starts_afresh() {
        let treatments = [
            tace("TACE-1", "2021-07-05"),
            treatment(TreatmentKind::Resection, None, "2021-09-01", &[]),
            treatment(TreatmentKind::Ablation, Some("RFA-1"), "2022-01-10", &[]),
        ];
        assert_eq!(
            plan(
                &treatments,
                &[
                    "2021-07-05",
                    "2021-08-01",
                    "2021-08-20",
                    "2021-10-01",
                    "2021-12-01",
                    "2022-02-01"
                ]
            ),
            [
                // The study on the day of TACE-1 is its baseline.
                ("2021-08-01".into(), 0, "TACE-1".into(), 1),
                ("2021-08-20".into(), 0, "TACE-1".into(), 1),
                // After the resection: nothing assessed until the next treatment.
                ("2022-02-01".into(), 2, "RFA-1".into(), 1),
            ]
        );
    }

    #[test]
    fn lists_read_as_sentences() {
        let items = [
            Text::plain("TACE-1"),
            Text::plain("TACE-2"),
            t("索拉非尼", "sorafenib"),
        ];
        assert_eq!(and_list(&items, Lang::En), "TACE-1, TACE-2 and sorafenib");
        assert_eq!(and_list(&items, Lang::Zh), "TACE-1、TACE-2 和索拉非尼");
        assert_eq!(zh_joined(&["索拉非尼", "后"]), "索拉非尼后");
        assert_eq!(
            zh_joined(&["索拉非尼", "和", "TACE-3", "后"]),
            "索拉非尼和 TACE-3 后"
        );
        assert_eq!(and_list(&items[..1], Lang::En), "TACE-1");
    }

    fn t(zh: &str, en: &str) -> Text {
        Text::both(zh, en)
    }
}
