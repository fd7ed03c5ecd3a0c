//! Display list → PDF objects with printpdf's low-level operations. This is where the top-left
//! coordinates of layout become PDF's bottom-left ones, and where fonts are subset (printpdf
//! subsets on save when built with its `text_layout` feature).

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use printpdf::{
    Codepoint, Color as PdfColor, FontId, Line, LineDashPattern, LinePoint, Op, PaintMode,
    PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point as PdfPoint, Polygon,
    PolygonRing, Pt, Rect, Rgb, TextItem, TextMatrix, WindingOrder,
};

use crate::fonts::{Face, Fonts};
use crate::layout::{Color, Item, Page, Path, Segment, Stroke, TextPiece, TextRun};

/// The synthetic italic slant: tan 12°.
const SLANT: f32 = 0.212_556_56;

/// The pages as an unsaved PDF document, fonts subset to the glyphs used.
pub fn to_document(pages: &[Page], fonts: &Fonts) -> lopdf::Document {
    let mut pdf = PdfDocument::new("");
    let font_ids = add_fonts(&mut pdf, pages, fonts);
    let pdf_pages = pages
        .iter()
        .map(|page| {
            let mut painter = Painter {
                height: page.height,
                font_ids: &font_ids,
                fonts,
                ops: Vec::new(),
                state: State::default(),
            };
            for item in &page.items {
                painter.item(item);
            }
            let bounds = Rect::from_wh(Pt(page.width), Pt(page.height));
            PdfPage {
                media_box: bounds.clone(),
                trim_box: bounds.clone(),
                crop_box: bounds,
                ops: painter.finish(),
            }
        })
        .collect();
    pdf.with_pages(pdf_pages);
    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    pdf.to_lopdf_document(&options, &mut Vec::new())
}

/// Registers every face the pages use under a name derived from its glyphs, so the same
/// document always gets the same names (printpdf's own ids are random) and the six-letter
/// subset tag differs between different subsets.
fn add_fonts(pdf: &mut PdfDocument, pages: &[Page], fonts: &Fonts) -> BTreeMap<Face, FontId> {
    let mut used: BTreeMap<Face, BTreeSet<char>> = BTreeMap::new();
    for run in pages.iter().flat_map(Page::text_runs) {
        used.entry(run.face).or_default().extend(run.text().chars());
    }
    used.into_iter()
        .map(|(face, chars)| {
            let mut hasher = DefaultHasher::new();
            (face, &chars).hash(&mut hasher);
            let id = FontId(subset_tag(hasher.finish()));
            let font = PdfFont::new(fonts.parsed(face).clone());
            pdf.resources.fonts.map.insert(id.clone(), font);
            (face, id)
        })
        .collect()
}

/// Six upper-case letters, as PDF wants for a subset font's name prefix.
fn subset_tag(mut hash: u64) -> String {
    (0..6)
        .map(|_| {
            let letter = char::from(b'A' + (hash % 26) as u8);
            hash /= 26;
            letter
        })
        .collect()
}

/// Graphics state already set in the content stream, so it is not repeated for every item.
#[derive(Default)]
struct State {
    font: Option<(Face, f32)>,
    fill: Option<Color>,
    stroke: Option<Stroke>,
    in_text: bool,
}

struct Painter<'a> {
    height: f32,
    font_ids: &'a BTreeMap<Face, FontId>,
    fonts: &'a Fonts,
    ops: Vec<Op>,
    state: State,
}

