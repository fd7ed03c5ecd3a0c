//! The timeline: events as symbols on a time axis, each labelled with its date and text.
//! Labels alternate above and below the axis and move further out whenever they would overlap
//! a neighbour, so a burst of events in one month stays readable.

use chrono::Duration;

use crate::document::{EventKind, Timeline};
use crate::text::Lang;

use super::display::{Color, Item, Path, Point, Stroke};
use super::flow::Fragment;
use super::scale::{Linear, date_ticks, day_number, stagger};
use super::style::{CHART_LABEL, CHART_TEXT, CHART_TITLE, GRID, WHITE};
use super::text::{Align, Typesetter};

const LABEL_WIDTH: f32 = 104.0;
/// Room under the axis for the year ticks.
const AXIS_BAND: f32 = 14.0;
const LEVEL_GAP: f32 = 6.0;
const SYMBOL: f32 = 3.2;
const LEGEND_ROW: f32 = 14.0;

const KINDS: [EventKind; 3] = [
    EventKind::Diagnosis,
    EventKind::Treatment,
    EventKind::Imaging,
];

pub fn draw(timeline: &Timeline, typesetter: &mut Typesetter, width: f32, lang: Lang) -> Fragment {
    let mut items = typesetter.label(
        &timeline.title,
        CHART_TITLE,
        0.0,
        CHART_TITLE.baseline(),
        Align::Left,
    );
    let top = CHART_TITLE.leading + 4.0;
    let mut events: Vec<_> = timeline.events.iter().collect();
    events.sort_by_key(|event| event.date);
    let (Some(first), Some(last)) = (
        events.first().map(|e| e.date),
        events.last().map(|e| e.date),
    ) else {
        items.extend(typesetter.label(
            "—",
            CHART_TEXT,
            width / 2.0,
            top + CHART_TEXT.leading,
            Align::Center,
        ));
        return Fragment {
            height: top + 2.0 * CHART_TEXT.leading,
            items,
        };
    };
    let pad = Duration::days(((last - first).num_days() / 20).max(5));
    let scale = Linear {
        domain: (day_number(first - pad), day_number(last + pad)),
        range: (8.0, width - 8.0),
    };

    // Each label as lines of text items relative to its box, with the box size.
    let labels: Vec<Label> = events
        .iter()
        .map(|event| {
            Label::new(
                typesetter,
                &event.date.format("%Y-%m-%d").to_string(),
                &event.label,
            )
        })
        .collect();
    let extents: Vec<(f32, f32)> = events
        .iter()
        .zip(&labels)
        .map(|(event, label)| {
            let x = scale.map(day_number(event.date));
            let left = (x - label.width / 2.0).clamp(0.0, (width - label.width).max(0.0));
            (left, left + label.width)
        })
        .collect();
    let rows = stagger(&extents, 6.0);
    let level_height = labels.iter().map(|l| l.height).fold(0.0, f32::max) + LEVEL_GAP;
    let levels_above = rows
        .iter()
        .filter(|r| *r % 2 == 0)
        .map(|r| r / 2 + 1)
        .max()
        .unwrap_or(0);
    let levels_below = rows
        .iter()
        .filter(|r| *r % 2 == 1)
        .map(|r| r / 2 + 1)
        .max()
        .unwrap_or(0);
    let axis_y = top + levels_above as f32 * level_height + LEVEL_GAP;

    let axis = Stroke::solid(GRID, 0.8);
    items.push(Item::Path(Path::line(
        Point::new(0.0, axis_y),
        Point::new(width, axis_y),
        axis,
    )));
    for (date, text) in date_ticks(first - pad, last + pad, (width / 60.0) as usize) {
        let x = scale.map(day_number(date));
        items.push(Item::Path(Path::line(
            Point::new(x, axis_y),
            Point::new(x, axis_y + 3.0),
            axis,
        )));
        items.extend(typesetter.label(
            &text,
            CHART_LABEL,
            x,
            axis_y + 3.0 + CHART_LABEL.size,
            Align::Center,
        ));
    }

    for (((event, label), (left, _)), row) in events.iter().zip(labels).zip(&extents).zip(&rows) {
        let x = scale.map(day_number(event.date));
        let level = (row / 2) as f32;
        let (box_top, leader_end) = if row % 2 == 0 {
            let bottom = axis_y - LEVEL_GAP - level * level_height;
            (bottom - label.height, bottom)
        } else {
            let box_top = axis_y + AXIS_BAND + level * level_height;
            (box_top, box_top)
        };
        let leader = Stroke::solid(Color::hex(0xc3c9d1), 0.5);
        items.push(Item::Path(Path::line(
            Point::new(x, axis_y),
            Point::new(x, leader_end),
            leader,
        )));
        items.extend(label.items.into_iter().map(|mut item| {
            item.translate(*left, box_top);
            item
        }));
        items.push(symbol(event.kind, Point::new(x, axis_y)));
    }

    // Legend: the kinds that occur.
    let mut legend_y = axis_y + AXIS_BAND + levels_below as f32 * level_height + 4.0;
    let mut x = 0.0;
    for kind in KINDS
        .into_iter()
        .filter(|kind| events.iter().any(|e| e.kind == *kind))
    {
        let middle = legend_y + LEGEND_ROW / 2.0;
        items.push(symbol(kind, Point::new(x + SYMBOL, middle)));
        let name = kind_name(kind, lang);
        items.extend(typesetter.label(
            name,
            CHART_TEXT,
            x + 2.0 * SYMBOL + 4.0,
            middle + CHART_TEXT.size * 0.35,
            Align::Left,
        ));
        x += 2.0 * SYMBOL + 4.0 + typesetter.width(name, CHART_TEXT) + 16.0;
    }
    legend_y += LEGEND_ROW;
    Fragment {
        height: legend_y + 4.0,
        items,
    }
}

