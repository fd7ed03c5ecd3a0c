//! The case statement: every fact that leaves the family's hands — an e-mail subject, a cover
//! letter, a platform form, the intake answers — is said here once, from case.toml and the
//! computed criteria, and the texts take it from here as values. A doctor who finds one false
//! line stops trusting the rest, so no text picks "the latest diagnosis" or "the latest
//! treatment" on its own.
//!
//! The rules, each a sentence a reader relies on:
//! - the cancer leads (HCC with how and when it was established), the liver disease behind it
//!   next, complications after, each under the label the family entered;
//! - a drug course is named by its drugs, with its dates, its stop and the reason;
//! - *current* means no stop was written; a drug whose words say it was stopped
//!   ([`says_stopped`]) is never called current, even without a `stop` date;
//! - nothing is said that was not entered or computed (no contrast phase, no "none").
//!
//! Pure: the case, the criteria, the language and today's date in, strings out.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::case::Case;
use crate::case::model::{
    Cause, Condition, Course, Finding, LabResult, LesionClass, Medication, Sex, StopReason,
    Treatment, TreatmentKind,
};
use crate::clinical::{Criterion, Kind, Outcome};
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::lab::{Analyte, Unit};
use crate::summary::words;
use crate::text::{Lang, Text};
use crate::toml_reader::Choice;

/// One fact as a reader sees it: the words, the date they hold for, and the record they come
/// from (relative to records/) when one is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    pub text: String,
    pub date: Option<String>,
    pub source: Option<String>,
}

/// The disease the consultation is about.
#[derive(Debug, Clone, Serialize)]
pub struct Primary {
    /// Its name alone, for a subject line: "肝细胞癌（HCC）".
    pub label: String,
    /// With how and when it was established: "hepatocellular carcinoma (HCC), diagnosed on
    /// MRI 2021-06-18, LR-5".
    #[serde(flatten)]
    pub fact: Fact,
    /// When it was diagnosed, as entered (perhaps "not known").
    #[serde(skip)]
    pub date: CaseDate,
}

/// A treatment as one line: a procedure with its date, or a drug course with its drugs, dates,
/// stop and the reason.
#[derive(Debug, Clone, Serialize)]
pub struct TreatmentLine {
    /// "TACE", "systemic therapy".
    pub kind: &'static str,
    /// The drugs of a course ("sorafenib 400 mg twice daily"), else the kind ("TACE").
    pub name: String,
    /// A drug course with no stop written and no words saying it stopped.
    pub current: bool,
    #[serde(flatten)]
    pub fact: Fact,
}

/// Everything the outgoing texts say about the case, in one language.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub primary: Option<Primary>,
    /// "HBV cirrhosis", with its date.
    pub liver_disease: Option<Fact>,
    /// Varices, portal hypertension and other conditions, under the label entered.
    pub complications: Vec<Fact>,
    /// The primary disease, the liver disease, then complications: the order letters use.
    pub diagnoses: Vec<Fact>,
    /// Procedures and drug courses against the disease, by date (antivirals apart).
    pub treatments: Vec<TreatmentLine>,
    pub antivirals: Vec<TreatmentLine>,
    pub current_medications: Vec<Fact>,
    pub stopped_medications: Vec<Fact>,
    /// The latest AFP, platelets, Child-Pugh, ECOG, HBV DNA and the antiviral, each dated.
    pub status: Vec<Fact>,
    /// `status` as one sentence.
    pub status_line: String,
    /// The case in one line, the same in every letter, body, form and answer.
    pub case_line: String,
    /// The disease in one line for a form's "disease" field (haodf 疾病).
    pub disease_line: String,
    /// Each hospital with what was done there, then the physicians the case names.
    pub hospitals: Vec<Fact>,
}

/// Whether free text says a drug was stopped ("停用", "停药", "stopped", "discontinued"):
/// such a drug is not current, and `check` asks for its `stop` date.
pub fn says_stopped(text: &Text) -> bool {
    [Lang::Zh, Lang::En]
        .iter()
        .filter_map(|&lang| text.get(lang))
        .any(|t| {
            let lower = t.to_lowercase();
            ["停用", "停药", "已停", "停服", "停止服用", "停止用药"]
                .iter()
                .any(|w| t.contains(w))
                || ["stopped", "discontinued", "ceased", "no longer tak"]
                    .iter()
                    .any(|w| lower.contains(w))
        })
}

/// Builds the statement for a reader of `lang` from the case and the criteria computed on
/// `today`; only what is dated on or before `today` is "latest".
pub fn build(case: &Case, criteria: &[Criterion], lang: Lang, today: NaiveDate) -> Statement {
    let primary = primary(case, lang, today);
    let liver_disease = liver_disease(case, lang, today);
    let complications = complications(case, lang, today);
    let diagnoses = primary
        .iter()
        .map(|p| p.fact.clone())
        .chain(liver_disease.iter().map(|(fact, _)| fact.clone()))
        .chain(complications.iter().cloned())
        .collect();
    let mut sorted: Vec<&Treatment> = case
        .treatments
        .iter()
        .filter(|t| t.date.day() <= today)
        .collect();
    sorted.sort_by_key(|t| t.date);
    let (antiviral, other): (Vec<&Treatment>, Vec<&Treatment>) = sorted
        .into_iter()
        .partition(|t| t.kind == TreatmentKind::Antiviral);
    let treatments: Vec<TreatmentLine> = other.iter().map(|t| treatment_line(t, lang)).collect();
    let antivirals: Vec<TreatmentLine> =
        antiviral.iter().map(|t| treatment_line(t, lang)).collect();
    let (current_medications, stopped_medications) = medications(case, lang);
    let status = status(case, criteria, &antivirals, lang, today);
    let status_line = status
        .iter()
        .map(|f| dated(f, lang))
        .collect::<Vec<_>>()
        .join(lang.pick("；", "; "));
    let case_line = case_line(
        case,
        criteria,
        primary.as_ref(),
        liver_disease.as_ref().map(|(_, short)| short.as_str()),
        &other,
        lang,
        today,
    );
    let disease_line = disease_line(primary.as_ref(), &other, case, criteria, lang, today);
    Statement {
        primary,
        liver_disease: liver_disease.map(|(fact, _)| fact),
        complications,
        diagnoses,
        treatments,
        antivirals,
        current_medications,
        stopped_medications,
        status,
        status_line,
        case_line,
        disease_line,
        hospitals: hospitals(case, lang, today),
    }
}

