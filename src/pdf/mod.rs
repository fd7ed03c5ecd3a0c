//! PDF output: the laid-out summary as PDF bytes, and the records appended after it. The only
//! place that knows printpdf's operations, lopdf's objects and PDF's bottom-left origin.
//!
//! Pure: the summary is returned as bytes, for the caller to write (with
//! `crate::private_file`). [`append_records`] is the exception: it reads the record files it is
//! given and writes the packet as it goes, one record at a time, so that a large record set
//! never has to fit in memory.

mod append;
mod file;
mod outline;
pub(crate) mod raster;
mod writer;

use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::NaiveDateTime;
use lopdf::{Object, StringFormat, dictionary};

use crate::diagnostic::Diagnostics;
use crate::document::Document;
use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::layout::{self, LaidOut};
use crate::text::Lang;
use crate::tr;

pub use append::{AppendedRecord, VET_COMMAND, append_records, vet_worker};

/// PDF bytes, with what went wrong along the way that did not stop them being written.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub pages: usize,
    pub warnings: Diagnostics,
}

/// Lays out `document` and writes it as a PDF. `created` is the creation date recorded in the
/// PDF; the same document, fonts and date always give the same bytes.
pub fn render_summary(
    document: &Document,
    fonts: &Fonts,
    created: NaiveDateTime,
) -> Result<Rendered> {
    render_with_pages(document, fonts, created).map(|(rendered, _)| rendered)
}

/// [`render_summary`], with what each page shows: pages that show the same look the same in
/// any PDF written with the same fonts, whatever the other pages.
pub fn render_with_pages(
    document: &Document,
    fonts: &Fonts,
    created: NaiveDateTime,
) -> Result<(Rendered, Vec<layout::Page>)> {
    let laid_out = layout::lay_out(document, fonts);
    let bytes = write(&laid_out, fonts, &document.title, document.lang, created)?;
    Ok((
        Rendered {
            bytes,
            pages: laid_out.pages.len(),
            warnings: laid_out.warnings,
        },
        laid_out.pages,
    ))
}

/// Writes laid-out pages with the document's title, language, outline and creation date.
pub fn write(
    laid_out: &LaidOut,
    fonts: &Fonts,
    title: &str,
    lang: Lang,
    created: NaiveDateTime,
) -> Result<Vec<u8>> {
    let mut pdf = writer::to_document(&laid_out.pages, fonts);
    let page_ids: Vec<lopdf::ObjectId> = pdf.get_pages().into_values().collect();
    let bookmarks: Vec<outline::Bookmark> = laid_out
        .outline
        .iter()
        .filter_map(|entry| {
            let page_height = laid_out.pages.get(entry.page)?.height;
            Some(outline::Bookmark {
                title: entry.title.clone(),
                nested: entry.depth > 0,
                page: *page_ids.get(entry.page)?,
                top: Some(page_height - entry.top),
            })
        })
        .collect();
    outline::append(&mut pdf, &bookmarks);
    let date = Object::string_literal(created.format("D:%Y%m%d%H%M%S").to_string());
    let info = pdf.add_object(dictionary! {
        "Title" => text_string(title),
        "Creator" => text_string("consultpack"),
        "Producer" => text_string(concat!("consultpack ", env!("CARGO_PKG_VERSION"), " (printpdf, lopdf)")),
        "CreationDate" => date.clone(),
        "ModDate" => date,
    });
    pdf.trailer.set("Info", info);
    if let Ok(catalog) = pdf.catalog_mut() {
        catalog.set("Lang", Object::string_literal(lang.pick("zh-CN", "en-US")));
        catalog.set(
            "ViewerPreferences",
            dictionary! { "DisplayDocTitle" => true },
        );
    }
    save(pdf)
}

/// A PDF with no pages yet, to which [`append_records`] adds records: a record set as a PDF
/// of its own (portal packs).
pub fn empty(title: &str, lang: Lang, created: NaiveDateTime) -> Result<Vec<u8>> {
    let mut pdf = lopdf::Document::with_version("1.7");
    let pages = pdf.add_object(dictionary! {
        "Type" => "Pages",
        "Kids" => Vec::<Object>::new(),
        "Count" => 0,
    });
    let catalog = pdf.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages,
        "Lang" => Object::string_literal(lang.pick("zh-CN", "en-US")),
        "ViewerPreferences" => dictionary! { "DisplayDocTitle" => true },
    });
    pdf.trailer.set("Root", catalog);
    let date = Object::string_literal(created.format("D:%Y%m%d%H%M%S").to_string());
    let info = pdf.add_object(dictionary! {
        "Title" => text_string(title),
        "Creator" => text_string("consultpack"),
        "Producer" => text_string(concat!("consultpack ", env!("CARGO_PKG_VERSION"), " (lopdf)")),
        "CreationDate" => date.clone(),
        "ModDate" => date,
    });
    pdf.trailer.set("Info", info);
    save(pdf)
}

/// A PDF text string (titles, bookmarks): UTF-16 with a byte-order mark, which every reader
/// decodes, Chinese included.
fn text_string(text: &str) -> Object {
    let mut bytes = Vec::with_capacity(2 + 2 * text.len());
    lopdf::encode_utf16_be(text, &mut bytes);
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// Compresses and serializes a finished document. Its file identifier is derived from its
/// content rather than random, so identical input gives identical bytes.
fn save(mut pdf: lopdf::Document) -> Result<Vec<u8>> {
    pdf.version = "1.7".to_string();
    pdf.prune_objects();
    pdf.compress();
    let mut hasher = DefaultHasher::new();
    for object in pdf.objects.values() {
        if let Object::Stream(stream) = object {
            stream.content.hash(&mut hasher);
        }
    }
    pdf.trailer
        .set("ID", file_identifier(hasher, pdf.objects.len()));
    pdf.trailer.remove(b"Encrypt");
    let mut bytes = Vec::new();
    pdf.save_modern(&mut bytes)
        .map_err(|e| Error::user(tr!("could not write the PDF: {e}", e), None))?;
    Ok(bytes)
}

/// The trailer's `/ID`: two copies (original and this version) of a 16-byte identifier from
/// `hasher`, which has seen the file's content, and the number of objects.
fn file_identifier(mut hasher: DefaultHasher, objects: usize) -> Object {
    let first = hasher.finish();
    objects.hash(&mut hasher);
    let id: Vec<u8> = [first, hasher.finish()]
        .iter()
        .flat_map(|h| h.to_be_bytes())
        .collect();
    let id = Object::String(id, StringFormat::Hexadecimal);
    Object::Array(vec![id.clone(), id])
}