/// An event's label: its date over its text, centred in a box.
struct Label {
    width: f32,
    height: f32,
    items: Vec<Item>,
}

impl Label {
    fn new(typesetter: &mut Typesetter, date: &str, text: &str) -> Self {
        let shaped = typesetter.shape_plain(text, CHART_TEXT);
        let lines = shaped.lines(LABEL_WIDTH);
        let date_width = typesetter.width(date, CHART_LABEL);
        let width = lines.iter().map(|l| l.width).fold(date_width, f32::max);
        let mut items = typesetter.label(
            date,
            CHART_LABEL,
            width / 2.0,
            CHART_LABEL.baseline(),
            Align::Center,
        );
        let mut y = CHART_LABEL.leading;
        for line in &lines {
            items.extend(shaped.render(
                line,
                Point::new(0.0, y + CHART_TEXT.baseline()),
                width,
                Align::Center,
            ));
            y += CHART_TEXT.leading;
        }
        Self {
            width,
            height: y,
            items,
        }
    }
}

fn symbol(kind: EventKind, at: Point) -> Item {
    let r = SYMBOL;
    let p = |dx: f32, dy: f32| Point::new(at.x + dx, at.y + dy);
    let white = Some(Stroke::solid(WHITE, 0.8));
    Item::Path(match kind {
        EventKind::Diagnosis => Path::polygon(
            &[
                p(0.0, -r * 1.25),
                p(r * 1.1, 0.0),
                p(0.0, r * 1.25),
                p(-r * 1.1, 0.0),
            ],
            Some(kind_color(kind)),
            white,
        ),
        EventKind::Treatment => Path::circle(at, r, Some(kind_color(kind)), white),
        EventKind::Imaging => Path::rect(
            at.x - r * 0.9,
            at.y - r * 0.9,
            r * 1.8,
            r * 1.8,
            Some(kind_color(kind)),
            white,
        ),
    })
}

fn kind_color(kind: EventKind) -> Color {
    match kind {
        EventKind::Diagnosis => Color::hex(0xc0392b),
        EventKind::Treatment => Color::hex(0x1f5fa8),
        EventKind::Imaging => Color::hex(0x2e8b57),
    }
}

fn kind_name(kind: EventKind, lang: Lang) -> &'static str {
    match kind {
        EventKind::Diagnosis => lang.pick("诊断", "diagnosis"),
        EventKind::Treatment => lang.pick("治疗", "treatment"),
        EventKind::Imaging => lang.pick("影像", "imaging"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use chrono::NaiveDate;

    use super::*;
    use crate::document::TimelineEvent;
    use crate::fonts::Fonts;

    static FONTS: LazyLock<Fonts> = LazyLock::new(Fonts::builtin);

    #[test]
    fn labels_of_events_close_in_time_do_not_overlap() {
        let event = |day: u32, label: &str| TimelineEvent {
            date: NaiveDate::from_ymd_opt(2021, 7, day).unwrap(),
            label: label.to_string(),
            kind: EventKind::Treatment,
        };
        let timeline = Timeline {
            title: "诊疗时间线 Timeline".into(),
            events: vec![
                event(1, "TACE 1"),
                event(3, "MRI 复查"),
                event(5, "AFP 112 ng/mL"),
                event(6, "MDT 讨论"),
            ],
        };
        let mut typesetter = Typesetter::new(&FONTS);
        let fragment = draw(&timeline, &mut typesetter, 480.0, Lang::Zh);
        // Bounding boxes of every label line (text runs other than the axis dates and legend).
        let boxes: Vec<(f32, f32, f32, f32)> = fragment
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Text(run) if run.text().contains("2021-07") => Some(run),
                _ => None,
            })
            .map(|run| {
                let width = typesetter.width(&run.text(), CHART_LABEL);
                (
                    run.origin.x,
                    run.origin.y - CHART_LABEL.size,
                    run.origin.x + width,
                    run.origin.y,
                )
            })
            .collect();
        assert_eq!(boxes.len(), 4);
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
    }
}
