//! The timeline: events as symbols on a time axis, each labelled with its date and text.
//!
//! A clinical course is bursty — years of surveillance, then a diagnosis and several
//! treatments within months — so labels placed straight above their events pile up in one
//! spot. Instead labels take turns above and below the axis, and each row is spread sideways
//! just enough that no two touch, order kept, tied to its event by a leader line. Where that
//! would still pull labels far from their events, the longest empty spans are cut out of the
//! axis, one at a time, and drawn as "//" breaks; time runs at one rate on every piece, so
//! distances still compare. Only when a row could not hold its labels even across the whole
//! width do labels go to further rows.

use chrono::{Duration, NaiveDate};

use crate::document::{EventKind, Timeline};
use crate::text::Lang;

use super::display::{Color, Item, Path, Point, Stroke};
use super::flow::Fragment;
use super::scale::{date_ticks, fits, month_step, month_ticks, spread};
use super::style::{CHART_LABEL, CHART_TEXT, CHART_TITLE, GRID, WHITE};
use super::text::{Align, Typesetter};

const LABEL_WIDTH: f32 = 104.0;
/// Room under the axis for the date ticks.
const AXIS_BAND: f32 = 14.0;
const LEVEL_GAP: f32 = 6.0;
/// Least space between labels side by side.
const LABEL_GAP: f32 = 6.0;
/// Between the axis (or, below it, the ticks) and the nearest labels, where leaders run.
const LEADER_ROOM: f32 = 15.0;
/// How far a leader runs straight out of its event before it slants to its label.
const LEADER_RISE: f32 = 4.0;
const SYMBOL: f32 = 3.2;
const LEGEND_ROW: f32 = 14.0;
/// Space kept between the axis ends and the edges, for the end symbols.
const EDGE: f32 = 8.0;
/// Width of a "//" break in the axis.
const BREAK_WIDTH: f32 = 16.0;
/// How far a label may sit from its event before empty spans are cut out of the axis.
const MAX_SHIFT: f32 = 24.0;
/// The shortest empty span worth cutting out: under a quarter-year reads fine to scale.
const MIN_CUT_DAYS: i64 = 90;
/// The shortest distance between date ticks.
const TICK_SPACING: f32 = 56.0;

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
    if events.is_empty() {
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
    }
    let labels: Vec<Label> = events
        .iter()
        .map(|event| Label::new(typesetter, &event.written, &event.label))
        .collect();
    let dates: Vec<NaiveDate> = events.iter().map(|event| event.date).collect();
    let sizes: Vec<(f32, f32)> = labels.iter().map(|l| (l.width, l.height)).collect();
    let plan = Plan::new(&dates, &sizes, width, top);
    let axis_y = plan.axis_y;

    let axis = Stroke::solid(GRID, 0.8);
    let mut breaks = Vec::new();
    for (i, piece) in plan.axis.pieces.iter().enumerate() {
        let right = plan.axis.right(piece);
        items.push(Item::Path(Path::line(
            Point::new(piece.left, axis_y),
            Point::new(right, axis_y),
            axis,
        )));
        if i + 1 < plan.axis.pieces.len() {
            breaks.push((right, right + BREAK_WIDTH));
            // "//" in the middle of the gap after this piece.
            for dx in [-2.0, 2.0] {
                let x = right + BREAK_WIDTH / 2.0 + dx;
                items.push(Item::Path(Path::line(
                    Point::new(x - 2.0, axis_y + 4.0),
                    Point::new(x + 2.0, axis_y - 4.0),
                    axis,
                )));
            }
        }
    }

    let leader = Stroke::solid(Color::hex(0xc3c9d1), 0.5);
    for i in 0..events.len() {
        items.push(Item::Path(Path::polyline(&plan.leader(i), leader)));
    }

    // Date ticks, labelled on a white ground so leaders pass behind them; a tick whose label
    // would touch the previous one or a break, or stick out of the chart, is left out.
    let mut taken = breaks;
    for (date, text) in plan.axis.ticks() {
        let x = plan.axis.x(date);
        let half = typesetter.width(&text, CHART_LABEL) / 2.0;
        let (left, right) = (x - half, x + half);
        let clear = taken
            .iter()
            .all(|&(l, r)| right + 4.0 <= l || r + 4.0 <= left);
        if !clear || left < 0.0 || right > width {
            continue;
        }
        taken.push((left, right));
        items.push(Item::Path(Path::line(
            Point::new(x, axis_y),
            Point::new(x, axis_y + 3.0),
            axis,
        )));
        let baseline = axis_y + 3.0 + CHART_LABEL.size;
        items.push(Item::Path(Path::rect(
            left,
            baseline - CHART_LABEL.size,
            2.0 * half,
            CHART_LABEL.leading,
            Some(WHITE),
            None,
        )));
        items.extend(typesetter.label(&text, CHART_LABEL, x, baseline, Align::Center));
    }

    for (label, rect) in labels.into_iter().zip(&plan.boxes) {
        items.push(Item::Path(Path::rect(
            rect.left,
            rect.top,
            rect.width,
            rect.height,
            Some(WHITE),
            None,
        )));
        items.extend(label.items.into_iter().map(|mut item| {
            item.translate(rect.left, rect.top);
            item
        }));
    }
    for (event, &x) in events.iter().zip(&plan.symbols) {
        items.push(symbol(event.kind, Point::new(x, axis_y)));
    }

    // Legend: the kinds that occur.
    let mut legend_y = plan.bottom + 6.0;
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