impl Painter<'_> {
    fn item(&mut self, item: &Item) {
        match item {
            Item::Text(run) => self.text(run),
            Item::Path(path) => self.path(path),
        }
    }

    fn point(&self, x: f32, y: f32) -> PdfPoint {
        PdfPoint {
            x: Pt(short(x, 100.0)),
            y: Pt(short(self.height - y, 100.0)),
        }
    }

    fn text(&mut self, run: &TextRun) {
        let Some(font) = self.font_ids.get(&run.face) else {
            return;
        };
        if !self.state.in_text {
            self.ops.push(Op::StartTextSection);
            self.state.in_text = true;
        }
        if self.state.font != Some((run.face, run.size)) {
            self.ops.push(Op::SetFont {
                font: PdfFontHandle::External(font.clone()),
                size: Pt(run.size),
            });
            self.state.font = Some((run.face, run.size));
        }
        self.fill(run.color);
        let origin = self.point(run.origin.x, run.origin.y);
        let skew = if run.slanted { SLANT } else { 0.0 };
        // An absolute matrix per run: `Td` would move relative to the previous run.
        self.ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Raw([1.0, 0.0, skew, 1.0, origin.x.0, origin.y.0]),
        });
        let items = run
            .pieces
            .iter()
            .map(|piece| match piece {
                // Glyph ids from the layout's own cache, each with its text for copy and
                // search (ToUnicode): the PDF writer then maps no character again.
                TextPiece::Text(text) => TextItem::GlyphIds(
                    text.chars()
                        .map(|c| Codepoint {
                            gid: self.fonts.glyph(run.face, c).id,
                            offset: 0.0,
                            cid: Some(c.to_string()),
                        })
                        .collect(),
                ),
                // TJ offsets are in thousandths of an em, and negative ones move right.
                TextPiece::Space(points) => {
                    TextItem::Offset(short(-points * 1000.0 / run.size, 10.0))
                }
            })
            .collect();
        self.ops.push(Op::ShowText { items });
    }

    fn path(&mut self, path: &Path) {
        if self.state.in_text {
            self.ops.push(Op::EndTextSection);
            self.state.in_text = false;
        }
        if let Some(fill) = path.fill {
            self.fill(fill);
        }
        if let Some(stroke) = path.stroke {
            self.stroke(stroke);
        }
        let mut points = vec![LinePoint {
            p: self.point(path.start.x, path.start.y),
            bezier: false,
        }];
        for segment in &path.segments {
            match *segment {
                Segment::Line(p) => points.push(LinePoint {
                    p: self.point(p.x, p.y),
                    bezier: false,
                }),
                Segment::Curve(c1, c2, p) => points.extend([
                    LinePoint {
                        p: self.point(c1.x, c1.y),
                        bezier: true,
                    },
                    LinePoint {
                        p: self.point(c2.x, c2.y),
                        bezier: true,
                    },
                    LinePoint {
                        p: self.point(p.x, p.y),
                        bezier: false,
                    },
                ]),
            }
        }
        let mode = match (path.fill.is_some(), path.stroke.is_some()) {
            (true, true) => PaintMode::FillStroke,
            (true, false) => PaintMode::Fill,
            (false, true) => PaintMode::Stroke,
            (false, false) => return,
        };
        if path.closed || path.fill.is_some() {
            self.ops.push(Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![PolygonRing { points }],
                    mode,
                    winding_order: WindingOrder::NonZero,
                },
            });
        } else {
            self.ops.push(Op::DrawLine {
                line: Line {
                    points,
                    is_closed: false,
                },
            });
        }
    }

    fn fill(&mut self, color: Color) {
        if self.state.fill != Some(color) {
            self.ops.push(Op::SetFillColor {
                col: pdf_color(color),
            });
            self.state.fill = Some(color);
        }
    }

    fn stroke(&mut self, stroke: Stroke) {
        let previous = self.state.stroke;
        if previous.map(|s| s.color) != Some(stroke.color) {
            self.ops.push(Op::SetOutlineColor {
                col: pdf_color(stroke.color),
            });
        }
        if previous.map(|s| s.width) != Some(stroke.width) {
            self.ops.push(Op::SetOutlineThickness {
                pt: Pt(stroke.width),
            });
        }
        if previous.map(|s| s.dash) != Some(stroke.dash) {
            let dash = match stroke.dash {
                Some(pattern) => LineDashPattern::new(0.0, &pattern),
                None => LineDashPattern::solid(),
            };
            self.ops.push(Op::SetLineDashPattern { dash });
        }
        self.state.stroke = Some(stroke);
    }

    fn finish(mut self) -> Vec<Op> {
        if self.state.in_text {
            self.ops.push(Op::EndTextSection);
        }
        self.ops
    }
}

fn pdf_color(color: Color) -> PdfColor {
    let channel = |c: f32| short(c, 1000.0);
    PdfColor::Rgb(Rgb::new(
        channel(color.r),
        channel(color.g),
        channel(color.b),
        None,
    ))
}

/// `value` rounded to `1 / per` (0.01 pt for positions, 0.001 for a colour channel): finer
/// than anyone sees, and the digits left off are a sizeable part of a page's content stream.
fn short(value: f32, per: f32) -> f32 {
    (value * per).round() / per
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_tags_are_six_capital_letters() {
        for hash in [0, 1, u64::MAX, 0x1234_5678_9abc_def0] {
            let tag = subset_tag(hash);
            assert_eq!(tag.len(), 6);
            assert!(tag.chars().all(|c| c.is_ascii_uppercase()), "{tag}");
        }
    }
}
