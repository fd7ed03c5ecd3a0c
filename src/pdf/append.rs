//! Appending the records behind the summary: PDFs merged page for page (object-level, with
//! lopdf), images placed on pages of their own, each record with a bookmark and its header line.
//!
//! The header line is stamped *above* a merged PDF's first page: the page is made taller by a
//! strip, so the line never covers what the record shows (scans are often printed to the
//! edge). On an image page it sits in the top margin.
//!
//! The packet is written as it is built, so memory holds the summary and one record, never the
//! record set: the summary's objects go out first, then each record's as soon as it is read,
//! numbered past every object before it. Only the objects that change as records are added
//! wait for the end: the catalog, the page tree root (the records' pages are its children
//! too) and the outline.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::document::Paper;
use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::layout::{self, RECORD_HEADER_HEIGHT};
use crate::tr;

use super::file::PdfFile;
use super::outline::{self, Bookmark};
use super::raster::{self, PdfImage};
use super::writer;

/// A record to put after the summary.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppendedRecord {
    /// A PDF, JPEG or PNG file; anything else is skipped with a warning.
    pub path: PathBuf,
    /// Shown above the record's first page, e.g. "2021-08-20 · lab · 肝功能 Liver panel"; an
    /// optional first line before a `\n` names the patient ("DEMO-LGQ · 李国强 · 出生 1958-05-12").
    pub header_line: String,
    pub bookmark_title: String,
}

const IMAGE_MARGIN: f32 = 36.0;

/// Writes `summary` (PDF bytes) followed by every record, in order, to `out`, and returns the
/// warnings. A PDF record keeps its own pages; a photo or scan is put on a page of `paper`. A record that is not a PDF, JPEG or PNG, or is damaged or password-protected, is
/// left out with a warning; failing to read a record file at all is an error, and so is
/// failing to write, either of which leaves `out` with part of a PDF.
pub fn append_records(
    summary: &[u8],
    records: &[AppendedRecord],
    paper: Paper,
    fonts: &Fonts,
    out: &mut dyn Write,
) -> Result<Diagnostics> {
    let mut summary = Document::load_mem(summary)
        .map_err(|e| Error::user(tr!("the summary PDF could not be read back: {e}", e), None))?;
    let catalog = summary
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| Error::user(tr!("the summary PDF has no catalog: {e}", e), None))?;
    let pages_root = summary
        .catalog()
        .and_then(|catalog| catalog.get(b"Pages"))
        .and_then(Object::as_reference)
        .map_err(|e| Error::user(tr!("the summary PDF has no page tree: {e}", e), None))?;
    // Records are numbered above this, so it must not trust the file's own count.
    let mut last_id = summary.objects.keys().map(|id| id.0).max().unwrap_or(0);
    let info = summary.trailer.get(b"Info").ok().cloned();
    // Adding records changes these, so they are written last: the catalog gains the outline,
    // the page tree root the records' pages, the outline their bookmarks.
    let mut held_back = Document::new();
    held_back.trailer.set("Root", catalog);
    for id in outline::objects(&summary)
        .into_iter()
        .chain([catalog, pages_root])
    {
        if let Some(object) = summary.objects.remove(&id) {
            held_back.objects.insert(id, object);
        }
    }
    let mut file = PdfFile::start(out).map_err(write_failed)?;
    file.write_all(summary.objects).map_err(write_failed)?;

    let mut warnings = Diagnostics::default();
    let headers = layout::record_headers(records.iter().map(|r| r.header_line.as_str()), fonts);
    warnings.extend(headers.warnings);
    let mut strips = writer::to_document(&headers.strips, fonts);
    strips.renumber_objects_with(last_id + 1);
    last_id = strips.max_id;
    let strips = import_strips(&mut file, strips).map_err(write_failed)?;

    let mut bookmarks = Vec::new();
    let mut added_pages = Vec::new();
    for (record, strip) in records.iter().zip(&strips) {
        let bytes = crate::case_files::read_capped(&record.path, crate::case_files::RECORD_LIMIT)
            .map_err(Error::io("read", &record.path))?;
        let first_id = last_id + 1;
        let appended = match Kind::of(&bytes) {
            Some(Kind::Pdf) => vet_once(&record.path, &bytes)
                .and_then(|()| merge_pdf(bytes, first_id, pages_root, strip)),
            Some(Kind::Jpeg) => raster::jpeg(bytes)
                .map(|image| image_page(image, paper, first_id, pages_root, strip)),
            Some(Kind::Png) => raster::png(&bytes)
                .map(|image| image_page(image, paper, first_id, pages_root, strip)),
            None => Err(tr!("it is not a PDF, JPEG or PNG file")),
        };
        match appended {
            Ok(Appended { objects, pages }) => {
                last_id = objects.max_id;
                if let Some(&first) = pages.first() {
                    bookmarks.push(Bookmark {
                        title: record.bookmark_title.clone(),
                        nested: false,
                        page: first,
                        top: None,
                    });
                }
                added_pages.extend(pages);
                file.write_all(objects.objects).map_err(write_failed)?;
            }
            Err(reason) => warnings.push(skipped(&record.path, &reason)),
        }
    }

    if let Ok(root) = held_back.get_dictionary_mut(pages_root) {
        let mut kids = root
            .get(b"Kids")
            .and_then(Object::as_array)
            .cloned()
            .unwrap_or_default();
        kids.extend(added_pages.iter().map(|&id| Object::Reference(id)));
        let count =
            root.get(b"Count").and_then(Object::as_i64).unwrap_or(0) + added_pages.len() as i64;
        root.set("Kids", kids);
        root.set("Count", count);
    }
    held_back.max_id = last_id;
    outline::append(&mut held_back, &bookmarks);
    file.write_all(held_back.objects).map_err(write_failed)?;
    file.finish(catalog, info).map_err(write_failed)?;
    Ok(warnings)
}

