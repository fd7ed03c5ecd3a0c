//! One upright JPEG per page, for platforms that take pictures, not files (haodf.com, hospital
//! internet clinics, WeChat): every page of a PDF, or a photo of a paper report.
//!
//! Records come from anywhere, and a hostile or broken file can make a renderer allocate
//! gigabytes, loop, or panic. So the work is done in a child process — this same program, run
//! as `consultpack __render-pages` — with an address-space and CPU limit, and the parent gives
//! it a wall-clock deadline. If it dies, the record's pages are skipped with a warning.
//!
//! In the child, a scanned page (one JPEG drawn upright over the page) is passed through as
//! it is; other pages are drawn by hayro (pure Rust) with Noto Sans CJK standing in for Chinese
//! fonts a PDF does not embed (hayro would otherwise silently drop that text). A page that comes
//! out all white although it has content failed to render. Photos are turned upright by EXIF
//! and stripped of metadata (phone photos carry the GPS position).

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ExtendedColorType, ImageFormat};

use crate::pdf::raster::{exif_orientation, jpeg_frame};
use crate::tr;

/// The hidden subcommand that runs the child.
pub const WORKER_COMMAND: &str = "__render-pages";

/// How large a page image may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Longest side in pixels.
    pub max_px: u32,
    /// Largest file in bytes.
    pub max_bytes: u64,
}

impl Default for Limits {
    /// 2000 px and 1.5 MB: dense lab tables stay legible, and every platform takes it.
    fn default() -> Self {
        Self {
            max_px: 2000,
            max_bytes: 1_500_000,
        }
    }
}

/// Address space the child may use: a 2000 px page needs about 50 MB; a decompression bomb
/// hits this and dies instead of taking the machine.
const MEMORY_LIMIT: u64 = 1 << 30;
/// CPU seconds, and wall-clock seconds, the child gets per file.
const CPU_SECONDS: u64 = 60;
const WALL_SECONDS: u64 = 90;
/// More pages than this in one record is not a document a doctor will page through as images.
const MAX_PAGES: usize = 500;
const QUALITIES: [u8; 4] = [85, 75, 65, 55];

/// The images made from one file, in page order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageImages {
    /// Each page made (from 1), and its image.
    pub files: Vec<(usize, PathBuf)>,
    /// Pages whose embedded scan went through unchanged.
    pub passed_through: usize,
    /// Pages (from 1) drawn without a picture they hold, which could not be drawn, and why.
    pub blank: Vec<(usize, String)>,
}

/// Which pages of a file to make (from 1): `first` to `last`, or to the end without `last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pages {
    pub first: usize,
    pub last: Option<usize>,
}

impl Pages {
    pub const ALL: Pages = Pages {
        first: 1,
        last: None,
    };

    fn holds(self, page: usize) -> bool {
        page >= self.first && self.last.is_none_or(|last| page <= last)
    }
}

/// Makes `<out>/<stem>-NNN.jpg` for the `pages` of `source` (a PDF, JPEG or PNG; NNN is the
/// page number) in a child process. On failure nothing with that stem is left in `out`.
pub fn render(
    source: &Path,
    out: &Path,
    stem: &str,
    limits: Limits,
    pages: Pages,
) -> Result<PageImages, String> {
    let args = [
        source.as_os_str().to_owned(),
        out.as_os_str().to_owned(),
        stem.into(),
        limits.max_px.to_string().into(),
        limits.max_bytes.to_string().into(),
        pages.first.to_string().into(),
        pages.last.unwrap_or(0).to_string().into(),
    ];
    let child = crate::child::Limits {
        memory: MEMORY_LIMIT,
        cpu_seconds: CPU_SECONDS,
        wall: Duration::from_secs(WALL_SECONDS),
        output: 1 << 20,
    };
    let finished = crate::child::run(WORKER_COMMAND, &args, &[], child);
    let outcome = match finished {
        Err(why) => Err(tr!("the page renderer stopped: {why}", why)),
        Ok(done) => page_lines(done, out),
    };
    if outcome.is_err() {
        remove_stem(out, stem);
    }
    outcome
}

