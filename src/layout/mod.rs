//! The layout engine: a [`Document`] becomes pages of its paper (A4 or US Letter) of positioned text runs and paths (a
//! display list of [`Page`]s), plus the outline. Pure: fonts come in as parsed faces, pages
//! go out as values, nothing touches the disk.
//!
//! Layout runs in two steps. Every block is first *prepared* — its text broken into lines,
//! tables measured, charts drawn — into fragments of known height; then the fragments are
//! *paginated*, which is where headings are kept with what follows them, paragraphs keep two
//! lines together at either end of a page, and tables repeat their header row. The running
//! header and the "page N of M" footer are added last, once M is known.

mod chart;
mod display;
mod flow;
mod linebreak;
mod running;
mod scale;
mod style;
mod table;
mod text;
mod timeline;

use crate::diagnostic::Diagnostics;
use crate::document::{Block, Chart, Document, Inline};
use crate::fonts::Fonts;
use crate::text::Lang;

pub use display::{Color, Item, Page, Path, Point, Segment, Stroke, TextPiece, TextRun};
pub use running::{RECORD_HEADER_HEIGHT, RecordHeaders, record_headers};

use flow::{Flow, Fragment};
use style::TextStyle;
use text::{Align, Typesetter};

/// A document laid out on pages.
#[derive(Debug, Clone)]
pub struct LaidOut {
    pub pages: Vec<Page>,
    /// The document title, then every level-1 and level-2 heading, in page order.
    pub outline: Vec<OutlineEntry>,
    /// Characters no font could draw.
    pub warnings: Diagnostics,
}

/// A bookmark: where a section starts.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlineEntry {
    pub title: String,
    /// 0 for the document title, 1 for the sections under it.
    pub depth: u8,
    /// 0-based page index.
    pub page: usize,
    /// Distance from the top of the page.
    pub top: f32,
}

pub fn lay_out(document: &Document, fonts: &Fonts) -> LaidOut {
    let mut typesetter = Typesetter::new(fonts);
    let width = style::body_width(document.paper);
    let prepared: Vec<Prepared> = document
        .blocks
        .iter()
        .flat_map(|block| prepare(block, &mut typesetter, document.lang, width))
        .collect();

    let mut flow = Flow::new(document.paper);
    let mut outline = vec![OutlineEntry {
        title: document.title.clone(),
        depth: 0,
        page: 0,
        top: 0.0,
    }];
    for (index, block) in prepared.iter().enumerate() {
        let follows_heading = index > 0 && prepared[index - 1].is_heading();
        if !follows_heading {
            flow.gap(block.gap());
        }
        match block {
            Prepared::Lines {
                lines,
                heading: Some(heading),
                ..
            } => {
                let needed = keep_height(&prepared, index, flow.body_height()) - block.gap();
                if needed > flow.remaining() && needed <= flow.body_height() {
                    flow.break_page();
                }
                // Every section gets a bookmark: the templates' sections are level 2.
                if heading.level <= 2 {
                    outline.push(OutlineEntry {
                        title: heading.title.clone(),
                        depth: 1,
                        page: flow.page_index(),
                        top: flow.y(),
                    });
                }
                place_lines(&mut flow, lines);
            }
            Prepared::Lines {
                lines,
                heading: None,
                ..
            } => place_lines(&mut flow, lines),
            Prepared::Table { table, .. } => table.place(&mut flow),
            Prepared::Whole { fragment, .. } => flow.place(fragment.clone()),
            Prepared::PageBreak => flow.break_page(),
        }
    }

    let mut pages = flow.into_pages();
    running::decorate(&mut pages, document, &mut typesetter);
    let mut warnings = Diagnostics::default();
    if let Some(warning) = typesetter.missing_glyphs() {
        warnings.push(warning);
    }
    LaidOut {
        pages,
        outline,
        warnings,
    }
}

/// A block measured and cut into fragments, ready to paginate.
enum Prepared {
    /// Lines of text placed one by one.
    Lines {
        gap: f32,
        lines: Vec<Fragment>,
        heading: Option<HeadingInfo>,
    },
    Table {
        gap: f32,
        table: table::Prepared,
    },
    /// Placed in one piece (a chart).
    Whole {
        gap: f32,
        fragment: Fragment,
    },
    PageBreak,
}

struct HeadingInfo {
    level: u8,
    title: String,
}

impl Prepared {
    fn gap(&self) -> f32 {
        match self {
            Prepared::Lines { gap, .. }
            | Prepared::Table { gap, .. }
            | Prepared::Whole { gap, .. } => *gap,
            Prepared::PageBreak => 0.0,
        }
    }

    fn is_heading(&self) -> bool {
        matches!(
            self,
            Prepared::Lines {
                heading: Some(_),
                ..
            }
        )
    }

    /// Text short enough to be kept whole with the heading above it.
    fn is_lead_in(&self) -> bool {
        matches!(self, Prepared::Lines { lines, heading: None, .. } if lines.len() <= 2)
    }

    /// The height of the smallest start a page may end after: two lines, a table's header
    /// and first row, a whole chart (on pages whose body is `body_height` tall).
    fn start_height(&self, body_height: f32) -> f32 {
        match self {
            Prepared::Lines { lines, .. } => lines.iter().take(2).map(|l| l.height).sum(),
            Prepared::Table { table, .. } => table.start_height(body_height),
            Prepared::Whole { fragment, .. } => fragment.height,
            Prepared::PageBreak => 0.0,
        }
    }
}

