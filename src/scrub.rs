//! Photos and scans without what the phone or scanner wrote into them, before they leave.
//!
//! A phone photo of a lab sheet carries the GPS position where it was taken (often the
//! family's home), the phone's make, model and serial number, the owner's name, a thumbnail
//! and editing history. None of it helps a doctor, so every JPEG and PNG record leaves without
//! it — in e-mail zips, portal packs, merged PDFs and platform images — and upright.
//!
//! HEIC, TIFF and WebP photos carry the same EXIF but cannot be cleaned here: they are left
//! out with a warning saying to save them as JPEG.
//!
//! Removal is lossless: JPEG metadata segments (APP1 EXIF/XMP, APP13 IPTC, comments, JFIF
//! thumbnails, multi-picture index, anything after the end of the image) and PNG text, time
//! and EXIF chunks are dropped, the image data copied byte for byte. What a viewer needs to
//! show the same colours stays (the ICC profile, Adobe's colour transform, PNG colour chunks).
//! A photo stored on its side, whose orientation lived in the EXIF just removed, is turned
//! upright: a PNG losslessly, a JPEG by decoding and re-encoding at quality 95 (the `image`
//! crate cannot turn JPEG blocks without decoding them), which the manifest says.
//!
//! Pure: bytes in, bytes out. The family's originals in records/ are never touched.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, GenericImageView, ImageDecoder, ImageEncoder, ImageFormat, Rgba};

use crate::tr;

/// JPEG quality when a photo has to be re-encoded to turn it upright: visually lossless.
pub const REENCODE_QUALITY: u8 = 95;

/// A record's image as it leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scrubbed {
    pub bytes: Vec<u8>,
    pub change: Change,
}

/// What was done to an image on its way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It carried no metadata and was upright: the bytes are the original's.
    None,
    /// Its metadata was removed; the image data is the original's, byte for byte.
    MetadataRemoved,
    /// A PNG stored on its side: metadata removed and the pixels turned upright (lossless).
    TurnedLossless,
    /// A JPEG stored on its side: metadata removed, turned upright and re-encoded.
    TurnedReencoded,
}

impl Change {
    /// The words for the manifest (English, as every manifest field is), `None` when the file
    /// is the original.
    pub fn describe(self) -> Option<String> {
        match self {
            Change::None => None,
            Change::MetadataRemoved => Some("metadata removed".into()),
            Change::TurnedLossless => Some("metadata removed; turned upright".into()),
            Change::TurnedReencoded => Some(format!(
                "metadata removed; turned upright and re-encoded at JPEG quality {REENCODE_QUALITY}"
            )),
        }
    }
}

/// Image kinds, told by their first bytes (not their names): those scrubbed, and those that
/// carry the same metadata but cannot be cleaned here, so must not go out as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    /// HEIC/HEIF/AVIF (iPhones' default), TIFF, WebP: their EXIF holds the same GPS position.
    Uncleanable(&'static str),
}

/// How many first bytes [`kind`] needs.
pub const KIND_BYTES: usize = 12;

pub fn kind(bytes: &[u8]) -> Option<Kind> {
    const HEIF_BRANDS: [&[u8; 4]; 8] = [
        b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis",
    ];
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Some(Kind::Png)
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && HEIF_BRANDS.iter().any(|b| &bytes[8..12] == *b)
    {
        Some(Kind::Uncleanable("HEIC/HEIF"))
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(Kind::Uncleanable("TIFF"))
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(Kind::Uncleanable("WebP"))
    } else {
        None
    }
}

/// `bytes` without metadata and upright. `Err` when the image is damaged (cut short, or its
/// segments do not add up): it cannot be cleaned, so it must not go out as it is either.
pub fn scrub(bytes: &[u8], kind: Kind) -> Result<Scrubbed, String> {
    match kind {
        Kind::Jpeg => scrub_jpeg(bytes),
        Kind::Png => scrub_png(bytes),
        Kind::Uncleanable(format) => Err(tr!(
            "it is a {format} image, whose metadata (where it was taken, the phone) cannot be removed here; save it as JPEG and put that in records/ instead",
            format
        )),
    }
}

fn scrub_jpeg(bytes: &[u8]) -> Result<Scrubbed, String> {
    let orientation = crate::pdf::raster::exif_orientation(bytes);
    let stripped = strip_jpeg(bytes)
        .ok_or_else(|| tr!("it is cut short or damaged (its JPEG segments do not add up)"))?;
    if orientation != 1 {
        return Ok(Scrubbed {
            bytes: turn_jpeg(bytes, orientation)?,
            change: Change::TurnedReencoded,
        });
    }
    let change = if stripped == bytes {
        Change::None
    } else {
        Change::MetadataRemoved
    };
    Ok(Scrubbed {
        bytes: stripped,
        change,
    })
}

