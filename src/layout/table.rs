//! Tables: column widths from the given proportions or from the content, never so narrow that
//! a date or a word breaks while the table has room; cells that wrap; and pagination that
//! repeats the header row on every page and splits a row only when it is taller than a page
//! could hold.

use crate::document::{Inline, Table};

use super::display::{Item, Path, Point, Stroke};
use super::flow::{Flow, Fragment};
use super::style::{
    ACCENT, CELL_PADDING_X, CELL_PADDING_Y, CELL_PADDING_Y_COMPACT, GRID, HEADER_FILL, RULE_WIDTH,
    TABLE, TABLE_COMPACT, TextStyle,
};
use super::text::{Align, Line, Shaped, Typesetter};

/// A table measured and broken into lines, ready to paginate.
pub struct Prepared {
    /// Left edge and width of every column.
    columns: Vec<(f32, f32)>,
    header: Option<Row>,
    rows: Vec<Row>,
}

struct Row {
    cells: Vec<(Shaped, Vec<Line>)>,
    is_header: bool,
    style: TextStyle,
}

/// `None` for a table with no cells at all.
pub fn prepare(table: &Table, typesetter: &mut Typesetter, width: f32) -> Option<Prepared> {
    let count = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.header.len()])
        .max()
        .filter(|&n| n > 0)?;
    let body = if table.compact { TABLE_COMPACT } else { TABLE };
    let shape_row = |typesetter: &mut Typesetter, cells: &[Inline], is_header: bool| {
        let style = if is_header {
            body.with_color(ACCENT)
        } else {
            body
        };
        (0..count)
            .map(|i| typesetter.shape(cells.get(i).map_or(&[][..], Vec::as_slice), style))
            .collect::<Vec<_>>()
    };
    let header = (!table.header.is_empty()).then(|| shape_row(typesetter, &table.header, true));
    let rows: Vec<Vec<Shaped>> = table
        .rows
        .iter()
        .map(|row| shape_row(typesetter, row, false))
        .collect();

    let mut needs = vec![Need::default(); count];
    for row in header.iter().chain(&rows) {
        for (need, cell) in needs.iter_mut().zip(row) {
            need.include(cell);
        }
    }
    let widths = column_widths(&needs, table.widths.as_deref(), width);
    let mut columns = Vec::with_capacity(count);
    let mut x = 0.0;
    for width in widths {
        columns.push((x, width));
        x += width;
    }
    let break_row = |cells: Vec<Shaped>, is_header: bool| Row {
        cells: cells
            .into_iter()
            .zip(&columns)
            .map(|(shaped, (_, width))| {
                let lines = shaped.lines(width - 2.0 * CELL_PADDING_X);
                (shaped, lines)
            })
            .collect(),
        is_header,
        style: body,
    };
    let header = header.map(|cells| break_row(cells, true));
    let rows = rows
        .into_iter()
        .map(|cells| break_row(cells, false))
        .collect();
    Some(Prepared {
        columns,
        header,
        rows,
    })
}

/// How wide a column wants to be, padding included, at three degrees of wrapping.
#[derive(Debug, Clone, Copy, Default)]
struct Need {
    /// Min-content: the widest token (a date, a word, one Chinese character) whole.
    tight: f32,
    /// The widest run the line breaker keeps together ("20.52 µmol/L") whole.
    snug: f32,
    /// Max-content: every line unwrapped.
    natural: f32,
}

impl Need {
    fn include(&mut self, cell: &Shaped) {
        let padded = |width: f32| width + 2.0 * CELL_PADDING_X;
        self.tight = self.tight.max(padded(cell.tight_width()));
        self.snug = self.snug.max(padded(cell.min_width()));
        self.natural = self.natural.max(padded(cell.natural_width()));
    }
}

