//! Tables: column widths from the given proportions or from the content, cells that wrap, and
//! pagination that repeats the header row on every page and splits a row only when it is
//! taller than a page could hold.

use crate::document::{Inline, Table};

use super::display::{Item, Path, Point, Stroke};
use super::flow::{Flow, Fragment, PAGE_BODY_HEIGHT};
use super::style::{
    ACCENT, BODY_WIDTH, CELL_PADDING_X, CELL_PADDING_Y, GRID, HEADER_FILL, RULE_WIDTH, TABLE,
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
}

/// `None` for a table with no cells at all.
pub fn prepare(table: &Table, typesetter: &mut Typesetter) -> Option<Prepared> {
    let count = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.header.len()])
        .max()
        .filter(|&n| n > 0)?;
    let shape_row = |typesetter: &mut Typesetter, cells: &[Inline], is_header: bool| {
        let style = if is_header {
            TABLE.with_color(ACCENT)
        } else {
            TABLE
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

    let widths = table
        .widths
        .as_deref()
        .and_then(|w| proportional(w, count))
        .unwrap_or_else(|| from_content(header.iter().chain(&rows), count));
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

/// Widths in the given proportions, if there is one positive proportion per column.
fn proportional(weights: &[f32], count: usize) -> Option<Vec<f32>> {
    let valid = weights.len() == count && weights.iter().all(|w| w.is_finite() && *w > 0.0);
    let total: f32 = weights.iter().sum();
    valid.then(|| weights.iter().map(|w| w / total * BODY_WIDTH).collect())
}

/// Widths from the content, as browsers size auto tables: every column gets at least its
/// longest word, and the room left goes to the columns whose text would otherwise wrap most.
fn from_content<'a>(rows: impl Iterator<Item = &'a Vec<Shaped>>, count: usize) -> Vec<f32> {
    let mut least = vec![0.0f32; count];
    let mut most = vec![0.0f32; count];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            least[i] = least[i].max(cell.min_width() + 2.0 * CELL_PADDING_X);
            most[i] = most[i].max(cell.natural_width() + 2.0 * CELL_PADDING_X);
        }
    }
    let least_total: f32 = least.iter().sum();
    let most_total: f32 = most.iter().sum();
    if most_total <= BODY_WIDTH {
        // Everything fits unwrapped: stretch to the full width in proportion.
        let scale = BODY_WIDTH / most_total.max(1.0);
        return most.iter().map(|w| w * scale).collect();
    }
    if least_total >= BODY_WIDTH {
        // Even single words do not fit: shrink, and let the widest words break.
        let scale = BODY_WIDTH / least_total;
        return least.iter().map(|w| w * scale).collect();
    }
    let room = BODY_WIDTH - least_total;
    let wants: f32 = most_total - least_total;
    least
        .iter()
        .zip(&most)
        .map(|(l, m)| l + room * (m - l) / wants)
        .collect()
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

    fn height_of(lines: usize) -> f32 {
        lines as f32 * TABLE.leading + 2.0 * CELL_PADDING_Y
    }

    /// Lines `from..from + count` of every cell, boxed.
    fn fragment(&self, columns: &[(f32, f32)], from: usize, count: usize) -> Fragment {
        let height = Self::height_of(count);
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
                let baseline = CELL_PADDING_Y + k as f32 * TABLE.leading + TABLE.baseline();
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
            .map_or(0.0, |h| Row::height_of(h.line_count()))
    }

    /// The header with (up to two lines of) the first row: a table never starts with its
    /// header alone at the bottom of a page.
    pub fn start_height(&self) -> f32 {
        let first = self
            .rows
            .first()
            .map_or(0.0, |row| Row::height_of(row.line_count().min(2)));
        self.header_height() + first
    }

    pub fn place(&self, flow: &mut Flow) {
        // A header taller than half a page is not worth repeating (and might never leave room).
        let repeat_header = self.header_height() <= PAGE_BODY_HEIGHT / 2.0;
        let place_header = |flow: &mut Flow| {
            if let Some(header) = &self.header {
                flow.place(header.fragment(&self.columns, 0, header.line_count()));
            }
        };
        if self.start_height() > flow.remaining() {
            flow.break_page();
        }
        place_header(flow);
        let continue_on_new_page = |flow: &mut Flow| {
            flow.new_page();
            if repeat_header {
                place_header(flow);
            }
        };
        let room_on_fresh_page = PAGE_BODY_HEIGHT
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
                if Row::height_of(left) <= flow.remaining() {
                    flow.place(row.fragment(&self.columns, from, left));
                    break;
                }
                if from == 0 && !fresh && Row::height_of(left) <= room_on_fresh_page {
                    continue_on_new_page(flow);
                    fresh = true;
                    continue;
                }
                // Taller than a page: split it between lines.
                let room = flow.remaining() - 2.0 * CELL_PADDING_Y;
                let fit = ((room / TABLE.leading).floor().max(0.0) as usize).min(left);
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