/// "text (date)" / "text（date）", or the text alone.
fn dated(fact: &Fact, lang: Lang) -> String {
    match &fact.date {
        Some(date) => format!(
            "{}{}{date}{}",
            fact.text,
            lang.pick("（", " ("),
            lang.pick("）", ")")
        ),
        None => fact.text.clone(),
    }
}

fn source(path: Option<&std::path::PathBuf>) -> Option<String> {
    path.map(|p| p.to_string_lossy().replace('\\', "/"))
}

/// How far along the disease a condition is, for choosing the primary diagnosis; `None` for
/// the liver disease and complications, which never lead.
fn tumour_rank(condition: Condition) -> Option<u8> {
    match condition {
        Condition::Hcc => Some(3),
        Condition::Hgdn => Some(2),
        Condition::Lgdn => Some(1),
        _ => None,
    }
}

/// The most advanced tumour diagnosis (its first date), with how it was established: on
/// pathology of that day, or on that day's imaging with its LI-RADS class.
fn primary(case: &Case, lang: Lang, today: NaiveDate) -> Option<Primary> {
    let d = case
        .diagnoses
        .iter()
        .filter(|d| d.date.day() <= today)
        .filter_map(|d| tumour_rank(d.condition).map(|rank| (rank, d)))
        .max_by(|(ra, a), (rb, b)| ra.cmp(rb).then(b.date.cmp(&a.date)))?
        .1;
    let label = words::condition(d.condition, lang).to_string();
    let date = d.date.with_uncertainty(lang);
    // Established by the pathology or imaging of its day; a date not known has no day.
    let same_day = |day: CaseDate| !d.date.is_unknown() && day.day() == d.date.day();
    let pathology = case.pathology.iter().find(|p| same_day(p.date));
    let study = case
        .imaging
        .iter()
        .find(|s| same_day(s.date) && !s.lesions.is_empty());
    let (how, from) = if let Some(p) = pathology {
        (
            match lang {
                Lang::Zh => format!("{date} 病理诊断"),
                Lang::En => format!("diagnosed on pathology {date}"),
            },
            p.record.as_ref(),
        )
    } else if let Some(s) = study {
        let mut classes: Vec<&str> = Vec::new();
        for class in s.lesions.iter().filter_map(|l| l.class) {
            let name = if class == LesionClass::BiopsyHcc {
                lang.pick("活检证实", "biopsy-proven")
            } else {
                class.name()
            };
            if !classes.contains(&name) {
                classes.push(name);
            }
        }
        let modality = words::modality(s.modality, lang);
        let classes = classes.join(", ");
        (
            match (lang, classes.is_empty()) {
                (Lang::Zh, true) => format!("{date} {modality} 诊断"),
                (Lang::Zh, false) => format!("{date} {modality} 诊断（{classes}）"),
                (Lang::En, true) => format!("diagnosed on {modality} {date}"),
                (Lang::En, false) => format!("diagnosed on {modality} {date}, {classes}"),
            },
            s.report.as_ref(),
        )
    } else {
        (diagnosed(d.date, lang), None)
    };
    Some(Primary {
        fact: Fact {
            text: format!("{label}{}{how}", lang.pick("，", ", ")),
            date: Some(date),
            source: source(d.record.as_ref().or(from)),
        },
        label,
        date: d.date,
    })
}

/// "diagnosed 2021-06-18" / "2021-06-18 诊断", or "date of diagnosis not known" / "诊断日期不详".
fn diagnosed(date: CaseDate, lang: Lang) -> String {
    if date.is_unknown() {
        return lang
            .pick("诊断日期不详", "date of diagnosis not known")
            .to_string();
    }
    let date = date.with_uncertainty(lang);
    match lang {
        Lang::Zh => format!("{date} 诊断"),
        Lang::En => format!("diagnosed {date}"),
    }
}

/// A cause as a word in front of "cirrhosis": "HBV", "乙肝"; `None` for "other".
fn cause_word(cause: Cause, lang: Lang) -> Option<&'static str> {
    Some(match cause {
        Cause::Hbv => lang.pick("乙肝", "HBV"),
        Cause::Hcv => lang.pick("丙肝", "HCV"),
        Cause::Hdv => lang.pick("丁肝", "HDV"),
        Cause::Alcohol => lang.pick("酒精性", "alcohol-related"),
        Cause::Masld => lang.pick("代谢相关脂肪性", "MASLD"),
        Cause::Other => return None,
    })
}

/// The liver disease: its label as entered (else "HBV cirrhosis") with its date, and the short
/// form the case line uses.
fn liver_disease(case: &Case, lang: Lang, today: NaiveDate) -> Option<(Fact, String)> {
    let causes: Vec<&str> = case
        .aetiology
        .iter()
        .filter_map(|a| cause_word(a.cause, lang))
        .collect();
    let cirrhosis = case
        .diagnoses
        .iter()
        .filter(|d| d.condition == Condition::Cirrhosis && d.date.day() <= today)
        .min_by_key(|d| d.date);
    let short = match (cirrhosis.is_some(), causes.is_empty(), lang) {
        (true, true, _) => lang.pick("肝硬化", "cirrhosis").to_string(),
        (true, false, Lang::Zh) => format!("{}肝硬化", causes.join("、")),
        (true, false, Lang::En) => format!("{} cirrhosis", causes.join(" and ")),
        (false, false, Lang::Zh) => format!("{}相关肝病", causes.join("、")),
        (false, false, Lang::En) => format!("{}-related liver disease", causes.join(" and ")),
        (false, true, _) => return None,
    };
    let known: Vec<String> = case
        .aetiology
        .iter()
        .filter_map(|a| Some((cause_word(a.cause, lang)?, a.since?)))
        .map(|(cause, since)| match lang {
            Lang::Zh => format!("{cause}自 {} 起已知", since.for_reader(lang)),
            Lang::En => format!("{cause} known since {}", since.for_reader(lang)),
        })
        .collect();
    let label = cirrhosis
        .and_then(|d| d.text.as_ref())
        .map_or(short.clone(), |t| t.best(lang).to_string());
    let mut text = match (cirrhosis, lang) {
        (Some(d), _) => format!(
            "{label}{}{}",
            lang.pick("，", ", "),
            diagnosed(d.date, lang)
        ),
        (None, _) => label,
    };
    if !known.is_empty() {
        text.push_str(lang.pick("；", "; "));
        text.push_str(&known.join(lang.pick("；", "; ")));
    }
    Some((
        Fact {
            text,
            date: cirrhosis.map(|d| d.date.with_uncertainty(lang)),
            source: source(cirrhosis.and_then(|d| d.record.as_ref())),
        },
        short,
    ))
}

