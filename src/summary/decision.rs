//! The decision page (`:::decision`): what a surgeon or hepatologist decides on in three
//! minutes, on the summary's first page — the trend over the last time points, the latest
//! imaging and its age, portal hypertension, hepatitis B, performance status, the key criteria
//! with their dates, and what the case does not hold ("not available", in the reader's terms).
//!
//! Pure: the case, the criteria, the reader and today's date in, blocks out.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::words;
use crate::case::Case;
use crate::case::model::{Cause, Condition, Finding, ImagingStudy, RecordKind};
use crate::clinical::{self, Criterion, Kind};
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::document::{Block, Inline, Span, Table};
use crate::lab::{Analyte, Unit, UnitSystem};
use crate::text::Lang;
use crate::units;

/// Time points in the trend table: enough for a trend, few enough for the first page.
const TIME_POINTS: usize = 4;
/// Labs this many days from a study are read with it, as one time point.
const PAIR_DAYS: i64 = 14;

fn cell(text: impl Into<String>) -> Inline {
    vec![Span::plain(text)]
}

/// The decision page's blocks: the trend table, then the facts table; lab values in the
/// reader's units (`system`).
pub fn page(
    case: &Case,
    criteria: &[Criterion],
    not_available: &[String],
    lang: Lang,
    system: UnitSystem,
    today: NaiveDate,
) -> Vec<Block> {
    let mut blocks = trend(case, lang, system, today);
    let mut rows: Vec<Vec<Inline>> = Vec::new();
    let mut row = |label: &str, value: String| {
        rows.push(vec![cell(label), cell(value)]);
    };
    row(
        lang.pick("最近影像", "Latest imaging"),
        latest_imaging(case, lang, today),
    );
    row(
        lang.pick("门脉高压", "Portal hypertension"),
        portal_hypertension(case, lang, system, today),
    );
    if let Some(hbv) = hepatitis_b(case, lang, today) {
        row(lang.pick("乙肝", "Hepatitis B"), hbv);
    }
    row("ECOG", ecog(case, lang, today));
    row(
        lang.pick("主要评估", "Key criteria"),
        key_criteria(case, criteria, lang, today),
    );
    row(
        lang.pick("未提供", "Not available"),
        if not_available.is_empty() {
            "—".to_string()
        } else {
            not_available.join(lang.pick("；", "; "))
        },
    );
    blocks.push(Block::Table(Table {
        header: Vec::new(),
        rows,
        widths: Some(vec![2.2, 7.8]),
        compact: false,
    }));
    blocks
}

/// A time point: a study with the labs read with it, or labs alone.
struct Point<'a> {
    study: Option<&'a ImagingStudy>,
    labs: Option<CaseDate>,
}

impl Point<'_> {
    fn date(&self) -> NaiveDate {
        let study = self.study.map(|s| s.date.day());
        let labs = self.labs.map(CaseDate::day);
        study.max(labs).unwrap_or_default()
    }
}

/// The last time points: each study with the nearest lab set within [`PAIR_DAYS`], and lab
/// sets that no study took.
fn points(case: &Case, today: NaiveDate) -> Vec<Point<'_>> {
    let mut lab_dates: Vec<CaseDate> = case
        .labs
        .iter()
        .map(|l| l.date)
        .filter(|d| d.day() <= today)
        .collect();
    lab_dates.sort();
    lab_dates.dedup();
    let mut studies: Vec<&ImagingStudy> = case
        .imaging
        .iter()
        .filter(|s| s.date.day() <= today && !s.lesions.is_empty())
        .collect();
    studies.sort_by_key(|s| s.date);
    let mut taken = vec![false; lab_dates.len()];
    let mut points: Vec<Point<'_>> = studies
        .iter()
        .map(|study| {
            let nearest = lab_dates
                .iter()
                .enumerate()
                .filter(|(i, d)| {
                    !taken[*i] && (d.day() - study.date.day()).num_days().abs() <= PAIR_DAYS
                })
                .min_by_key(|(_, d)| (d.day() - study.date.day()).num_days().abs())
                .map(|(i, d)| (i, *d));
            if let Some((i, _)) = nearest {
                taken[i] = true;
            }
            Point {
                study: Some(study),
                labs: nearest.map(|(_, d)| d),
            }
        })
        .collect();
    points.extend(
        lab_dates
            .iter()
            .zip(&taken)
            .filter(|(_, taken)| !**taken)
            .map(|(d, _)| Point {
                study: None,
                labs: Some(*d),
            }),
    );
    points.sort_by_key(Point::date);
    let skip = points.len().saturating_sub(TIME_POINTS);
    points.into_iter().skip(skip).collect()
}