/// How much must share a page with block `index`: a heading with the start of what follows
/// it (and a run of headings with the start of what follows them all). A lead-in of a line
/// or two after a heading ("Longest diameters, in millimetres.") is not enough to follow
/// it: the start of what the lead-in introduces comes along too.
fn keep_height(prepared: &[Prepared], index: usize, body_height: f32) -> f32 {
    let block = &prepared[index];
    match block {
        Prepared::Lines {
            lines,
            heading: Some(_),
            ..
        } => {
            let own = block.gap() + lines.iter().map(|l| l.height).sum::<f32>();
            let next = match prepared.get(index + 1) {
                Some(next) if next.is_heading() => keep_height(prepared, index + 1, body_height),
                Some(next) if next.is_lead_in() => {
                    let introduced = match prepared.get(index + 2) {
                        Some(after) if !after.is_heading() => {
                            after.gap() + after.start_height(body_height)
                        }
                        _ => 0.0,
                    };
                    next.start_height(body_height) + introduced
                }
                Some(next) => next.start_height(body_height),
                None => 0.0,
            };
            own + next
        }
        _ => block.gap() + block.start_height(body_height),
    }
}

/// Places lines so that no page ends with a paragraph's first line alone or starts with its
/// last line alone, when the paragraph is long enough to avoid it.
fn place_lines(flow: &mut Flow, lines: &[Fragment]) {
    let mut next = 0;
    while next < lines.len() {
        let left = lines.len() - next;
        let mut room = flow.remaining();
        let mut fit = 0;
        for line in &lines[next..] {
            if line.height > room {
                break;
            }
            room -= line.height;
            fit += 1;
        }
        let mut take = fit;
        if take < left && !flow.at_top() {
            if take < left.min(2) {
                flow.new_page();
                continue;
            }
            if left - take == 1 && take >= 3 {
                take -= 1;
            }
        }
        // At the top of a page at least one line goes, however tall, so this always ends.
        let take = take.max(1);
        for line in &lines[next..next + take] {
            flow.place(line.clone());
        }
        next += take;
        if next < lines.len() {
            flow.new_page();
        }
    }
}

/// `block` measured for a text column `width` wide.
fn prepare(block: &Block, typesetter: &mut Typesetter, lang: Lang, width: f32) -> Vec<Prepared> {
    match block {
        Block::Heading { level, text } => {
            let style = style::heading(*level);
            let mut lines = text_lines(typesetter, text, style, width, Align::Left);
            if let Some(last) = lines.last_mut() {
                last.height += style::HEADING_GAP_BELOW;
            }
            vec![Prepared::Lines {
                gap: style::heading_gap_above(*level),
                lines,
                heading: Some(HeadingInfo {
                    level: *level,
                    title: text.iter().map(|span| span.text.as_str()).collect(),
                }),
            }]
        }
        Block::Paragraph(text) => vec![Prepared::Lines {
            gap: style::PARAGRAPH_GAP,
            lines: text_lines(typesetter, text, style::BODY, width, Align::Justify),
            heading: None,
        }],
        Block::Note(text) => vec![Prepared::Lines {
            gap: style::PARAGRAPH_GAP,
            lines: text_lines(typesetter, text, style::NOTE, width, Align::Left),
            heading: None,
        }],
        Block::List { ordered, items } => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let marker = if *ordered {
                    format!("{}.", index + 1)
                } else {
                    "•".to_string()
                };
                Prepared::Lines {
                    gap: if index == 0 {
                        style::PARAGRAPH_GAP
                    } else {
                        style::LIST_ITEM_GAP
                    },
                    lines: list_item(typesetter, &marker, item, width),
                    heading: None,
                }
            })
            .collect(),
        Block::Table(table) => table::prepare(table, typesetter, width)
            .map(|table| Prepared::Table {
                gap: style::BLOCK_GAP,
                table,
            })
            .into_iter()
            .collect(),
        Block::Chart(chart) => {
            let fragment = match chart {
                Chart::Line(line) => chart::draw(line, typesetter, width),
                Chart::Timeline(events) => timeline::draw(events, typesetter, width, lang),
            };
            vec![Prepared::Whole {
                gap: style::BLOCK_GAP,
                fragment,
            }]
        }
        Block::PageBreak => vec![Prepared::PageBreak],
    }
}

/// `text` broken to `width`, one fragment per line.
fn text_lines(
    typesetter: &mut Typesetter,
    text: &Inline,
    style: TextStyle,
    width: f32,
    align: Align,
) -> Vec<Fragment> {
    let shaped = typesetter.shape(text, style);
    shaped
        .lines(width)
        .iter()
        .map(|line| Fragment {
            height: style.leading,
            items: shaped.render(line, Point::new(0.0, style.baseline()), width, align),
        })
        .collect()
}

/// A list item: its text in the indented column, the marker right-aligned in the indent.
fn list_item(
    typesetter: &mut Typesetter,
    marker: &str,
    text: &Inline,
    width: f32,
) -> Vec<Fragment> {
    let mut lines = text_lines(
        typesetter,
        text,
        style::BODY,
        width - style::LIST_INDENT,
        Align::Justify,
    );
    for line in &mut lines {
        for item in &mut line.items {
            item.translate(style::LIST_INDENT, 0.0);
        }
    }
    let marker_x = style::LIST_INDENT - 5.0;
    let marker = typesetter.label(
        marker,
        style::BODY,
        marker_x,
        style::BODY.baseline(),
        Align::Right,
    );
    match lines.first_mut() {
        Some(first) => first.items.extend(marker),
        None => lines.push(Fragment {
            height: style::BODY.leading,
            items: marker,
        }),
    }
    lines
}

#[cfg(test)]
mod tests;
