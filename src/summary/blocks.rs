//! Generated content for the `:::name` directives: tables and charts built from the case, in
//! one language. Every value keeps its date and, where there is one, its source record.

use std::collections::{BTreeMap, BTreeSet};

use crate::date::CaseDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};

use super::words;
use crate::case::Case;
use crate::case::model::{LabResult, Measured, Qualifier, Treatment, TreatmentKind};
use crate::contacts::Contact;
use crate::document::{
    Axis, Block, Chart, EventKind, Inline, LineChart, Marker, Series, Span, Table, Timeline,
    TimelineEvent,
};
use crate::lab::{ANALYTES, Analyte, Unit, UnitSystem, convert};
use crate::text::{Lang, Text};
use crate::toml_reader::Choice;
use crate::us_date::ReaderDate;

/// Dates per labs table: more would make the columns too narrow on A4.
const DATES_PER_TABLE: usize = 5;

fn cell(text: impl Into<String>) -> Inline {
    vec![Span::plain(text)]
}

fn header(cells: &[&str]) -> Vec<Inline> {
    cells.iter().map(|c| vec![Span::plain(*c)]).collect()
}

fn opt_text(text: Option<&Text>, lang: Lang) -> String {
    text.map(|t| t.best(lang).to_string()).unwrap_or_default()
}

