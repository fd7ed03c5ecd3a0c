//! The Markdown subset that templates produce → document blocks.
//!
//! Supported: headings, paragraphs, **bold**, *italic*, bulleted and numbered lists, tables,
//! `> notes`, and `---` for a page break. A paragraph that is exactly `:::name` is a
//! directive, replaced by generated content (a table or chart) from `directive`.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::document::{Block, Inline, Span, Table};

/// A `:::name` the caller does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDirective {
    pub name: String,
    /// 1-based line in the rendered Markdown.
    pub line: usize,
}

/// Parses Markdown into blocks; `directive(name)` returns the blocks a `:::name` stands for,
/// or `None` if there is no such directive.
pub fn to_blocks(
    markdown: &str,
    mut directive: impl FnMut(&str) -> Option<Vec<Block>>,
) -> Result<Vec<Block>, UnknownDirective> {
    let mut out = Vec::new();
    let mut state = State::default();
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .into_offset_iter();
    for (event, range) in parser {
        match event {
            Event::Start(Tag::Heading { .. } | Tag::Paragraph | Tag::Item | Tag::TableCell) => {
                state.inline.clear()
            }
            Event::Start(Tag::Strong) => state.bold += 1,
            Event::End(TagEnd::Strong) => state.bold -= 1,
            Event::Start(Tag::Emphasis) => state.italic += 1,
            Event::End(TagEnd::Emphasis) => state.italic -= 1,
            Event::Start(Tag::BlockQuote(_)) => state.in_note = true,
            Event::End(TagEnd::BlockQuote(_)) => state.in_note = false,
            Event::Start(Tag::List(first)) => state.lists.push((first.is_some(), Vec::new())),
            Event::End(TagEnd::List(_)) => {
                if let Some((ordered, items)) = state.lists.pop() {
                    out.push(Block::List { ordered, items });
                }
            }
            Event::End(TagEnd::Item) => {
                let item = std::mem::take(&mut state.inline);
                if let Some((_, items)) = state.lists.last_mut()
                    && !item.is_empty()
                {
                    items.push(item);
                }
            }
            Event::End(TagEnd::Heading(level)) => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    _ => 3,
                };
                out.push(Block::Heading {
                    level,
                    text: std::mem::take(&mut state.inline),
                });
            }
            Event::End(TagEnd::Paragraph) => {
                // Inside a list item the text belongs to the item (loose lists).
                if !state.lists.is_empty() {
                    continue;
                }
                let inline = std::mem::take(&mut state.inline);
                let plain: String = inline.iter().map(|s| s.text.as_str()).collect();
                if let Some(name) = plain.trim().strip_prefix(":::") {
                    let name = name.trim();
                    match directive(name) {
                        Some(blocks) => out.extend(blocks),
                        None => {
                            let line = markdown[..range.start].matches('\n').count() + 1;
                            return Err(UnknownDirective {
                                name: name.to_string(),
                                line,
                            });
                        }
                    }
                } else if state.in_note {
                    out.push(Block::Note(inline));
                } else if !inline.is_empty() {
                    out.push(Block::Paragraph(inline));
                }
            }
            Event::Start(Tag::Table(_)) => {
                state.table = Some(Table {
                    header: Vec::new(),
                    rows: Vec::new(),
                    widths: None,
                    compact: false,
                })
            }
            Event::Start(Tag::TableRow) => state.row.clear(),
            Event::End(TagEnd::TableCell) => state.row.push(std::mem::take(&mut state.inline)),
            Event::End(TagEnd::TableHead) => {
                if let Some(table) = &mut state.table {
                    let header = std::mem::take(&mut state.row);
                    // `| | |` heads a table that has no header row (a key–value table).
                    if header
                        .iter()
                        .any(|cell| cell.iter().any(|s| !s.text.trim().is_empty()))
                    {
                        table.header = header;
                    }
                }
            }
            Event::End(TagEnd::TableRow) => {
                if let Some(table) = &mut state.table {
                    table.rows.push(std::mem::take(&mut state.row));
                }
            }
            Event::End(TagEnd::Table) => {
                if let Some(table) = state.table.take() {
                    out.push(Block::Table(table));
                }
            }
            Event::Rule => out.push(Block::PageBreak),
            Event::Text(text) | Event::Code(text) => state.push(&text),
            Event::SoftBreak | Event::HardBreak => state.push_break(),
            _ => {}
        }
    }
    Ok(out)
}