/// Complications and other conditions, each under the label entered and dated.
fn complications(case: &Case, lang: Lang, today: NaiveDate) -> Vec<Fact> {
    let mut list: Vec<_> = case
        .diagnoses
        .iter()
        .filter(|d| {
            d.date.day() <= today
                && matches!(
                    d.condition,
                    Condition::PortalHypertension | Condition::Varices | Condition::Other
                )
        })
        .collect();
    list.sort_by_key(|d| d.date);
    list.iter()
        .map(|d| {
            let label = d.text.as_ref().map_or_else(
                || words::condition(d.condition, lang).to_string(),
                |t| t.best(lang).to_string(),
            );
            let date = d.date.with_uncertainty(lang);
            Fact {
                text: format!("{label}{}{date}", lang.pick("，", ", ")),
                date: Some(date),
                source: source(d.record.as_ref()),
            }
        })
        .collect()
}

/// Whether a treatment is a drug course (taken over time) rather than a procedure on a day.
fn is_course(t: &Treatment) -> bool {
    matches!(t.kind, TreatmentKind::Systemic | TreatmentKind::Antiviral)
        || (t.kind == TreatmentKind::Other && !t.agents.is_empty())
}

/// A course's drugs: its agents, else its technique (an antiviral is often written as
/// `technique = "entecavir 0.5 mg"`), else its kind.
fn course_name(t: &Treatment, lang: Lang) -> String {
    t.drugs(lang)
        .or_else(|| t.technique.as_ref().map(|x| x.best(lang).to_string()))
        .unwrap_or_else(|| words::treatment(t.kind, lang).to_string())
}