/// `private_file::write_with` reports a failed write with the file's path instead.
fn write_failed(error: io::Error) -> Error {
    Error::user(tr!("could not write the PDF: {e}", e = error), None)
}

fn skipped(path: &Path, reason: &str) -> Diagnostic {
    Diagnostic::warning(tr!(
        "`{path}` was left out of the packet: {reason}",
        path = path.display(),
        reason
    ))
    .at(Location::file(path))
}

enum Kind {
    Pdf,
    Jpeg,
    Png,
}

impl Kind {
    /// By content, not by name: a scan saved as ".pdf.jpg" is still a JPEG.
    fn of(bytes: &[u8]) -> Option<Kind> {
        let head = &bytes[..bytes.len().min(1024)];
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Kind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Kind::Png)
        } else if head.windows(5).any(|window| window == b"%PDF-") {
            Some(Kind::Pdf)
        } else {
            None
        }
    }
}

/// A record header line, ready to stamp: its drawing operations (in a frame whose origin is the
/// strip's bottom-left corner) and the fonts they use.
struct Strip {
    content: Vec<u8>,
    fonts: Dictionary,
}

impl Strip {
    /// Content that draws the strip on a white ground `width` wide, placed by `matrix`.
    fn stamp(&self, matrix: [f32; 6], width: f32) -> Vec<u8> {
        let [a, b, c, d, e, f] = matrix;
        let mut content =
            format!("q {a} {b} {c} {d} {e} {f} cm 1 g 0 0 {width} {RECORD_HEADER_HEIGHT} re f\n")
                .into_bytes();
        content.extend_from_slice(&self.content);
        content.extend_from_slice(b"\nQ\n");
        content
    }
}

/// Writes the fonts of the strips (already numbered for the packet) and returns each strip.
fn import_strips(file: &mut PdfFile, mut strips: Document) -> io::Result<Vec<Strip>> {
    let result: Vec<Strip> = strips
        .page_iter()
        .map(|page| Strip {
            content: strips.get_page_content(page),
            fonts: font_dictionary(&strips, &resources(&strips, page)).unwrap_or_default(),
        })
        .collect();
    let fonts = result
        .iter()
        .flat_map(|strip| strip.fonts.iter())
        .filter_map(|(_, font)| font.as_reference().ok());
    let used = used_objects(&strips, fonts);
    strips.objects.retain(|id, _| used.contains(id));
    file.write_all(strips.objects)?;
    Ok(result)
}

/// A page's own resource dictionary (not inherited ones), following a reference.
fn resources(pdf: &Document, page: ObjectId) -> Dictionary {
    pdf.get_dictionary(page)
        .and_then(|dict| dict.get(b"Resources"))
        .and_then(|resources| pdf.dereference(resources))
        .and_then(|(_, resources)| resources.as_dict())
        .cloned()
        .unwrap_or_default()
}

/// The `/Font` dictionary of a resource dictionary, following a reference.
fn font_dictionary(pdf: &Document, resources: &Dictionary) -> Option<Dictionary> {
    let fonts = resources.get(b"Font").ok()?;
    pdf.dereference(fonts).ok()?.1.as_dict().ok().cloned()
}