/// Labs over time: one row per analyte, one column per date, each analyte in the unit its
/// reader is used to (`system`). A value printed in another unit is converted exactly and
/// rounded to the precision it was printed with, and marked †; one that cannot be converted
/// (AFP in IU/mL, HBV DNA in copies) is shown as printed with its unit. ↑ ↓ compare each value
/// with its own lab's range. The note on converted values points to the sheets only when they
/// are `appended`.
pub fn labs(case: &Case, lang: Lang, system: UnitSystem, appended: bool) -> Vec<Block> {
    let mut dates: Vec<CaseDate> = case.labs.iter().map(|l| l.date).collect();
    dates.sort();
    dates.dedup();
    if dates.is_empty() {
        return vec![Block::Paragraph(cell(
            lang.pick("无化验记录。", "No laboratory results recorded."),
        ))];
    }
    // Each analyte's results by date, computed once: a case may hold thousands of lab sets.
    let mut by_analyte: BTreeMap<Analyte, BTreeMap<CaseDate, Vec<&LabResult>>> = BTreeMap::new();
    for lab in &case.labs {
        by_analyte
            .entry(lab.analyte)
            .or_default()
            .entry(lab.date)
            .or_default()
            .push(lab);
    }
    // Per analyte: the unit its row is in (none for words only) and the range shown.
    let facts: BTreeMap<Analyte, (Option<Unit>, String)> = by_analyte
        .iter()
        .map(|(&analyte, dated)| {
            let measured: Vec<(&LabResult, &Measured)> = dated
                .values()
                .flatten()
                .filter_map(|r| Some((*r, r.measured()?)))
                .collect();
            let row_unit = (!measured.is_empty()).then(|| analyte.display_unit(system));
            // The newest range printed in the row's unit; else the newest one, converted.
            let ranges = || {
                measured
                    .iter()
                    .rev()
                    .filter_map(|(r, m)| Some((r.reference_range.as_deref()?, m.unit)))
            };
            let range = ranges()
                .find(|(_, unit)| Some(*unit) == row_unit)
                .or_else(|| ranges().next())
                .map(|(range, unit)| match row_unit {
                    Some(row) if row != unit => range_in(analyte, range, unit, row)
                        .unwrap_or_else(|| format!("{range} {}", unit_label(unit))),
                    _ => range.to_string(),
                })
                .unwrap_or_default();
            (analyte, (row_unit, range))
        })
        .collect();
    let mut converted_from = BTreeSet::new();
    let mut blocks = Vec::new();
    for chunk in dates.chunks(DATES_PER_TABLE) {
        let mut head = vec![
            lang.pick("项目", "Test").to_string(),
            lang.pick("单位", "Unit").to_string(),
            lang.pick("参考范围", "Range").to_string(),
        ];
        head.extend(chunk.iter().map(|d| d.for_reader(lang)));
        let mut rows = Vec::new();
        for info in ANALYTES {
            let Some(dated) = by_analyte.get(&info.analyte) else {
                continue;
            };
            if !chunk.iter().any(|d| dated.contains_key(d)) {
                continue;
            }
            let (row_unit, range) = facts[&info.analyte].clone();
            let name = lang.pick(info.zh, info.en);
            let mut label = vec![Span::bold(info.abbr)];
            if name != info.abbr {
                label.push(Span::plain(format!(" {name}")));
            }
            let mut row = vec![
                label,
                cell(row_unit.map(unit_label).unwrap_or_default()),
                cell(range),
            ];
            for date in chunk {
                let text = dated
                    .get(date)
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        let Some(measured) = r.measured() else {
                            return words::reading(&r.reading, lang);
                        };
                        let mut s = match row_unit {
                            Some(row) if row != measured.unit => {
                                match convert_shown(info.analyte, measured, row) {
                                    // The same number under another name (mmol/L, mEq/L).
                                    Some(shown) if shown == measured.shown() => shown,
                                    Some(shown) => {
                                        converted_from.insert(unit_label(measured.unit));
                                        format!("{shown}†")
                                    }
                                    None => format!(
                                        "{} {}",
                                        measured.shown(),
                                        unit_label(measured.unit)
                                    ),
                                }
                            }
                            _ => measured.shown(),
                        };
                        if let Some(flag) = r
                            .reference_range
                            .as_deref()
                            .and_then(|range| out_of_range(measured.value, range))
                        {
                            s.push(' ');
                            s.push_str(flag);
                        }
                        s
                    })
                    .collect::<Vec<_>>()
                    .join(" / ");
                row.push(cell(text));
            }
            rows.push(row);
        }
        let mut widths = vec![3.2, 1.3, 1.5];
        widths.extend(std::iter::repeat_n(1.4, chunk.len()));
        blocks.push(Block::Table(Table {
            header: head.iter().map(|h| vec![Span::plain(h.clone())]).collect(),
            rows,
            widths: Some(widths),
            compact: false,
        }));
    }
    // Where laboratories' ranges differ, each is named with its dates: ↑ ↓ use each value's own.
    let mut differing = Vec::new();
    for (analyte, dated) in &by_analyte {
        let mut ranges: Vec<(String, Vec<CaseDate>)> = Vec::new();
        for r in dated.values().flatten() {
            let (Some(range), Some(m)) = (r.reference_range.as_deref(), r.measured()) else {
                continue;
            };
            let shown = format!("{range} {}", unit_label(m.unit)).trim().to_string();
            match ranges.iter_mut().find(|(s, _)| *s == shown) {
                Some((_, dates)) => dates.push(r.date),
                None => ranges.push((shown, vec![r.date])),
            }
        }
        if ranges.len() > 1 {
            let listed = ranges
                .iter()
                .map(|(range, dates)| {
                    let dates: Vec<String> = dates.iter().map(|d| d.for_reader(lang)).collect();
                    format!("{range} ({})", dates.join(", "))
                })
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; "));
            differing.push(format!("{} {listed}", analyte.info().abbr));
        }
    }
    if !differing.is_empty() {
        blocks.push(Block::Note(cell(format!(
            "{}{}",
            lang.pick(
                "各化验室参考范围不同，↑↓ 按各自化验单的范围标注：",
                "Reference ranges differ between laboratories; ↑ ↓ compare each value with its own sheet's range: "
            ),
            differing.join(lang.pick("。", ". "))
        ))));
    }
    if !converted_from.is_empty() {
        let units = converted_from.into_iter().collect::<Vec<_>>().join(", ");
        blocks.push(Block::Note(cell(match (lang, appended) {
            (Lang::Zh, true) => format!("† 由化验单原单位（{units}）换算；原值见所附化验单。"),
            (Lang::Zh, false) => format!("† 由化验单原单位（{units}）换算。"),
            (Lang::En, true) => format!(
                "† converted from the unit printed on the lab sheet ({units}); the sheets are appended as printed."
            ),
            (Lang::En, false) => {
                format!("† converted from the unit printed on the lab sheet ({units}).")
            }
        })));
    }
    blocks.push(Block::Note(cell(lab_sources(case, lang))));
    blocks
}

/// A value converted to `unit`, with its `<`/`>`, rounded to the unit's usual decimals and to
/// no more significant digits than it was printed with. `None` without a fixed conversion.
pub(super) fn convert_shown(analyte: Analyte, measured: &Measured, unit: Unit) -> Option<String> {
    let value = convert(analyte, measured.value, measured.unit, unit)?;
    let shown = round_like(value, measured.value, analyte, unit);
    let sign = match measured.qualifier {
        Qualifier::Exact => "",
        Qualifier::Below => "<",
        Qualifier::Above => ">",
    };
    Some(format!("{sign}{shown}"))
}