/// Where everything goes: the axis pieces, the symbols on them and the label boxes.
struct Plan {
    axis: TimeAxis,
    axis_y: f32,
    /// Each event's symbol: at its date, nudged apart where symbols would hide each other.
    symbols: Vec<f32>,
    boxes: Vec<Rect>,
    /// The bottom of the lowest labels, or of the date ticks.
    bottom: f32,
}

#[derive(Debug, Clone, Copy)]
struct Rect {
    left: f32,
    top: f32,
    width: f32,
    height: f32,
}

impl Rect {
    fn centre(&self) -> f32 {
        self.left + self.width / 2.0
    }

    fn bottom(&self) -> f32 {
        self.top + self.height
    }
}

/// A label's row across the width: its side of the axis, its distance out (0 next to the
/// axis) and its centre.
struct Place {
    above: bool,
    level: usize,
    centre: f32,
}

impl Plan {
    /// For events at `dates` (in order) with labels of `sizes` (width, height), below `top`:
    /// cuts the longest empty span out of the axis while labels sit too far from their events
    /// and a span is worth cutting.
    fn new(dates: &[NaiveDate], sizes: &[(f32, f32)], width: f32, top: f32) -> Self {
        let widths: Vec<f32> = sizes.iter().map(|size| size.0).collect();
        let mut days = dates.to_vec();
        days.dedup();
        // Labels take turns over 2 × `levels` rows: the fewest that hold every row's labels.
        let levels = (1..=widths.len())
            .find(|&levels| {
                (0..2 * levels).all(|row| {
                    let row_widths: Vec<f32> = row_members(widths.len(), 2 * levels, row)
                        .map(|i| widths[i])
                        .collect();
                    fits(&row_widths, LABEL_GAP, width)
                })
            })
            .unwrap_or(widths.len());
        let mut cuts = Vec::new();
        loop {
            let axis = TimeAxis::new(&days, &cuts, width);
            let (symbols, places) = place(&axis, dates, &widths, levels, width);
            let crowded = dates
                .iter()
                .zip(&places)
                .any(|(&date, place)| (place.centre - axis.x(date)).abs() > MAX_SHIFT);
            let cut = (0..days.len().saturating_sub(1))
                .filter(|i| crowded && !cuts.contains(i))
                .map(|i| (i, (days[i + 1] - days[i]).num_days()))
                .filter(|&(_, gap)| {
                    let saved = (gap - 2 * axis.pad.num_days()) as f32 * axis.rate;
                    gap >= MIN_CUT_DAYS && saved > 2.0 * BREAK_WIDTH
                })
                // The longest; the earliest of equals.
                .max_by_key(|&(i, gap)| (gap, std::cmp::Reverse(i)));
            match cut {
                Some((i, _)) => cuts.push(i),
                None => return Self::stacked(axis, symbols, &places, sizes, top),
            }
        }
    }

