//! Pagination: fragments go down the page until one does not fit, then a new page starts.

use super::display::{Item, Page};
use super::style::{BODY_TOP, MARGIN_X, body_bottom};
use crate::document::Paper;

/// Something placed whole: a line of text, a table row, a chart. Its items are positioned
/// relative to its own top-left corner.
#[derive(Debug, Clone, Default)]
pub struct Fragment {
    pub height: f32,
    pub items: Vec<Item>,
}

#[cfg(test)]
impl Fragment {
    /// The boxes (left, top, right, bottom) of a chart's or timeline's text runs, for tests that
    /// labels stay clear of each other and of the plot.
    pub(crate) fn text_boxes(
        &self,
        typesetter: &mut super::text::Typesetter<'_>,
    ) -> Vec<(String, [f32; 4])> {
        use super::style::{CHART_TEXT, TextStyle};
        self.items
            .iter()
            .filter_map(|item| match item {
                Item::Text(run) => Some(run),
                Item::Path(_) => None,
            })
            .map(|run| {
                let style = TextStyle {
                    size: run.size,
                    ..CHART_TEXT
                };
                let width = typesetter.width(&run.text(), style);
                let (x, y) = (run.origin.x, run.origin.y);
                (
                    run.text(),
                    [x, y - 0.88 * run.size, x + width, y + 0.12 * run.size],
                )
            })
            .collect()
    }
}

/// The pages so far and where the next fragment goes.
pub struct Flow {
    paper: Paper,
    finished: Vec<Page>,
    current: Page,
    /// Distance from the top of the current page to the next fragment.
    y: f32,
}

impl Flow {
    pub fn new(paper: Paper) -> Self {
        Self {
            paper,
            finished: Vec::new(),
            current: Page::blank(paper),
            y: BODY_TOP,
        }
    }

    /// The height of an empty page's body.
    pub fn body_height(&self) -> f32 {
        body_bottom(self.paper) - BODY_TOP
    }

    pub fn remaining(&self) -> f32 {
        body_bottom(self.paper) - self.y
    }

    /// Nothing has been placed on this page yet.
    pub fn at_top(&self) -> bool {
        self.y <= BODY_TOP
    }

    pub fn page_index(&self) -> usize {
        self.finished.len()
    }

    /// Where the next fragment's top goes.
    pub fn y(&self) -> f32 {
        self.y
    }

    pub fn new_page(&mut self) {
        let full = std::mem::replace(&mut self.current, Page::blank(self.paper));
        self.finished.push(full);
        self.y = BODY_TOP;
    }

    /// Starts a new page unless this one is still empty.
    pub fn break_page(&mut self) {
        if !self.at_top() {
            self.new_page();
        }
    }

    /// Vertical space between blocks, dropped at the top of a page.
    pub fn gap(&mut self, height: f32) {
        if !self.at_top() {
            self.y += height;
        }
    }

    /// Places `fragment` on this page, or on a new one if it does not fit here. A fragment
    /// taller than a whole page overflows the bottom margin rather than being lost.
    pub fn place(&mut self, fragment: Fragment) {
        if fragment.height > self.remaining() {
            self.break_page();
        }
        let (x, y) = (MARGIN_X, self.y);
        self.current
            .items
            .extend(fragment.items.into_iter().map(|mut item| {
                item.translate(x, y);
                item
            }));
        self.y += fragment.height;
    }

    pub fn into_pages(mut self) -> Vec<Page> {
        self.finished.push(self.current);
        self.finished
    }
}