/// A course's drugs without their doses, for the one-line texts: each agent up to its first
/// number ("sorafenib 400 mg twice daily" → "sorafenib"), whole when it starts with one.
fn drug_names(t: &Treatment, lang: Lang) -> String {
    let short = |written: &str| {
        let cut = written
            .find(|c: char| c.is_ascii_digit())
            .map_or(written, |i| written[..i].trim_end());
        if cut.is_empty() {
            written.to_string()
        } else {
            cut.to_string()
        }
    };
    if t.agents.is_empty() {
        return short(&course_name(t, lang));
    }
    t.agents
        .iter()
        .map(|a| short(a.best(lang)))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Why a course ended, without its date: "stopped for side effects: vomiting, gastric ulcer
/// (grade 3)" / "因不良反应停药：呕吐、胃溃疡（3级）".
fn why_stopped(course: &Course, lang: Lang) -> String {
    let events = (!course.adverse_events.is_empty())
        .then(|| words::adverse_events(&course.adverse_events, lang));
    let reason = match course.stop_reason {
        Some(StopReason::SideEffects) => lang.pick("因不良反应停药", "stopped for side effects"),
        Some(StopReason::Progression) => lang.pick("因疾病进展停药", "stopped for progression"),
        Some(StopReason::Completed) => lang.pick("疗程结束", "completed"),
        Some(StopReason::Other) => lang.pick("因其他原因停药", "stopped for another reason"),
        None => lang.pick("停药（原因未记录）", "stopped, reason not recorded"),
    };
    match (events, course.stop_reason) {
        (Some(events), Some(StopReason::SideEffects)) => {
            format!("{reason}{}{events}", lang.pick("：", ": "))
        }
        (Some(events), _) => format!(
            "{reason}{}{events}",
            lang.pick("；不良反应：", "; side effects: ")
        ),
        (None, _) => reason.to_string(),
    }
}

/// A course as one line, and whether it is current. `words` is free text that may say it
/// stopped (a medication's purpose, a treatment's notes).
fn course_line(
    name: &str,
    start: Option<CaseDate>,
    course: &Course,
    words_: Option<&Text>,
    lang: Lang,
) -> (String, bool) {
    // A start not known is said after the name; there is no "from" to say.
    let name = match start {
        Some(start) if start.is_unknown() => {
            format!(
                "{name}{}",
                lang.pick("，开始日期不详", ", start date not known")
            )
        }
        _ => name.to_string(),
    };
    let start = start
        .filter(|d| !d.is_unknown())
        .map(|d| d.for_reader(lang));
    let stopped_in_words =
        course.stop.is_none() && course.stop_reason.is_none() && words_.is_some_and(says_stopped);
    let from = |lang: Lang| match (&start, lang) {
        (Some(s), Lang::Zh) => format!("，{s} 起"),
        (Some(s), Lang::En) => format!(" from {s}"),
        (None, _) => String::new(),
    };
    if let Some(stop) = course.stop {
        let stop = stop.for_reader(lang);
        let span = match (&start, lang) {
            (Some(s), Lang::Zh) => format!("，{s} 至 {stop}"),
            (Some(s), Lang::En) => format!(", {s} → {stop}"),
            (None, Lang::Zh) => format!("，至 {stop}"),
            (None, Lang::En) => format!(", until {stop}"),
        };
        let why = why_stopped(course, lang);
        return (format!("{name}{span}{}{why}", lang.pick("，", ", ")), false);
    }
    if course.stop_reason.is_some() {
        let why = why_stopped(course, lang);
        let line = match lang {
            Lang::Zh => format!("{name}{}，{why}（停药日期未记录）", from(lang)),
            Lang::En => format!("{name}{}, {why}, stop date not recorded", from(lang)),
        };
        return (line, false);
    }
    if stopped_in_words {
        let said = words_.map(|w| w.best(lang)).unwrap_or_default();
        let line = match lang {
            Lang::Zh => format!("{name}{}；记录写明“{said}”，停药日期未记录", from(lang)),
            Lang::En => format!(
                "{name}{}; the case says “{said}”, stop date not recorded",
                from(lang)
            ),
        };
        return (line, false);
    }
    let mut line = match (&start, lang) {
        (Some(s), Lang::Zh) => format!("{name}，{s} 起"),
        (Some(s), Lang::En) => format!("{name} since {s}"),
        (None, _) => name.to_string(),
    };
    if !course.adverse_events.is_empty() {
        line.push_str(lang.pick("；不良反应：", "; side effects: "));
        line.push_str(&words::adverse_events(&course.adverse_events, lang));
    }
    (line, true)
}

fn treatment_line(t: &Treatment, lang: Lang) -> TreatmentLine {
    let kind = words::treatment(t.kind, lang);
    let date = t.date.with_uncertainty(lang);
    let (name, text, current) = if is_course(t) {
        let name = course_name(t, lang);
        let (line, current) = course_line(&name, Some(t.date), &t.course, t.notes.as_ref(), lang);
        (name, line, current)
    } else {
        let name = match (t.kind, &t.technique) {
            (TreatmentKind::Other, Some(technique)) => technique.best(lang).to_string(),
            _ => kind.to_string(),
        };
        let text = format!("{name} {date}");
        (name, text, false)
    };
    TreatmentLine {
        kind,
        name,
        current,
        fact: Fact {
            text,
            date: Some(date),
            source: source(t.record.as_ref()),
        },
    }
}

/// Current and stopped medications as lines.
fn medications(case: &Case, lang: Lang) -> (Vec<Fact>, Vec<Fact>) {
    let mut current = Vec::new();
    let mut stopped = Vec::new();
    for m in &case.medications {
        let (text, is_current) = medication_line(m, lang);
        let fact = Fact {
            text,
            date: m.start.map(|d| d.for_reader(lang)),
            source: None,
        };
        if is_current {
            current.push(fact);
        } else {
            stopped.push(fact);
        }
    }
    (current, stopped)
}

fn medication_line(m: &Medication, lang: Lang) -> (String, bool) {
    let mut name = m.name.best(lang).to_string();
    if let Some(dose) = &m.dose {
        name = format!("{name} {}", dose.best(lang));
    }
    let name = m.course.named(&name, lang);
    let (mut line, current) = course_line(&name, m.start, &m.course, m.purpose.as_ref(), lang);
    if let Some(purpose) = m.purpose.as_ref().filter(|p| !says_stopped(p)) {
        line = format!(
            "{line}{}{}{}",
            lang.pick("（", " ("),
            purpose.best(lang),
            lang.pick("）", ")")
        );
    }
    (line, current)
}

/// The newest reading of an analyte on or before `today`.
fn latest_lab(case: &Case, analyte: Analyte, today: NaiveDate) -> Option<&LabResult> {
    case.labs
        .iter()
        .filter(|l| l.analyte == analyte && l.date.day() <= today)
        .max_by_key(|l| l.date)
}

/// A reading with its unit, in the units readers of `lang` use (the printed value in brackets
/// where converted): "141 ng/mL", "<20 IU/mL", "81 ×10³/µL", "阳性".
fn reading_with_unit(lab: &LabResult, lang: Lang) -> String {
    match lab.measured() {
        Some(m) => crate::units::for_language(lab.analyte, m, lang).with_unit(lang),
        None => words::reading(&lab.reading, lang),
    }
}

/// The newest date among a criterion's inputs: the day its result holds for.
fn criterion_date(c: &Criterion) -> Option<CaseDate> {
    c.inputs.iter().filter_map(|i| i.date).max()
}

/// A computed result that is a category or number ("A6", "10"), with its date.
fn computed(criteria: &[Criterion], kind: Kind, lang: Lang) -> Option<(String, Option<String>)> {
    let c = criteria.iter().find(|c| c.kind == kind)?;
    let label = match &c.outcome {
        Outcome::Category(text) => text.best(lang).to_string(),
        _ => return None,
    };
    Some((label, criterion_date(c).map(|d| d.for_reader(lang))))
}

/// The current status, each fact dated: AFP, platelets, Child-Pugh, ECOG, HBV DNA, antiviral.
fn status(
    case: &Case,
    criteria: &[Criterion],
    antivirals: &[TreatmentLine],
    lang: Lang,
    today: NaiveDate,
) -> Vec<Fact> {
    let mut out = Vec::new();
    let lab_fact = |analyte: Analyte, name: &str| {
        latest_lab(case, analyte, today).map(|l| Fact {
            text: format!("{name} {}", reading_with_unit(l, lang)),
            date: Some(l.date.for_reader(lang)),
            source: source(l.source.as_ref()),
        })
    };
    out.extend(lab_fact(Analyte::Afp, "AFP"));
    out.extend(lab_fact(
        Analyte::Platelets,
        lang.pick("血小板", "platelets"),
    ));
    if let Some((class, date)) = computed(criteria, Kind::ChildPugh, lang) {
        out.push(Fact {
            text: format!("Child-Pugh {class}"),
            date,
            source: None,
        });
    }
    if let Some(a) = case
        .assessments
        .iter()
        .filter(|a| (a.ecog.is_some() || a.performance.is_some()) && a.date.day() <= today)
        .max_by_key(|a| a.date)
    {
        out.push(Fact {
            text: a.performance_status(lang).unwrap_or_default(),
            date: Some(a.date.for_reader(lang)),
            source: None,
        });
    }
    out.extend(lab_fact(Analyte::HbvDna, "HBV DNA"));
    let viral = case
        .aetiology
        .iter()
        .any(|a| matches!(a.cause, Cause::Hbv | Cause::Hcv | Cause::Hdv));
    let label = lang.pick("抗病毒治疗", "antiviral");
    let sep = lang.pick("：", ": ");
    let current: Vec<&TreatmentLine> = antivirals.iter().filter(|a| a.current).collect();
    if !current.is_empty() {
        for a in current {
            out.push(Fact {
                text: format!("{label}{sep}{}", a.fact.text),
                date: None,
                source: a.fact.source.clone(),
            });
        }
    } else if let Some(last) = antivirals.last() {
        out.push(Fact {
            text: format!(
                "{label}{sep}{}{}",
                last.fact.text,
                lang.pick(
                    "；未记录目前的抗病毒治疗",
                    "; no current antiviral recorded"
                )
            ),
            date: None,
            source: last.fact.source.clone(),
        });
    } else if viral {
        out.push(Fact {
            text: format!("{label}{sep}{}", lang.pick("未记录", "not recorded")),
            date: None,
            source: None,
        });
    }
    out
}

/// A length in mm as written: `34`, `12.5`.
fn mm(value: Decimal) -> String {
    value.normalize().to_string()
}

/// The tumour at the newest study with lesions: size, segment, what was done before it and
/// the computed response there.
fn tumour_clause(
    case: &Case,
    criteria: &[Criterion],
    primary: Option<&Primary>,
    procedures: &[&Treatment],
    lang: Lang,
    today: NaiveDate,
) -> Option<String> {
    let (study, _) = verdicts_at_latest_study(case, criteria, today)?;
    let label = primary.map_or(lang.pick("病灶", "lesion"), |p| {
        if p.label == words::condition(Condition::Hcc, lang) {
            lang.pick("肝细胞癌", "HCC")
        } else {
            p.label.as_str()
        }
    });
    let largest = study
        .lesions
        .iter()
        .max_by_key(|l| l.longest_mm)
        .expect("not empty");
    let viable = largest
        .viable_mm
        .filter(|v| *v != largest.longest_mm)
        .map(|v| match lang {
            Lang::Zh => format!("（活性部分 {} mm）", mm(v)),
            Lang::En => format!(" (viable {} mm)", mm(v)),
        })
        .unwrap_or_default();
    let segment = largest.segment.clone();
    let n = study.lesions.len();
    let mut clause = match (lang, n, &segment) {
        (Lang::Zh, 1, Some(seg)) => format!("{label} {seg} {} mm{viable}", mm(largest.longest_mm)),
        (Lang::Zh, 1, None) => format!("{label} {} mm{viable}", mm(largest.longest_mm)),
        (Lang::Zh, _, seg) => format!(
            "{label} {n} 个病灶，最大 {} mm{viable}{}",
            mm(largest.longest_mm),
            seg.as_ref()
                .map(|s| format!("，位于 {s}"))
                .unwrap_or_default()
        ),
        (Lang::En, 1, seg) => format!(
            "{label} {} mm{viable}{}",
            mm(largest.longest_mm),
            seg.as_ref().map(|s| format!(" in {s}")).unwrap_or_default()
        ),
        (Lang::En, _, seg) => format!(
            "{label}: {n} lesions, largest {} mm{viable}{}",
            mm(largest.longest_mm),
            seg.as_ref().map(|s| format!(" in {s}")).unwrap_or_default()
        ),
    };
    if study.macrovascular_invasion == Finding::Yes {
        clause.push_str(lang.pick("，有大血管侵犯", " with macrovascular invasion"));
    }
    if study.extrahepatic_spread == Finding::Yes {
        clause.push_str(lang.pick("，有肝外转移", " with extrahepatic spread"));
    }
    let before: Vec<&Treatment> = procedures
        .iter()
        .copied()
        .filter(|t| !is_course(t) && t.date.counts_before(study.date.day()))
        .collect();
    if let Some(after) = procedures_phrase(&before, lang) {
        clause.push_str(&match lang {
            Lang::Zh => format!("，{after}后"),
            Lang::En => format!(" after {after}"),
        });
    }
    let modality = words::modality(study.modality, lang);
    let date = study.date.for_reader(lang);
    let (_, verdicts) = verdicts_at_latest_study(case, criteria, today)?;
    let codes: Vec<&str> = verdicts.iter().map(|c| c.outcome.label(lang)).collect();
    let one = codes
        .first()
        .filter(|first| codes.iter().all(|c| c == *first));
    clause.push_str(&match (lang, one) {
        (_, None) if codes.is_empty() => match lang {
            Lang::Zh => format!("（{date} {modality}）"),
            Lang::En => format!(" on {modality} {date}"),
        },
        (Lang::Zh, Some(code)) => format!(
            "，{date} {modality} 示{}（mRECIST {code}）",
            verdict_word(code, lang)
        ),
        (Lang::En, Some(code)) => format!(
            ", {} on {modality} {date} (mRECIST {code})",
            verdict_word(code, lang)
        ),
        (_, _) => {
            // Several verdicts for one scan (one per earlier treatment): each with what it
            // is measured after, the scan said once.
            let scan = format!("{} {}", study.modality, study.date);
            let each: Vec<String> = verdicts
                .iter()
                .map(|c| {
                    let basis = c.basis.as_ref().map(|b| b.best(lang)).unwrap_or_default();
                    let after = basis
                        .strip_prefix(&scan)
                        .map(|rest| rest.trim_start_matches([',', '，', ' ']))
                        .unwrap_or(basis);
                    match lang {
                        Lang::Zh => format!("{after} {}", c.outcome.label(lang)),
                        Lang::En => format!("{} {after}", c.outcome.label(lang)),
                    }
                })
                .collect();
            match lang {
                Lang::Zh => format!("，{date} {modality} mRECIST：{}", each.join("，")),
                Lang::En => format!(", mRECIST {} on {modality} {date}", each.join(", ")),
            }
        }
    });
    Some(clause)
}

/// mRECIST codes in words: "progressing", "进展".
fn verdict_word(code: &str, lang: Lang) -> &'static str {
    match code {
        "PD" => lang.pick("进展", "progressing"),
        "SD" => lang.pick("稳定", "stable"),
        "PR" => lang.pick("部分缓解", "partial response"),
        "CR" => lang.pick("完全缓解", "complete response"),
        _ => lang.pick("疗效评价", "assessed"),
    }
}

