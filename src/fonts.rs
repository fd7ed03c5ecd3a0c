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

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use rust_fontconfig::FontBytes;

use printpdf::{ParsedFont, PdfFontParseWarning};

use crate::error::{Error, Result};
use crate::tr;

/// Data placed at a page boundary in the binary, so that it can be mapped from the executable
/// file instead of copied (see [`shared_bytes`]).
#[repr(C, align(4096))]
struct PageAligned<T: ?Sized>(T);

static REGULAR_DATA: &PageAligned<[u8]> =
    &PageAligned(*include_bytes!("../assets/fonts/NotoSansCJKsc-Regular.otf"));
static BOLD_DATA: &PageAligned<[u8]> =
    &PageAligned(*include_bytes!("../assets/fonts/NotoSansCJKsc-Bold.otf"));

/// The faces' bytes, for other renderers (page images) that need a CJK font.
pub(crate) static REGULAR: &[u8] = &REGULAR_DATA.0;
pub(crate) static BOLD: &[u8] = &BOLD_DATA.0;

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

/// A character's glyph in one face: its id (0 when the face lacks it) and advance in ems.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    pub id: u16,
    pub advance: f32,
}

/// The faces of one render.
pub struct Fonts {
    regular: ParsedFont,
    bold: OnceLock<ParsedFont>,
    fallbacks: Vec<ParsedFont>,
    /// Glyphs looked up so far, per face: the font's cmap is searched once per character,
    /// not once per use (a CJK face's cmap lookup is a linear scan of its ranges).
    glyphs: RwLock<HashMap<(Face, char), Glyph>>,
}

impl Fonts {
    /// The built-in faces only.
    pub fn builtin() -> Self {
        Self {
            regular: parse_builtin(REGULAR),
            bold: OnceLock::new(),
            fallbacks: Vec::new(),
            glyphs: RwLock::new(HashMap::new()),
        }
    }

    /// The built-in faces, then `fallbacks` in order for characters those lack.
    pub fn with_fallbacks(fallbacks: Vec<FallbackFont>) -> Result<Self> {
        let mut fonts = Self::builtin();
        for font in fallbacks {
            let parsed =
                ParsedFont::from_bytes(&font.bytes, 0, &mut Vec::new()).ok_or_else(|| {
                    Error::user(
                        tr!(
                            "`{font}` is not a font file that can be read",
                            font = font.name
                        ),
                        Some(tr!("use a TrueType or OpenType font (.ttf, .otf, .ttc)")),
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
        std::iter::once(primary)
            .chain((0..self.fallbacks.len()).map(Face::Fallback))
            .find(|&face| self.glyph(face, c).id != 0)
    }

    /// How far `c` advances the pen in `face`, in ems. A character the face lacks measures as
    /// its missing-glyph box.
    pub fn advance(&self, face: Face, c: char) -> f32 {
        self.glyph(face, c).advance
    }

    /// The glyph that draws `c` in `face` (cached).
    pub fn glyph(&self, face: Face, c: char) -> Glyph {
        if let Some(glyph) = self
            .glyphs
            .read()
            .ok()
            .and_then(|g| g.get(&(face, c)).copied())
        {
            return glyph;
        }
        let font = self.parsed(face);
        let id = font.lookup_glyph_index(u32::from(c)).unwrap_or(0);
        let units_per_em = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        let glyph = Glyph {
            id,
            advance: f32::from(font.get_horizontal_advance(id)) / units_per_em,
        };
        if let Ok(mut glyphs) = self.glyphs.write() {
            glyphs.insert((face, c), glyph);
        }
        glyph
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

/// Parses a face compiled into the binary; failing would be a build defect, which the tests
/// below catch. The face keeps its bytes for embedding: mapped from the executable where that
/// works (16 MB a face not copied, and only the pages read count as memory), copied otherwise.
fn parse_builtin(bytes: &'static [u8]) -> ParsedFont {
    let mut warnings: Vec<PdfFontParseWarning> = Vec::new();
    if let Some(shared) = shared_bytes(bytes)
        && let Some(face) =
            printpdf::font::AzulParsedFont::from_bytes_shared(shared, 0, &mut warnings)
    {
        return ParsedFont::from_azul(face);
    }
    ParsedFont::from_bytes(bytes, 0, &mut warnings).expect("the built-in Noto Sans CJK SC parses")
}

/// `bytes` (static data of this program, page-aligned) as a read-only mapping of the same
/// bytes in the file they were loaded from: the file, offset and inode /proc/self/maps gives for
/// their address. Anything that does not fit (no /proc, a file shorter than the bytes, another
/// inode) gives `None`, and the bytes are copied instead.
#[cfg(target_os = "linux")]
fn shared_bytes(bytes: &'static [u8]) -> Option<Arc<FontBytes>> {
    use std::os::unix::fs::MetadataExt;
    let address = bytes.as_ptr() as usize;
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let (offset, inode, path) = maps.lines().find_map(|line| {
        // start-end perms offset dev inode path
        let mut fields = line.splitn(6, ' ');
        let (start, end) = fields.next()?.split_once('-')?;
        let (start, end) = (
            usize::from_str_radix(start, 16).ok()?,
            usize::from_str_radix(end, 16).ok()?,
        );
        let _permissions = fields.next()?;
        let file_offset = u64::from_str_radix(fields.next()?, 16).ok()?;
        let _device = fields.next()?;
        let inode: u64 = fields.next()?.parse().ok()?;
        let path = fields.next()?.trim_start().to_string();
        (start..end)
            .contains(&address)
            .then(|| (file_offset + (address - start) as u64, inode, path))
    })?;
    if offset % 4096 != 0 || !path.starts_with('/') {
        return None;
    }
    let file = std::fs::File::open(&path).ok()?;
    let meta = file.metadata().ok()?;
    if meta.ino() != inode || meta.len() < offset + bytes.len() as u64 {
        return None;
    }
    // SAFETY: a read-only private mapping of this program's own file, checked above to hold
    // the whole range; the executable is not modified while it runs.
    let map = unsafe {
        mmapio::MmapOptions::new()
            .offset(offset)
            .len(bytes.len())
            .map(&file)
            .ok()?
    };
    // The mapping must hold exactly the bytes compiled in (checked at both ends).
    let same = map.len() == bytes.len()
        && map[..64] == bytes[..64]
        && map[map.len() - 64..] == bytes[bytes.len() - 64..];
    same.then(|| Arc::new(FontBytes::Mmapped(map)))
}

/// Without /proc/self/maps (Windows, macOS) the faces are copied: 16 MB each, parsed once.
#[cfg(not(target_os = "linux"))]
fn shared_bytes(_: &'static [u8]) -> Option<Arc<FontBytes>> {
    None
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
