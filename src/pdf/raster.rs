//! Scans and photos as PDF image objects.
//!
//! A JPEG of reasonable size goes into the PDF byte for byte (`/DCTDecode`) less its metadata
//! segments (see [`crate::scrub`]: a phone photo's GPS position must not travel inside the
//! PDF): no generation loss, and its EXIF orientation is applied by the placement matrix
//! rather than by re-encoding.
//! Phone photos are often 4000 px and 3–5 MB, far more than a reader needs for a printed page,
//! so a large one is decoded, turned upright, scaled to 1800 px on its long edge and re-encoded
//! at quality 85. PNGs (screenshots, exported reports) are decoded, flattened onto white and
//! embedded losslessly with PNG prediction.

use std::io::Cursor;

use crate::tr;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::metadata::Orientation;
use image::{DynamicImage, ExtendedColorType, ImageEncoder, ImageFormat};
use lopdf::{Dictionary, Object, Stream, dictionary};

/// A JPEG whose long edge exceeds this is downscaled.
const LONG_EDGE_LIMIT: u32 = 2000;
/// A JPEG larger than this is re-encoded.
const SIZE_LIMIT: usize = 1_500_000;
const TARGET_LONG_EDGE: u32 = 1800;
const JPEG_QUALITY: u8 = 85;

/// An image ready to draw: its XObject and how to turn it upright.
pub struct PdfImage {
    pub stream: Stream,
    /// Pixel size as stored.
    width: u32,
    height: u32,
    /// EXIF orientation (1–8) still to apply when drawing.
    orientation: u8,
}

impl PdfImage {
    /// Width and height in pixels as displayed, turned upright.
    pub fn displayed_size(&self) -> (f32, f32) {
        let (w, h) = (self.width as f32, self.height as f32);
        if self.orientation >= 5 {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// The `cm` matrix that draws the image upright into the box at (`x`, `y`) (bottom-left,
    /// PDF coordinates) of `width` × `height`. An image XObject fills the unit square with its
    /// first row at the top; each EXIF orientation is a flip or quarter turn of that square.
    pub fn placement(&self, x: f32, y: f32, width: f32, height: f32) -> [f32; 6] {
        let (w, h) = (width, height);
        match self.orientation {
            2 => [-w, 0.0, 0.0, h, x + w, y],
            3 => [-w, 0.0, 0.0, -h, x + w, y + h],
            4 => [w, 0.0, 0.0, -h, x, y + h],
            5 => [0.0, -h, -w, 0.0, x + w, y + h],
            6 => [0.0, -h, w, 0.0, x, y + h],
            7 => [0.0, h, w, 0.0, x, y],
            8 => [0.0, h, -w, 0.0, x + w, y],
            _ => [w, 0.0, 0.0, h, x, y],
        }
    }
}

/// The most pixels an image record may claim: a 10,000 × 10,000 scan is more than any page needs.
const MAX_PIXELS: u64 = 100_000_000;
/// Fewer bytes than one per this many pixels cannot hold a real photo or scan: a file claiming
/// a huge size in a few hundred bytes is damaged or made to exhaust memory.
const PIXELS_PER_BYTE_LIMIT: u64 = 5_000;

/// What the image decoder may allocate for one record.
pub(crate) fn decoder_limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    limits.max_alloc = Some(512 << 20);
    limits
}

/// Decodes `bytes` as `format` within [`decoder_limits`].
fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, String> {
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decoder_limits());
    reader.decode().map_err(|e| e.to_string())
}

/// Refuses a claimed size no real record has, before anything is allocated for it.
pub(crate) fn plausible_size(width: u32, height: u32, bytes: usize) -> Result<(), String> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(tr!(
            "it claims {width} × {height} pixels, more than a page needs",
            width,
            height
        ));
    }
    if (bytes as u64) * PIXELS_PER_BYTE_LIMIT < pixels {
        return Err(tr!(
            "it claims {width} × {height} pixels in only {bytes} bytes: it is damaged",
            width,
            height,
            bytes
        ));
    }
    Ok(())
}