/// Procedures grouped by kind with their dates: "TACE ×2 (2021-07-05, 2021-08-27)" /
/// "TACE 2 次（2021-07-05、2021-08-27）"; `None` without any.
fn procedures_phrase(procedures: &[&Treatment], lang: Lang) -> Option<String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for t in procedures.iter().filter(|t| !is_course(t)) {
        let name = treatment_line(t, lang).name;
        let date = t.date.for_reader(lang);
        match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, dates)) => dates.push(date),
            None => groups.push((name, vec![date])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(name, dates)| match (lang, dates.len()) {
            (Lang::Zh, 1) => format!("{name}（{}）", dates[0]),
            (Lang::Zh, n) => format!("{name} {n} 次（{}）", dates.join("、")),
            (Lang::En, 1) => format!("{name} ({})", dates[0]),
            (Lang::En, n) => format!("{name} ×{n} ({})", dates.join(", ")),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(lang.pick("、", " and ")))
}

/// AFP over time, in the unit of the newest value: "AFP rising 35.2 → 141 ng/mL (Jun 20, 2021
/// to Nov 10, 2021)"; "rising" or "falling" only when every step goes that way.
fn afp_clause(case: &Case, lang: Lang, today: NaiveDate) -> Option<String> {
    let latest = latest_lab(case, Analyte::Afp, today)?;
    let unit = latest.measured().map(|m| m.unit);
    let mut series: Vec<&LabResult> = case
        .labs
        .iter()
        .filter(|l| {
            l.analyte == Analyte::Afp
                && l.date.day() <= today
                && l.measured().map(|m| m.unit) == unit
        })
        .collect();
    series.sort_by_key(|l| l.date);
    let unit_text = unit
        .filter(|u| *u != Unit::Ratio)
        .map(|u| format!(" {}", u.symbol()))
        .unwrap_or_default();
    if series.len() < 2 {
        return Some(format!("AFP {}", dated_reading(latest, lang)));
    }
    let exact: Option<Vec<Decimal>> = series
        .iter()
        .map(|l| {
            l.measured()
                .filter(|m| m.qualifier == crate::case::model::Qualifier::Exact)
                .map(|m| m.value)
        })
        .collect();
    let trend = exact.and_then(|values| {
        let pairs: Vec<(Decimal, Decimal)> = values.windows(2).map(|w| (w[0], w[1])).collect();
        if pairs.iter().all(|(a, b)| b > a) {
            Some(lang.pick("持续升高", "rising"))
        } else if pairs.iter().all(|(a, b)| b < a) {
            Some(lang.pick("持续下降", "falling"))
        } else {
            None
        }
    });
    let shown: Vec<String> = if series.len() <= 5 {
        series
            .iter()
            .map(|l| words::reading(&l.reading, lang))
            .collect()
    } else {
        vec![
            words::reading(&series[0].reading, lang),
            "…".to_string(),
            words::reading(&latest.reading, lang),
        ]
    };
    let (first, last) = (
        series[0].date.for_reader(lang),
        latest.date.for_reader(lang),
    );
    let trend = trend.map(|t| format!(" {t}")).unwrap_or_default();
    Some(match lang {
        Lang::Zh => format!(
            "AFP{trend} {}{unit_text}（{first} 至 {last}）",
            shown.join(" → ")
        ),
        Lang::En => format!(
            "AFP{trend} {}{unit_text} ({first} to {last})",
            shown.join(" → ")
        ),
    })
}