/// The child's report: `page scan|drawn N NAME` per page, `blank N REASON` for a page drawn
/// without a picture, or `error REASON`. No page at all is no error here: a file's pages may be
/// made by several children, and one may be asked for pages past the end.
fn page_lines(done: crate::child::Finished, out: &Path) -> Result<PageImages, String> {
    let text = String::from_utf8_lossy(&done.stdout);
    if !done.success {
        return Err(text
            .lines()
            .find_map(|l| l.strip_prefix("error "))
            .map(str::to_string)
            .unwrap_or_else(|| {
                tr!("the page renderer stopped (the file may be damaged, or need more memory than it is allowed)")
            }));
    }
    let mut images = PageImages {
        files: Vec::new(),
        passed_through: 0,
        blank: Vec::new(),
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("page ") {
            let mut words = rest.splitn(3, ' ');
            let (how, page, name) = (words.next(), words.next(), words.next());
            let (Some(page), Some(name)) = (page.and_then(|p| p.parse().ok()), name) else {
                continue;
            };
            images.passed_through += usize::from(how == Some("scan"));
            images.files.push((page, out.join(name)));
        } else if let Some((page, reason)) = line
            .strip_prefix("blank ")
            .and_then(|rest| rest.split_once(' '))
            .and_then(|(n, reason)| Some((n.parse().ok()?, reason.to_string())))
        {
            images.blank.push((page, reason));
        }
    }
    Ok(images)
}

