//! The display list: what layout hands the PDF writer. Pages of positioned text runs and paths,
//! in points, with the origin at the top-left corner and y growing downwards (the way layout
//! thinks); only the writer knows that PDF counts from the bottom.

use crate::document::Paper;
use crate::fonts::Face;

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
}

impl Page {
    /// A blank sheet of `paper`.
    pub fn blank(paper: Paper) -> Self {
        let (width, height) = paper.size();
        Self {
            width,
            height,
            items: Vec::new(),
        }
    }

    /// Every text run on the page, in drawing order.
    pub fn text_runs(&self) -> impl Iterator<Item = &TextRun> {
        self.items.iter().filter_map(|item| match item {
            Item::Text(run) => Some(run),
            Item::Path(_) => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Text(TextRun),
    Path(Path),
}

impl Item {
    pub fn translate(&mut self, dx: f32, dy: f32) {
        match self {
            Item::Text(run) => run.origin = run.origin.offset(dx, dy),
            Item::Path(path) => {
                path.start = path.start.offset(dx, dy);
                for segment in &mut path.segments {
                    match segment {
                        Segment::Line(p) => *p = p.offset(dx, dy),
                        Segment::Curve(c1, c2, p) => {
                            *c1 = c1.offset(dx, dy);
                            *c2 = c2.offset(dx, dy);
                            *p = p.offset(dx, dy);
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    fn offset(self, dx: f32, dy: f32) -> Self {
        Self::new(self.x + dx, self.y + dy)
    }
}

/// An sRGB colour with components from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Color {
    pub r: f32,
    pub g: f32,
    pub b: f32,
}

impl Color {
    /// A colour written as `0xRRGGBB`.
    pub const fn hex(rgb: u32) -> Self {
        Self {
            r: ((rgb >> 16) & 0xff) as f32 / 255.0,
            g: ((rgb >> 8) & 0xff) as f32 / 255.0,
            b: (rgb & 0xff) as f32 / 255.0,
        }
    }
}

/// Text in one face, size and colour, starting at a baseline point.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// Where the baseline starts.
    pub origin: Point,
    pub face: Face,
    pub size: f32,
    pub color: Color,
    /// Drawn with a synthetic slant: Noto Sans CJK has no italic.
    pub slanted: bool,
    pub pieces: Vec<TextPiece>,
}

impl TextRun {
    /// The run's characters, without the spacing.
    pub fn text(&self) -> String {
        self.pieces
            .iter()
            .filter_map(|piece| match piece {
                TextPiece::Text(text) => Some(text.as_str()),
                TextPiece::Space(_) => None,
            })
            .collect()
    }

    /// The extra spacing the run adds between its pieces (justification), in points.
    pub fn spacing(&self) -> f32 {
        self.pieces
            .iter()
            .map(|piece| match piece {
                TextPiece::Space(width) => *width,
                TextPiece::Text(_) => 0.0,
            })
            .sum()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TextPiece {
    Text(String),
    /// Extra space in points, from justification.
    Space(f32),
}

/// Straight and curved segments from a start point, stroked, filled or both.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub start: Point,
    pub segments: Vec<Segment>,
    pub closed: bool,
    pub fill: Option<Color>,
    pub stroke: Option<Stroke>,
}

impl Path {
    /// An open polyline through `points`.
    pub fn polyline(points: &[Point], stroke: Stroke) -> Self {
        Self::through(points, false, None, Some(stroke))
    }

    pub fn line(from: Point, to: Point, stroke: Stroke) -> Self {
        Self::polyline(&[from, to], stroke)
    }

    /// A closed polygon through `points`.
    pub fn polygon(points: &[Point], fill: Option<Color>, stroke: Option<Stroke>) -> Self {
        Self::through(points, true, fill, stroke)
    }

    fn through(
        points: &[Point],
        closed: bool,
        fill: Option<Color>,
        stroke: Option<Stroke>,
    ) -> Self {
        let start = points.first().copied().unwrap_or(Point::new(0.0, 0.0));
        Self {
            start,
            segments: points.iter().skip(1).copied().map(Segment::Line).collect(),
            closed,
            fill,
            stroke,
        }
    }

    pub fn rect(
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        fill: Option<Color>,
        stroke: Option<Stroke>,
    ) -> Self {
        let corners = [
            Point::new(x, y),
            Point::new(x + width, y),
            Point::new(x + width, y + height),
            Point::new(x, y + height),
        ];
        Self::polygon(&corners, fill, stroke)
    }

    /// A circle drawn as four Bézier arcs.
    pub fn circle(center: Point, radius: f32, fill: Option<Color>, stroke: Option<Stroke>) -> Self {
        // Control-point distance for a quarter circle.
        let k = radius * 0.552_284_8;
        let Point { x, y } = center;
        let r = radius;
        let p = Point::new;
        Self {
            start: p(x + r, y),
            segments: vec![
                Segment::Curve(p(x + r, y + k), p(x + k, y + r), p(x, y + r)),
                Segment::Curve(p(x - k, y + r), p(x - r, y + k), p(x - r, y)),
                Segment::Curve(p(x - r, y - k), p(x - k, y - r), p(x, y - r)),
                Segment::Curve(p(x + k, y - r), p(x + r, y - k), p(x + r, y)),
            ],
            closed: true,
            fill,
            stroke,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Segment {
    Line(Point),
    /// A cubic Bézier: two control points, then the end point.
    Curve(Point, Point, Point),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    pub color: Color,
    pub width: f32,
    /// Dash and gap lengths; `None` is a solid line.
    pub dash: Option<[f32; 2]>,
}

impl Stroke {
    pub const fn solid(color: Color, width: f32) -> Self {
        Self {
            color,
            width,
            dash: None,
        }
    }

    pub const fn dashed(color: Color, width: f32, dash: [f32; 2]) -> Self {
        Self {
            color,
            width,
            dash: Some(dash),
        }
    }

    pub const fn hairline(color: Color) -> Self {
        Self::solid(color, 0.5)
    }
}