    /// The rows stacked out from the axis, which sits below the rows above it.
    fn stacked(
        axis: TimeAxis,
        symbols: Vec<f32>,
        places: &[Place],
        sizes: &[(f32, f32)],
        top: f32,
    ) -> Self {
        let row_height = sizes.iter().map(|size| size.1).fold(0.0, f32::max) + LEVEL_GAP;
        let levels = |above: bool| {
            places
                .iter()
                .filter(|place| place.above == above)
                .map(|place| place.level + 1)
                .max()
                .unwrap_or(0) as f32
        };
        let axis_y = top
            + if levels(true) > 0.0 {
                levels(true) * row_height - LEVEL_GAP + LEADER_ROOM
            } else {
                2.0 * SYMBOL
            };
        let boxes = places
            .iter()
            .zip(sizes)
            .map(|(place, &(width, height))| {
                let out = place.level as f32 * row_height;
                Rect {
                    left: place.centre - width / 2.0,
                    top: if place.above {
                        axis_y - LEADER_ROOM - out - height
                    } else {
                        Self::below_edge(axis_y) + out
                    },
                    width,
                    height,
                }
            })
            .collect();
        let bottom = if levels(false) > 0.0 {
            Self::below_edge(axis_y) + levels(false) * row_height - LEVEL_GAP
        } else {
            axis_y + AXIS_BAND
        };
        Self {
            axis,
            axis_y,
            symbols,
            boxes,
            bottom,
        }
    }

    /// The top of the labels nearest the axis below it, clear of the date ticks.
    fn below_edge(axis_y: f32) -> f32 {
        axis_y + AXIS_BAND + LEADER_ROOM - LEADER_RISE
    }

    /// The line from event `i` to its label: straight out of the axis (below it, past the
    /// ticks), slanting over to the label's centre, then straight to the label.
    fn leader(&self, i: usize) -> [Point; 4] {
        let (x, rect, y) = (self.symbols[i], self.boxes[i], self.axis_y);
        if rect.top < y {
            [
                Point::new(x, y),
                Point::new(x, y - LEADER_RISE),
                Point::new(rect.centre(), y - LEADER_ROOM),
                Point::new(rect.centre(), rect.bottom()),
            ]
        } else {
            [
                Point::new(x, y),
                Point::new(x, y + AXIS_BAND),
                Point::new(rect.centre(), Self::below_edge(y)),
                Point::new(rect.centre(), rect.top),
            ]
        }
    }
}

/// Symbols on `axis`, and labels `widths` wide taking turns over 2 × `levels` rows, each row
/// spread so its labels sit as close to their symbols as they can without touching.
fn place(
    axis: &TimeAxis,
    dates: &[NaiveDate],
    widths: &[f32],
    levels: usize,
    width: f32,
) -> (Vec<f32>, Vec<Place>) {
    let at_dates: Vec<f32> = dates.iter().map(|&date| axis.x(date)).collect();
    let symbols = spread(&at_dates, &vec![2.4 * SYMBOL; dates.len()], 1.0, width);
    let rows = 2 * levels;
    let mut places: Vec<(usize, Place)> = Vec::with_capacity(dates.len());
    for row in 0..rows {
        let members: Vec<usize> = row_members(dates.len(), rows, row).collect();
        let wanted: Vec<f32> = members.iter().map(|&i| symbols[i]).collect();
        let sizes: Vec<f32> = members.iter().map(|&i| widths[i]).collect();
        let centres = spread(&wanted, &sizes, LABEL_GAP, width);
        places.extend(members.into_iter().zip(centres).map(|(i, centre)| {
            let place = Place {
                above: row % 2 == 0,
                level: row / 2,
                centre,
            };
            (i, place)
        }));
    }
    places.sort_by_key(|(i, _)| *i);
    (
        symbols,
        places.into_iter().map(|(_, place)| place).collect(),
    )
}

/// The labels in row `row` of `rows`, which consecutive labels take turns over.
fn row_members(count: usize, rows: usize, row: usize) -> impl Iterator<Item = usize> {
    (row..count).step_by(rows)
}