/// A JPEG's segments without its metadata, and nothing after its end marker. `None` when the
/// file does not parse as a sequence of segments ending in an end marker.
pub fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (&0xFF, &marker) = (bytes.get(at)?, bytes.get(at + 1)?) else {
            return None;
        };
        if marker == 0xD9 {
            out.extend_from_slice(&[0xFF, 0xD9]);
            return Some(out);
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            out.extend_from_slice(&[0xFF, marker]);
            at += 2;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        let segment = bytes.get(at..at + 2 + length).filter(|_| length >= 2)?;
        match marker {
            0xE0 => out.extend_from_slice(&jfif_without_thumbnail(segment)?),
            0xE2 if segment[4..].starts_with(b"ICC_PROFILE\0") => out.extend_from_slice(segment),
            // APP14 "Adobe" says how the colours are stored; dropping it changes them.
            0xEE if segment[4..].starts_with(b"Adobe") => out.extend_from_slice(segment),
            0xE0..=0xEF | 0xFE => {}
            _ => out.extend_from_slice(segment),
        }
        at += 2 + length;
        if marker == 0xDA {
            // Entropy-coded data: a 0xFF in it is followed by 0x00 or a restart marker.
            let start = at;
            while at + 1 < bytes.len()
                && !(bytes[at] == 0xFF
                    && bytes[at + 1] != 0
                    && !(0xD0..=0xD7).contains(&bytes[at + 1]))
            {
                at += 1;
            }
            if at + 1 >= bytes.len() {
                return None;
            }
            out.extend_from_slice(&bytes[start..at]);
        }
    }
}

/// An APP0 segment kept only as a plain JFIF header without its thumbnail; `None` (dropped)
/// for anything else (JFXX thumbnails, other writers' APP0).
fn jfif_without_thumbnail(segment: &[u8]) -> Option<Vec<u8>> {
    let body = &segment[4..];
    if !body.starts_with(b"JFIF\0") || body.len() < 12 {
        return Some(Vec::new());
    }
    let mut out = vec![0xFF, 0xE0, 0x00, 0x10];
    out.extend_from_slice(&body[..12]);
    out.extend_from_slice(&[0, 0]);
    Some(out)
}

/// Decodes a JPEG, turns it as its EXIF orientation says and encodes it again, keeping its
/// colour profile. The encoder reads the decoded pixels turned in place ([`Upright`]): a
/// turned copy of a 12-megapixel photo would be another 36 MB.
fn turn_jpeg(bytes: &[u8], orientation: u8) -> Result<Vec<u8>, String> {
    let (image, icc) = decode(bytes, ImageFormat::Jpeg)?;
    let upright = Upright {
        image: &image,
        orientation: Orientation::from_exif(orientation).unwrap_or(Orientation::NoTransforms),
    };
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, REENCODE_QUALITY);
    if let Some(icc) = icc {
        // An encoder that cannot embed it writes the colours as they are.
        let _ = encoder.set_icc_profile(icc);
    }
    encoder
        .encode_image(&upright)
        .map_err(|e| tr!("the image could not be read ({e})", e))?;
    Ok(out)
}

/// An image as its orientation shows it, read from the pixels where they lie (what
/// `DynamicImage::apply_orientation` would give, without moving them).
struct Upright<'a> {
    image: &'a DynamicImage,
    orientation: Orientation,
}

impl Upright<'_> {
    /// Whether width and height trade places.
    fn sideways(&self) -> bool {
        matches!(
            self.orientation,
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        )
    }
}

impl GenericImageView for Upright<'_> {
    type Pixel = Rgba<u8>;

    fn dimensions(&self) -> (u32, u32) {
        let (width, height) = self.image.dimensions();
        if self.sideways() {
            (height, width)
        } else {
            (width, height)
        }
    }

    fn get_pixel(&self, x: u32, y: u32) -> Rgba<u8> {
        let (w, h) = self.image.dimensions();
        let (sx, sy) = match self.orientation {
            Orientation::NoTransforms => (x, y),
            Orientation::FlipHorizontal => (w - 1 - x, y),
            Orientation::FlipVertical => (x, h - 1 - y),
            Orientation::Rotate180 => (w - 1 - x, h - 1 - y),
            Orientation::Rotate90 => (y, h - 1 - x),
            Orientation::Rotate270 => (w - 1 - y, x),
            Orientation::Rotate90FlipH => (y, x),
            Orientation::Rotate270FlipH => (w - 1 - y, h - 1 - x),
        };
        self.image.get_pixel(sx, sy)
    }
}