/// `value` rounded half-up to the decimals usual for `unit`, fewer if `printed` had fewer
/// significant digits (1.3 mg/dL is 22 µmol/L, not 22.2).
fn round_like(value: Decimal, printed: Decimal, analyte: Analyte, unit: Unit) -> Decimal {
    let usual = crate::lab::display_decimals(analyte, unit);
    let digits = printed
        .normalize()
        .mantissa()
        .unsigned_abs()
        .to_string()
        .len() as i64;
    let magnitude = if value.is_zero() {
        0
    } else {
        value.abs().log10().floor().to_i64().unwrap_or(0)
    };
    let by_digits = (digits - 1 - magnitude).max(0) as u32;
    value.round_dp_with_strategy(usual.min(by_digits), RoundingStrategy::MidpointAwayFromZero)
}

/// A printed range (`3.4-20.5`, `<8.1`, `>60`) in another unit, or `None` if it is not one of
/// those forms.
fn range_in(analyte: Analyte, range: &str, from: Unit, to: Unit) -> Option<String> {
    let range = range.trim().replace(['–', '—', '~', '～'], "-");
    let number = |s: &str| -> Option<Decimal> {
        let n: Decimal = s.trim().parse().ok()?;
        Some(round_like(convert(analyte, n, from, to)?, n, analyte, to))
    };
    for prefix in ['<', '≤', '>', '≥'] {
        if let Some(rest) = range.strip_prefix(prefix) {
            return Some(format!("{prefix}{}", number(rest)?));
        }
    }
    let (low, high) = range.split_once('-')?;
    Some(format!("{}-{}", number(low)?, number(high)?))
}

fn unit_label(unit: Unit) -> &'static str {
    if unit == Unit::Ratio {
        ""
    } else {
        unit.symbol()
    }
}

/// ↑ or ↓ when a value lies outside a printed range such as `3.4-20.5`, `<8.1` or `>60`.
fn out_of_range(value: Decimal, range: &str) -> Option<&'static str> {
    let (low, high) = crate::lab::range_limits(range)?;
    if high.is_some_and(|h| value > h) {
        Some("↑")
    } else if low.is_some_and(|l| value < l) {
        Some("↓")
    } else {
        None
    }
}