/// A JPEG, passed through when it is small enough and downscaled otherwise. It is checked
/// first: its claimed size must fit the file, it must end where a JPEG ends, and it must decode.
pub fn jpeg(mut bytes: Vec<u8>) -> Result<PdfImage, String> {
    let frame = jpeg_frame(&bytes).ok_or_else(|| tr!("not a JPEG image this tool can read"))?;
    plausible_size(frame.width, frame.height, bytes.len())?;
    // The image ends at the first end marker after its scan data; phones append more after it
    // (motion photos, Samsung trailers), which is not image and is left out.
    let end =
        jpeg_end(&bytes).ok_or_else(|| tr!("it is cut short (the JPEG has no end marker)"))?;
    bytes.truncate(end);
    // The orientation is read before the metadata goes: the placement matrix applies it.
    let orientation = exif_orientation(&bytes);
    let bytes = crate::scrub::strip_jpeg(&bytes)
        .ok_or_else(|| tr!("it is cut short (the JPEG has no end marker)"))?;
    let long_edge = frame.width.max(frame.height);
    if long_edge <= LONG_EDGE_LIMIT && bytes.len() <= SIZE_LIMIT {
        let mut dict =
            image_dictionary(frame.width, frame.height, frame.color_space(), "DCTDecode");
        if frame.components == 4 && frame.adobe {
            // Adobe writes CMYK JPEGs inverted.
            dict.set(
                "Decode",
                vec![
                    1.into(),
                    0.into(),
                    1.into(),
                    0.into(),
                    1.into(),
                    0.into(),
                    1.into(),
                    0.into(),
                ],
            );
        }
        decode(&bytes, ImageFormat::Jpeg).map_err(|e| tr!("it is damaged ({e})", e))?;
        return Ok(PdfImage {
            stream: Stream::new(dict, bytes).with_compression(false),
            width: frame.width,
            height: frame.height,
            orientation,
        });
    }
    let decoded = decode(&bytes, ImageFormat::Jpeg)?;
    drop(bytes);
    // Scale first, then turn: turning the full-size photo would copy all of its pixels again.
    let mut decoded = downscale(decoded);
    decoded.apply_orientation(
        Orientation::from_exif(orientation).unwrap_or(Orientation::NoTransforms),
    );
    let (width, height) = (decoded.width(), decoded.height());
    let (pixels, color_space) = if decoded.color().has_color() {
        (DynamicImage::ImageRgb8(decoded.into_rgb8()), "DeviceRGB")
    } else {
        (DynamicImage::ImageLuma8(decoded.into_luma8()), "DeviceGray")
    };
    let mut encoded = Vec::new();
    JpegEncoder::new_with_quality(&mut encoded, JPEG_QUALITY)
        .encode_image(&pixels)
        .map_err(|e| e.to_string())?;
    Ok(PdfImage {
        stream: Stream::new(
            image_dictionary(width, height, color_space, "DCTDecode"),
            encoded,
        )
        .with_compression(false),
        width,
        height,
        orientation: 1,
    })
}

/// A PNG, flattened onto white (PDF image transparency would need a soft mask) and embedded
/// losslessly: the PNG encoder's compressed rows are exactly a `/FlateDecode` stream with
/// PNG predictors.
pub fn png(bytes: &[u8]) -> Result<PdfImage, String> {
    let (width, height) = image::ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png)
        .into_dimensions()
        .map_err(|e| e.to_string())?;
    plausible_size(width, height, bytes.len())?;
    let decoded = decode(bytes, ImageFormat::Png)?;
    let decoded = downscale(decoded);
    let (width, height) = (decoded.width(), decoded.height());
    let (pixels, color, colors, color_space) =
        match (decoded.color().has_color(), decoded.color().has_alpha()) {
            (false, false) => (
                decoded.into_luma8().into_raw(),
                ExtendedColorType::L8,
                1,
                "DeviceGray",
            ),
            (_, true) => (on_white(&decoded), ExtendedColorType::Rgb8, 3, "DeviceRGB"),
            (true, false) => (
                decoded.into_rgb8().into_raw(),
                ExtendedColorType::Rgb8,
                3,
                "DeviceRGB",
            ),
        };
    let mut encoded = Vec::new();
    PngEncoder::new_with_quality(&mut encoded, CompressionType::Default, PngFilter::Adaptive)
        .write_image(&pixels, width, height, color)
        .map_err(|e| e.to_string())?;
    let mut dict = image_dictionary(width, height, color_space, "FlateDecode");
    dict.set(
        "DecodeParms",
        dictionary! { "Predictor" => 15, "Colors" => colors, "BitsPerComponent" => 8, "Columns" => i64::from(width) },
    );
    Ok(PdfImage {
        stream: Stream::new(dict, png_image_data(&encoded)).with_compression(false),
        width,
        height,
        orientation: 1,
    })
}

fn image_dictionary(width: u32, height: u32, color_space: &str, filter: &str) -> Dictionary {
    dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => i64::from(width),
        "Height" => i64::from(height),
        "ColorSpace" => Object::Name(color_space.as_bytes().to_vec()),
        "BitsPerComponent" => 8,
        "Filter" => Object::Name(filter.as_bytes().to_vec()),
    }
}

fn downscale(image: DynamicImage) -> DynamicImage {
    if image.width().max(image.height()) <= LONG_EDGE_LIMIT {
        return image;
    }
    // `thumbnail` keeps the aspect ratio and averages whole pixel areas in integers: for a
    // photo of a page shrunk about twofold it is as sharp as a filtered resize, without the
    // filter's floating-point copy of the full-size image.
    image.thumbnail(TARGET_LONG_EDGE, TARGET_LONG_EDGE)
}

/// RGB pixels of an image with transparency composited onto white.
fn on_white(image: &DynamicImage) -> Vec<u8> {
    image
        .to_rgba8()
        .pixels()
        .flat_map(|pixel| {
            let [r, g, b, a] = pixel.0;
            let blend =
                |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
            [blend(r), blend(g), blend(b)]
        })
        .collect()
}