/// Decodes within the limits every record image is held to, with its ICC profile.
fn decode(bytes: &[u8], format: ImageFormat) -> Result<(DynamicImage, Option<Vec<u8>>), String> {
    let mut decoder = image::ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(|e| tr!("the image could not be read ({e})", e))?;
    let (width, height) = decoder.dimensions();
    crate::pdf::raster::plausible_size(width, height, bytes.len())?;
    decoder
        .set_limits(crate::pdf::raster::decoder_limits())
        .map_err(|e| tr!("the image could not be read ({e})", e))?;
    let icc = decoder.icc_profile().ok().flatten();
    let image = DynamicImage::from_decoder(decoder)
        .map_err(|e| tr!("the image could not be read ({e})", e))?;
    Ok((image, icc))
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Ancillary PNG chunks that change how the image looks (colour, transparency, pixel size,
/// animation); every other ancillary chunk (tEXt, zTXt, iTXt, eXIf, tIME, private ones) goes.
const PNG_KEEP: [&[u8; 4]; 14] = [
    b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCv", b"cLLi", b"bKGD",
    b"pHYs", b"acTL", b"fcTL", b"fdAT",
];

fn scrub_png(bytes: &[u8]) -> Result<Scrubbed, String> {
    let damaged = || tr!("it is cut short or damaged (its PNG chunks do not add up)");
    let mut out = PNG_SIGNATURE.to_vec();
    let mut orientation = 1;
    let mut at = PNG_SIGNATURE.len();
    loop {
        let header = bytes.get(at..at + 8).ok_or_else(damaged)?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind: [u8; 4] = header[4..8].try_into().expect("four bytes");
        let chunk = bytes.get(at..at + 12 + length).ok_or_else(damaged)?;
        // A critical chunk (upper-case first letter) is image data, whatever its name.
        let critical = kind[0].is_ascii_uppercase();
        if critical || PNG_KEEP.contains(&&kind) {
            out.extend_from_slice(chunk);
        }
        if &kind == b"eXIf" {
            orientation = png_orientation(&chunk[8..8 + length]);
        }
        at += 12 + length;
        if &kind == b"IEND" {
            break;
        }
    }
    if orientation != 1 {
        let (mut image, _) = decode(&out, ImageFormat::Png)?;
        image.apply_orientation(
            Orientation::from_exif(orientation).unwrap_or(Orientation::NoTransforms),
        );
        let mut turned = Vec::new();
        PngEncoder::new(&mut turned)
            .write_image(
                image.as_bytes(),
                image.width(),
                image.height(),
                image.color().into(),
            )
            .map_err(|e| tr!("the image could not be read ({e})", e))?;
        return Ok(Scrubbed {
            bytes: turned,
            change: Change::TurnedLossless,
        });
    }
    let change = if out == bytes {
        Change::None
    } else {
        Change::MetadataRemoved
    };
    Ok(Scrubbed { bytes: out, change })
}

/// The orientation in a PNG's eXIf chunk (TIFF data), 1 when there is none.
fn png_orientation(tiff: &[u8]) -> u8 {
    exif::Reader::new()
        .read_raw(tiff.to_vec())
        .ok()
        .and_then(|exif| {
            exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
                .and_then(|field| field.value.get_uint(0))
        })
        .and_then(|value| u8::try_from(value).ok())
        .filter(|value| (1..=8).contains(value))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let pixels = image::RgbImage::from_fn(w, h, |x, _| {
            if x < w / 2 {
                image::Rgb([220, 30, 30])
            } else {
                image::Rgb([30, 30, 220])
            }
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&pixels)
            .unwrap();
        out
    }

    /// EXIF (big-endian TIFF) with Make and Orientation, as a phone writes it.
    fn exif_segment(orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x02".to_vec();
        // Make (0x010F), ASCII, 4 bytes inline: "Fon\0".
        tiff.extend_from_slice(b"\x01\x0f\0\x02\0\0\0\x04Fon\0");
        tiff.extend_from_slice(b"\x01\x12\0\x03\0\0\0\x01");
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend_from_slice(&tiff);
        segment
    }

    fn with_segments(plain: &[u8], segments: &[Vec<u8>], trailer: &[u8]) -> Vec<u8> {
        let mut out = plain[..2].to_vec();
        for s in segments {
            out.extend_from_slice(s);
        }
        out.extend_from_slice(&plain[2..]);
        out.extend_from_slice(trailer);
        out
    }

    #[test]
    fn jpeg_metadata_goes_and_the_image_data_stays_byte_for_byte() {
        let plain = jpeg(64, 32);
        let comment = [&[0xFF, 0xFE, 0x00, 0x09][..], b"owner:W"].concat();
        let iptc = [&[0xFF, 0xED, 0x00, 0x08][..], b"8BIM\0\0"].concat();
        let dirty = with_segments(
            &plain,
            &[exif_segment(1), comment, iptc],
            b"motion-photo trailer",
        );
        let out = scrub(&dirty, Kind::Jpeg).unwrap();
        assert_eq!(out.change, Change::MetadataRemoved);
        assert_eq!(out.bytes, plain);
        assert_eq!(scrub(&plain, Kind::Jpeg).unwrap().change, Change::None);
    }

    #[test]
    fn the_upright_view_shows_what_turning_the_pixels_would() {
        let source = DynamicImage::ImageRgb8(image::RgbImage::from_fn(5, 3, |x, y| {
            image::Rgb([x as u8 * 40, y as u8 * 80, (x * y) as u8])
        }));
        for exif in 1..=8 {
            let orientation = Orientation::from_exif(exif).unwrap();
            let mut turned = source.clone();
            turned.apply_orientation(orientation);
            let view = Upright {
                image: &source,
                orientation,
            };
            assert_eq!(view.dimensions(), turned.dimensions(), "orientation {exif}");
            for (x, y, pixel) in turned.pixels() {
                assert_eq!(view.get_pixel(x, y), pixel, "orientation {exif} at {x},{y}");
            }
            // The encoder gives the bytes it gives for the turned copy.
            let encode = |image: &dyn Fn(&mut JpegEncoder<&mut Vec<u8>>)| {
                let mut out = Vec::new();
                image(&mut JpegEncoder::new_with_quality(
                    &mut out,
                    REENCODE_QUALITY,
                ));
                out
            };
            assert_eq!(
                encode(&|e| e.encode_image(&view).unwrap()),
                encode(&|e| e.encode_image(&turned).unwrap()),
                "orientation {exif}"
            );
        }
    }

    #[test]
    fn a_sideways_jpeg_is_turned_upright_and_says_so() {
        let dirty = with_segments(&jpeg(64, 32), &[exif_segment(6)], b"");
        let out = scrub(&dirty, Kind::Jpeg).unwrap();
        assert_eq!(out.change, Change::TurnedReencoded);
        assert!(
            exif::Reader::new()
                .read_from_container(&mut Cursor::new(&out.bytes))
                .is_err()
        );
        let image = image::load_from_memory(&out.bytes).unwrap().to_rgb8();
        assert_eq!(image.dimensions(), (32, 64));
        // Turned clockwise: the stored left half (red) is now the top.
        assert!(image.get_pixel(16, 8).0[0] > 150 && image.get_pixel(16, 56).0[2] > 150);
    }

    #[test]
    fn phone_formats_that_cannot_be_cleaned_are_refused() {
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        assert_eq!(kind(heic), Some(Kind::Uncleanable("HEIC/HEIF")));
        assert!(scrub(heic, kind(heic).unwrap()).is_err());
        assert_eq!(kind(b"II*\0\x08\0\0\0"), Some(Kind::Uncleanable("TIFF")));
        assert_eq!(kind(b"%PDF-1.7\n%\xe2\xe3"), None);
    }

    #[test]
    fn a_cut_jpeg_is_refused() {
        let plain = jpeg(64, 32);
        assert!(scrub(&plain[..plain.len() - 40], Kind::Jpeg).is_err());
    }

    #[test]
    fn png_text_and_time_chunks_go() {
        let pixels = image::RgbImage::from_pixel(8, 4, image::Rgb([1, 2, 3]));
        let mut plain = Vec::new();
        PngEncoder::new(&mut plain)
            .write_image(pixels.as_raw(), 8, 4, image::ExtendedColorType::Rgb8)
            .unwrap();
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        // After IHDR (8 + 25 bytes).
        let mut dirty = plain[..33].to_vec();
        dirty.extend(chunk(b"tEXt", b"Author\0Wang Jianguo"));
        dirty.extend(chunk(b"tIME", &[7, 229, 1, 1, 0, 0, 0]));
        dirty.extend_from_slice(&plain[33..]);
        let out = scrub(&dirty, Kind::Png).unwrap();
        assert_eq!(out.change, Change::MetadataRemoved);
        assert_eq!(out.bytes, plain);
    }
}