fn mm(value: Decimal) -> String {
    value.normalize().to_string()
}

/// One analyte's value on a lab date for a column in `unit`, as the labs table shows it: the
/// value as printed in brackets where it was converted, its unit where it is in another.
fn lab_value(case: &Case, analyte: Analyte, date: CaseDate, unit: Unit, lang: Lang) -> String {
    let Some(lab) = case
        .labs
        .iter()
        .find(|l| l.analyte == analyte && l.date == date)
    else {
        return "—".to_string();
    };
    let Some(m) = lab.measured() else {
        return words::reading(&lab.reading, lang);
    };
    units::in_unit(analyte, m, unit).in_column(unit, lang)
}

/// The MELD a reader's team uses: MELD 3.0 in the US convention, MELD in the Chinese.
fn meld_kind(lang: Lang) -> Kind {
    match lang {
        Lang::Zh => Kind::Meld,
        Lang::En => Kind::Meld3,
    }
}

/// A criterion's result in a few characters: its number when it has one, else its category.
fn short_result(criteria: &[Criterion], kind: Kind, lang: Lang) -> String {
    criteria.iter().find(|c| c.kind == kind).map_or_else(
        || "—".to_string(),
        |c| match (&c.outcome, c.value) {
            (clinical::Outcome::Indeterminate { .. }, _) => "—".to_string(),
            (_, Some(value)) if kind != Kind::ChildPugh => mm(value),
            (outcome, _) => outcome.label(lang).to_string(),
        },
    )
}

/// Date, study, whole / viable largest diameter, lesion count, AFP, Child-Pugh, MELD and
/// platelets at the last time points.
fn trend(case: &Case, lang: Lang, system: UnitSystem, today: NaiveDate) -> Vec<Block> {
    let points = points(case, today);
    if points.is_empty() {
        return Vec::new();
    }
    let meld = meld_kind(lang);
    let (afp_unit, platelet_unit) = (
        Analyte::Afp.display_unit(system),
        Analyte::Platelets.display_unit(system),
    );
    let rows = points
        .iter()
        .map(|p| {
            let (study, largest, count) = match p.study {
                Some(s) => {
                    let largest = s.lesions.iter().max_by_key(|l| l.longest_mm);
                    let sizes = largest.map_or_else(String::new, |l| {
                        let viable = l.viable_mm.map_or_else(|| "—".to_string(), mm);
                        format!("{} / {viable}", mm(l.longest_mm))
                    });
                    (
                        format!(
                            "{} {}",
                            words::modality(s.modality, lang),
                            s.date.for_reader(lang)
                        ),
                        sizes,
                        s.lesions.len().to_string(),
                    )
                }
                None => ("—".to_string(), "—".to_string(), "—".to_string()),
            };
            let (labs, afp, child_pugh, meld_value, platelets) = match p.labs {
                Some(date) => {
                    let criteria = clinical::evaluate(case, date.day());
                    (
                        date.for_reader(lang),
                        lab_value(case, Analyte::Afp, date, afp_unit, lang),
                        short_result(&criteria, Kind::ChildPugh, lang),
                        short_result(&criteria, meld, lang),
                        lab_value(case, Analyte::Platelets, date, platelet_unit, lang),
                    )
                }
                None => {
                    let dash = || "—".to_string();
                    (dash(), dash(), dash(), dash(), dash())
                }
            };
            vec![
                cell(study),
                cell(labs),
                cell(largest),
                cell(count),
                cell(afp),
                cell(child_pugh),
                cell(meld_value),
                cell(platelets),
            ]
        })
        .collect();
    let header = [
        lang.pick("影像", "Imaging").to_string(),
        lang.pick("化验", "Labs").to_string(),
        lang.pick("最大径/活性 mm", "Largest whole / viable mm")
            .to_string(),
        lang.pick("病灶数", "Lesions").to_string(),
        format!("AFP {}", afp_unit.symbol()),
        "Child-Pugh".to_string(),
        lang.pick("MELD", "MELD 3.0").to_string(),
        format!(
            "{} {}",
            lang.pick("血小板", "Platelets"),
            platelet_unit.symbol()
        ),
    ];
    vec![Block::Table(Table {
        header: header.iter().map(|h| cell(h.as_str())).collect(),
        rows,
        widths: Some(vec![1.9, 1.4, 1.5, 0.9, 1.1, 1.1, 1.0, 1.3]),
        compact: false,
    })]
}