fn lab_sources(case: &Case, lang: Lang) -> String {
    let mut by_date: BTreeMap<CaseDate, Vec<String>> = BTreeMap::new();
    for lab in &case.labs {
        let entry = by_date.entry(lab.date).or_default();
        let source = lab.source.as_ref().map_or_else(
            || lang.pick("未注明出处", "no source given").to_string(),
            |p| p.display().to_string(),
        );
        if !entry.contains(&source) {
            entry.push(source);
        }
    }
    let list = by_date
        .iter()
        .map(|(d, s)| format!("{}: {}", d.for_reader(lang), s.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    format!("{}{list}", lang.pick("来源：", "Sources: "))
}

/// A diameter as written: "34", or "≈ 34 (approximate)".
fn size_cell(mm: Decimal, approximate: bool, lang: Lang) -> String {
    let mm = mm.normalize();
    if approximate {
        format!("≈ {mm}{}", lang.pick("（约数）", " (approximate)"))
    } else {
        mm.to_string()
    }
}

/// One row per lesion per imaging study.
pub fn lesions(case: &Case, lang: Lang) -> Vec<Block> {
    let mut rows = Vec::new();
    let mut studies: Vec<_> = case.imaging.iter().collect();
    studies.sort_by_key(|s| s.date);
    for study in &studies {
        for lesion in &study.lesions {
            rows.push(vec![
                cell(study.date.for_reader(lang)),
                cell(words::modality(study.modality, lang)),
                cell(lesion.id.clone()),
                cell(lesion.segment.clone().unwrap_or_default()),
                cell(size_cell(
                    lesion.longest_mm,
                    lesion.longest_approximate,
                    lang,
                )),
                cell(
                    lesion
                        .viable_mm
                        .map(|v| size_cell(v, lesion.viable_approximate, lang))
                        .unwrap_or_else(|| "—".into()),
                ),
                cell({
                    // The class, and the family's note beside it.
                    let class = lesion.class.map_or("—", |c| c.name());
                    match &lesion.note {
                        Some(note) => {
                            format!("{class}{}{}", lang.pick("；", "; "), note.best(lang))
                        }
                        None => class.to_string(),
                    }
                }),
                cell(words::finding(study.macrovascular_invasion, lang)),
                cell(words::finding(study.extrahepatic_spread, lang)),
            ]);
        }
    }
    if rows.is_empty() {
        return vec![Block::Paragraph(cell(
            lang.pick("无病灶测量记录。", "No lesion measurements recorded."),
        ))];
    }
    let head = match lang {
        Lang::Zh => header(&[
            "日期",
            "检查",
            "病灶",
            "肝段",
            "最大径 mm",
            "活性 mm",
            "分类",
            "大血管侵犯",
            "肝外转移",
        ]),
        Lang::En => header(&[
            "Date",
            "Study",
            "Lesion",
            "Segment",
            "Longest mm",
            "Viable mm",
            "Class",
            "Macrovascular invasion",
            "Extrahepatic spread",
        ]),
    };
    vec![Block::Table(Table {
        header: head,
        rows,
        widths: Some(vec![1.6, 1.1, 0.8, 0.9, 1.1, 1.0, 1.5, 1.4, 1.4]),
        compact: false,
    })]
}

/// Lesion diameters (whole and viable) and AFP over time, with a marker at each treatment.
pub fn lesion_chart(case: &Case, lang: Lang) -> Vec<Block> {
    let mut series: Vec<Series> = Vec::new();
    let mut ids: Vec<&str> = case
        .imaging
        .iter()
        .flat_map(|s| s.lesions.iter().map(|l| l.id.as_str()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mm = |d: Decimal| d.to_string().parse::<f64>().unwrap_or(0.0);
    for id in ids {
        let mut whole = Vec::new();
        let mut viable = Vec::new();
        for study in &case.imaging {
            if let Some(lesion) = study.lesions.iter().find(|l| l.id == id) {
                whole.push((study.date.day(), mm(lesion.longest_mm)));
                if let Some(v) = lesion.viable_mm {
                    viable.push((study.date.day(), mm(v)));
                }
            }
        }
        whole.sort_by_key(|p| p.0);
        viable.sort_by_key(|p| p.0);
        series.push(Series {
            name: format!("{id} {}", lang.pick("最大径", "whole")),
            axis: Axis::Left,
            dashed: false,
            points: whole,
        });
        if !viable.is_empty() {
            series.push(Series {
                name: format!("{id} {}", lang.pick("活性", "viable")),
                axis: Axis::Left,
                dashed: true,
                points: viable,
            });
        }
    }
    let mut afp: Vec<(chrono::NaiveDate, f64)> = case
        .labs
        .iter()
        .filter(|l| l.analyte == Analyte::Afp)
        .filter_map(|l| {
            let m = l.measured()?;
            convert(Analyte::Afp, m.value, m.unit, Unit::NgPerMl).map(|v| (l.date.day(), mm(v)))
        })
        .collect();
    afp.sort_by_key(|p| p.0);
    let has_afp = !afp.is_empty();
    if has_afp {
        series.push(Series {
            name: "AFP".into(),
            axis: Axis::Right,
            dashed: false,
            points: afp,
        });
    }
    if series.is_empty() {
        return Vec::new();
    }
    let markers = treatment_markers(case, lang);
    vec![Block::Chart(Chart::Line(LineChart {
        title: lang
            .pick("病灶大小与 AFP 随时间变化", "Lesion size and AFP over time")
            .into(),
        left_axis: lang.pick("直径 (mm)", "diameter (mm)").into(),
        right_axis: has_afp.then(|| "AFP (ng/mL)".to_string()),
        series,
        markers,
    }))]
}

fn is_tumour_treatment(kind: TreatmentKind) -> bool {
    !matches!(kind, TreatmentKind::Antiviral | TreatmentKind::Other)
}

/// Short enough for a chart: the id, else the drugs, else the kind.
fn chart_label(t: &Treatment, lang: Lang) -> String {
    t.id.clone()
        .or_else(|| t.drugs(lang))
        .unwrap_or_else(|| words::treatment(t.kind, lang).to_string())
}

fn treatment_markers(case: &Case, lang: Lang) -> Vec<Marker> {
    case.treatments
        .iter()
        .filter(|t| is_tumour_treatment(t.kind))
        .map(|t| Marker {
            date: t.date.day(),
            label: chart_label(t, lang),
        })
        .collect()
}

/// Diagnoses, tumour treatments and imaging studies on a time axis.
pub fn timeline_chart(case: &Case, lang: Lang) -> Vec<Block> {
    let mut events: Vec<TimelineEvent> = case
        .diagnoses
        .iter()
        .map(|d| TimelineEvent {
            date: d.date.placed(),
            written: d.date.for_reader(lang),
            label: short_condition(d.condition, lang),
            kind: EventKind::Diagnosis,
        })
        .chain(
            case.treatments
                .iter()
                .filter(|t| is_tumour_treatment(t.kind))
                .map(|t| TimelineEvent {
                    date: t.date.placed(),
                    written: t.date.for_reader(lang),
                    label: chart_label(t, lang),
                    kind: EventKind::Treatment,
                }),
        )
        .chain(case.imaging.iter().map(|s| TimelineEvent {
            date: s.date.placed(),
            written: s.date.for_reader(lang),
            label: words::modality(s.modality, lang).to_string(),
            kind: EventKind::Imaging,
        }))
        .collect();
    if events.is_empty() {
        return Vec::new();
    }
    events.sort_by_key(|e| e.date);
    vec![Block::Chart(Chart::Timeline(Timeline {
        title: lang.pick("病程时间线", "Course of the disease").into(),
        events,
    }))]
}

fn short_condition(condition: crate::case::model::Condition, lang: Lang) -> String {
    use crate::case::model::Condition;
    match condition {
        Condition::Lgdn => "LGDN".into(),
        Condition::Hgdn => "HGDN".into(),
        Condition::Hcc => "HCC".into(),
        other => words::condition(other, lang).to_string(),
    }
}

/// Every dated event in one table, with where it is documented.
pub fn timeline(case: &Case, lang: Lang) -> Vec<Block> {
    let mut rows: Vec<(CaseDate, Vec<Inline>)> = Vec::new();
    let source = |p: &Option<std::path::PathBuf>| {
        cell(
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        )
    };
    for d in &case.diagnoses {
        rows.push((
            d.date,
            vec![
                cell(d.date.with_uncertainty(lang)),
                vec![Span::plain(words::condition(d.condition, lang))],
                cell(opt_text(d.text.as_ref(), lang)),
                source(&d.record),
            ],
        ));
    }
    for t in &case.treatments {
        rows.push((
            t.date,
            vec![
                cell(t.date.with_uncertainty(lang)),
                vec![Span::plain(t.name(lang).unwrap_or_else(|| {
                    words::treatment(t.kind, lang).to_string()
                }))],
                cell(words::treatment_details(t, lang)),
                source(&t.record),
            ],
        ));
    }
    for s in &case.imaging {
        rows.push((
            s.date,
            vec![
                cell(s.date.with_uncertainty(lang)),
                vec![Span::plain(words::modality(s.modality, lang))],
                cell(opt_text(s.findings.as_ref(), lang)),
                source(&s.report),
            ],
        ));
    }
    if rows.is_empty() {
        return Vec::new();
    }
    rows.sort_by_key(|r| r.0);
    let head = header(&[
        lang.pick("日期", "Date"),
        lang.pick("事件", "Event"),
        lang.pick("内容", "Details"),
        lang.pick("资料", "Record"),
    ]);
    vec![Block::Table(Table {
        header: head,
        rows: rows.into_iter().map(|r| r.1).collect(),
        widths: Some(vec![1.2, 1.6, 5.0, 2.6]),
        compact: false,
    })]
}

pub fn treatments(case: &Case, lang: Lang) -> Vec<Block> {
    if case.treatments.is_empty() {
        return vec![Block::Paragraph(cell(
            lang.pick("无治疗记录。", "No treatments recorded."),
        ))];
    }
    let mut list: Vec<_> = case.treatments.iter().collect();
    list.sort_by_key(|t| t.date);
    let rows = list
        .iter()
        .map(|t| {
            vec![
                cell(t.date.for_reader(lang)),
                match &t.id {
                    Some(id) => vec![
                        Span::bold(id.clone()),
                        Span::plain(format!(" {}", words::treatment(t.kind, lang))),
                    ],
                    None => vec![Span::plain(words::treatment(t.kind, lang))],
                },
                cell(opt_text(t.hospital.as_ref(), lang)),
                cell(opt_text(t.technique.as_ref(), lang)),
                cell(
                    t.agents
                        .iter()
                        .map(|a| a.best(lang))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                cell(
                    t.notes
                        .as_ref()
                        .map(|n| n.best(lang).to_string())
                        .into_iter()
                        .chain(words::course_end(&t.course, lang))
                        .collect::<Vec<_>>()
                        .join(lang.pick("；", "; ")),
                ),
            ]
        })
        .collect();
    let head = header(&[
        lang.pick("日期", "Date"),
        lang.pick("治疗", "Treatment"),
        lang.pick("医院", "Hospital"),
        lang.pick("方式", "Technique"),
        lang.pick("药物/材料", "Agents"),
        lang.pick("备注", "Notes"),
    ]);
    vec![Block::Table(Table {
        header: head,
        rows,
        widths: Some(vec![1.2, 1.5, 2.0, 2.4, 2.0, 2.0]),
        compact: false,
    })]
}

/// Imaging studies with their reports and how DICOM reaches this contact (never by e-mail).
pub fn imaging(
    case: &Case,
    contact: Option<&Contact>,
    dicom: &[crate::dicom::Study],
    lang: Lang,
) -> Vec<Block> {
    let mut studies: Vec<_> = case.imaging.iter().collect();
    studies.sort_by_key(|s| s.date);
    let delivery = contact
        .and_then(|c| c.imaging.as_ref())
        .map(|i| i.delivery.name());
    let rows: Vec<Vec<Inline>> = studies
        .iter()
        .map(|s| {
            let dicom = match (&s.dicom, delivery) {
                (Some(dir), Some(how)) => format!(
                    "{} ({}: {how})",
                    dir.display(),
                    lang.pick("不随邮件发送，提供方式", "not e-mailed; delivery")
                ),
                (Some(dir), None) => format!(
                    "{} ({})",
                    dir.display(),
                    lang.pick("不随邮件发送", "not e-mailed")
                ),
                (None, _) => lang.pick("未提供", "not supplied").to_string(),
            };
            vec![
                cell(s.date.for_reader(lang)),
                cell(words::modality(s.modality, lang)),
                cell(opt_text(s.hospital.as_ref(), lang)),
                cell(
                    s.report
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "—".into()),
                ),
                cell(dicom),
            ]
        })
        .collect();
    if rows.is_empty() {
        return vec![Block::Paragraph(cell(
            lang.pick("无影像检查记录。", "No imaging studies recorded."),
        ))];
    }
    let head = header(&[
        lang.pick("日期", "Date"),
        lang.pick("检查", "Study"),
        lang.pick("医院", "Hospital"),
        lang.pick("报告", "Report"),
        "DICOM",
    ]);
    let mut blocks = vec![Block::Table(Table {
        header: head,
        rows,
        widths: Some(vec![1.2, 1.0, 2.4, 3.0, 3.0]),
        compact: false,
    })];
    if !dicom.is_empty() {
        blocks.push(Block::Heading {
            level: 3,
            text: cell(lang.pick("DICOM 影像索引", "DICOM index")),
        });
        blocks.extend(dicom_index(dicom, lang));
    }
    if let Some(wants) = contact
        .and_then(|c| c.imaging.as_ref())
        .and_then(|i| i.wants.as_ref())
    {
        blocks.push(Block::Note(cell(format!(
            "{}{}",
            lang.pick("贵院所需影像：", "Imaging you asked for: "),
            wants.best(lang)
        ))));
    }
    blocks
}

/// The DICOM studies and series found in the imaging folders (read from their headers).
pub fn dicom_index(studies: &[crate::dicom::Study], lang: Lang) -> Vec<Block> {
    if studies.is_empty() {
        return Vec::new();
    }
    let rows = studies
        .iter()
        .flat_map(|study| {
            study.series.iter().map(move |series| {
                vec![
                    // A valid header date is ISO; anything else is shown as written.
                    cell(
                        series
                            .date
                            .as_ref()
                            .or(study.date.as_ref())
                            .map(|date| match date.parse::<chrono::NaiveDate>() {
                                Ok(day) => day.for_reader(lang),
                                Err(_) => date.clone(),
                            })
                            .unwrap_or_default(),
                    ),
                    cell(series.modality.clone().unwrap_or_default()),
                    cell(
                        [&study.description, &series.description]
                            .into_iter()
                            .flatten()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(" / "),
                    ),
                    cell(series.body_part.clone().unwrap_or_default()),
                    cell(series.images.to_string()),
                    cell(study.folder.clone()),
                ]
            })
        })
        .collect();
    vec![Block::Table(Table {
        header: header(&[
            lang.pick("日期", "Date"),
            lang.pick("设备", "Modality"),
            lang.pick("检查/序列", "Study / series"),
            lang.pick("部位", "Body part"),
            lang.pick("图像数", "Images"),
            lang.pick("文件夹", "Folder"),
        ]),
        rows,
        widths: Some(vec![1.2, 0.9, 3.6, 1.2, 0.9, 2.6]),
        compact: false,
    })]
}

/// Every record of the case by the name it has in the contact's pack (`pack`; a portal pack
/// holds every record as a PDF), and whether it is appended to this PDF.
pub fn records(
    case: &Case,
    lang: Lang,
    appended: &[std::path::PathBuf],
    pack: Option<crate::packet::Pack>,
) -> Vec<Block> {
    if case.records.is_empty() {
        return vec![Block::Paragraph(cell(lang.pick("无资料。", "No records.")))];
    }
    let names = crate::packet::names::packet_names(&case.records);
    let rows = case
        .records
        .iter()
        .map(|r| {
            let file = match (names.get(&r.path), pack) {
                (Some(name), Some(crate::packet::Pack::Portal)) => {
                    crate::packet::names::portal_name(name)
                }
                (Some(name), _) => name.clone(),
                (None, _) => r.path.display().to_string(),
            };
            let attached = if appended.contains(&r.path) {
                lang.pick("附后", "appended")
            } else {
                "—"
            };
            vec![
                cell(r.date.for_reader(lang)),
                cell(words::record_kind(r.kind, lang)),
                cell(r.title.best(lang)),
                cell(file),
                cell(attached),
            ]
        })
        .collect();
    let head = header(&[
        lang.pick("日期", "Date"),
        lang.pick("类别", "Kind"),
        lang.pick("标题", "Title"),
        lang.pick("文件", "File"),
        lang.pick("本文件", "In this PDF"),
    ]);
    vec![Block::Table(Table {
        header: head,
        rows,
        widths: Some(vec![1.2, 1.4, 3.0, 3.6, 1.2]),
        compact: false,
    })]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converted_values_keep_the_precision_they_were_printed_with() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let show = |value: &str, from: Unit, to: Unit, analyte: Analyte| {
            let measured = Measured {
                value: d(value),
                qualifier: Qualifier::Exact,
                unit: from,
                printed: None,
            };
            convert_shown(analyte, &measured, to).unwrap()
        };
        use Analyte::*;
        assert_eq!(
            show("20.52", Unit::MicromolPerL, Unit::MgPerDl, Bilirubin),
            "1.2"
        );
        assert_eq!(
            show("1.3", Unit::MgPerDl, Unit::MicromolPerL, Bilirubin),
            "22"
        );
        assert_eq!(show("35", Unit::GPerL, Unit::GPerDl, Albumin), "3.5");
        assert_eq!(show("3.4", Unit::GPerDl, Unit::GPerL, Albumin), "34");
        assert_eq!(
            show("76", Unit::MicromolPerL, Unit::MgPerDl, Creatinine),
            "0.86"
        );
        assert_eq!(
            show("0.95", Unit::MgPerDl, Unit::MicromolPerL, Creatinine),
            "84"
        );
        assert_eq!(
            range_in(Bilirubin, "3.4-20.5", Unit::MicromolPerL, Unit::MgPerDl).unwrap(),
            "0.2-1.2"
        );
        assert_eq!(
            range_in(Albumin, "<52", Unit::GPerL, Unit::GPerDl).unwrap(),
            "<5.2"
        );
        assert!(range_in(Albumin, "see sheet", Unit::GPerL, Unit::GPerDl).is_none());
    }

    #[test]
    fn ranges_flag_values_outside() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(out_of_range(d("35.2"), "0-7"), Some("↑"));
        assert_eq!(out_of_range(d("35"), "40–55"), Some("↓"));
        assert_eq!(out_of_range(d("1.2"), "0.8-1.2"), None);
        assert_eq!(out_of_range(d("141"), "<8.1"), Some("↑"));
        assert_eq!(out_of_range(d("5"), "not a range"), None);
    }
}