fn dated_reading(lab: &LabResult, lang: Lang) -> String {
    format!(
        "{}{}{}{}",
        reading_with_unit(lab, lang),
        lang.pick("（", " ("),
        lab.date.for_reader(lang),
        lang.pick("）", ")")
    )
}

/// The one-line case statement: who, the liver disease with its function, the tumour and its
/// course, AFP, and the drug courses against the cancer.
fn case_line(
    case: &Case,
    criteria: &[Criterion],
    primary: Option<&Primary>,
    liver: Option<&str>,
    treatments: &[&Treatment],
    lang: Lang,
    today: NaiveDate,
) -> String {
    let age = case.patient.age_text(today);
    let who = match (lang, case.patient.sex) {
        (Lang::Zh, Sex::Male) => format!("{age}岁男性"),
        (Lang::Zh, Sex::Female) => format!("{age}岁女性"),
        (Lang::En, Sex::Male) => format!("{age}-year-old man"),
        (Lang::En, Sex::Female) => format!("{age}-year-old woman"),
    };
    let mut parts = Vec::new();
    if let Some(liver) = liver {
        let mut scores = Vec::new();
        let child = computed(criteria, Kind::ChildPugh, lang);
        let meld_result = computed(criteria, Kind::Meld3, lang);
        let same_day = matches!((&child, &meld_result), (Some((_, a)), Some((_, b))) if a == b);
        if let Some((class, date)) = &child {
            scores.push(match (same_day, date) {
                (false, Some(date)) => format!("Child-Pugh {class} {date}"),
                _ => format!("Child-Pugh {class}"),
            });
        }
        let meld = lang.pick("MELD 3.0 评分", "MELD 3.0 score");
        if let Some((value, date)) = &meld_result {
            scores.push(match (same_day, date) {
                (true, Some(date)) => format!("{meld} {value}{}{date}", lang.pick("，", ", ")),
                (false, Some(date)) => format!("{meld} {value} {date}"),
                _ => format!("{meld} {value}"),
            });
        }
        parts.push(if scores.is_empty() {
            liver.to_string()
        } else {
            format!(
                "{liver}{}{}{}",
                lang.pick("（", " ("),
                scores.join(lang.pick("，", ", ")),
                lang.pick("）", ")")
            )
        });
    }
    let mut tumour_parts = Vec::new();
    if let Some(tumour) = tumour_clause(case, criteria, primary, treatments, lang, today) {
        tumour_parts.push(tumour);
    } else if let Some(p) = primary {
        tumour_parts.push(p.label.clone());
    }
    parts.extend(tumour_parts);
    parts.extend(afp_clause(case, lang, today));
    for t in treatments.iter().filter(|t| is_course(t)) {
        let name = drug_names(t, lang);
        let line = if t.course.stop.is_some() || t.course.stop_reason.is_some() {
            let end = words::course_end(&t.course, lang).unwrap_or_default();
            format!("{name} {end}")
        } else {
            course_line(&name, Some(t.date), &t.course, t.notes.as_ref(), lang).0
        };
        parts.push(line);
    }
    format!(
        "{who}{}{}{}",
        lang.pick("，", ", "),
        parts.join(lang.pick("；", "; ")),
        lang.pick("。", ".")
    )
}

/// The disease in one line for a form: the primary diagnosis and date, the procedures with
/// their dates, each drug course with its span and stop, the latest computed response.
fn disease_line(
    primary: Option<&Primary>,
    treatments: &[&Treatment],
    case: &Case,
    criteria: &[Criterion],
    lang: Lang,
    today: NaiveDate,
) -> String {
    let mut parts = Vec::new();
    if let Some(p) = primary {
        parts.push(format!(
            "{}{}{}",
            p.label,
            lang.pick("，", ", "),
            diagnosed(p.date, lang)
        ));
    }
    parts.extend(procedures_phrase(treatments, lang));
    for t in treatments.iter().filter(|t| is_course(t)) {
        let name = drug_names(t, lang);
        let start = t.date.for_reader(lang);
        parts.push(match (t.course.stop, t.course.stop_reason, lang) {
            (Some(stop), _, Lang::Zh) => format!(
                "{name} {start} 至 {}（{}）",
                stop.for_reader(lang),
                short_reason(t.course.stop_reason, lang)
            ),
            (Some(stop), _, Lang::En) => format!(
                "{name} {start} → {}, {}",
                stop.for_reader(lang),
                short_reason(t.course.stop_reason, lang)
            ),
            (None, Some(reason), Lang::Zh) => {
                format!("{name} {start} 起（{}）", short_reason(Some(reason), lang))
            }
            (None, Some(reason), Lang::En) => {
                format!("{name} from {start}, {}", short_reason(Some(reason), lang))
            }
            (None, None, _) => {
                course_line(&name, Some(t.date), &t.course, t.notes.as_ref(), lang).0
            }
        });
    }
    if let Some(response) = latest_response(case, criteria, lang, today) {
        parts.push(response);
    }
    parts.join(lang.pick("；", "; "))
}