/// "MRI 2021-10-15, 31 days before this summary" / "MRI 2021-10-15（31 天前）".
fn latest_imaging(case: &Case, lang: Lang, today: NaiveDate) -> String {
    let Some(s) = case
        .imaging
        .iter()
        .filter(|s| s.date.day() <= today)
        .max_by_key(|s| s.date)
    else {
        return lang.pick("未记录", "not recorded").to_string();
    };
    let days = (today - s.date.day()).num_days();
    let modality = words::modality(s.modality, lang);
    let date = s.date.for_reader(lang);
    match lang {
        Lang::Zh => format!("{modality} {date}（{days} 天前）"),
        Lang::En => format!("{modality} {date}, {days} days before this summary"),
    }
}

/// Platelets, varices, splenomegaly and ascites as recorded, each dated; "not recorded" for
/// what the case does not say.
fn portal_hypertension(case: &Case, lang: Lang, system: UnitSystem, today: NaiveDate) -> String {
    let not_recorded = lang.pick("未记录", "not recorded");
    let dated = |text: String, date: CaseDate| match lang {
        Lang::Zh => format!("{text}（{}）", date.for_reader(lang)),
        Lang::En => format!("{text} ({})", date.for_reader(lang)),
    };
    let sep = lang.pick("：", ": ");
    let platelets = case
        .labs
        .iter()
        .filter(|l| l.analyte == Analyte::Platelets && l.date.day() <= today)
        .max_by_key(|l| l.date)
        .map_or_else(
            || not_recorded.to_string(),
            |l| {
                let value = match l.measured() {
                    Some(m) => units::in_unit(
                        Analyte::Platelets,
                        m,
                        Analyte::Platelets.display_unit(system),
                    )
                    .with_unit(lang),
                    None => words::reading(&l.reading, lang),
                };
                dated(value, l.date)
            },
        );
    let varices = case
        .diagnoses
        .iter()
        .filter(|d| d.condition == Condition::Varices && d.date.day() <= today)
        .max_by_key(|d| d.date)
        .map(|d| {
            let text = d.text.as_ref().map_or_else(
                || words::condition(d.condition, lang).to_string(),
                |t| t.best(lang).to_string(),
            );
            dated(text, d.date)
        })
        .or_else(|| {
            case.records
                .iter()
                .filter(|r| r.kind == RecordKind::Endoscopy && r.date.day() <= today)
                .max_by_key(|r| r.date)
                .map(|r| {
                    dated(
                        lang.pick("见胃镜报告", "see the endoscopy report").into(),
                        r.date,
                    )
                })
        })
        .unwrap_or_else(|| not_recorded.to_string());
    let spleen = case
        .imaging
        .iter()
        .filter(|s| s.date.day() <= today && s.splenomegaly != Finding::Unknown)
        .max_by_key(|s| s.date)
        .map_or_else(
            || not_recorded.to_string(),
            |s| {
                let word = words::finding(s.splenomegaly, lang);
                let modality = words::modality(s.modality, lang);
                let date = s.date.for_reader(lang);
                match lang {
                    Lang::Zh => format!("{word}（{modality} {date}）"),
                    Lang::En => format!("{word} ({modality} {date})"),
                }
            },
        );
    let ascites = case
        .assessments
        .iter()
        .filter(|a| a.date.day() <= today)
        .filter_map(|a| Some((a.date, a.ascites?)))
        .max_by_key(|(date, _)| *date)
        .map_or_else(
            || not_recorded.to_string(),
            |(date, ascites)| dated(words::ascites(ascites, lang).to_string(), date),
        );
    [
        (lang.pick("血小板", "platelets"), platelets),
        (lang.pick("静脉曲张", "varices"), varices),
        (lang.pick("脾大", "splenomegaly"), spleen),
        (lang.pick("腹水", "ascites"), ascites),
    ]
    .iter()
    .map(|(label, value)| format!("{label}{sep}{value}"))
    .collect::<Vec<_>>()
    .join(lang.pick("；", "; "))
}