/// The objects `roots` use, themselves included, following references through every object.
/// Document-level objects (catalog, page tree, outline, cross-reference data) are left out,
/// and not followed: the packet has its own.
fn used_objects(pdf: &Document, roots: impl IntoIterator<Item = ObjectId>) -> BTreeSet<ObjectId> {
    let mut used = BTreeSet::new();
    let mut to_visit: Vec<ObjectId> = roots.into_iter().collect();
    while let Some(id) = to_visit.pop() {
        let Some(object) = pdf.objects.get(&id) else {
            continue;
        };
        let dict = match object {
            Object::Dictionary(dict) => Some(dict),
            Object::Stream(stream) => Some(&stream.dict),
            _ => None,
        };
        let role = dict.and_then(|dict| dict.get(b"Type").and_then(Object::as_name).ok());
        if matches!(
            role,
            Some(b"Catalog" | b"Pages" | b"Outlines" | b"ObjStm" | b"XRef")
        ) || !used.insert(id)
        {
            continue;
        }
        references(object, &mut to_visit);
    }
    used
}

/// Adds the objects `object` refers to directly to `found`.
fn references(object: &Object, found: &mut Vec<ObjectId>) {
    match object {
        Object::Reference(id) => found.push(*id),
        Object::Array(items) => items.iter().for_each(|item| references(item, found)),
        Object::Dictionary(dict) => dict.iter().for_each(|(_, value)| references(value, found)),
        Object::Stream(stream) => stream
            .dict
            .iter()
            .for_each(|(_, value)| references(value, found)),
        _ => {}
    }
}

/// A record ready to write: its pages in order, and every object they use (in a document
/// that is only a container), numbered for the packet.
struct Appended {
    objects: Document,
    pages: Vec<ObjectId>,
}

/// A PDF record's pages, numbered from `first_id`, the first with the header strip above it.
/// The file's bytes are let go as soon as they are parsed.
fn merge_pdf(
    bytes: Vec<u8>,
    first_id: u32,
    pages_root: ObjectId,
    strip: &Strip,
) -> Result<Appended, String> {
    let record = Document::load_mem_with_options(&bytes, load_options());
    drop(bytes);
    let mut record = record.map_err(|e| tr!("it could not be read as a PDF ({e})", e))?;
    if record.is_encrypted() {
        return Err(tr!("it is password-protected"));
    }
    record.renumber_objects_with(first_id);
    let pages: Vec<ObjectId> = record.page_iter().collect();
    if pages.is_empty() {
        return Err(tr!("it has no pages"));
    }
    for &page in &pages {
        let mut dict = inherited(&record, page);
        // Page boxes as plain numbers: a box given by a reference that loops, or to nothing,
        // would otherwise be copied into the packet as it is and make it invalid.
        for key in [&b"MediaBox"[..], b"CropBox"] {
            match rectangle(&record, dict.get(key).ok()) {
                Some(rect) => dict.set(
                    key,
                    rect.iter().map(|&n| Object::Real(n)).collect::<Vec<_>>(),
                ),
                None if key == b"MediaBox" => {
                    return Err(tr!("its page size cannot be read"));
                }
                None => {
                    dict.remove(key);
                }
            }
        }
        dict.set("Parent", pages_root);
        record.objects.insert(page, Object::Dictionary(dict));
    }
    stamp_above(&mut record, pages[0], strip);
    let used = used_objects(&record, pages.iter().copied());
    record.objects.retain(|id, _| used.contains(id));
    Ok(Appended {
        objects: record,
        pages,
    })
}

/// The most one stream of a record may inflate to while it is loaded (lopdf inflates object
/// and cross-reference streams eagerly; a few kilobytes can be made to inflate to gigabytes).
const MAX_STREAM: usize = 64 << 20;

/// The hidden command that loads a record PDF in a resource-limited child first (see
/// [`vet_in_child`]).
pub const VET_COMMAND: &str = "__vet-pdf";

/// What loading one record may cost in the child: a PDF that needs more is not one to append.
const VET_LIMITS: crate::child::Limits = crate::child::Limits {
    memory: 1 << 30,
    cpu_seconds: 30,
    wall: std::time::Duration::from_secs(60),
    output: 4096,
};

fn load_options() -> lopdf::LoadOptions {
    lopdf::LoadOptions::with_max_decompressed_size(MAX_STREAM)
}

