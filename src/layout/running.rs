//! What sits in the margins: the running header on every page (the patient's identifiers), the footer with
//! the date and "page N of M", and the header line stamped above each appended record.

use crate::date::ReaderDate;
use crate::diagnostic::Diagnostics;
use crate::document::Document;
use crate::fonts::Fonts;
use crate::text::Lang;

use super::display::{Item, Page, Path, Point, Stroke};
use super::style::{ACCENT, MARGIN_X, MARGINALIA, RULE, RULE_WIDTH, TextStyle, body_width};
use super::text::{Align, Typesetter};

const HEADER_BASELINE: f32 = 38.0;
const HEADER_RULE: f32 = 44.0;
/// The footer's rule and baseline, above the page's bottom edge.
const FOOTER_RULE_RISE: f32 = 44.0;
const FOOTER_BASELINE_RISE: f32 = 32.0;

/// Adds the running header and footer; runs after pagination, when the page count is known.
pub fn decorate(pages: &mut [Page], document: &Document, typesetter: &mut Typesetter) {
    let total = pages.len();
    let date = document.date.for_reader(document.lang);
    let (margin_x, width) = (MARGIN_X, body_width(document.paper));
    let height = document.paper.size().1;
    let (footer_rule, footer_baseline) = (height - FOOTER_RULE_RISE, height - FOOTER_BASELINE_RISE);
    let rule = |y: f32| {
        Item::Path(Path::line(
            Point::new(margin_x, y),
            Point::new(margin_x + width, y),
            Stroke::solid(RULE, RULE_WIDTH),
        ))
    };
    let header = typesetter.truncate(&document.running_header, MARGINALIA, width);
    for (index, page) in pages.iter_mut().enumerate() {
        page.items.extend(typesetter.label(
            &header,
            MARGINALIA,
            margin_x,
            HEADER_BASELINE,
            Align::Left,
        ));
        page.items.push(rule(HEADER_RULE));
        page.items.push(rule(footer_rule));
        page.items.extend(typesetter.label(
            &date,
            MARGINALIA,
            margin_x,
            footer_baseline,
            Align::Left,
        ));
        let count = page_count(document.lang, index + 1, total, document.records_follow);
        page.items.extend(typesetter.label(
            &count,
            MARGINALIA,
            margin_x + width,
            footer_baseline,
            Align::Right,
        ));
    }
}

/// "page N of M"; with records appended, the summary's own pages, saying so (the records
/// are numbered in their header lines).
fn page_count(lang: Lang, page: usize, total: usize, records_follow: bool) -> String {
    match (lang, records_follow) {
        (Lang::Zh, false) => format!("第 {page} 页，共 {total} 页"),
        (Lang::Zh, true) => format!("摘要第 {page} 页，共 {total} 页；其后附原始资料"),
        (Lang::En, false) => format!("page {page} of {total}"),
        (Lang::En, true) => format!("summary page {page} of {total}; records follow"),
    }
}

/// The height of the strip a record's banner is drawn in, above the record's first page: two
/// lines, the patient's identifiers and the record's own line.
pub const RECORD_HEADER_HEIGHT: f32 = 32.0;
const RECORD_HEADER_STYLE: TextStyle = TextStyle {
    size: 9.0,
    leading: 13.0,
    color: ACCENT,
};
/// The strip's left margin, on whatever paper the record is.
const RECORD_HEADER_MARGIN_X: f32 = MARGIN_X;
/// The header line is cut short to fit a narrow (A5) page.
const RECORD_HEADER_MAX_WIDTH: f32 = 420.0 - 2.0 * RECORD_HEADER_MARGIN_X;

/// Record header lines, each drawn on a strip-sized page of its own for the PDF writer to stamp
/// onto the record.
#[derive(Debug, Clone)]
pub struct RecordHeaders {
    pub strips: Vec<Page>,
    /// Characters no font could draw.
    pub warnings: Diagnostics,
}

/// The least width a record's file name keeps in its header line.
const FILE_NAME_MIN_WIDTH: f32 = 120.0;

/// A record's header line made to fit: its last part (after the last " · ") is the file
/// name, which is shortened in the middle, so that its end (the name's last part and its
/// extension) always shows; what comes before it is cut short only when the file name
/// would otherwise get less than [`FILE_NAME_MIN_WIDTH`].
fn fit_header_line(typesetter: &mut Typesetter, line: &str) -> String {
    let style = RECORD_HEADER_STYLE;
    let max = RECORD_HEADER_MAX_WIDTH;
    if typesetter.width(line, style) <= max {
        return line.to_string();
    }
    let Some((head, file)) = line.rsplit_once(" · ") else {
        return typesetter.elide_middle(line, style, max);
    };
    let head = format!("{head} · ");
    let room = (max - typesetter.width(&head, style)).max(FILE_NAME_MIN_WIDTH);
    let file = typesetter.elide_middle(file, style, room);
    let file_width = typesetter.width(&file, style);
    let head = typesetter.truncate(&head, style, max - file_width);
    format!("{head}{file}")
}

pub fn record_headers<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    fonts: &Fonts,
) -> RecordHeaders {
    let mut typesetter = Typesetter::new(fonts);
    let strips = lines
        .into_iter()
        .map(|line| {
            // "identifiers\nrecord line": the identifiers on the first line, cut short at the
            // end if they must be; a banner without them is one line, centred in the strip.
            let (first, record) = match line.split_once('\n') {
                Some((ids, record)) => (Some(ids), record),
                None => (None, line),
            };
            let style = RECORD_HEADER_STYLE;
            let top = (RECORD_HEADER_HEIGHT - style.leading * 2.0) / 2.0;
            let mut items = Vec::new();
            let record_top = match first {
                Some(ids) => {
                    let ids = typesetter.truncate(ids, style, RECORD_HEADER_MAX_WIDTH);
                    items.extend(typesetter.label(
                        &ids,
                        style,
                        RECORD_HEADER_MARGIN_X,
                        top + style.baseline(),
                        Align::Left,
                    ));
                    top + style.leading
                }
                None => (RECORD_HEADER_HEIGHT - style.leading) / 2.0,
            };
            let record = fit_header_line(&mut typesetter, record);
            items.extend(typesetter.label(
                &record,
                style,
                RECORD_HEADER_MARGIN_X,
                record_top + style.baseline(),
                Align::Left,
            ));
            // A short accent bar marks the strip as added, not part of the record.
            items.push(Item::Path(Path::rect(
                RECORD_HEADER_MARGIN_X - 8.0,
                6.0,
                2.5,
                RECORD_HEADER_HEIGHT - 12.0,
                Some(ACCENT),
                None,
            )));
            Page {
                // As wide as an A4 page; the stamp is as wide as the record's page.
                width: crate::document::Paper::A4.size().0,
                height: RECORD_HEADER_HEIGHT,
                items,
            }
        })
        .collect();
    let mut warnings = Diagnostics::default();
    if let Some(warning) = typesetter.missing_glyphs() {
        warnings.push(warning);
    }
    RecordHeaders { strips, warnings }
}
