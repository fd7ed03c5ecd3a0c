//! The document model: what a summary says, as blocks of styled text, tables and charts, with
//! no notion of fonts or PDF — only the paper its reader prints on. Templates produce it; the
//! layout engine turns it into pages.

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::model::choice_enum;
use crate::text::Lang;
use crate::toml_reader::Choice;

choice_enum!(
    /// The paper a reader prints on: US Letter in the US and Canada, A4 elsewhere.
    Paper {
        A4 = ["a4"],
        Letter = ["letter"],
    }
);

impl Paper {
    /// The paper of a reader in `country` (ISO 3166), else by the language they read: an
    /// English reader without a country is taken to be the US team the shipped list holds.
    pub fn of_reader(lang: Lang, country: Option<&str>) -> Paper {
        match country.map(str::to_ascii_uppercase).as_deref() {
            Some("US" | "CA") => Paper::Letter,
            Some(_) => Paper::A4,
            None => match lang {
                Lang::Zh => Paper::A4,
                Lang::En => Paper::Letter,
            },
        }
    }

    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// A whole document before layout.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// The PDF title (metadata) and the first outline entry.
    pub title: String,
    pub lang: Lang,
    /// The paper its pages are laid out on.
    pub paper: Paper,
    /// Text at the top of every page: the patient's identifiers, e.g. "WANG-JM · 王建明 · 出生
    /// 1956-03-14 · 病历摘要".
    pub running_header: String,
    /// The date printed in the footer next to "page N of M".
    pub date: NaiveDate,
    /// Records are appended after the document: its footer numbers its own pages and says
    /// that records follow (each record is numbered in its header line).
    pub records_follow: bool,
    pub blocks: Vec<Block>,
}

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: false,
            italic: false,
        }
    }

    pub fn bold(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: true,
            italic: false,
        }
    }
}

/// A paragraph's worth of styled text.
pub type Inline = Vec<Span>;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "block", content = "content", rename_all = "snake_case")]
pub enum Block {
    /// Level 1 headings start sections and get an outline entry; levels 2–3 are sub-headings.
    /// A heading is never the last thing on a page.
    Heading {
        level: u8,
        text: Inline,
    },
    Paragraph(Inline),
    List {
        ordered: bool,
        items: Vec<Inline>,
    },
    /// Cells wrap; a table longer than a page continues on the next with the header repeated.
    /// An empty `header` means the table has no header row.
    Table(Table),
    Chart(Chart),
    /// A small grey note, e.g. "computed from the records supplied, for the reviewing physician".
    Note(Inline),
    PageBreak,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub header: Vec<Inline>,
    pub rows: Vec<Vec<Inline>>,
    /// Relative column widths; `None` lets the layout choose from the content.
    pub widths: Option<Vec<f32>>,
    /// Set in the small type of notes: a dense reference table (the criteria) that should
    /// fit on few pages.
    pub compact: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "chart", rename_all = "snake_case")]
pub enum Chart {
    /// Values over time on up to two y-axes, with labelled vertical markers (treatments).
    Line(LineChart),
    /// Events on a time axis (diagnoses, treatments, studies).
    Timeline(Timeline),
}

#[derive(Debug, Clone, Serialize)]
pub struct LineChart {
    pub title: String,
    pub left_axis: String,
    pub right_axis: Option<String>,
    pub series: Vec<Series>,
    pub markers: Vec<Marker>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub name: String,
    pub axis: Axis,
    pub dashed: bool,
    pub points: Vec<(NaiveDate, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    Left,
    Right,
}

/// A labelled vertical line at a date.
#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    pub date: NaiveDate,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub title: String,
    pub events: Vec<TimelineEvent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    /// Where the event sits on the axis.
    pub date: NaiveDate,
    /// The date as the case wrote it (`2021-07 early`), printed under the event.
    pub written: String,
    pub label: String,
    pub kind: EventKind,
}

/// What kind of event a timeline shows, for its symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Diagnosis,
    Treatment,
    Imaging,
}

/// The blocks as plain text (an e-mail body): paragraphs apart by a blank line, lists as
/// `1.` or `-` lines, table rows as cells joined by ` | `; styles and charts dropped.
pub fn plain_text(blocks: &[Block]) -> String {
    let text = |inline: &Inline| inline.iter().map(|s| s.text.as_str()).collect::<String>();
    let mut parts: Vec<String> = Vec::new();
    for block in blocks {
        match block {
            Block::Heading { text: t, .. } | Block::Paragraph(t) | Block::Note(t) => {
                parts.push(text(t))
            }
            Block::List { ordered, items } => parts.push(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match ordered {
                        true => format!("{}. {}", i + 1, text(item)),
                        false => format!("- {}", text(item)),
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Block::Table(table) => parts.push(
                std::iter::once(&table.header)
                    .filter(|h| !h.is_empty())
                    .chain(&table.rows)
                    .map(|row| {
                        row.iter()
                            .map(text)
                            .filter(|c| !c.trim().is_empty())
                            .collect::<Vec<_>>()
                            .join(" | ")
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Block::Chart(_) | Block::PageBreak => {}
        }
    }
    let mut out = parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_of_blocks() {
        let blocks = vec![
            Block::Heading {
                level: 2,
                text: vec![Span::bold("Questions")],
            },
            Block::List {
                ordered: true,
                items: vec![vec![Span::plain("One?")], vec![Span::plain("Two?")]],
            },
            Block::Table(Table {
                header: vec![],
                rows: vec![vec![vec![Span::bold("File")], vec![Span::plain("a.pdf")]]],
                widths: None,
                compact: false,
            }),
            Block::PageBreak,
            Block::Paragraph(vec![Span::plain("Thank "), Span::bold("you")]),
        ];
        assert_eq!(
            plain_text(&blocks),
            "Questions\n\n1. One?\n2. Two?\n\nFile | a.pdf\n\nThank you\n"
        );
    }
}