/// The zlib stream of a PNG: its IDAT chunks' data, concatenated.
fn png_image_data(png: &[u8]) -> Vec<u8> {
    let mut data = Vec::new();
    let mut at = 8; // after the signature
    while let Some(header) = png.get(at..at + 8) {
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let Some(body) = png.get(at + 8..at + 8 + length) else {
            break;
        };
        if &header[4..8] == b"IDAT" {
            data.extend_from_slice(body);
        }
        at += 12 + length;
    }
    data
}

/// What the PDF needs from a JPEG's frame header.
pub(crate) struct Frame {
    pub width: u32,
    pub height: u32,
    pub components: u8,
    /// An Adobe APP14 segment: its CMYK is stored inverted.
    pub adobe: bool,
}

impl Frame {
    fn color_space(&self) -> &'static str {
        match self.components {
            1 => "DeviceGray",
            4 => "DeviceCMYK",
            _ => "DeviceRGB",
        }
    }
}

/// Where the JPEG proper ends: after the first end-of-image marker following its first
/// start-of-scan, found by walking the marker segments (an EXIF thumbnail inside one is skipped
/// whole; scan data never holds an unescaped marker, so that end marker is the real end).
fn jpeg_end(bytes: &[u8]) -> Option<usize> {
    let mut at = 2;
    let scan = loop {
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (&0xFF, &marker) = (bytes.get(at)?, bytes.get(at + 1)?) else {
            return None;
        };
        if marker == 0xDA {
            break at;
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            at += 2;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        at += 2 + length;
    };
    bytes
        .get(scan + 2..)?
        .windows(2)
        .position(|w| w == [0xFF, 0xD9])
        .map(|i| scan + 2 + i + 2)
}

/// Walks the JPEG's marker segments up to the start-of-frame header.
pub(crate) fn jpeg_frame(bytes: &[u8]) -> Option<Frame> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut adobe = false;
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (&0xFF, &marker) = (bytes.get(at)?, bytes.get(at + 1)?) else {
            return None;
        };
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            at += 2;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        let segment = bytes.get(at + 4..at + 2 + length)?;
        match marker {
            0xEE if segment.starts_with(b"Adobe") => adobe = true,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = u32::from(u16::from_be_bytes([*segment.get(1)?, *segment.get(2)?]));
                let width = u32::from(u16::from_be_bytes([*segment.get(3)?, *segment.get(4)?]));
                let components = *segment.get(5)?;
                return (width > 0 && height > 0).then_some(Frame {
                    width,
                    height,
                    components,
                    adobe,
                });
            }
            0xD9 | 0xDA => return None,
            _ => {}
        }
        at += 2 + length;
    }
}

/// The EXIF orientation (1–8), 1 when there is none.
pub(crate) fn exif_orientation(bytes: &[u8]) -> u8 {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
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

    /// Where the stored image's top-left corner lands, for each orientation, in a 2 × 1 box.
    #[test]
    fn placement_puts_the_stored_top_left_corner_where_exif_says() {
        let image = |orientation| PdfImage {
            stream: Stream::new(Dictionary::new(), Vec::new()),
            width: 20,
            height: 10,
            orientation,
        };
        // The stored top-left corner is (u, v) = (0, 1) in the unit square.
        let corner = |m: [f32; 6]| (m[2] + m[4], m[3] + m[5]);
        let expected = [
            (1, (0.0, 1.0)), // as stored
            (2, (2.0, 1.0)), // mirrored: top-right
            (3, (2.0, 0.0)), // upside down: bottom-right
            (4, (0.0, 0.0)), // flipped: bottom-left
            (5, (0.0, 1.0)), // transposed: stays top-left
            (6, (2.0, 1.0)), // turned clockwise: top-right
            (7, (2.0, 0.0)), // transverse: bottom-right
            (8, (0.0, 0.0)), // turned anticlockwise: bottom-left
        ];
        for (orientation, corner_at) in expected {
            assert_eq!(
                corner(image(orientation).placement(0.0, 0.0, 2.0, 1.0)),
                corner_at,
                "orientation {orientation}"
            );
        }
        assert_eq!(image(6).displayed_size(), (10.0, 20.0));
    }

    #[test]
    fn frame_headers_give_size_and_components() {
        let mut jpeg = Vec::new();
        let pixels = image::RgbImage::from_pixel(30, 20, image::Rgb([200, 100, 50]));
        JpegEncoder::new_with_quality(&mut jpeg, 80)
            .encode_image(&pixels)
            .unwrap();
        let frame = jpeg_frame(&jpeg).unwrap();
        assert_eq!((frame.width, frame.height, frame.components), (30, 20, 3));
        assert!(jpeg_frame(b"\x89PNG").is_none());
        assert!(jpeg_frame(&jpeg[..20]).is_none());
    }
}
