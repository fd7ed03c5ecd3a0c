//! Generated content for the `:::name` directives: tables and charts built from the case, in
//! one language. Every value keeps its date and, where there is one, its source record.

use std::collections::{BTreeMap, BTreeSet};

use crate::date::CaseDate;
use rust_decimal::Decimal;

use super::words;
use crate::case::Case;
use crate::case::model::{LabResult, Measured, Treatment, TreatmentKind};
use crate::contacts::Contact;
use crate::date::ReaderDate;
use crate::document::{
    Axis, Block, Chart, EventKind, Inline, LineChart, Marker, Series, Span, Table, Timeline,
    TimelineEvent,
};
use crate::lab::{ANALYTES, Analyte, Unit, UnitSystem, convert};
use crate::packet::names::RecordNames;
use crate::text::{Lang, Text};
use crate::toml_reader::Choice;
use crate::units;

/// Dates per labs table: more would make the columns too narrow on A4.
const DATES_PER_TABLE: usize = 5;

fn cell(text: impl Into<String>) -> Inline {
    vec![Span::plain(text)]
}

/// The share of a table's width its date column takes: a US reader's "Aug 10, 2021" is a fifth
/// wider than 2021-08-10 and would otherwise break onto two lines, doubling every row.
fn date_width(lang: Lang) -> f32 {
    match lang {
        Lang::Zh => 1.2,
        Lang::En => 1.45,
    }
}

fn header(cells: &[&str]) -> Vec<Inline> {
    cells.iter().map(|c| vec![Span::plain(*c)]).collect()
}

fn opt_text(text: Option<&Text>, lang: Lang) -> String {
    text.map(|t| t.best(lang).to_string()).unwrap_or_default()
}