/// Column widths summing to `total`, sized the way browsers size tables. Every column first
/// gets a floor: its snug width if all of those fit, else its min-content width; when even
/// those do not fit, the widest columns are capped equally and only their longest tokens
/// break. Above the floors, the `hints` (relative widths) share out the width, except that
/// no column is kept wider than its unwrapped text while another wraps; without hints, the
/// room goes to the columns whose text would otherwise wrap most.
fn column_widths(needs: &[Need], hints: Option<&[f32]>, total: f32) -> Vec<f32> {
    let snug: Vec<f32> = needs.iter().map(|n| n.snug).collect();
    let tight: Vec<f32> = needs.iter().map(|n| n.tight).collect();
    let fits = |widths: &[f32]| widths.iter().sum::<f32>() <= total;
    let floor = if fits(&snug) {
        snug
    } else if fits(&tight) {
        tight
    } else {
        capped(&tight, total)
    };
    let natural: Vec<f32> = needs.iter().map(|n| n.natural).collect();
    let unwrapped: f32 = natural.iter().sum();
    let hints =
        hints.filter(|h| h.len() == needs.len() && h.iter().all(|w| w.is_finite() && *w > 0.0));
    match hints {
        // Nothing wraps: the room left over goes by the hints, or by the text's widths.
        _ if unwrapped <= total => {
            let by = hints.unwrap_or(&natural);
            widen(&natural, by, total - unwrapped)
        }
        Some(hints) => {
            // The hinted share, within the floor and the unwrapped width; then what that
            // overspends comes out of the columns above their floor, or what it leaves goes
            // to the columns still wrapping, in proportion to how far they are from either.
            let sum: f32 = hints.iter().sum();
            let wanted: Vec<f32> = hints
                .iter()
                .zip(floor.iter().zip(&natural))
                .map(|(h, (f, n))| (h / sum * total).min(*n).max(*f))
                .collect();
            let spare = total - wanted.iter().sum::<f32>();
            let room: Vec<f32> = if spare < 0.0 {
                wanted.iter().zip(&floor).map(|(w, f)| w - f).collect()
            } else {
                natural.iter().zip(&wanted).map(|(n, w)| n - w).collect()
            };
            widen(&wanted, &room, spare)
        }
        None => {
            let room: Vec<f32> = natural.iter().zip(&floor).map(|(n, f)| n - f).collect();
            widen(&floor, &room, total - floor.iter().sum::<f32>())
        }
    }
}

/// `widths` with `amount` (less if negative) shared out in proportion to `room`.
fn widen(widths: &[f32], room: &[f32], amount: f32) -> Vec<f32> {
    let total_room: f32 = room.iter().sum();
    let share = if total_room > 0.0 {
        amount / total_room
    } else {
        0.0
    };
    widths
        .iter()
        .zip(room)
        .map(|(width, room)| width + share * room)
        .collect()
}

/// `widths` with the widest lowered to one cap so that they sum to `total` (water-filling):
/// narrow columns keep their width, and only the widest give way.
fn capped(widths: &[f32], total: f32) -> Vec<f32> {
    let mut sorted = widths.to_vec();
    sorted.sort_by(f32::total_cmp);
    let mut below = 0.0;
    let mut cap = 0.0;
    for (i, width) in sorted.iter().enumerate() {
        // The cap if every column from this one on is capped.
        cap = (total - below) / (sorted.len() - i) as f32;
        if cap <= *width {
            break;
        }
        below += width;
    }
    widths.iter().map(|w| w.min(cap)).collect()
}

impl Row {
    fn line_count(&self) -> usize {
        self.cells
            .iter()
            .map(|(_, lines)| lines.len())
            .max()
            .unwrap_or(0)
            .max(1)
    }

    /// Space above and below a cell's text: less in a compact table.
    fn padding_y(&self) -> f32 {
        if self.style == TABLE_COMPACT {
            CELL_PADDING_Y_COMPACT
        } else {
            CELL_PADDING_Y
        }
    }

    fn height_of(&self, lines: usize) -> f32 {
        lines as f32 * self.style.leading + 2.0 * self.padding_y()
    }