/// A time axis with empty spans cut out: pieces at one rate, with a break between pieces.
struct TimeAxis {
    pieces: Vec<AxisPiece>,
    /// Points per day.
    rate: f32,
    /// Time shown before the first and after the last event of each piece.
    pad: Duration,
}

struct AxisPiece {
    first: NaiveDate,
    last: NaiveDate,
    left: f32,
}

impl TimeAxis {
    /// An axis `width` wide over `days` (distinct, in order), cut after `days[i]` for every
    /// `i` in `cuts`.
    fn new(days: &[NaiveDate], cuts: &[usize], width: f32) -> Self {
        let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
        for (i, &day) in days.iter().enumerate() {
            let cut_before = i.checked_sub(1).is_some_and(|gap| cuts.contains(&gap));
            match runs.last_mut() {
                Some(run) if !cut_before => run.1 = day,
                _ => runs.push((day, day)),
            }
        }
        let kept: i64 = runs.iter().map(|(a, b)| (*b - *a).num_days()).sum();
        let pad = Duration::days((kept / 30).max(5));
        let shown: i64 = runs
            .iter()
            .map(|(a, b)| (*b - *a + pad * 2).num_days())
            .sum();
        let breaks = runs.len().saturating_sub(1) as f32 * BREAK_WIDTH;
        let rate = (width - 2.0 * EDGE - breaks) / shown as f32;
        let mut left = EDGE;
        let pieces = runs
            .into_iter()
            .map(|(a, b)| {
                let piece = AxisPiece {
                    first: a.checked_sub_signed(pad).unwrap_or(a),
                    last: b.checked_add_signed(pad).unwrap_or(b),
                    left,
                };
                left += (piece.last - piece.first).num_days() as f32 * rate + BREAK_WIDTH;
                piece
            })
            .collect();
        Self { pieces, rate, pad }
    }

    fn right(&self, piece: &AxisPiece) -> f32 {
        piece.left + (piece.last - piece.first).num_days() as f32 * self.rate
    }

    /// Where `date` falls: on the last piece starting on or before it.
    fn x(&self, date: NaiveDate) -> f32 {
        let piece = self
            .pieces
            .iter()
            .rev()
            .find(|piece| piece.first <= date)
            .or(self.pieces.first());
        piece.map_or(EDGE, |piece| {
            piece.left + (date - piece.first).num_days() as f32 * self.rate
        })
    }