/// HBV DNA (the newest, dated) and the antiviral; `None` for a case without hepatitis B.
fn hepatitis_b(case: &Case, lang: Lang, today: NaiveDate) -> Option<String> {
    let dna = case
        .labs
        .iter()
        .filter(|l| l.analyte == Analyte::HbvDna && l.date.day() <= today)
        .max_by_key(|l| l.date);
    let hbv = case.aetiology.iter().any(|a| a.cause == Cause::Hbv);
    if !hbv && dna.is_none() {
        return None;
    }
    let dna = dna.map_or_else(
        || format!("HBV DNA {}", lang.pick("未记录", "not recorded")),
        |l| {
            let shown = words::reading(&l.reading, lang);
            let unit = l
                .measured()
                .map(|m| format!(" {}", m.unit.symbol()))
                .unwrap_or_default();
            match lang {
                Lang::Zh => format!("HBV DNA {shown}{unit}（{}）", l.date.for_reader(lang)),
                Lang::En => format!("HBV DNA {shown}{unit} ({})", l.date.for_reader(lang)),
            }
        },
    );
    let statement = crate::statement::build(case, &[], lang, today);
    let current: Vec<&str> = statement
        .antivirals
        .iter()
        .filter(|a| a.current)
        .map(|a| a.fact.text.as_str())
        .collect();
    let antiviral = if current.is_empty() {
        lang.pick("未记录目前的抗病毒治疗", "no current antiviral recorded")
            .to_string()
    } else {
        current.join(lang.pick("；", "; "))
    };
    Some(format!(
        "{dna}{}{}{antiviral}",
        lang.pick("；", "; "),
        lang.pick("抗病毒：", "antiviral: ")
    ))
}

/// The newest performance status: the ECOG number, or the words as written when it was
/// described rather than scored (never "not recorded" when the family wrote it down).
fn ecog(case: &Case, lang: Lang, today: NaiveDate) -> String {
    case.assessments
        .iter()
        .filter(|a| a.date.day() <= today)
        .filter_map(|a| {
            let said = match a.ecog {
                Some(ecog) => ecog.to_string(),
                None => a.performance_status(lang)?,
            };
            Some((a.date, said))
        })
        .max_by_key(|(date, _)| *date)
        .map_or_else(
            || lang.pick("未记录", "not recorded").to_string(),
            |(date, said)| match lang {
                Lang::Zh => format!("{said}（{}）", date.for_reader(lang)),
                Lang::En => format!("{said} ({})", date.for_reader(lang)),
            },
        )
}

/// The criteria a team decides on, each with its date: a tumour criterion with the imaging it
/// was read on, a liver score with its labs' date.
fn key_criteria(case: &Case, criteria: &[Criterion], lang: Lang, today: NaiveDate) -> String {
    let kinds: &[Kind] = match lang {
        Lang::Zh => &[
            Kind::ChildPugh,
            Kind::Meld,
            Kind::Albi,
            Kind::Milan,
            Kind::Ucsf,
            Kind::Hangzhou,
            Kind::Bclc,
            Kind::Cnlc,
        ],
        Lang::En => &[
            Kind::ChildPugh,
            Kind::Meld3,
            Kind::Albi,
            Kind::Milan,
            Kind::Ucsf,
            Kind::Bclc,
        ],
    };
    let study = case
        .imaging
        .iter()
        .filter(|s| s.date.day() <= today && !s.lesions.is_empty())
        .max_by_key(|s| s.date);
    let tumour = [Kind::Milan, Kind::Ucsf, Kind::Hangzhou, Kind::UpToSeven];
    kinds
        .iter()
        .filter_map(|&kind| {
            let results: Vec<&Criterion> = criteria.iter().filter(|c| c.kind == kind).collect();
            let first = results.first()?;
            let labels: Vec<String> = results
                .iter()
                .map(|c| match c.value {
                    Some(v) if matches!(kind, Kind::Meld | Kind::Meld3) => mm(v),
                    _ => c.outcome.label(lang).to_string(),
                })
                .collect();
            let result = if labels.iter().all(|l| *l == labels[0]) {
                labels[0].clone()
            } else {
                results
                    .iter()
                    .zip(&labels)
                    .map(|(c, label)| match &c.basis {
                        Some(basis) => format!("{label} ({})", basis.best(lang)),
                        None => label.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(" / ")
            };
            let date = match (tumour.contains(&kind), study) {
                (true, Some(s)) => format!(
                    "{} {}",
                    words::modality(s.modality, lang),
                    s.date.for_reader(lang)
                ),
                _ => first
                    .inputs
                    .iter()
                    .filter_map(|i| i.date)
                    .max()
                    .map(|d| d.for_reader(lang))
                    .unwrap_or_default(),
            };
            let caveat = super::criteria_sheet::caveat(first, lang);
            // The one finding that decided it, as the key table says it.
            let why = first
                .decided_by
                .as_ref()
                .map(|w| format!(" — {}", w.best(lang)))
                .unwrap_or_default();
            let label = kind.label(lang);
            Some(match (lang, date.is_empty()) {
                (_, true) => format!("{label} {result}{why}{caveat}"),
                (Lang::Zh, false) => format!("{label} {result}{why}（{date}）{caveat}"),
                (Lang::En, false) => format!("{label} {result}{why} ({date}){caveat}"),
            })
        })
        .collect::<Vec<_>>()
        .join(lang.pick("；", "; "))
}