#[derive(Default)]
struct State {
    inline: Inline,
    bold: u32,
    italic: u32,
    in_note: bool,
    lists: Vec<(bool, Vec<Inline>)>,
    table: Option<Table>,
    row: Vec<Inline>,
}

impl State {
    fn push(&mut self, text: &str) {
        let (bold, italic) = (self.bold > 0, self.italic > 0);
        match self.inline.last_mut() {
            Some(last) if last.bold == bold && last.italic == italic => last.text.push_str(text),
            _ => self.inline.push(Span {
                text: text.to_string(),
                bold,
                italic,
            }),
        }
    }

    /// A line break inside a paragraph: a space between Latin words, nothing between Chinese
    /// characters (a space there would show as a gap).
    fn push_break(&mut self) {
        let previous_is_cjk = self
            .inline
            .last()
            .and_then(|s| s.text.chars().last())
            .is_some_and(|c| c as u32 >= 0x2E80);
        if !previous_is_cjk {
            self.push(" ");
        }
    }
}

/// Escapes text so Markdown shows it literally (used for every value a template prints).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(md: &str) -> Vec<Block> {
        to_blocks(md, |name| {
            (name == "labs").then(|| vec![Block::Paragraph(vec![Span::plain("LABS")])])
        })
        .unwrap()
    }

    #[test]
    fn headings_paragraphs_and_styles() {
        let out = blocks("# 病历摘要\n\n**患者：** WANG *x*\n");
        assert!(
            matches!(&out[0], Block::Heading { level: 1, text } if text == &vec![Span::plain("病历摘要")])
        );
        let Block::Paragraph(spans) = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!(
            spans,
            &vec![
                Span::bold("患者："),
                Span::plain(" WANG "),
                Span {
                    text: "x".into(),
                    bold: false,
                    italic: true
                }
            ]
        );
    }

    #[test]
    fn lists_tables_notes_and_page_breaks() {
        let out =
            blocks("1. one\n2. two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> note\n\n---\n\n- x\n");
        assert!(matches!(&out[0], Block::List { ordered: true, items } if items.len() == 2));
        let Block::Table(table) = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!(table.header.len(), 2);
        assert_eq!(
            table.rows,
            vec![vec![vec![Span::plain("1")], vec![Span::plain("2")]]]
        );
        assert!(matches!(&out[2], Block::Note(_)));
        assert!(matches!(&out[3], Block::PageBreak));
        assert!(matches!(&out[4], Block::List { ordered: false, .. }));
    }

    #[test]
    fn directives_are_replaced_and_unknown_ones_reported_with_their_line() {
        let out = blocks("text\n\n:::labs\n");
        assert!(matches!(&out[1], Block::Paragraph(s) if s[0].text == "LABS"));
        let err = to_blocks("a\n\nb\n\n:::nope\n", |_| None).unwrap_err();
        assert_eq!(
            err,
            UnknownDirective {
                name: "nope".into(),
                line: 5
            }
        );
    }

    #[test]
    fn escaped_values_stay_literal() {
        let out = blocks(&format!("AFP {}\n", escape("<20 *ng*/mL | a_b")));
        let Block::Paragraph(spans) = &out[0] else {
            panic!()
        };
        assert_eq!(spans, &vec![Span::plain("AFP <20 *ng*/mL | a_b")]);
    }

    #[test]
    fn line_breaks_between_chinese_characters_add_no_space() {
        let out = blocks("第一行\n第二行 and\nmore\n");
        let Block::Paragraph(spans) = &out[0] else {
            panic!()
        };
        assert_eq!(spans[0].text, "第一行第二行 and more");
    }
}