/// What [`vet_in_child`] found of each record this process read, by the SHA-256 of its bytes:
/// a record appended for several contacts (each portal pack merges every record) is loaded in a
/// child once.
static VETTED: std::sync::Mutex<std::collections::BTreeMap<String, Result<(), String>>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// [`vet_in_child`], once per distinct content (`bytes`, as read from `path`).
fn vet_once(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    let key = crate::packet::store::sha256(bytes);
    let vetted = || VETTED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(done) = vetted().get(&key) {
        return done.clone();
    }
    let done = vet_in_child(path);
    vetted().insert(key, done.clone());
    done
}

/// Loads the record in a child process limited in memory and time; only a record that loads
/// there is loaded here. However its streams are chained or named, a bomb costs a failed
/// child.
fn vet_in_child(path: &std::path::Path) -> Result<(), String> {
    let done = crate::child::run(VET_COMMAND, &[path.as_os_str()], &[], VET_LIMITS)
        .map_err(|why| tr!("reading it: {why}", why))?;
    if done.success {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&done.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("error "))
            .map(str::to_string)
            .unwrap_or_else(|| tr!("reading it needed more memory or time than a record may use (a damaged or hostile file)")))
    }
}

/// The child: `__vet-pdf PATH`. Exits 0 when the PDF loads and has pages.
pub fn vet_worker(args: &[String]) -> std::process::ExitCode {
    crate::child::limit_self();
    let outcome = (|| -> Result<(), String> {
        let [path] = args else {
            return Err("usage: __vet-pdf PATH".into());
        };
        let bytes = crate::case_files::read_capped(
            std::path::Path::new(path),
            crate::case_files::RECORD_LIMIT,
        )
        .map_err(|e| e.to_string())?;
        let document = Document::load_mem_with_options(&bytes, load_options())
            .map_err(|e| tr!("it could not be read as a PDF ({e})", e))?;
        if document.page_iter().next().is_none() {
            return Err(tr!("it has no pages"));
        }
        Ok(())
    })();
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(why) => {
            println!("error {why}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A page's dictionary with the attributes it inherits from its page-tree ancestors copied in,
/// since it is about to get a new parent.
fn inherited(pdf: &Document, page: ObjectId) -> Dictionary {
    let mut dict = pdf.get_dictionary(page).cloned().unwrap_or_default();
    let mut parent = dict.get(b"Parent").and_then(Object::as_reference).ok();
    // The limit guards against a page tree that loops.
    for _ in 0..64 {
        let Some(ancestor) = parent.and_then(|id| pdf.get_dictionary(id).ok()) else {
            break;
        };
        for key in [&b"Resources"[..], b"MediaBox", b"CropBox", b"Rotate"] {
            if !dict.has(key)
                && let Ok(value) = ancestor.get(key)
            {
                dict.set(key, value.clone());
            }
        }
        parent = ancestor.get(b"Parent").and_then(Object::as_reference).ok();
    }
    dict
}

/// Makes `page` taller by a strip along the edge shown at the top, and draws `strip` in it.
fn stamp_above(pdf: &mut Document, page: ObjectId, strip: &Strip) {
    let Ok(dict) = pdf.get_dictionary(page) else {
        return;
    };
    let edge = TopEdge::of(dict.get(b"Rotate").and_then(Object::as_i64).unwrap_or(0));
    let Some(media) = rectangle(pdf, dict.get(b"MediaBox").ok()) else {
        return;
    };
    let crop = rectangle(pdf, dict.get(b"CropBox").ok());
    let (matrix, width) = edge.frame(crop.unwrap_or(media));
    let original_contents = dict.get(b"Contents").cloned().ok();
    let mut resources = resources(pdf, page);
    let mut fonts = font_dictionary(pdf, &resources).unwrap_or_default();
    fonts.extend(&strip.fonts);
    resources.set("Font", fonts);

    let open = pdf.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
    let mut closing = b"\nQ\n".to_vec();
    closing.extend(strip.stamp(matrix, width));
    let close = pdf.add_object(Stream::new(Dictionary::new(), closing));
    let mut contents = vec![Object::Reference(open)];
    match original_contents {
        Some(Object::Array(parts)) => contents.extend(parts),
        Some(part) => contents.push(part),
        None => {}
    }
    contents.push(Object::Reference(close));

    let grown = |page_box| {
        Object::Array(
            edge.grow(page_box, RECORD_HEADER_HEIGHT)
                .map(Object::Real)
                .to_vec(),
        )
    };
    if let Ok(dict) = pdf.get_dictionary_mut(page) {
        dict.set("MediaBox", grown(media));
        if let Some(crop) = crop {
            dict.set("CropBox", grown(crop));
        }
        dict.set("Contents", contents);
        dict.set("Resources", resources);
    }
}

/// The edge of a page box shown at the top, which depends on the page's `/Rotate`.
#[derive(Debug, Clone, Copy)]
enum TopEdge {
    Top,
    Left,
    Bottom,
    Right,
}

impl TopEdge {
    fn of(rotation: i64) -> Self {
        match rotation.rem_euclid(360) {
            90 => TopEdge::Left,
            180 => TopEdge::Bottom,
            270 => TopEdge::Right,
            _ => TopEdge::Top,
        }
    }

    /// `page_box` grown by `by` past this edge.
    fn grow(self, [x0, y0, x1, y1]: [f32; 4], by: f32) -> [f32; 4] {
        match self {
            TopEdge::Top => [x0, y0, x1, y1 + by],
            TopEdge::Left => [x0 - by, y0, x1, y1],
            TopEdge::Bottom => [x0, y0 - by, x1, y1],
            TopEdge::Right => [x0, y0, x1 + by, y1],
        }
    }

    /// The matrix that puts a strip's frame on this edge of `page_box` (its x along the edge
    /// as the reader sees it, its y away from the page), and the edge's length.
    fn frame(self, [x0, y0, x1, y1]: [f32; 4]) -> ([f32; 6], f32) {
        match self {
            TopEdge::Top => ([1.0, 0.0, 0.0, 1.0, x0, y1], x1 - x0),
            TopEdge::Left => ([0.0, 1.0, -1.0, 0.0, x0, y0], y1 - y0),
            TopEdge::Bottom => ([-1.0, 0.0, 0.0, -1.0, x1, y0], x1 - x0),
            TopEdge::Right => ([0.0, -1.0, 1.0, 0.0, x1, y1], y1 - y0),
        }
    }
}

/// A page box as [left, bottom, right, top].
fn rectangle(pdf: &Document, object: Option<&Object>) -> Option<[f32; 4]> {
    let (_, object) = pdf.dereference(object?).ok()?;
    let numbers: Vec<f32> = object
        .as_array()
        .ok()?
        .iter()
        .filter_map(|n| pdf.dereference(n).ok()?.1.as_float().ok())
        .collect();
    let [a, b, c, d] = numbers[..] else {
        return None;
    };
    Some([a.min(c), b.min(d), a.max(c), b.max(d)])
}

/// An image on a page of `paper` of its own (turned to landscape for a wide image), fitted
/// inside the margins below the header line; a small image is shown at its natural size (96
/// pixels to the inch) rather than blown up.
fn image_page(
    image: PdfImage,
    paper: Paper,
    first_id: u32,
    pages_root: ObjectId,
    strip: &Strip,
) -> Appended {
    let (pixels_wide, pixels_high) = image.displayed_size();
    let (short, long) = paper.size();
    let (width, height) = if pixels_wide > pixels_high {
        (long, short)
    } else {
        (short, long)
    };
    let box_width = (width - 2.0 * IMAGE_MARGIN).min(pixels_wide * 0.75);
    let box_height = (height - IMAGE_MARGIN - RECORD_HEADER_HEIGHT - 8.0).min(pixels_high * 0.75);
    let scale = (box_width / pixels_wide).min(box_height / pixels_high);
    let (w, h) = (pixels_wide * scale, pixels_high * scale);
    // Centred across, hanging from just below the header line.
    let x = (width - w) / 2.0;
    let y = height - RECORD_HEADER_HEIGHT - 8.0 - h;
    let [a, b, c, d, e, f] = image.placement(x, y, w, h);
    let mut content = format!("q {a} {b} {c} {d} {e} {f} cm /Record Do Q\n").into_bytes();
    content.extend(strip.stamp(
        [1.0, 0.0, 0.0, 1.0, 0.0, height - RECORD_HEADER_HEIGHT],
        width,
    ));

    let mut objects = Document::new();
    objects.max_id = first_id - 1;
    let image_id = objects.add_object(image.stream);
    let content_id = objects.add_object(Stream::new(Dictionary::new(), content));
    let page = objects.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_root,
        "MediaBox" => vec![0.into(), 0.into(), width.into(), height.into()],
        "Resources" => dictionary! {
            "XObject" => dictionary! { "Record" => image_id },
            "Font" => strip.fonts.clone(),
        },
        "Contents" => content_id,
    });
    Appended {
        objects,
        pages: vec![page],
    }
}