fn remove_stem(out: &Path, stem: &str) {
    if let Ok(entries) = fs::read_dir(out) {
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(&format!("{stem}-"))
            {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// The child: `__render-pages SOURCE OUT STEM MAX_PX MAX_BYTES FIRST LAST` (LAST 0: to the
/// end). Prints `page scan|drawn N NAME` per page, or `error REASON` and exits 1.
pub fn worker(args: &[String]) -> ExitCode {
    crate::child::limit_self();
    let result = (|| -> Result<(Written, Blank), String> {
        let [source, out, stem, max_px, max_bytes, first, last] = args else {
            return Err("usage: __render-pages SOURCE OUT STEM MAX_PX MAX_BYTES FIRST LAST".into());
        };
        let pages = Pages {
            first: first.parse().map_err(|_| "bad FIRST")?,
            last: match last.parse().map_err(|_| "bad LAST")? {
                0 => None,
                last => Some(last),
            },
        };
        // Pages are written as OUT/STEM-NNN.jpg and nowhere else.
        if stem.contains(std::path::is_separator) || !Path::new(out).is_dir() {
            return Err("bad OUT or STEM".into());
        }
        let limits = Limits {
            max_px: max_px.parse().map_err(|_| "bad MAX_PX")?,
            max_bytes: max_bytes.parse().map_err(|_| "bad MAX_BYTES")?,
        };
        let bytes =
            crate::case_files::read_capped(Path::new(source), crate::case_files::RECORD_LIMIT)
                .map_err(|e| tr!("it could not be read ({e})", e))?;
        let photo_page = |format| -> Result<PdfPages, String> {
            let made = match pages.holds(1) {
                true => vec![(1, false, photo(&bytes, format, limits)?)],
                false => Vec::new(),
            };
            Ok((made, Vec::new()))
        };
        let (made, blank) = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            photo_page(ImageFormat::Jpeg)?
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            photo_page(ImageFormat::Png)?
        } else if bytes[..bytes.len().min(1024)]
            .windows(5)
            .any(|w| w == b"%PDF-")
        {
            pdf_pages(bytes, limits, pages)?
        } else {
            return Err(tr!("it is not a PDF, JPEG or PNG file"));
        };
        let mut written = Vec::new();
        for (page, scan, jpeg) in made {
            let name = format!("{stem}-{page:03}.jpg");
            write_private(&Path::new(out).join(&name), &jpeg)?;
            written.push((page, scan, name));
        }
        Ok((written, blank))
    })();
    let mut stdout = std::io::stdout().lock();
    match result {
        Ok((pages, blank)) => {
            for (page, scan, name) in pages {
                let _ = writeln!(
                    stdout,
                    "page {} {page} {name}",
                    if scan { "scan" } else { "drawn" }
                );
            }
            for (page, reason) in blank {
                let _ = writeln!(stdout, "blank {page} {}", reason.replace('\n', " "));
            }
            ExitCode::SUCCESS
        }
        Err(reason) => {
            let _ = writeln!(stdout, "error {reason}");
            ExitCode::from(1)
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut file = crate::private_file::create_new(path).map_err(|e| e.to_string())?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| e.to_string())
}

/// Pages (from 1) drawn without a picture that could not be drawn, with why.
type Blank = Vec<(usize, String)>;

/// Pages (from 1) written, each a scan passed through or drawn, by file name.
type Written = Vec<(usize, bool, String)>;

/// Pages (from 1) as JPEGs, each said to be a scan passed through or drawn, and [`Blank`].
type PdfPages = (Vec<(usize, bool, Vec<u8>)>, Blank);

/// The `wanted` pages of a PDF as JPEGs (scans passed through, the rest drawn).
fn pdf_pages(bytes: Vec<u8>, limits: Limits, wanted: Pages) -> Result<PdfPages, String> {
    let mut doc = lopdf::Document::load_mem(&bytes).ok();
    let scans = doc
        .as_ref()
        .map(|doc| scanned_pages(doc, limits, wanted))
        .unwrap_or_default();
    let mut blank = doc.as_mut().map(blank_implausible).unwrap_or_default();
    let mut bytes = bytes;
    if !blank.is_empty()
        && let Some(doc) = &mut doc
    {
        let mut saved = Vec::new();
        if doc.save_to(&mut saved).is_ok() {
            bytes = saved;
        }
    }
    let pdf = hayro::hayro_syntax::Pdf::new(bytes).map_err(|e| match e {
        hayro::hayro_syntax::LoadPdfError::Decryption(_) => tr!("it is password-protected"),
        _ => tr!("it could not be read as a PDF"),
    })?;
    let pages = pdf.pages();
    if pages.len() > MAX_PAGES {
        return Err(tr!(
            "it has {pages} pages (at most {most} are made into images)",
            pages = pages.len(),
            most = MAX_PAGES
        ));
    }
    let scans = if scans.len() == pages.len() {
        scans
    } else {
        vec![None; pages.len()]
    };
    let failed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let settings = interpreter_settings(failed.clone());
    let cache = hayro::RenderCache::new();
    let mut out = Vec::new();
    blank.retain(|(page, _)| wanted.holds(*page));
    for (n, (page, scan)) in pages.iter().zip(scans).enumerate() {
        if !wanted.holds(n + 1) {
            continue;
        }
        failed.store(false, std::sync::atomic::Ordering::Relaxed);
        if let Some(jpeg) = scan {
            out.push((n + 1, true, jpeg));
            continue;
        }
        let (width, height) = page.render_dimensions();
        let scale = limits.max_px as f32 / width.max(height).max(1.0);
        let pixmap = hayro::render(
            page,
            &cache,
            &settings,
            &hayro::RenderSettings::default(),
            &hayro::PixmapSettings {
                x_scale: scale,
                y_scale: scale,
                bg_color: hayro::vello_cpu::color::palette::css::WHITE,
            },
        );
        let (w, h) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
        let rgb = match pixmap.try_take_rgb8(hayro::vello_cpu::peniko::ImageAlphaType::Alpha) {
            hayro::vello_cpu::Pixels::Rgb8(rgb) => rgb,
            hayro::vello_cpu::Pixels::Rgba8(rgba) => on_white(&rgba),
        };
        if failed.load(std::sync::atomic::Ordering::Relaxed) && !blank.iter().any(|b| b.0 == n + 1)
        {
            blank.push((
                n + 1,
                tr!("a picture on it could not be drawn (it may be damaged)"),
            ));
        }
        if rgb.iter().all(|&b| b == 255) {
            return Err(match blank.iter().find(|b| b.0 == n + 1) {
                Some((page, why)) => tr!("page {page} comes out blank: {why}", page, why),
                None => tr!(
                    "page {page} comes out blank (the file may be damaged)",
                    page = n + 1
                ),
            });
        }
        let image = image::RgbImage::from_raw(w, h, rgb)
            .ok_or_else(|| tr!("the page could not be drawn"))?;
        out.push((
            n + 1,
            false,
            encode(DynamicImage::ImageRgb8(image), limits)?,
        ));
    }
    Ok((out, blank))
}

/// Replaces each picture that claims a size no page needs, or more pixels than its bytes can
/// hold, with one white pixel — hayro would draw what it can of it, a sliver, or use up its
/// memory — and returns those pages (from 1) with why their picture is blank.
fn blank_implausible(doc: &mut lopdf::Document) -> Blank {
    let mut found: Vec<(usize, lopdf::ObjectId, String)> = Vec::new();
    for (n, page) in doc.page_iter().enumerate() {
        let (Ok((Some(resources), _)), Ok(content)) = (
            doc.get_page_resources(page),
            doc.get_and_decode_page_content(page),
        ) else {
            continue;
        };
        let mut drawn = Vec::new();
        drawn_images(doc, resources, &content, 0, &mut drawn);
        for id in drawn {
            let Ok(stream) = doc.get_object(id).and_then(lopdf::Object::as_stream) else {
                continue;
            };
            let number = |key: &[u8]| {
                stream
                    .dict
                    .get(key)
                    .and_then(lopdf::Object::as_i64)
                    .ok()
                    .and_then(|v| u32::try_from(v).ok())
            };
            if let (Some(width), Some(height)) = (number(b"Width"), number(b"Height"))
                && let Err(why) =
                    crate::pdf::raster::plausible_size(width, height, stream.content.len())
            {
                found.push((n + 1, id, why));
            }
        }
    }
    let mut blank = Blank::new();
    for (page, id, why) in found {
        let mut dict = lopdf::Dictionary::new();
        for (key, value) in [
            ("Type", lopdf::Object::Name(b"XObject".to_vec())),
            ("Subtype", lopdf::Object::Name(b"Image".to_vec())),
            ("Width", lopdf::Object::Integer(1)),
            ("Height", lopdf::Object::Integer(1)),
            ("ColorSpace", lopdf::Object::Name(b"DeviceGray".to_vec())),
            ("BitsPerComponent", lopdf::Object::Integer(8)),
        ] {
            dict.set(key, value);
        }
        let white = lopdf::Stream::new(dict, vec![255]);
        doc.objects.insert(id, lopdf::Object::Stream(white));
        if !blank.iter().any(|b| b.0 == page) {
            blank.push((page, tr!("a picture on it was not drawn ({why})", why)));
        }
    }
    blank
}

/// The images a content stream draws (`Do`), and those of the forms it draws, to a depth.
fn drawn_images(
    doc: &lopdf::Document,
    resources: &lopdf::Dictionary,
    content: &lopdf::content::Content,
    depth: usize,
    out: &mut Vec<lopdf::ObjectId>,
) {
    let Some(xobjects) = resources
        .get(b"XObject")
        .ok()
        .and_then(|x| doc.dereference(x).ok())
        .and_then(|(_, x)| x.as_dict().ok())
    else {
        return;
    };
    for op in content.operations.iter().filter(|op| op.operator == "Do") {
        let Some(id) = op
            .operands
            .first()
            .and_then(|name| name.as_name().ok())
            .and_then(|name| xobjects.get(name).ok())
            .and_then(|x| x.as_reference().ok())
        else {
            continue;
        };
        let Ok(stream) = doc.get_object(id).and_then(lopdf::Object::as_stream) else {
            continue;
        };
        match stream.dict.get(b"Subtype").and_then(lopdf::Object::as_name) {
            Ok(b"Image") if !out.contains(&id) => out.push(id),
            Ok(b"Form") if depth < 8 => {
                let inner = stream
                    .dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|r| doc.dereference(r).ok())
                    .and_then(|(_, r)| r.as_dict().ok())
                    .unwrap_or(resources);
                if let Ok(content) = stream
                    .get_plain_content_with_limit(16 << 20)
                    .map_err(|_| ())
                    .and_then(|bytes| lopdf::content::Content::decode(&bytes).map_err(|_| ()))
                {
                    drawn_images(doc, inner, &content, depth + 1, out);
                }
            }
            _ => {}
        }
    }
}

/// hayro's settings with Noto Sans CJK for Chinese, Japanese and Korean fonts a PDF names but
/// does not embed; `failed` is set when a picture cannot be drawn (hayro leaves it out).
fn interpreter_settings(
    failed: Arc<std::sync::atomic::AtomicBool>,
) -> hayro::hayro_interpret::InterpreterSettings {
    use hayro::hayro_interpret::font::{FontData, FontQuery};
    let default = hayro::hayro_interpret::InterpreterSettings::default();
    let standard = default.font_resolver.clone();
    let regular: FontData = Arc::new(crate::fonts::REGULAR);
    let bold: FontData = Arc::new(crate::fonts::BOLD);
    hayro::hayro_interpret::InterpreterSettings {
        font_resolver: Arc::new(move |query: &FontQuery| match query {
            FontQuery::Fallback(f) if f.character_collection.is_some() => Some((
                if f.is_bold {
                    bold.clone()
                } else {
                    regular.clone()
                },
                0,
            )),
            other => standard(other),
        }),
        warning_sink: Arc::new(move |warning| {
            if matches!(
                warning,
                hayro::hayro_interpret::InterpreterWarning::ImageDecodeFailure
            ) {
                failed.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }),
        ..default
    }
}

/// For each page (in order): the JPEG of a scan, when the page is exactly one DCT image drawn
/// upright and the JPEG is within the limits; `None` otherwise.
fn scanned_pages(doc: &lopdf::Document, limits: Limits, wanted: Pages) -> Vec<Option<Vec<u8>>> {
    doc.page_iter()
        .enumerate()
        .map(|(n, page)| {
            wanted
                .holds(n + 1)
                .then(|| scanned_page(doc, page, limits))
                .flatten()
        })
        .collect()
}

fn scanned_page(doc: &lopdf::Document, page: lopdf::ObjectId, limits: Limits) -> Option<Vec<u8>> {
    use lopdf::Object;
    let dict = doc.get_dictionary(page).ok()?;
    if dict
        .get(b"Rotate")
        .and_then(Object::as_i64)
        .unwrap_or(0)
        .rem_euclid(360)
        != 0
    {
        return None;
    }
    let content = doc.get_and_decode_page_content(page).ok()?;
    let mut image_name = None;
    let mut upright = false;
    for op in &content.operations {
        match op.operator.as_str() {
            "q" | "Q" => {}
            "cm" => {
                let m: Vec<f32> = op
                    .operands
                    .iter()
                    .filter_map(|o| o.as_float().ok())
                    .collect();
                upright = m.len() == 6 && m[0] > 0.0 && m[3] > 0.0 && m[1] == 0.0 && m[2] == 0.0;
            }
            "Do" if image_name.is_none() => image_name = op.operands.first()?.as_name().ok(),
            _ => return None,
        }
    }
    if !upright {
        return None;
    }
    let (resources, _) = doc.get_page_resources(page).ok()?;
    let resources = resources?;
    let xobjects = doc
        .dereference(resources.get(b"XObject").ok()?)
        .ok()?
        .1
        .as_dict()
        .ok()?;
    let stream = doc
        .dereference(xobjects.get(image_name?).ok()?)
        .ok()?
        .1
        .as_stream()
        .ok()?;
    let filter = stream.dict.get(b"Filter").ok()?;
    let dct = match filter {
        Object::Name(name) => name == b"DCTDecode",
        Object::Array(filters) => {
            filters.len() == 1 && filters[0].as_name().ok() == Some(b"DCTDecode")
        }
        _ => false,
    };
    if !dct || stream.dict.has(b"Decode") || stream.dict.has(b"SMask") {
        return None;
    }
    let jpeg = &stream.content;
    let frame = jpeg_frame(jpeg)?;
    // A scanner app's JPEG may carry EXIF (a GPS position; an orientation a PDF ignores but an
    // image viewer obeys): pass it through only upright, and without its metadata.
    (frame.components != 4
        && exif_orientation(jpeg) == 1
        && frame.width.max(frame.height) <= limits.max_px
        && jpeg.len() as u64 <= limits.max_bytes)
        .then(|| crate::scrub::strip_jpeg(jpeg))
        .flatten()
}

/// A photo of a page: upright, within the limits, without its metadata. A JPEG that is
/// already upright and small enough keeps its pixels (only its metadata segments go).
fn photo(bytes: &[u8], format: ImageFormat, limits: Limits) -> Result<Vec<u8>, String> {
    if format == ImageFormat::Jpeg {
        let frame =
            jpeg_frame(bytes).ok_or_else(|| tr!("it is not a JPEG image this tool can read"))?;
        let orientation = exif_orientation(bytes);
        if orientation == 1
            && frame.components != 4
            && frame.width.max(frame.height) <= limits.max_px
        {
            let stripped = crate::scrub::strip_jpeg(bytes)
                .ok_or_else(|| tr!("it is not a JPEG image this tool can read"))?;
            if stripped.len() as u64 <= limits.max_bytes {
                return Ok(stripped);
            }
        }
    }
    let mut decoder = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(20_000);
    image_limits.max_image_height = Some(20_000);
    image_limits.max_alloc = Some(512 * 1024 * 1024);
    decoder.limits(image_limits);
    let mut image = decoder
        .decode()
        .map_err(|e| tr!("the image could not be read ({e})", e))?;
    if format == ImageFormat::Jpeg {
        image.apply_orientation(
            Orientation::from_exif(exif_orientation(bytes)).unwrap_or(Orientation::NoTransforms),
        );
    }
    let image = if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        let (w, h) = rgba.dimensions();
        let rgb = on_white(rgba.as_raw());
        DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, rgb).expect("sized"))
    } else {
        image
    };
    encode(image, limits)
}