fn short_reason(reason: Option<StopReason>, lang: Lang) -> &'static str {
    match reason {
        Some(StopReason::SideEffects) => lang.pick("因不良反应停药", "stopped for side effects"),
        Some(StopReason::Progression) => lang.pick("因进展停药", "stopped for progression"),
        Some(StopReason::Completed) => lang.pick("疗程结束", "completed"),
        Some(StopReason::Other) => lang.pick("因其他原因停药", "stopped for another reason"),
        None => lang.pick("停药原因未记录", "stopped, reason not recorded"),
    }
}

/// The newest study with measured lesions (on or before `today`) and the mRECIST verdicts
/// computed at it (one per earlier treatment it can be measured after).
fn verdicts_at_latest_study<'a>(
    case: &'a Case,
    criteria: &'a [Criterion],
    today: NaiveDate,
) -> Option<(&'a crate::case::model::ImagingStudy, Vec<&'a Criterion>)> {
    let study = case
        .imaging
        .iter()
        .filter(|s| !s.lesions.is_empty() && s.date.day() <= today)
        .max_by_key(|s| s.date)?;
    let verdicts = criteria
        .iter()
        .filter(|c| {
            c.kind == Kind::Mrecist
                && matches!(c.outcome, Outcome::Category(_))
                && criterion_date(c).is_some_and(|d| d.day() == study.date.day())
        })
        .collect();
    Some((study, verdicts))
}

/// The response computed at the newest study, short: "2021-10-15 MRI 进展（mRECIST PD）";
/// verdicts that differ by baseline are named together, never one chosen.
fn latest_response(
    case: &Case,
    criteria: &[Criterion],
    lang: Lang,
    today: NaiveDate,
) -> Option<String> {
    let (study, verdicts) = verdicts_at_latest_study(case, criteria, today)?;
    let mut codes: Vec<&str> = verdicts.iter().map(|c| c.outcome.label(lang)).collect();
    codes.dedup();
    let (modality, date) = (
        words::modality(study.modality, lang),
        study.date.for_reader(lang),
    );
    Some(match (lang, codes.as_slice()) {
        (_, []) => return None,
        (Lang::Zh, [code]) => format!(
            "{date} {modality} {}（mRECIST {code}）",
            verdict_word(code, lang)
        ),
        (Lang::En, [code]) => format!(
            "{} on {modality} {date} (mRECIST {code})",
            verdict_word(code, lang)
        ),
        (Lang::Zh, codes) => format!("{date} {modality} mRECIST 因基线不同为 {}", codes.join("/")),
        (Lang::En, codes) => format!(
            "mRECIST on {modality} {date} {} by baseline",
            codes.join("/")
        ),
    })
}

