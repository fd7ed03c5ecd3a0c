//! The look of a summary in one place: page geometry, type sizes, colours and spacing.
//!
//! Hierarchy comes from size and colour rather than weight, as in a typeset clinical letter:
//! headings are set in the regular face in a dark blue, so the bold face is only loaded when
//! the text itself asks for bold.

use super::display::Color;
use crate::document::Paper;

/// The side margins, on every paper.
pub const MARGIN_X: f32 = 54.0;
/// Where the body starts on a page; the running header sits above it.
pub const BODY_TOP: f32 = 58.0;
/// The footer's room below the body.
const BOTTOM_MARGIN: f32 = 52.0;

/// The width of the text column on `paper` (Letter's is 17 pt wider than A4's).
pub fn body_width(paper: Paper) -> f32 {
    paper.size().0 - 2.0 * MARGIN_X
}

/// Where the body ends on `paper`; the footer sits below it.
pub fn body_bottom(paper: Paper) -> f32 {
    paper.size().1 - BOTTOM_MARGIN
}

pub const INK: Color = Color::hex(0x1b1f24);
pub const ACCENT: Color = Color::hex(0x1f4e79);
pub const MUTED: Color = Color::hex(0x5f6670);
pub const RULE: Color = Color::hex(0xb4bcc6);
pub const GRID: Color = Color::hex(0x9aa4b0);
pub const HEADER_FILL: Color = Color::hex(0xe6edf5);
pub const WHITE: Color = Color::hex(0xffffff);

/// How a block's text looks before its spans ask for bold or italic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    pub size: f32,
    /// Baseline-to-baseline distance.
    pub leading: f32,
    pub color: Color,
}

impl TextStyle {
    const fn new(size: f32, leading: f32, color: Color) -> Self {
        Self {
            size,
            leading,
            color,
        }
    }

    pub const fn with_color(self, color: Color) -> Self {
        Self { color, ..self }
    }

    /// Where the baseline sits below the top of a line box: the em box centred in the leading,
    /// with the CJK ideographic em box's 0.88 above the baseline.
    pub fn baseline(&self) -> f32 {
        (self.leading - self.size) / 2.0 + 0.88 * self.size
    }
}

pub const BODY: TextStyle = TextStyle::new(10.5, 14.5, INK);
pub const TABLE: TextStyle = TextStyle::new(9.0, 11.0, INK);
pub const TABLE_COMPACT: TextStyle = TextStyle::new(8.0, 9.6, INK);
pub const NOTE: TextStyle = TextStyle::new(8.5, 12.5, MUTED);
pub const MARGINALIA: TextStyle = TextStyle::new(8.0, 11.0, MUTED);
pub const CHART_TITLE: TextStyle = TextStyle::new(9.5, 14.0, INK);
pub const CHART_LABEL: TextStyle = TextStyle::new(7.5, 9.5, MUTED);
pub const CHART_TEXT: TextStyle = TextStyle::new(8.0, 10.0, INK);

/// Heading styles by level (1–3; deeper levels look like level 3).
pub fn heading(level: u8) -> TextStyle {
    match level {
        0 | 1 => TextStyle::new(14.0, 19.0, ACCENT),
        2 => TextStyle::new(12.0, 17.0, ACCENT),
        _ => TextStyle::new(10.5, 15.5, ACCENT),
    }
}

/// Space above a heading, by level; a heading's own space below is [`HEADING_GAP_BELOW`].
pub fn heading_gap_above(level: u8) -> f32 {
    match level {
        0 | 1 => 16.0,
        2 => 10.0,
        _ => 7.0,
    }
}

pub const HEADING_GAP_BELOW: f32 = 3.0;
pub const PARAGRAPH_GAP: f32 = 5.0;
pub const LIST_ITEM_GAP: f32 = 2.0;
pub const BLOCK_GAP: f32 = 8.0;
/// Hanging indent of list items: the marker sits in it.
pub const LIST_INDENT: f32 = 18.0;
/// Two of these make the gutter between neighbouring cells' text: over an em, so that text
/// extraction (copying, screen readers, pdftotext) reads cells side by side as columns.
pub const CELL_PADDING_X: f32 = 5.0;
pub const CELL_PADDING_Y: f32 = 1.5;
pub const CELL_PADDING_Y_COMPACT: f32 = 0.8;
pub const RULE_WIDTH: f32 = 0.5;