/// RGBA pixels (straight alpha) composited onto white, as RGB.
fn on_white(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| {
            let a = u16::from(p[3]);
            let blend = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
            [blend(p[0]), blend(p[1]), blend(p[2])]
        })
        .collect()
}

/// Encodes within the limits: scaled to the longest side, grey when every pixel is grey (half
/// the size), quality lowered and then the size reduced until the file fits.
fn encode(image: DynamicImage, limits: Limits) -> Result<Vec<u8>, String> {
    let mut image = if image.width().max(image.height()) > limits.max_px {
        image.thumbnail(limits.max_px, limits.max_px)
    } else {
        image
    };
    let grey = !image.color().has_color()
        || image
            .to_rgb8()
            .pixels()
            .all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]);
    loop {
        for quality in QUALITIES {
            let mut out = Vec::new();
            let encoder = JpegEncoder::new_with_quality(&mut out, quality);
            let result = if grey {
                let luma = image.to_luma8();
                image::ImageEncoder::write_image(
                    encoder,
                    luma.as_raw(),
                    luma.width(),
                    luma.height(),
                    ExtendedColorType::L8,
                )
            } else {
                let rgb = image.to_rgb8();
                image::ImageEncoder::write_image(
                    encoder,
                    rgb.as_raw(),
                    rgb.width(),
                    rgb.height(),
                    ExtendedColorType::Rgb8,
                )
            };
            result.map_err(|e| e.to_string())?;
            if out.len() as u64 <= limits.max_bytes {
                return Ok(out);
            }
        }
        let (w, h) = (image.width() * 4 / 5, image.height() * 4 / 5);
        if w < 200 || h < 200 {
            return Err(tr!("it cannot be made small enough"));
        }
        image = image.thumbnail(w, h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let pixels = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&pixels)
            .unwrap();
        out
    }

    #[test]
    fn small_upright_photos_keep_their_pixels_but_lose_their_metadata() {
        let plain = jpeg(300, 200);
        // An EXIF segment (orientation 1) after SOI, as a phone writes it.
        let exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x01\0\0\0\0\0\0";
        let mut with_exif = plain[..2].to_vec();
        with_exif.extend_from_slice(&[0xFF, 0xE1]);
        with_exif.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        with_exif.extend_from_slice(exif);
        with_exif.extend_from_slice(&plain[2..]);
        let out = photo(&with_exif, ImageFormat::Jpeg, Limits::default()).unwrap();
        assert_eq!(
            out, plain,
            "the EXIF segment is gone, the rest is byte for byte"
        );
    }

    #[test]
    fn large_photos_are_scaled_and_fit_the_byte_limit() {
        let big = jpeg(3000, 1000);
        let limits = Limits {
            max_px: 1200,
            max_bytes: 60_000,
        };
        let out = photo(&big, ImageFormat::Jpeg, limits).unwrap();
        let frame = jpeg_frame(&out).unwrap();
        assert_eq!(frame.width, 1200);
        assert!(out.len() as u64 <= limits.max_bytes, "{}", out.len());
    }

    #[test]
    fn grey_pages_are_encoded_grey() {
        let grey = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            100,
            100,
            image::Rgb([120, 120, 120]),
        ));
        let out = encode(grey, Limits::default()).unwrap();
        assert_eq!(jpeg_frame(&out).unwrap().components, 1);
    }
}
