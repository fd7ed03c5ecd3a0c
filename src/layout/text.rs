//! Setting text: styled spans become glyphs in a face that has them, glyphs become lines of a
//! given width at the break opportunities of [`super::linebreak`], and lines become text runs.
//!
//! Italic is drawn as a synthetic 12° slant: Noto Sans CJK has no italic face, and slanting is
//! what word processors do for Chinese italic too, so emphasis survives in both scripts.

use std::collections::BTreeSet;

use unicode_width::UnicodeWidthChar;

use crate::diagnostic::Diagnostic;
use crate::document::Span;
use crate::fonts::{Face, Fonts};
use crate::tr;

use super::display::{Item, Point, TextPiece, TextRun};
use super::linebreak;
use super::style::TextStyle;

/// Turns text into measured glyphs, remembering characters no font could draw.
pub struct Typesetter<'f> {
    fonts: &'f Fonts,
    missing: BTreeSet<char>,
}

/// Text as glyphs, cut into the pieces lines may break between.
#[derive(Debug, Clone)]
pub struct Shaped {
    glyphs: Vec<Glyph>,
    /// Every piece between break opportunities, discouraged ones included.
    pieces: Vec<Piece>,
    style: TextStyle,
}

#[derive(Debug, Clone)]
struct Glyph {
    ch: char,
    face: Face,
    slanted: bool,
    /// In points at the style's size.
    advance: f32,
}

/// The glyphs between two break opportunities.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: usize,
    /// Where the visible glyphs end: trailing spaces hang past the end of a line.
    visible_end: usize,
    end: usize,
    visible_width: f32,
    width: f32,
    /// A line feed ends the line after this piece.
    mandatory: bool,
    /// The break after this piece is taken only when nothing else fits ("RECIST | 1.1").
    discouraged: bool,
    /// Of the discouraged breaks, the one taken last: between a number and its unit.
    unit: bool,
}

/// One line of a [`Shaped`] text.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    start: usize,
    end: usize,
    /// Width of the visible glyphs.
    pub width: f32,
    /// Glyph indexes where justification may widen the gap: the starts of pieces after the
    /// first, where the break follows a space or touches Chinese.
    gaps: Vec<usize>,
    /// The last line of a paragraph or before a line feed, which is never justified.
    last: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
    /// Both edges flush, except a paragraph's last line.
    Justify,
}

impl<'f> Typesetter<'f> {
    pub fn new(fonts: &'f Fonts) -> Self {
        Self {
            fonts,
            missing: BTreeSet::new(),
        }
    }

    /// Spans as glyphs in `style`, each in a face that has it (bold spans in the bold face).
    pub fn shape(&mut self, spans: &[Span], style: TextStyle) -> Shaped {
        let mut text = String::new();
        // (byte offset where a span starts, bold, italic)
        let mut span_starts = Vec::new();
        for span in spans {
            span_starts.push((text.len(), span.bold, span.italic));
            text.extend(span.text.chars().filter_map(normalize));
        }
        let mut glyphs = Vec::with_capacity(text.len());
        let mut glyph_at_byte = vec![0; text.len() + 1];
        let mut span = 0;
        for (byte, ch) in text.char_indices() {
            while span + 1 < span_starts.len() && span_starts[span + 1].0 <= byte {
                span += 1;
            }
            let (_, bold, italic) = span_starts[span];
            glyph_at_byte[byte] = glyphs.len();
            glyphs.push(self.glyph(ch, bold, italic, style.size));
        }
        glyph_at_byte[text.len()] = glyphs.len();

        let mut pieces = Vec::new();
        let mut start = 0;
        for found in linebreak::breaks(&text) {
            let end = glyph_at_byte[found.at];
            if end > start {
                pieces.push(Piece {
                    discouraged: found.discouraged,
                    unit: found.unit,
                    ..Piece::new(&glyphs, start, end, found.mandatory)
                });
            }
            start = end;
        }
        Shaped {
            glyphs,
            pieces,
            style,
        }
    }

