//! The line chart: values over time on up to two y-axes, dashed or solid series with point
//! markers, a legend, and labelled vertical markers at treatment dates — drawn as vector paths
//! so it stays sharp when a reviewer zooms in.

use chrono::{Duration, NaiveDate};

use crate::document::{Axis, LineChart, Series};

use super::display::{Color, Item, Path, Point, Stroke};
use super::flow::Fragment;
use super::scale::{Linear, Ticks, date_ticks, day_number, stagger};
use super::style::{CHART_LABEL, CHART_TEXT, CHART_TITLE, GRID, MUTED};
use super::text::{Align, Typesetter};

const PLOT_HEIGHT: f32 = 140.0;
const ROW: f32 = 11.0;
const LEGEND_ROW: f32 = 13.0;
const LEGEND_SAMPLE: f32 = 20.0;
const TICK: f32 = 3.0;
/// Grid intervals the y-axes aim for; both axes use the same count so their ticks share lines.
const Y_INTERVALS: usize = 6;

/// Series colours, in order: blue and red first, as in most clinical charts.
const PALETTE: [Color; 5] = [
    Color::hex(0x1f5fa8),
    Color::hex(0xc0392b),
    Color::hex(0x2e8b57),
    Color::hex(0xd4880f),
    Color::hex(0x6c3fa0),
];
const GRID_LINE: Color = Color::hex(0xe3e7ec);