/// Each hospital with what was done there, in the order first seen; then the physicians the
/// case names (assessments), or a line saying none is named.
fn hospitals(case: &Case, lang: Lang, today: NaiveDate) -> Vec<Fact> {
    // (date, hospital, what was done there with its date)
    let mut events: Vec<(CaseDate, String, String)> = Vec::new();
    for d in case.diagnoses.iter().filter(|d| d.date.day() <= today) {
        if let Some(h) = &d.hospital {
            let what = format!(
                "{} {}",
                words::condition(d.condition, lang),
                d.date.with_uncertainty(lang)
            );
            events.push((d.date, h.best(lang).to_string(), what));
        }
    }
    for t in case.treatments.iter().filter(|t| t.date.day() <= today) {
        if let Some(h) = &t.hospital {
            // A course with its span and stop, so that no line shows a stopped drug as taken.
            let line = treatment_line(t, lang);
            let what = if is_course(t) {
                line.fact.text
            } else {
                format!("{} {}", line.name, t.date.with_uncertainty(lang))
            };
            events.push((t.date, h.best(lang).to_string(), what));
        }
    }
    for s in case.imaging.iter().filter(|s| s.date.day() <= today) {
        if let Some(h) = &s.hospital {
            let what = format!(
                "{} {}",
                words::modality(s.modality, lang),
                s.date.with_uncertainty(lang)
            );
            events.push((s.date, h.best(lang).to_string(), what));
        }
    }
    events.sort_by_key(|e| e.0);
    let mut order: Vec<String> = Vec::new();
    let mut by_hospital: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (_, hospital, what) in events {
        if !order.contains(&hospital) {
            order.push(hospital.clone());
        }
        by_hospital.entry(hospital).or_default().push(what);
    }
    let mut out: Vec<Fact> = order
        .into_iter()
        .map(|h| {
            let what = by_hospital[&h].join(lang.pick("；", "; "));
            Fact {
                text: format!("{h}{}{what}", lang.pick("：", ": ")),
                date: None,
                source: None,
            }
        })
        .collect();
    let physicians: Vec<Fact> = case
        .assessments
        .iter()
        .filter(|a| a.date.day() <= today)
        .filter_map(|a| {
            let who = a.assessed_by.as_ref()?.best(lang);
            let date = a.date.for_reader(lang);
            Some(Fact {
                text: match lang {
                    Lang::Zh => format!("医生：{who}（{date} 评估）"),
                    Lang::En => format!("Physician: {who}, assessment {date}"),
                },
                date: Some(date),
                source: None,
            })
        })
        .collect();
    if physicians.is_empty() {
        out.push(Fact {
            text: lang
                .pick("医生姓名：未记录", "Physicians' names: not recorded")
                .to_string(),
            date: None,
            source: None,
        });
    }
    out.extend(physicians);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::{Diagnosis, Medication};
    use crate::packet::tests::{demo_case, today};

    fn statement(case: &Case, lang: Lang) -> Statement {
        let criteria = crate::clinical::evaluate(case, today());
        build(case, &criteria, lang, today())
    }

    fn date(s: &str) -> CaseDate {
        CaseDate::parse(s).unwrap()
    }

    #[test]
    fn words_that_say_a_drug_stopped() {
        for stopped in [
            "2019年停用",
            "已停药",
            "stopped in 2019",
            "Discontinued 2020",
        ] {
            assert!(says_stopped(&Text::plain(stopped)), "{stopped}");
        }
        for current in [
            "hepatitis B antiviral",
            "预防食管静脉曲张出血",
            "stop bleeding",
        ] {
            assert!(!says_stopped(&Text::plain(current)), "{current}");
        }
    }

    #[test]
    fn a_date_not_known_is_said_never_made_a_day() {
        let mut case = demo_case();
        case.diagnoses[0].date = CaseDate::unknown();
        case.medications[1].start = Some(CaseDate::unknown());
        let en = statement(&case, Lang::En);
        assert!(
            en.diagnoses
                .iter()
                .any(|d| d.text == "Hepatitis B cirrhosis (compensated), date of diagnosis not known; HBV known since 1996"),
            "{:?}",
            en.diagnoses
        );
        assert!(
            en.current_medications.iter().any(|m| m
                .text
                .starts_with("Propranolol 10 mg twice daily, start date not known")),
            "{:?}",
            en.current_medications
        );
        let zh = statement(&case, Lang::Zh);
        assert!(
            zh.diagnoses
                .iter()
                .any(|d| d.text.contains("，诊断日期不详")),
            "{:?}",
            zh.diagnoses
        );

        // The cancer itself: the form's one-line disease says so, never "diagnosed date not known".
        let hcc = case
            .diagnoses
            .iter_mut()
            .find(|d| d.condition == Condition::Hcc)
            .unwrap();
        hcc.date = CaseDate::unknown();
        let en = statement(&case, Lang::En);
        assert!(
            en.disease_line
                .starts_with("hepatocellular carcinoma (HCC), date of diagnosis not known"),
            "{}",
            en.disease_line
        );
        let zh = statement(&case, Lang::Zh);
        assert!(
            zh.disease_line.contains("，诊断日期不详"),
            "{}",
            zh.disease_line
        );
    }

    #[test]
    fn the_cancer_leads_whatever_was_diagnosed_last() {
        let mut case = demo_case();
        case.diagnoses.push(Diagnosis {
            date: date("2021-11-01"),
            condition: Condition::Varices,
            text: Some(Text::both("食管静脉曲张", "esophageal varices")),
            hospital: None,
            record: None,
        });
        let en = statement(&case, Lang::En);
        assert_eq!(
            en.primary.as_ref().unwrap().label,
            "hepatocellular carcinoma (HCC)"
        );
        let diagnoses: Vec<&str> = en.diagnoses.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(
            diagnoses,
            [
                "hepatocellular carcinoma (HCC), diagnosed on MRI Jun 18, 2021, LR-5",
                "Hepatitis B cirrhosis (compensated), diagnosed Mar 22, 2017; HBV known since 1996",
                "esophageal varices, Nov 1, 2021",
            ]
        );
        let zh = statement(&case, Lang::Zh);
        assert_eq!(
            zh.diagnoses[0].text,
            "肝细胞癌（HCC），2021-06-18 MRI 诊断（LR-5）"
        );
        assert_eq!(zh.complications[0].text, "食管静脉曲张，2021-11-01");
    }

    #[test]
    fn courses_say_their_drugs_dates_and_stops() {
        let case = demo_case();
        let en = statement(&case, Lang::En);
        let lines: Vec<&str> = en.treatments.iter().map(|t| t.fact.text.as_str()).collect();
        assert_eq!(
            lines,
            [
                "TACE Jul 5, 2021",
                "TACE Aug 27, 2021",
                "sorafenib 400 mg twice daily, Sep 20, 2021 → Oct 25, 2021, stopped for side effects: repeated vomiting, gastric ulcer (grade 3)",
            ]
        );
        assert!(!en.treatments[2].current);
        assert_eq!(
            en.antivirals[0].fact.text,
            "tenofovir alafenamide 25 mg once daily since Apr 1, 2017"
        );
        assert!(en.antivirals[0].current);
    }

    #[test]
    fn a_drug_is_current_only_without_a_stop_or_words_saying_it_stopped() {
        let mut case = demo_case();
        case.medications.push(Medication {
            name: Text::plain("Entecavir"),
            dose: Some(Text::plain("0.5 mg")),
            start: Some(date("2012-03")),
            course: Course::default(),
            purpose: Some(Text::plain("stopped in 2017")),
        });
        case.medications[1].course.stop_reason = Some(StopReason::Other);
        let en = statement(&case, Lang::En);
        let current: Vec<&str> = en
            .current_medications
            .iter()
            .map(|m| m.text.as_str())
            .collect();
        assert_eq!(
            current,
            ["Tenofovir alafenamide (TAF) 25 mg once daily since Apr 2017 (hepatitis B antiviral)"]
        );
        let stopped: Vec<&str> = en
            .stopped_medications
            .iter()
            .map(|m| m.text.as_str())
            .collect();
        assert_eq!(
            stopped,
            [
                "Propranolol 10 mg twice daily from Nov 2019, stopped for another reason, stop date not recorded (prevention of variceal bleeding)",
                "Entecavir 0.5 mg from Mar 2012; the case says “stopped in 2017”, stop date not recorded",
            ]
        );
    }

    #[test]
    fn a_stopped_antiviral_is_not_the_current_one() {
        let mut case = demo_case();
        let taf = case
            .treatments
            .iter_mut()
            .find(|t| t.kind == TreatmentKind::Antiviral)
            .unwrap();
        taf.course.stop = Some(date("2021-03-01"));
        let zh = statement(&case, Lang::Zh);
        let antiviral = zh.status.last().unwrap();
        assert_eq!(
            antiviral.text,
            "抗病毒治疗：丙酚替诺福韦 25 mg 每日一次，2017-04-01 至 2021-03-01，停药（原因未记录）；未记录目前的抗病毒治疗"
        );
    }

    #[test]
    fn the_case_line_in_both_languages() {
        let case = demo_case();
        let en = statement(&case, Lang::En).case_line;
        assert!(
            en.starts_with("68-year-old man, HBV cirrhosis (Child-Pugh A6, MELD 3.0 score 10, Nov 10, 2021); HCC 34 mm (viable 31 mm) in S8 after TACE ×2 (Jul 5, 2021, Aug 27, 2021)"),
            "{en}"
        );
        assert!(
            en.ends_with("AFP rising 35.2 → 62.4 → 85.0 → 141 ng/mL (Jun 20, 2021 to Nov 10, 2021); sorafenib stopped Oct 25, 2021 for side effects: repeated vomiting, gastric ulcer (grade 3)."),
            "{en}"
        );
        let zh = statement(&case, Lang::Zh).case_line;
        assert!(
            zh.starts_with("68岁男性，乙肝肝硬化（Child-Pugh A6，MELD 3.0 评分 10，2021-11-10）；肝细胞癌 S8 34 mm（活性部分 31 mm），TACE 2 次（2021-07-05、2021-08-27）后"),
            "{zh}"
        );
        assert!(
            zh.contains("AFP 持续升高 35.2 → 62.4 → 85.0 → 141 ng/mL（2021-06-20 至 2021-11-10）"),
            "{zh}"
        );
    }
}