    /// Unstyled text: regular face, upright.
    pub fn shape_plain(&mut self, text: &str, style: TextStyle) -> Shaped {
        self.shape(&[Span::plain(text)], style)
    }

    /// `text` on one line at `x` (its left edge, centre or right edge by `align`), with its
    /// baseline at `baseline`.
    pub fn label(
        &mut self,
        text: &str,
        style: TextStyle,
        x: f32,
        baseline: f32,
        align: Align,
    ) -> Vec<Item> {
        let shaped = self.shape_plain(text, style);
        let line = shaped.single_line();
        let left = match align {
            Align::Left | Align::Justify => x,
            Align::Center => x - line.width / 2.0,
            Align::Right => x - line.width,
        };
        shaped.render(&line, Point::new(left, baseline), line.width, Align::Left)
    }

    pub fn width(&mut self, text: &str, style: TextStyle) -> f32 {
        self.shape_plain(text, style).single_line().width
    }

    /// `text`, shortened with an ellipsis if it is wider than `max_width`.
    pub fn truncate(&mut self, text: &str, style: TextStyle, max_width: f32) -> String {
        if self.width(text, style) <= max_width {
            return text.to_string();
        }
        let shaped = self.shape_plain(text, style);
        let budget = max_width - self.width("…", style);
        let mut used = 0.0;
        let mut kept: String = shaped
            .glyphs
            .iter()
            .take_while(|glyph| {
                used += glyph.advance;
                used <= budget
            })
            .map(|glyph| glyph.ch)
            .collect();
        kept.truncate(kept.trim_end().len());
        kept.push('…');
        kept
    }

    /// `text`, shortened in the middle with an ellipsis if it is wider than `max_width`: its
    /// start and its end (a file name's last part and extension) both stay readable.
    pub fn elide_middle(&mut self, text: &str, style: TextStyle, max_width: f32) -> String {
        if self.width(text, style) <= max_width {
            return text.to_string();
        }
        let shaped = self.shape_plain(text, style);
        let budget = (max_width - self.width("…", style)) / 2.0;
        let take = |glyphs: &mut dyn Iterator<Item = &Glyph>| {
            let mut used = 0.0;
            glyphs
                .take_while(|glyph| {
                    used += glyph.advance;
                    used <= budget
                })
                .map(|glyph| glyph.ch)
                .collect::<Vec<char>>()
        };
        let head: String = take(&mut shaped.glyphs.iter()).into_iter().collect();
        let tail: String = take(&mut shaped.glyphs.iter().rev())
            .into_iter()
            .rev()
            .collect();
        format!("{}…{}", head.trim_end(), tail.trim_start())
    }

    /// The warning naming every character no font could draw, if there were any.
    pub fn missing_glyphs(&self) -> Option<Diagnostic> {
        if self.missing.is_empty() {
            return None;
        }
        let named: Vec<String> = self
            .missing
            .iter()
            .map(|c| format!("{c} (U+{:04X})", u32::from(*c)))
            .collect();
        Some(
            Diagnostic::warning(match named.as_slice() {
                [one] => tr!(
                    "no font has a glyph for {character}; it shows as an empty box in the PDF",
                    character = one
                ),
                _ => tr!(
                    "no font has a glyph for {characters}; they show as an empty box in the PDF",
                    characters = named.join(", ")
                ),
            })
            .hint(tr!(
                "add a font that has these characters as a fallback font"
            )),
        )
    }

    fn glyph(&mut self, ch: char, bold: bool, slanted: bool, size: f32) -> Glyph {
        let primary = if bold { Face::Bold } else { Face::Regular };
        let face = if is_invisible(ch) {
            primary
        } else {
            self.fonts.face_for(ch, bold).unwrap_or_else(|| {
                self.missing.insert(ch);
                primary
            })
        };
        let advance = if is_invisible(ch) {
            0.0
        } else {
            self.fonts.advance(face, ch) * size
        };
        Glyph {
            ch,
            face,
            slanted,
            advance,
        }
    }
}