pub fn draw(chart: &LineChart, typesetter: &mut Typesetter, width: f32) -> Fragment {
    let mut items = Vec::new();
    let mut y = 0.0;
    items.extend(typesetter.label(
        &chart.title,
        CHART_TITLE,
        0.0,
        CHART_TITLE.baseline(),
        Align::Left,
    ));
    y += CHART_TITLE.leading + 2.0;

    let Some((first, last)) = date_range(chart) else {
        items.extend(typesetter.label("—", CHART_TEXT, width / 2.0, y + ROW, Align::Center));
        return Fragment {
            height: y + 2.0 * ROW,
            items,
        };
    };
    let values = |axis: Axis| {
        chart
            .series
            .iter()
            .filter(move |s| s.axis == axis)
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .filter(|v| v.is_finite())
    };
    let left_ticks = range(values(Axis::Left)).map(|(lo, hi)| Ticks::covering(lo, hi, Y_INTERVALS));
    let intervals = left_ticks.map_or(Y_INTERVALS, |t| t.intervals);
    let right_ticks =
        range(values(Axis::Right)).map(|(lo, hi)| Ticks::covering_in(lo, hi, intervals));

    let gutter = |typesetter: &mut Typesetter, ticks: Option<Ticks>| {
        ticks.map_or(8.0, |t| {
            t.values()
                .map(|v| typesetter.width(&t.label(v), CHART_LABEL))
                .fold(0.0, f32::max)
                + 6.0
        })
    };
    let plot_left = gutter(typesetter, left_ticks).max(12.0);
    let plot_right = width - gutter(typesetter, right_ticks).max(12.0);

    // Axis titles, coloured like the first series on their axis.
    let axis_color = |axis: Axis| {
        chart
            .series
            .iter()
            .position(|s| s.axis == axis)
            .map_or(MUTED, series_color)
    };
    let title_baseline = y + CHART_LABEL.baseline();
    items.extend(typesetter.label(
        &chart.left_axis,
        CHART_LABEL.with_color(axis_color(Axis::Left)),
        plot_left,
        title_baseline,
        Align::Left,
    ));
    if let Some(right_axis) = &chart.right_axis {
        items.extend(typesetter.label(
            right_axis,
            CHART_LABEL.with_color(axis_color(Axis::Right)),
            plot_right,
            title_baseline,
            Align::Right,
        ));
    }
    y += ROW;

    // Treatment marker labels above the plot, staggered into rows so none overlap, each
    // centred on its marker line but kept above the plot: beyond it they would run into the
    // y-axes' top tick labels.
    let x_scale = Linear {
        domain: (day_number(first), day_number(last)),
        range: (plot_left, plot_right),
    };
    let marker_labels: Vec<(f32, f32)> = chart
        .markers
        .iter()
        .map(|marker| {
            let x = x_scale.map(day_number(marker.date));
            let label = typesetter.width(&marker.label, CHART_LABEL);
            let left = (x - label / 2.0).clamp(plot_left, (plot_right - label).max(plot_left));
            (left, left + label)
        })
        .collect();
    let marker_rows = stagger(&marker_labels, 4.0);
    let row_count = marker_rows.iter().max().map_or(0, |r| r + 1);
    let plot_top = y + row_count as f32 * ROW + if row_count > 0 { 2.0 } else { 0.0 };
    let plot_bottom = plot_top + PLOT_HEIGHT;
    for ((marker, row), (left, right)) in chart.markers.iter().zip(&marker_rows).zip(&marker_labels)
    {
        let x = x_scale.map(day_number(marker.date));
        let baseline = plot_top - 2.0 - *row as f32 * ROW - (ROW - CHART_LABEL.size) / 2.0;
        items.extend(typesetter.label(
            &marker.label,
            CHART_LABEL,
            (left + right) / 2.0,
            baseline,
            Align::Center,
        ));
        let marker_line = Stroke::dashed(MUTED, 0.6, [2.5, 2.0]);
        items.push(Item::Path(Path::line(
            Point::new(x, plot_top),
            Point::new(x, plot_bottom),
            marker_line,
        )));
    }

    // Grid lines and y tick labels.
    let y_scale = |ticks: Ticks| Linear {
        domain: (ticks.start, ticks.end()),
        range: (plot_bottom, plot_top),
    };
    if let Some(ticks) = left_ticks.or(right_ticks) {
        for value in ticks.values() {
            let gy = y_scale(ticks).map(value);
            items.push(Item::Path(Path::line(
                Point::new(plot_left, gy),
                Point::new(plot_right, gy),
                Stroke::solid(GRID_LINE, 0.4),
            )));
        }
    }
    for (ticks, x, align) in [
        (left_ticks, plot_left - 4.0, Align::Right),
        (right_ticks, plot_right + 4.0, Align::Left),
    ] {
        let Some(ticks) = ticks else { continue };
        for value in ticks.values() {
            let baseline = y_scale(ticks).map(value) + CHART_LABEL.size * 0.35;
            items.extend(typesetter.label(&ticks.label(value), CHART_LABEL, x, baseline, align));
        }
    }
    let axis = Stroke::solid(GRID, 0.6);
    items.push(Item::Path(Path::line(
        Point::new(plot_left, plot_bottom),
        Point::new(plot_right, plot_bottom),
        axis,
    )));
    items.push(Item::Path(Path::line(
        Point::new(plot_left, plot_top),
        Point::new(plot_left, plot_bottom),
        axis,
    )));
    if right_ticks.is_some() {
        items.push(Item::Path(Path::line(
            Point::new(plot_right, plot_top),
            Point::new(plot_right, plot_bottom),
            axis,
        )));
    }

    // Date ticks.
    let max_ticks = ((plot_right - plot_left) / 55.0) as usize;
    for (date, label) in date_ticks(first, last, max_ticks) {
        let x = x_scale.map(day_number(date));
        items.push(Item::Path(Path::line(
            Point::new(x, plot_bottom),
            Point::new(x, plot_bottom + TICK),
            axis,
        )));
        items.extend(typesetter.label(
            &label,
            CHART_LABEL,
            x,
            plot_bottom + TICK + CHART_LABEL.size + 1.0,
            Align::Center,
        ));
    }

    // The series, last first so the first series is drawn on top.
    for (index, series) in chart.series.iter().enumerate().rev() {
        let Some(ticks) = (match series.axis {
            Axis::Left => left_ticks,
            Axis::Right => right_ticks,
        }) else {
            continue;
        };
        let to_point = |&(date, value): &(NaiveDate, f64)| {
            Point::new(x_scale.map(day_number(date)), y_scale(ticks).map(value))
        };
        let mut points: Vec<(NaiveDate, f64)> = series
            .points
            .iter()
            .copied()
            .filter(|p| p.1.is_finite())
            .collect();
        points.sort_by_key(|p| p.0);
        let points: Vec<Point> = points.iter().map(to_point).collect();
        items.push(Item::Path(Path::polyline(
            &points,
            series_stroke(index, series),
        )));
        items.extend(points.iter().map(|&p| point_marker(index, p)));
    }

    // Legend.
    let mut legend_y = plot_bottom + TICK + ROW + 6.0;
    let mut x = plot_left;
    for (index, series) in chart.series.iter().enumerate() {
        let entry = LEGEND_SAMPLE + 4.0 + typesetter.width(&series.name, CHART_TEXT);
        if x > plot_left && x + entry > plot_right {
            x = plot_left;
            legend_y += LEGEND_ROW;
        }
        let middle = legend_y + LEGEND_ROW / 2.0;
        items.push(Item::Path(Path::line(
            Point::new(x, middle),
            Point::new(x + LEGEND_SAMPLE, middle),
            series_stroke(index, series),
        )));
        items.push(point_marker(
            index,
            Point::new(x + LEGEND_SAMPLE / 2.0, middle),
        ));
        items.extend(typesetter.label(
            &series.name,
            CHART_TEXT,
            x + LEGEND_SAMPLE + 4.0,
            middle + CHART_TEXT.size * 0.35,
            Align::Left,
        ));
        x += entry + 14.0;
    }
    let height = legend_y
        + if chart.series.is_empty() {
            0.0
        } else {
            LEGEND_ROW
        }
        + 4.0;
    Fragment { height, items }
}