    /// Lines `from..from + count` of every cell, boxed.
    fn fragment(&self, columns: &[(f32, f32)], from: usize, count: usize) -> Fragment {
        let height = self.height_of(count);
        let mut items = Vec::new();
        if self.is_header {
            let width = columns.last().map_or(0.0, |(x, w)| x + w);
            items.push(Item::Path(Path::rect(
                0.0,
                0.0,
                width,
                height,
                Some(HEADER_FILL),
                None,
            )));
        }
        for ((shaped, lines), &(x, width)) in self.cells.iter().zip(columns) {
            for (k, line) in lines.iter().skip(from).take(count).enumerate() {
                let baseline =
                    self.padding_y() + k as f32 * self.style.leading + self.style.baseline();
                let origin = Point::new(x + CELL_PADDING_X, baseline);
                items.extend(shaped.render(
                    line,
                    origin,
                    width - 2.0 * CELL_PADDING_X,
                    Align::Left,
                ));
            }
            let border = Stroke::solid(GRID, RULE_WIDTH);
            items.push(Item::Path(Path::rect(
                x,
                0.0,
                width,
                height,
                None,
                Some(border),
            )));
        }
        Fragment { height, items }
    }
}

impl Prepared {
    fn header_height(&self) -> f32 {
        self.header
            .as_ref()
            .map_or(0.0, |h| h.height_of(h.line_count()))
    }

    /// The header with (up to two lines of) the first row: a table never starts with its
    /// header alone at the bottom of a page. A short table is kept whole: its last row or
    /// two alone over the page reads worse than a gap at the foot of this one (a page's body
    /// is `body_height` tall).
    pub fn start_height(&self, body_height: f32) -> f32 {
        let rows = self.rows.iter().map(|row| row.height_of(row.line_count()));
        let whole = self.header_height() + rows.sum::<f32>();
        if whole <= body_height / 4.0 {
            return whole;
        }
        let first = self
            .rows
            .first()
            .map_or(0.0, |row| row.height_of(row.line_count().min(2)));
        self.header_height() + first
    }