/// Tabs become spaces, carriage returns and other control characters go.
fn normalize(c: char) -> Option<char> {
    match c {
        '\t' => Some(' '),
        '\n' => Some('\n'),
        c if c.is_control() => None,
        c => Some(c),
    }
}

/// Characters that take no room and draw nothing: line feeds, zero-width spaces and joiners,
/// variation selectors, soft hyphens.
fn is_invisible(c: char) -> bool {
    matches!(c, '\n' | '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{FE00}'..='\u{FE0F}')
}

/// How far a line may exceed its width: rounding, not a visible overhang, so that text in a
/// box sized to its own measured width never breaks.
const SLACK: f32 = 0.01;

fn hangs(c: char) -> bool {
    c == ' ' || is_invisible(c)
}

impl Piece {
    fn new(glyphs: &[Glyph], start: usize, end: usize, mandatory: bool) -> Self {
        let visible_end = (start..end)
            .rev()
            .find(|&i| !hangs(glyphs[i].ch))
            .map_or(start, |i| i + 1);
        let width_of =
            |range: std::ops::Range<usize>| glyphs[range].iter().map(|g| g.advance).sum();
        Self {
            start,
            visible_end,
            end,
            visible_width: width_of(start..visible_end),
            width: width_of(start..end),
            mandatory,
            discouraged: false,
            unit: false,
        }
    }
}

impl Shaped {
    /// The narrowest width that breaks nothing the tailoring keeps together: the widest word,
    /// "20.52 µmol/L" whole.
    pub fn min_width(&self) -> f32 {
        self.words()
            .map(|(word, _)| word.visible_width)
            .fold(0.0, f32::max)
    }

    /// The narrowest width that breaks no token (min-content): the widest piece, where
    /// "20.52 µmol/L" may break at its space but a date or a word never breaks.
    pub fn tight_width(&self) -> f32 {
        self.pieces
            .iter()
            .map(|p| p.visible_width)
            .fold(0.0, f32::max)
    }

    /// Runs of pieces joined by discouraged breaks, each as one piece with its parts.
    fn words(&self) -> impl Iterator<Item = (Piece, &[Piece])> {
        self.pieces
            .split_inclusive(|piece| !piece.discouraged)
            .filter_map(|parts| {
                let (first, last) = (parts.first()?, parts.last()?);
                let word = Piece::new(&self.glyphs, first.start, last.end, last.mandatory);
                Some((word, parts))
            })
    }

    /// The width the text takes unbroken (its widest line between line feeds).
    pub fn natural_width(&self) -> f32 {
        self.lines(f32::INFINITY)
            .iter()
            .map(|l| l.width)
            .fold(0.0, f32::max)
    }

    /// The whole text on one line, line feeds drawn as nothing.
    pub fn single_line(&self) -> Line {
        let end = self.pieces.last().map_or(0, |p| p.visible_end);
        Line {
            start: 0,
            end,
            width: self.glyphs[..end].iter().map(|g| g.advance).sum(),
            gaps: Vec::new(),
            last: true,
        }
    }