    /// Date ticks on every piece; a broken axis ticks every piece at one month step, so the
    /// pieces read alike.
    fn ticks(&self) -> Vec<(NaiveDate, String)> {
        match self.pieces.as_slice() {
            [piece] => {
                let width = self.right(piece) - piece.left;
                date_ticks(piece.first, piece.last, (width / TICK_SPACING) as usize)
            }
            pieces => {
                let step = month_step(TICK_SPACING / self.rate);
                pieces
                    .iter()
                    .flat_map(|piece| month_ticks(piece.first, piece.last, step))
                    .collect()
            }
        }
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

    use super::*;
    use crate::document::TimelineEvent;
    use crate::fonts::Fonts;

    static FONTS: LazyLock<Fonts> = LazyLock::new(Fonts::builtin);

    const WIDTH: f32 = 487.0;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// The demo course: years of surveillance, then six events in four months.
    const DEMO: [&str; 9] = [
        "2017-03-22",
        "2019-10-14",
        "2020-11-09",
        "2021-06-18",
        "2021-06-18",
        "2021-07-05",
        "2021-08-10",
        "2021-08-27",
        "2021-10-15",
    ];

    /// Label sizes like real ones: a date over one or two lines of text.
    fn sizes(count: usize) -> Vec<(f32, f32)> {
        (0..count)
            .map(|i| {
                (
                    36.0 + (i * 37 % 70) as f32,
                    if i % 3 == 0 { 29.5 } else { 19.5 },
                )
            })
            .collect()
    }

    fn plan_for(dates: &[NaiveDate]) -> Plan {
        Plan::new(dates, &sizes(dates.len()), WIDTH, 20.0)
    }

    #[test]
    fn label_boxes_never_intersect_and_stay_in_the_chart() {
        let demo: Vec<NaiveDate> = DEMO.iter().map(|d| date(d)).collect();
        let burst: Vec<NaiveDate> = (0..40)
            .map(|i| date("2021-07-01") + Duration::days(i / 2))
            .collect();
        let yearly: Vec<NaiveDate> = (0..6)
            .map(|i| date("2015-05-01") + Duration::days(365 * i))
            .collect();
        let single = vec![date("2021-07-01")];
        for dates in [demo, burst, yearly, single] {
            let plan = plan_for(&dates);
            assert_eq!(plan.boxes.len(), dates.len());
            for (i, a) in plan.boxes.iter().enumerate() {
                assert!(a.left >= -0.01 && a.left + a.width <= WIDTH + 0.01, "{a:?}");
                assert!(a.top >= 20.0 && a.bottom() <= plan.bottom + 0.01, "{a:?}");
                for b in &plan.boxes[i + 1..] {
                    let apart = a.left + a.width <= b.left
                        || b.left + b.width <= a.left
                        || a.bottom() <= b.top
                        || b.bottom() <= a.top;
                    assert!(apart, "{a:?} overlaps {b:?} in {dates:?}");
                }
            }
        }
    }

    #[test]
    fn long_empty_spans_are_cut_only_when_labels_would_crowd() {
        let demo: Vec<NaiveDate> = DEMO.iter().map(|d| date(d)).collect();
        let plan = plan_for(&demo);
        let pieces = &plan.axis.pieces;
        assert!(pieces.len() > 1, "the years before 2021 are cut short");
        // The burst keeps one piece, at one rate: the four months read to scale.
        assert!(
            pieces
                .iter()
                .any(|p| p.first <= demo[3] && demo[8] <= p.last)
        );
        let shown = |from: usize, to: usize| plan.axis.x(demo[to]) - plan.axis.x(demo[from]);
        assert!(
            shown(3, 8) > WIDTH / 2.0,
            "the burst has room: {}",
            shown(3, 8)
        );
        // Every label sits near its event.
        for (rect, &d) in plan.boxes.iter().zip(&demo) {
            assert!((rect.centre() - plan.axis.x(d)).abs() <= MAX_SHIFT + 0.01);
        }

        let yearly: Vec<NaiveDate> = (0..6)
            .map(|i| date("2015-05-01") + Duration::days(365 * i))
            .collect();
        assert_eq!(plan_for(&yearly).axis.pieces.len(), 1);
    }

    #[test]
    fn symbols_of_events_on_one_day_sit_side_by_side() {
        let dates = [date("2021-06-18"), date("2021-06-18"), date("2021-06-19")];
        let plan = plan_for(&dates);
        for pair in plan.symbols.windows(2) {
            assert!(pair[1] - pair[0] >= 2.4 * SYMBOL, "{:?}", plan.symbols);
        }
    }

    #[test]
    fn no_text_in_a_crowded_timeline_overlaps_other_text() {
        let events = DEMO
            .iter()
            .zip([
                "肝硬化",
                "LGDN",
                "HGDN",
                "肝细胞癌（HCC）",
                "增强MRI",
                "TACE-1",
                "增强CT",
                "TACE-2",
                "增强MRI",
            ])
            .map(|(d, label)| TimelineEvent {
                date: date(d),
                written: d.to_string(),
                label: label.to_string(),
                kind: EventKind::Treatment,
            })
            .collect();
        let timeline = Timeline {
            title: "诊疗时间线 Timeline".into(),
            events,
        };
        let mut typesetter = Typesetter::new(&FONTS);
        let fragment = draw(&timeline, &mut typesetter, WIDTH, Lang::Zh);
        let boxes = fragment.text_boxes(&mut typesetter);
        assert!(boxes.len() > 2 * DEMO.len(), "{boxes:?}");
        for (i, (text_a, a)) in boxes.iter().enumerate() {
            assert!(a[0] >= -0.01 && a[2] <= WIDTH + 0.01, "{text_a} sticks out");
            for (text_b, b) in &boxes[i + 1..] {
                let apart = a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];
                assert!(apart, "{text_a} {a:?} overlaps {text_b} {b:?}");
            }
        }
    }
}
