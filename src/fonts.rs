//! The typefaces a summary is set in: Noto Sans CJK SC Regular and Bold, built into the binary,
//! and optional fonts the user supplies for characters Noto lacks (rare name characters, say).
//!
//! Layout asks here how wide a character is and which face can draw it; the PDF writer asks for
//! the parsed faces to embed. Both go through printpdf's font parser (allsorts) so that a face is
//! parsed once and the glyphs layout measured are the glyphs the PDF draws.
//!
//! Parsing a 16 MB CFF face reads its cmap and metrics tables, not its outlines: 12–18 ms in a
//! release build (measured on a 2-core VM), so the bold face is parsed on first use and a
//! summary without bold text never pays for it.

use std::sync::OnceLock;

use printpdf::{ParsedFont, PdfFontParseWarning};

use crate::error::{Error, Result};

/// The faces' bytes, for other renderers (page images) that need a CJK font.
pub(crate) const REGULAR: &[u8] = include_bytes!("../assets/fonts/NotoSansCJKsc-Regular.otf");
pub(crate) const BOLD: &[u8] = include_bytes!("../assets/fonts/NotoSansCJKsc-Bold.otf");

/// A typeface that text can be set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Face {
    Regular,
    Bold,
    /// The n-th font the user supplied, in the order given.
    Fallback(usize),
}

/// A font file the user supplied, read by the caller.
#[derive(Debug, Clone)]
pub struct FallbackFont {
    /// How to name the font in messages, e.g. its path.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The faces of one render.
pub struct Fonts {
    regular: ParsedFont,
    bold: OnceLock<ParsedFont>,
    fallbacks: Vec<ParsedFont>,
}

impl Fonts {
    /// The built-in faces only.
    pub fn builtin() -> Self {
        Self {
            regular: parse_builtin(REGULAR),
            bold: OnceLock::new(),
            fallbacks: Vec::new(),
        }
    }

    /// The built-in faces, then `fallbacks` in order for characters those lack.
    pub fn with_fallbacks(fallbacks: Vec<FallbackFont>) -> Result<Self> {
        let mut fonts = Self::builtin();
        for font in fallbacks {
            let parsed =
                ParsedFont::from_bytes(&font.bytes, 0, &mut Vec::new()).ok_or_else(|| {
                    Error::user(
                        format!("`{}` is not a font file that can be read", font.name),
                        Some("use a TrueType or OpenType font (.ttf, .otf, .ttc)".to_string()),
                    )
                })?;
            fonts.fallbacks.push(parsed);
        }
        Ok(fonts)
    }

    /// The face that draws `c` in the wanted weight: the built-in face first, then the user's
    /// fonts. `None` when no face has a glyph for it.
    pub fn face_for(&self, c: char, bold: bool) -> Option<Face> {
        let primary = if bold { Face::Bold } else { Face::Regular };
        if has_glyph(self.parsed(primary), c) {
            return Some(primary);
        }
        (0..self.fallbacks.len())
            .map(Face::Fallback)
            .find(|&face| has_glyph(self.parsed(face), c))
    }

    /// How far `c` advances the pen in `face`, in ems. A character the face lacks measures as
    /// its missing-glyph box.
    pub fn advance(&self, face: Face, c: char) -> f32 {
        let font = self.parsed(face);
        let glyph = font.lookup_glyph_index(u32::from(c)).unwrap_or(0);
        let units_per_em = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        f32::from(font.get_horizontal_advance(glyph)) / units_per_em
    }

    /// The parsed face, for embedding.
    pub(crate) fn parsed(&self, face: Face) -> &ParsedFont {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => self.bold.get_or_init(|| parse_builtin(BOLD)),
            // Faces are only ever named by `face_for`, which hands out indexes it checked.
            Face::Fallback(index) => self.fallbacks.get(index).unwrap_or(&self.regular),
        }
    }
}

fn has_glyph(font: &ParsedFont, c: char) -> bool {
    font.lookup_glyph_index(u32::from(c))
        .is_some_and(|glyph| glyph != 0)
}

/// Parses a face compiled into the binary; failing would be a build defect, which the tests
/// below catch.
fn parse_builtin(bytes: &[u8]) -> ParsedFont {
    let mut warnings: Vec<PdfFontParseWarning> = Vec::new();
    ParsedFont::from_bytes(bytes, 0, &mut warnings).expect("the built-in Noto Sans CJK SC parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_faces_cover_chinese_latin_and_clinical_symbols() {
        let fonts = Fonts::builtin();
        for c in "肝细胞癌 Hepatocellular <5.0 ℃ ± µ × ≤ ≥ ↑ ↓ – “”，。".chars()
        {
            assert_eq!(fonts.face_for(c, false), Some(Face::Regular), "{c:?}");
            assert_eq!(fonts.face_for(c, true), Some(Face::Bold), "{c:?}");
        }
    }

    #[test]
    fn ideographs_are_one_em_wide_and_latin_narrower() {
        let fonts = Fonts::builtin();
        assert!((fonts.advance(Face::Regular, '肝') - 1.0).abs() < 1e-3);
        let latin = fonts.advance(Face::Regular, 'a');
        assert!(latin > 0.3 && latin < 0.7, "{latin}");
    }

    #[test]
    fn characters_no_face_has_are_reported_as_none() {
        let fonts = Fonts::builtin();
        assert_eq!(fonts.face_for('क', false), None);
    }

    #[test]
    fn unreadable_fallback_fonts_are_a_user_error() {
        let result = Fonts::with_fallbacks(vec![FallbackFont {
            name: "fonts/broken.ttf".to_string(),
            bytes: b"not a font".to_vec(),
        }]);
        let Err(error) = result else {
            panic!("a broken font was accepted")
        };
        assert!(error.to_string().contains("fonts/broken.ttf"), "{error}");
    }
}