    /// Breaks the text into lines no wider than `width`, greedily; a piece wider than a whole
    /// line is broken between characters, so every line holds at least one character.
    pub fn lines(&self, width: f32) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut current: Option<Line> = None;
        let mut current_full_width = 0.0;
        for (word, parts) in self.words() {
            let room = match current {
                Some(_) => width - current_full_width,
                None => width,
            };
            for part in self.fitting_parts(&word, parts, width, room) {
                match current.as_mut() {
                    Some(line) if current_full_width + part.visible_width <= width + SLACK => {
                        if self.stretches_before(part.start) {
                            line.gaps.push(part.start);
                        }
                        line.end = part.visible_end;
                        line.width = current_full_width + part.visible_width;
                        current_full_width += part.width;
                    }
                    _ => {
                        lines.extend(current.take());
                        current = Some(Line {
                            start: part.start,
                            end: part.visible_end,
                            width: part.visible_width,
                            gaps: Vec::new(),
                            last: false,
                        });
                        current_full_width = part.width;
                    }
                }
            }
            if word.mandatory
                && let Some(mut line) = current.take()
            {
                line.last = true;
                lines.push(line);
            }
        }
        if let Some(mut line) = current {
            line.last = true;
            lines.push(line);
        }
        lines
    }

    /// Whether justification may widen the break before glyph `index`: after a space, or
    /// next to Chinese, but not after the hyphen in "57-year-old" or the slash in "ng/mL".
    fn stretches_before(&self, index: usize) -> bool {
        let wide = |glyph: &Glyph| glyph.ch.width() == Some(2);
        match (
            self.glyphs.get(index.wrapping_sub(1)),
            self.glyphs.get(index),
        ) {
            (Some(before), Some(after)) => before.ch == ' ' || wide(before) || wide(after),
            _ => false,
        }
    }

    /// `word` if it fits on a line, and fits the `room` left on this one or only a little
    /// would be left empty; else its parts with each number still joined to its unit ("ECOG"
    /// on this line, "0" on the next: a line is not left a quarter empty before a Latin word),
    /// else the parts themselves, and the characters one by one of any part still wider than
    /// a line.
    fn fitting_parts(&self, word: &Piece, parts: &[Piece], width: f32, room: f32) -> Vec<Piece> {
        let fits_room = word.visible_width <= room + SLACK;
        if word.visible_width <= width + SLACK && (fits_room || room <= width / 4.0) {
            return vec![*word];
        }
        let fits = |piece: &Piece| piece.visible_width <= width + SLACK;
        parts
            .split_inclusive(|piece| !piece.unit)
            .flat_map(|joined| {
                let (first, last) = (joined[0], joined[joined.len() - 1]);
                let whole = Piece::new(&self.glyphs, first.start, last.end, last.mandatory);
                if fits(&whole) {
                    vec![whole]
                } else {
                    joined.to_vec()
                }
            })
            .flat_map(|piece| {
                if fits(&piece) {
                    vec![piece]
                } else {
                    (piece.start..piece.end)
                        .map(|i| Piece::new(&self.glyphs, i, i + 1, false))
                        .collect()
                }
            })
            .collect()
    }

    /// Text runs drawing `line` with its baseline starting at `origin`, in a box `width` wide.
    pub fn render(&self, line: &Line, origin: Point, width: f32, align: Align) -> Vec<Item> {
        let slack = (width - line.width).max(0.0);
        let (mut x, extra) = match align {
            Align::Left => (origin.x, 0.0),
            Align::Center => (origin.x + slack / 2.0, 0.0),
            Align::Right => (origin.x + slack, 0.0),
            Align::Justify if line.last || line.gaps.is_empty() => (origin.x, 0.0),
            Align::Justify => {
                let per_gap = slack / line.gaps.len() as f32;
                // A line that would need gaps wider than half an em reads worse justified
                // than ragged.
                (
                    origin.x,
                    if per_gap <= self.style.size / 2.0 {
                        per_gap
                    } else {
                        0.0
                    },
                )
            }
        };
        let mut runs: Vec<TextRun> = Vec::new();
        let mut gaps = line.gaps.iter().peekable();
        for (index, glyph) in self
            .glyphs
            .iter()
            .enumerate()
            .take(line.end)
            .skip(line.start)
        {
            if gaps.next_if_eq(&&index).is_some() && extra > 0.0 {
                if let Some(run) = runs.last_mut() {
                    run.pieces.push(TextPiece::Space(extra));
                }
                x += extra;
            }
            if is_invisible(glyph.ch) {
                continue;
            }
            let continues = runs
                .last()
                .is_some_and(|run| run.face == glyph.face && run.slanted == glyph.slanted);
            match runs.last_mut() {
                Some(run) if continues => match run.pieces.last_mut() {
                    Some(TextPiece::Text(text)) => text.push(glyph.ch),
                    _ => run.pieces.push(TextPiece::Text(glyph.ch.to_string())),
                },
                _ => runs.push(TextRun {
                    origin: Point::new(x, origin.y),
                    face: glyph.face,
                    size: self.style.size,
                    color: self.style.color,
                    slanted: glyph.slanted,
                    pieces: vec![TextPiece::Text(glyph.ch.to_string())],
                }),
            }
            x += glyph.advance;
        }
        runs.into_iter().map(Item::Text).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;
    use crate::layout::style;

    static FONTS: LazyLock<Fonts> = LazyLock::new(Fonts::builtin);

    fn texts(shaped: &Shaped, lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|line| {
                shaped
                    .render(line, Point::new(0.0, 0.0), 1000.0, Align::Left)
                    .iter()
                    .map(|item| match item {
                        Item::Text(run) => run.text(),
                        Item::Path(_) => String::new(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn lines_never_exceed_the_width_and_keep_every_character() {
        let mut typesetter = Typesetter::new(&FONTS);
        let text = "患者张伟，男，56岁。Admitted 2024-03-12 for epigastric pain; CEA 12.4 ng/mL（参考值 <5.0）。";
        let shaped = typesetter.shape(&[Span::plain(text)], style::BODY);
        let lines = shaped.lines(120.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| l.width <= 120.01), "{lines:?}");
        let joined: String = texts(&shaped, &lines).concat();
        assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn a_line_is_not_left_a_quarter_empty_before_a_latin_word_and_units_stay_with_numbers() {
        let mut typesetter = Typesetter::new(&FONTS);
        let head = "此后开始服用药物";
        let width = typesetter.width(&format!("{head}sorafenib 4"), style::BODY);
        let text = format!("{head}sorafenib 400 mg，每日两次。");
        let shaped = typesetter.shape(&[Span::plain(&text)], style::BODY);
        let lines = shaped.lines(width);
        let texts = texts(&shaped, &lines);
        // "sorafenib 400 mg" does not fit after the Chinese: the word stays, its number goes
        // with its unit to the next line.
        assert_eq!(texts[0], format!("{head}sorafenib"), "{texts:?}");
        assert!(texts[1].starts_with("400 mg"), "{texts:?}");
        for line in &lines[..lines.len() - 1] {
            assert!(line.width >= 0.75 * width, "{texts:?}");
        }
    }

    #[test]
    fn a_word_wider_than_the_line_is_broken_between_characters() {
        let mut typesetter = Typesetter::new(&FONTS);
        let shaped = typesetter.shape(
            &[Span::plain("https://example.org/a/very/long/path")],
            style::BODY,
        );
        let lines = shaped.lines(40.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.width <= 40.01 && l.end > l.start));
        // Narrower than one character: still one character per line, never an empty line.
        let lines = shaped.lines(1.0);
        assert_eq!(lines.len(), 36);
    }

    #[test]
    fn a_number_leaves_its_unit_only_when_the_line_is_too_narrow_for_both() {
        let mut typesetter = Typesetter::new(&FONTS);
        let shaped = typesetter.shape(&[Span::plain("20.52 µmol/L")], style::TABLE);
        assert!(shaped.tight_width() < shaped.min_width());
        let lines = |width: f32| texts(&shaped, &shaped.lines(width));
        assert_eq!(lines(shaped.min_width()), ["20.52 µmol/L"]);
        assert_eq!(lines(shaped.tight_width()), ["20.52", "µmol/L"]);
    }

    #[test]
    fn justified_lines_fill_the_width_except_the_last() {
        let mut typesetter = Typesetter::new(&FONTS);
        let shaped = typesetter.shape(&[Span::plain("肝细胞癌".repeat(20))], style::BODY);
        let lines = shaped.lines(100.0);
        let right_edge = |line: &Line| {
            let items = shaped.render(line, Point::new(0.0, 0.0), 100.0, Align::Justify);
            let Some(Item::Text(run)) = items.last() else {
                panic!()
            };
            let spaces = run.spacing();
            run.origin.x + spaces + line.width
        };
        assert!((right_edge(&lines[0]) - 100.0).abs() < 0.01);
        let last = lines.last().unwrap();
        assert!((right_edge(last) - last.width).abs() < 0.01);
    }

    #[test]
    fn justification_widens_spaces_and_chinese_gaps_but_not_hyphens() {
        let mut typesetter = Typesetter::new(&FONTS);
        let text = "Mr Chen is a 57-year-old man with well-differentiated hepatocellular carcinoma, \
                    镜下见肿瘤细胞呈梁索状排列 and a thick viable rim after two sessions of TACE.";
        let shaped = typesetter.shape(&[Span::plain(text)], style::BODY);
        let mut widened_after = Vec::new();
        for line in shaped.lines(150.0) {
            let mut previous = ' ';
            for item in shaped.render(&line, Point::new(0.0, 0.0), 150.0, Align::Justify) {
                let Item::Text(run) = item else { continue };
                for piece in &run.pieces {
                    match piece {
                        TextPiece::Text(text) => previous = text.chars().last().unwrap_or(previous),
                        TextPiece::Space(_) => widened_after.push(previous),
                    }
                }
            }
        }
        assert!(!widened_after.is_empty());
        assert!(
            widened_after
                .iter()
                .all(|&c| c == ' ' || c.width() == Some(2)),
            "{widened_after:?}"
        );
    }

    #[test]
    fn bold_and_italic_spans_choose_face_and_slant() {
        let mut typesetter = Typesetter::new(&FONTS);
        let spans = [
            Span::plain("甲胎蛋白 "),
            Span::bold("112 ng/mL"),
            Span {
                text: " rising".into(),
                bold: false,
                italic: true,
            },
        ];
        let shaped = typesetter.shape(&spans, style::BODY);
        let items = shaped.render(
            &shaped.single_line(),
            Point::new(0.0, 0.0),
            500.0,
            Align::Left,
        );
        let runs: Vec<(Face, bool, String)> = items
            .iter()
            .filter_map(|i| match i {
                Item::Text(r) => Some((r.face, r.slanted, r.text())),
                Item::Path(_) => None,
            })
            .collect();
        assert_eq!(
            runs,
            [
                (Face::Regular, false, "甲胎蛋白 ".to_string()),
                (Face::Bold, false, "112 ng/mL".to_string()),
                (Face::Regular, true, " rising".to_string()),
            ]
        );
    }

    #[test]
    fn missing_characters_are_named_in_one_warning() {
        let mut typesetter = Typesetter::new(&FONTS);
        assert!(typesetter.missing_glyphs().is_none());
        typesetter.shape(&[Span::plain("王क्ष")], style::BODY);
        let warning = typesetter.missing_glyphs().expect("a warning");
        assert!(
            warning.message.contains("क (U+0915)"),
            "{}",
            warning.message
        );
    }

    #[test]
    fn truncation_ends_in_an_ellipsis_within_the_width() {
        let mut typesetter = Typesetter::new(&FONTS);
        let short =
            typesetter.truncate("2021-08-20 · lab · 肝功能 Liver panel", style::BODY, 100.0);
        assert!(short.ends_with('…'));
        assert!(typesetter.width(&short, style::BODY) <= 100.0);
    }

    #[test]
    fn middle_elision_keeps_both_ends_within_the_width() {
        let mut typesetter = Typesetter::new(&FONTS);
        let line =
            "2021-06-18 · Imaging report · imaging/2021-06-18_mri-report-with-a-long-name.pdf";
        let short = typesetter.elide_middle(line, style::BODY, 200.0);
        assert!(
            short.starts_with("2021-06-18") && short.ends_with("name.pdf"),
            "{short}"
        );
        assert!(short.contains('…'));
        assert!(typesetter.width(&short, style::BODY) <= 200.0);
        assert_eq!(
            typesetter.elide_middle("short", style::BODY, 200.0),
            "short"
        );
    }
}