    pub fn place(&self, flow: &mut Flow) {
        // A header taller than half a page is not worth repeating (and might never leave room).
        let repeat_header = self.header_height() <= flow.body_height() / 2.0;
        let place_header = |flow: &mut Flow| {
            if let Some(header) = &self.header {
                flow.place(header.fragment(&self.columns, 0, header.line_count()));
            }
        };
        if self.start_height(flow.body_height()) > flow.remaining() {
            flow.break_page();
        }
        place_header(flow);
        let continue_on_new_page = |flow: &mut Flow| {
            flow.new_page();
            if repeat_header {
                place_header(flow);
            }
        };
        let room_on_fresh_page = flow.body_height()
            - if repeat_header {
                self.header_height()
            } else {
                0.0
            };
        for row in &self.rows {
            let total = row.line_count();
            let mut from = 0;
            let mut fresh = false;
            while from < total {
                let left = total - from;
                if row.height_of(left) <= flow.remaining() {
                    flow.place(row.fragment(&self.columns, from, left));
                    break;
                }
                if from == 0 && !fresh && row.height_of(left) <= room_on_fresh_page {
                    continue_on_new_page(flow);
                    fresh = true;
                    continue;
                }
                // Taller than a page: split it between lines.
                let room = flow.remaining() - 2.0 * row.padding_y();
                let fit = ((room / row.style.leading).floor().max(0.0) as usize).min(left);
                let fit = if fresh { fit.max(1) } else { fit };
                if fit > 0 {
                    flow.place(row.fragment(&self.columns, from, fit));
                    from += fit;
                }
                if from < total {
                    continue_on_new_page(flow);
                    fresh = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The text column on A4.
    const BODY_WIDTH: f32 = 595.28 - 2.0 * 54.0;
    use std::sync::LazyLock;

    use super::*;
    use crate::document::Span;
    use crate::fonts::Fonts;

    static FONTS: LazyLock<Fonts> = LazyLock::new(Fonts::builtin);

    fn cells(texts: &[&str]) -> Vec<Inline> {
        texts.iter().map(|t| vec![Span::plain(*t)]).collect()
    }

    fn widths(prepared: &Prepared) -> Vec<f32> {
        prepared.columns.iter().map(|(_, width)| *width).collect()
    }

    fn need(tight: f32, snug: f32, natural: f32) -> Need {
        Need {
            tight,
            snug,
            natural,
        }
    }

    #[test]
    fn a_date_column_hinted_too_narrow_still_never_breaks_a_date() {
        let table = Table {
            header: cells(&["2021-08-20", "详情 Details"]),
            rows: vec![
                cells(&[
                    "2021-06-20",
                    &"超声：肝实质回声粗糙，脾长径14 cm。".repeat(8),
                ]),
                cells(&["2017-04-01", "Hepatocellular carcinoma, 20.52 µmol/L"]),
            ],
            widths: Some(vec![0.3, 6.0]),
            compact: false,
        };
        let prepared = prepare(&table, &mut Typesetter::new(&FONTS), BODY_WIDTH).expect("cells");
        let rows = prepared.header.iter().chain(&prepared.rows);
        for row in rows {
            assert_eq!(row.cells[0].1.len(), 1, "a date broke");
        }
        let total: f32 = widths(&prepared).iter().sum();
        assert!((total - BODY_WIDTH).abs() < 0.01, "{total}");
    }

    #[test]
    fn a_table_whose_words_cannot_fit_still_lays_out() {
        let row = cells(&["2021-06-20 hepatocellular"; 14]);
        let table = Table {
            header: cells(&["Extrahepatic"; 14]),
            rows: vec![row.clone(), row],
            widths: None,
            compact: false,
        };
        let prepared = prepare(&table, &mut Typesetter::new(&FONTS), BODY_WIDTH).expect("cells");
        let widths = widths(&prepared);
        assert!(
            widths.iter().all(|w| *w > 2.0 * CELL_PADDING_X),
            "{widths:?}"
        );
        let total: f32 = widths.iter().sum();
        assert!((total - BODY_WIDTH).abs() < 0.01, "{total}");
        // Every cell still shows all its text, on lines of at least one character.
        for row in &prepared.rows {
            for (_, lines) in &row.cells {
                assert!(lines.len() > 2);
            }
        }
    }

    #[test]
    fn floors_come_before_hints_and_slack_goes_where_text_wraps() {
        // Hinted equal, but the first column needs 60 and the third has text to spare.
        let needs = [
            need(60.0, 60.0, 60.0),
            need(10.0, 10.0, 300.0),
            need(10.0, 10.0, 20.0),
        ];
        let widths = column_widths(&needs, Some(&[1.0, 1.0, 1.0]), 150.0);
        assert!(widths[0] >= 60.0 - 0.01, "{widths:?}");
        assert!(
            (widths[2] - 20.0).abs() < 0.01,
            "no wider than its text: {widths:?}"
        );
        assert!((widths.iter().sum::<f32>() - 150.0).abs() < 0.01);

        // Without hints the room above the floors follows the text that would wrap.
        let widths = column_widths(&needs, None, 150.0);
        let room = [0.0, 290.0, 10.0];
        let spare = 150.0 - 80.0;
        for ((width, room), floor) in widths.iter().zip(room).zip([60.0, 10.0, 10.0]) {
            assert!(
                (width - floor - spare * room / 300.0).abs() < 0.01,
                "{widths:?}"
            );
        }
    }

    #[test]
    fn numbers_part_from_their_units_only_when_the_columns_need_it() {
        // "20.52 µmol/L" whole needs 70; the min-content is 40.
        let needs = [need(40.0, 70.0, 80.0), need(40.0, 70.0, 80.0)];
        let roomy = column_widths(&needs, Some(&[1.0, 3.0]), 150.0);
        assert!(roomy.iter().all(|w| *w >= 70.0 - 0.01), "{roomy:?}");
        let tight = column_widths(&needs, Some(&[1.0, 3.0]), 100.0);
        assert!(tight.iter().all(|w| *w >= 40.0 - 0.01), "{tight:?}");
        let squeezed = column_widths(&needs, None, 60.0);
        assert_eq!(squeezed, [30.0, 30.0]);
    }
}