/// The first and last date of the chart, padded a little so end points are not on the frame.
fn date_range(chart: &LineChart) -> Option<(NaiveDate, NaiveDate)> {
    let dates = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(chart.markers.iter().map(|m| m.date));
    let (first, last) = dates.fold(
        None,
        |range: Option<(NaiveDate, NaiveDate)>, date| match range {
            None => Some((date, date)),
            Some((first, last)) => Some((first.min(date), last.max(date))),
        },
    )?;
    let pad = Duration::days(((last - first).num_days() / 25).max(3));
    Some((first - pad, last + pad))
}

fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |range, v| match range {
        None => Some((v, v)),
        Some((lo, hi)) => Some((v.min(lo), v.max(hi))),
    })
}

fn series_color(index: usize) -> Color {
    PALETTE[index % PALETTE.len()]
}

fn series_stroke(index: usize, series: &Series) -> Stroke {
    let color = series_color(index);
    if series.dashed {
        Stroke::dashed(color, 1.2, [4.0, 2.5])
    } else {
        Stroke::solid(color, 1.2)
    }
}

/// A point marker whose shape, like the colour, tells series apart in grey-scale prints.
fn point_marker(index: usize, at: Point) -> Item {
    let fill = Some(series_color(index));
    let r = 2.3;
    let p = |dx: f32, dy: f32| Point::new(at.x + dx, at.y + dy);
    Item::Path(match index % 4 {
        0 => Path::circle(at, r, fill, None),
        1 => Path::rect(at.x - r * 0.9, at.y - r * 0.9, r * 1.8, r * 1.8, fill, None),
        2 => Path::polygon(
            &[p(0.0, -r * 1.2), p(r * 1.1, r * 0.8), p(-r * 1.1, r * 0.8)],
            fill,
            None,
        ),
        _ => Path::polygon(
            &[
                p(0.0, -r * 1.3),
                p(r * 1.1, 0.0),
                p(0.0, r * 1.3),
                p(-r * 1.1, 0.0),
            ],
            fill,
            None,
        ),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;
    use crate::document::Marker;
    use crate::fonts::Fonts;

    static FONTS: LazyLock<Fonts> = LazyLock::new(Fonts::builtin);

    const WIDTH: f32 = 487.0;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn marker_labels_stay_in_the_chart_and_clear_of_other_text() {
        let points = |values: [f64; 3]| {
            ["2021-06-18", "2021-08-10", "2021-10-15"]
                .iter()
                .zip(values)
                .map(|(d, v)| (date(d), v))
                .collect()
        };
        let chart = LineChart {
            title: "病灶大小与 AFP 随时间变化".into(),
            left_axis: "直径 (mm)".into(),
            right_axis: Some("AFP (ng/mL)".into()),
            series: vec![
                Series {
                    name: "L1 最大径".into(),
                    axis: Axis::Left,
                    dashed: false,
                    points: points([24.0, 28.0, 34.0]),
                },
                Series {
                    name: "AFP".into(),
                    axis: Axis::Right,
                    dashed: true,
                    points: points([35.2, 62.4, 141.0]),
                },
            ],
            // At both ends of the axis, and two close together in the middle.
            markers: [
                ("2021-06-18", "TACE-1 superselective"),
                ("2021-08-27", "TACE-2"),
                ("2021-08-30", "sorafenib 400 mg twice daily"),
                ("2021-10-15", "atezolizumab + bevacizumab"),
            ]
            .iter()
            .map(|(d, label)| Marker {
                date: date(d),
                label: label.to_string(),
            })
            .collect(),
        };
        let mut typesetter = Typesetter::new(&FONTS);
        let fragment = draw(&chart, &mut typesetter, WIDTH);
        let boxes = fragment.text_boxes(&mut typesetter);
        assert!(boxes.iter().any(|(t, _)| t == "atezolizumab + bevacizumab"));
        for (i, (text_a, a)) in boxes.iter().enumerate() {
            assert!(
                a[0] >= -0.01 && a[2] <= WIDTH + 0.01,
                "{text_a} sticks out: {a:?}"
            );
            for (text_b, b) in &boxes[i + 1..] {
                let apart = a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];
                assert!(apart, "{text_a} {a:?} overlaps {text_b} {b:?}");
            }
        }
    }
}