/// Labs over time: one row per analyte, one column per date, each analyte in the unit its
/// reader is used to (`system`): a value printed in another unit is converted
/// (`units::in_unit`) and followed by the value as printed, in brackets; one that cannot be
/// converted (AFP in IU/mL, HBV DNA in copies) is shown as printed with its unit. ↑ ↓ compare
/// each value as printed with its own sheet's range, and the range column never contradicts
/// them: it shows a row's range only when every value in the row comes from a sheet with that
/// range; otherwise it holds `*`, and a note lists each sheet's range with its dates.
/// The note on converted values points to the sheets only when they are `appended`.
pub fn labs(
    case: &Case,
    lang: Lang,
    system: UnitSystem,
    appended: bool,
    names: &RecordNames,
) -> Vec<Block> {
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
    let mut converted_from = BTreeSet::new();
    let mut ranges_differ = BTreeSet::new();
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
            let results: Vec<&LabResult> = chunk
                .iter()
                .filter_map(|d| dated.get(d))
                .flatten()
                .copied()
                .collect();
            if results.is_empty() {
                continue;
            }
            let measured: Vec<(&LabResult, &Measured)> = results
                .iter()
                .filter_map(|r| Some((*r, r.measured()?)))
                .collect();
            // Words only (serology): no unit, no range.
            let row_unit = info.analyte.display_unit(system);
            let range = match measured.split_first() {
                None => String::new(),
                Some(((first, m), rest))
                    if rest
                        .iter()
                        .all(|(r, n)| same_range(first, m.unit, r, n.unit)) =>
                {
                    first
                        .reference_range
                        .as_deref()
                        .map(|range| {
                            units::range_in_column(info.analyte, range, m.unit, row_unit, lang)
                        })
                        .unwrap_or_default()
                }
                Some(_) => {
                    ranges_differ.insert(info.analyte);
                    "*".to_string()
                }
            };
            let name = lang.pick(info.zh, info.en);
            let mut label = vec![Span::bold(info.abbr)];
            if name != info.abbr {
                label.push(Span::plain(format!(" {name}")));
            }
            let unit = if measured.is_empty() {
                ""
            } else {
                unit_label(row_unit)
            };
            let mut row = vec![label, cell(unit), cell(range)];
            for date in chunk {
                let text = dated
                    .get(date)
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        let Some(measured) = r.measured() else {
                            return words::reading(&r.reading, lang);
                        };
                        let shown = units::in_unit(info.analyte, measured, row_unit);
                        if shown.converted() {
                            converted_from.insert(unit_label(measured.unit));
                        }
                        let mut s = shown.in_column(row_unit, lang);
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
    if !ranges_differ.is_empty() {
        blocks.push(Block::Note(cell(format!(
            "{}{}",
            lang.pick(
                "* 各化验单的参考范围不同，↑↓ 按各自化验单的范围标注。",
                "* The sheets print different reference ranges; ↑ ↓ compare each value with its own sheet's range, as printed. "
            ),
            sheet_ranges(&ranges_differ, &by_analyte, lang)
        ))));
    }
    if !converted_from.is_empty() {
        let units = converted_from.into_iter().collect::<Vec<_>>().join(", ");
        blocks.push(Block::Note(cell(match (lang, appended) {
            (Lang::Zh, true) => {
                format!("换算值后注明化验单原值及原单位（{units}）；化验单原件附后。")
            }
            (Lang::Zh, false) => format!("换算值后注明化验单原值及原单位（{units}）。"),
            (Lang::En, true) => format!(
                "A value in brackets is as printed on the lab sheet ({units}); the number before it is converted. The sheets are appended as printed."
            ),
            (Lang::En, false) => format!(
                "A value in brackets is as printed on the lab sheet ({units}); the number before it is converted."
            ),
        })));
    }
    blocks.push(Block::Note(cell(lab_sources(case, lang, names))));
    blocks
}

/// Whether two values were printed with the same reference range: both without one, or the
/// same limits in the same unit (`3.4-20.5` and `3.4–20.5` are one range).
fn same_range(a: &LabResult, a_unit: Unit, b: &LabResult, b_unit: Unit) -> bool {
    let limits = |r: &LabResult| {
        r.reference_range
            .as_deref()
            .map(|range| (crate::lab::range_limits(range), range.trim().to_string()))
    };
    a_unit == b_unit
        && match (limits(a), limits(b)) {
            (None, None) => true,
            (Some((Some(x), _)), Some((Some(y), _))) => x == y,
            (Some((_, x)), Some((_, y))) => x == y,
            _ => false,
        }
}

/// The ranges of `analytes` as each sheet printed them, by the dates that share them: "Sheets of
/// 2021-06-20, 2021-08-20: TBIL 3.4-20.5 µmol/L, INR 0.8-1.2; Sheet of 2021-11-10: TBIL
/// 0.2-1.2 mg/dL, INR no range printed".
fn sheet_ranges(
    analytes: &BTreeSet<Analyte>,
    by_analyte: &BTreeMap<Analyte, BTreeMap<CaseDate, Vec<&LabResult>>>,
    lang: Lang,
) -> String {
    // (dates, the ranges printed on those dates' sheets), in the order of their first date.
    let mut by_dates: Vec<(Vec<CaseDate>, Vec<String>)> = Vec::new();
    for analyte in analytes {
        let mut ranges: Vec<(String, Vec<CaseDate>)> = Vec::new();
        for r in by_analyte[analyte].values().flatten() {
            let Some(m) = r.measured() else {
                continue;
            };
            let shown = r.reference_range.as_deref().map_or_else(
                || lang.pick("无参考范围", "no range printed").to_string(),
                |range| units::with_symbol(range.trim(), m.unit),
            );
            match ranges.iter_mut().find(|(s, _)| *s == shown) {
                Some((_, dates)) => dates.push(r.date),
                None => ranges.push((shown, vec![r.date])),
            }
        }
        for (range, dates) in ranges {
            let entry = format!("{} {range}", analyte.info().abbr);
            match by_dates.iter_mut().find(|(d, _)| *d == dates) {
                Some((_, entries)) => entries.push(entry),
                None => by_dates.push((dates, vec![entry])),
            }
        }
    }
    by_dates.sort_by_key(|(dates, _)| dates.first().copied());
    by_dates
        .iter()
        .map(|(dates, entries)| {
            let dates: Vec<String> = dates.iter().map(|d| d.for_reader(lang)).collect();
            match lang {
                Lang::Zh => format!("{} 的化验单：{}", dates.join("、"), entries.join("，")),
                // "; " between dates: a US date holds a comma ("Oct 15, 2021").
                Lang::En => format!(
                    "{} of {}: {}",
                    if dates.len() > 1 { "Sheets" } else { "Sheet" },
                    dates.join("; "),
                    entries.join(", ")
                ),
            }
        })
        .collect::<Vec<_>>()
        .join(lang.pick("；", "; "))
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

fn lab_sources(case: &Case, lang: Lang, names: &RecordNames) -> String {
    let mut by_date: BTreeMap<CaseDate, Vec<String>> = BTreeMap::new();
    for lab in &case.labs {
        let entry = by_date.entry(lab.date).or_default();
        let source = lab.source.as_ref().map_or_else(
            || lang.pick("未注明出处", "no source given").to_string(),
            |p| names.name(p),
        );
        if !entry.contains(&source) {
            entry.push(source);
        }
    }
    let list = by_date
        .iter()
        .map(|(d, s)| {
            let (colon, comma) = (lang.pick("：", ": "), lang.pick("，", ", "));
            format!("{}{colon}{}", d.for_reader(lang), s.join(comma))
        })
        .collect::<Vec<_>>()
        .join(lang.pick("；", "; "));
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
        .filter(|t| is_tumour_treatment(t.kind) && !t.date.is_unknown())
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
    events.sort_by_key(|e| e.date);
    // A date not known and placed by no entry goes at the end, beside the last dated event.
    let unplaced = chrono::NaiveDate::MAX;
    let last = events
        .iter()
        .map(|e| e.date)
        .filter(|d| *d != unplaced)
        .max();
    events.retain_mut(|e| match last {
        Some(last) if e.date == unplaced => {
            e.date = last;
            true
        }
        _ => e.date != unplaced,
    });
    if events.is_empty() {
        return Vec::new();
    }
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
pub fn timeline(case: &Case, lang: Lang, names: &RecordNames) -> Vec<Block> {
    let mut rows: Vec<(CaseDate, Vec<Inline>)> = Vec::new();
    let source = |p: &Option<std::path::PathBuf>| {
        cell(p.as_deref().map(|p| names.name(p)).unwrap_or_default())
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
        widths: Some(vec![date_width(lang), 1.6, 5.0, 2.6]),
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
        widths: Some(vec![date_width(lang), 1.5, 2.0, 2.4, 2.0, 2.0]),
        compact: false,
    })]
}

/// Imaging studies with their reports and how DICOM reaches this contact (never by e-mail).
pub fn imaging(
    case: &Case,
    contact: Option<&Contact>,
    dicom: &[crate::dicom::Study],
    lang: Lang,
    names: &RecordNames,
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
                        .as_deref()
                        .map_or_else(|| "—".into(), |p| names.name(p)),
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
        widths: Some(vec![date_width(lang), 1.0, 2.4, 3.0, 3.0]),
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
        widths: Some(vec![date_width(lang), 0.9, 3.6, 1.2, 0.9, 2.6]),
        compact: false,
    })]
}

/// Every record of the case by the name it has in the contact's pack (`pack`; a portal pack
/// holds every record as a PDF), and whether it is appended to this PDF.
pub fn records(
    case: &Case,
    lang: Lang,
    appended: &[std::path::PathBuf],
    names: &RecordNames,
) -> Vec<Block> {
    if case.records.is_empty() {
        return vec![Block::Paragraph(cell(lang.pick("无资料。", "No records.")))];
    }
    let rows = case
        .records
        .iter()
        .map(|r| {
            let file = names.name(&r.path);
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
        widths: Some(vec![date_width(lang), 1.8, 2.5, 3.6, 1.2]),
        compact: false,
    })]
}

#[cfg(test)]
mod tests {
    use super::*;

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
