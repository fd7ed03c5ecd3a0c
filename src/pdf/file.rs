//! A PDF file written object by object, so that a packet passes through memory one record at
//! a time: each object goes out as soon as it is final, and only its offset is kept for the
//! cross-reference table.
//!
//! lopdf serializes whole documents only (its object writer is private), so the objects are
//! serialized here: every lopdf [`Object`] kind, with a stream's `/Length` always taken from
//! its content.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hasher};
use std::io::{self, Write};

use lopdf::{Dictionary, Object, ObjectId, StringFormat, dictionary};

use super::file_identifier;

/// Offsets past this do not fit the cross-reference table's ten digits.
const LARGEST_OFFSET: u64 = 9_999_999_999;

/// A PDF being written: objects go out as they come, the cross-reference table and trailer
/// at [`PdfFile::finish`].
pub struct PdfFile<'w> {
    out: Counting<'w>,
    /// Where each object starts, with its generation, by object number.
    offsets: BTreeMap<u32, (u64, u16)>,
}

impl<'w> PdfFile<'w> {
    /// Writes the header of a PDF 1.7 file.
    pub fn start(out: &'w mut dyn Write) -> io::Result<Self> {
        let mut file = PdfFile {
            out: Counting {
                out,
                written: 0,
                hasher: DefaultHasher::new(),
            },
            offsets: BTreeMap::new(),
        };
        // The comment's bytes above 127 tell transfer tools the file is binary.
        file.out.write_all(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(file)
    }

    /// Writes `objects` in the order given, compressing the streams that allow it (as lopdf's
    /// `Document::compress` would).
    pub fn write_all(
        &mut self,
        objects: impl IntoIterator<Item = (ObjectId, Object)>,
    ) -> io::Result<()> {
        for (id, mut object) in objects {
            if let Object::Stream(stream) = &mut object
                && stream.allows_compression
            {
                // On failure the stream stays as it is, which is still correct.
                stream.compress().ok();
            }
            if self.out.written > LARGEST_OFFSET {
                return Err(io::Error::other(
                    "the PDF is larger than a cross-reference table can address (10 GB)",
                ));
            }
            self.offsets.insert(id.0, (self.out.written, id.1));
            writeln!(self.out, "{} {} obj", id.0, id.1)?;
            serialize(&mut self.out, &object)?;
            self.out.write_all(b"\nendobj\n")?;
        }
        Ok(())
    }

    /// Writes the cross-reference table and the trailer naming the catalog and the document
    /// information dictionary. The file identifier is derived from every byte written, so the
    /// same objects always give the same file.
    pub fn finish(mut self, root: ObjectId, info: Option<Object>) -> io::Result<()> {
        let xref = self.out.written;
        // Object 0 heads the (empty) list of free objects; the objects written follow in runs
        // of consecutive numbers, one subsection each.
        let entries: Vec<(u32, Option<(u64, u16)>)> = std::iter::once((0, None))
            .chain(
                self.offsets
                    .iter()
                    .map(|(&number, &entry)| (number, Some(entry))),
            )
            .collect();
        self.out.write_all(b"xref\n")?;
        for run in entries.chunk_by(|a, b| b.0 == a.0 + 1) {
            writeln!(self.out, "{} {}", run[0].0, run.len())?;
            for (_, entry) in run {
                match entry {
                    Some((offset, generation)) => {
                        writeln!(self.out, "{offset:010} {generation:05} n ")?
                    }
                    None => self.out.write_all(b"0000000000 65535 f \n")?,
                }
            }
        }
        let size = entries.last().map_or(0, |&(number, _)| i64::from(number)) + 1;
        let mut trailer = dictionary! { "Size" => size, "Root" => root };
        if let Some(info) = info {
            trailer.set("Info", info);
        }
        trailer.set(
            "ID",
            file_identifier(self.out.hasher.clone(), self.offsets.len()),
        );
        self.out.write_all(b"trailer\n")?;
        dictionary(&mut self.out, &trailer, None)?;
        write!(self.out, "\nstartxref\n{xref}\n%%EOF\n")?;
        self.out.flush()
    }
}

/// Passes bytes on, counting them (the next object's offset) and hashing them (the file
/// identifier).
struct Counting<'w> {
    out: &'w mut dyn Write,
    written: u64,
    hasher: DefaultHasher,
}

impl Write for Counting<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let count = self.out.write(bytes)?;
        self.written += count as u64;
        self.hasher.write(&bytes[..count]);
        Ok(count)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes `object` in PDF syntax. A stream is written whole, dictionary and data.
fn serialize(out: &mut impl Write, object: &Object) -> io::Result<()> {
    match object {
        Object::Null => out.write_all(b"null"),
        Object::Boolean(value) => write!(out, "{value}"),
        Object::Integer(value) => write!(out, "{value}"),
        // Rust never writes a float in exponent form, which PDF lacks; PDF has no infinity
        // or NaN either.
        Object::Real(value) if value.is_finite() => write!(out, "{value}"),
        Object::Real(_) => out.write_all(b"0"),
        Object::Name(name) => self::name(out, name),
        Object::String(bytes, StringFormat::Literal) => literal(out, bytes),
        Object::String(bytes, StringFormat::Hexadecimal) => {
            out.write_all(b"<")?;
            for byte in bytes {
                write!(out, "{byte:02X}")?;
            }
            out.write_all(b">")
        }
        Object::Array(items) => {
            out.write_all(b"[")?;
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.write_all(b" ")?;
                }
                serialize(out, item)?;
            }
            out.write_all(b"]")
        }
        Object::Dictionary(dict) => dictionary(out, dict, None),
        Object::Stream(stream) => {
            dictionary(out, &stream.dict, Some(stream.content.len()))?;
            out.write_all(b"\nstream\n")?;
            out.write_all(&stream.content)?;
            out.write_all(b"\nendstream")
        }
        Object::Reference((number, generation)) => write!(out, "{number} {generation} R"),
    }
}

/// A dictionary; a stream's has its `/Length` replaced by `length`, the true one.
fn dictionary(out: &mut impl Write, dict: &Dictionary, length: Option<usize>) -> io::Result<()> {
    out.write_all(b"<<")?;
    let entries = dict
        .iter()
        .filter(|(key, _)| length.is_none() || key.as_slice() != b"Length");
    for (index, (key, value)) in entries.enumerate() {
        if index > 0 {
            out.write_all(b" ")?;
        }
        name(out, key)?;
        out.write_all(b" ")?;
        serialize(out, value)?;
    }
    if let Some(length) = length {
        write!(out, " /Length {length}")?;
    }
    out.write_all(b">>")
}

/// A name: bytes other than printable ASCII, delimiters and `#` itself are written as `#xx`.
fn name(out: &mut impl Write, name: &[u8]) -> io::Result<()> {
    out.write_all(b"/")?;
    for &byte in name {
        if (b'!'..=b'~').contains(&byte) && !b"()<>[]{}/%#".contains(&byte) {
            out.write_all(&[byte])?;
        } else {
            write!(out, "#{byte:02X}")?;
        }
    }
    Ok(())
}

/// A literal string with every parenthesis and backslash escaped, and carriage returns, which
/// a reader would otherwise turn into line feeds.
fn literal(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(b"(")?;
    for &byte in bytes {
        match byte {
            b'(' | b')' | b'\\' => out.write_all(&[b'\\', byte])?,
            b'\r' => out.write_all(b"\\r")?,
            _ => out.write_all(&[byte])?,
        }
    }
    out.write_all(b")")
}

#[cfg(test)]
mod tests {
    use lopdf::{Document, Stream};

    use super::*;

    fn serialized(object: &Object) -> String {
        let mut bytes = Vec::new();
        serialize(&mut bytes, object).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn objects_are_written_in_pdf_syntax() {
        let cases = [
            (Object::Null, "null"),
            (Object::Boolean(false), "false"),
            (Object::Integer(-42), "-42"),
            (Object::Real(595.28), "595.28"),
            (Object::Real(1e-7), "0.0000001"),
            (Object::Real(f32::NAN), "0"),
            (Object::Name(b"Type".to_vec()), "/Type"),
            (
                Object::Name(b"A B#(C)/\xE9".to_vec()),
                "/A#20B#23#28C#29#2F#E9",
            ),
            (Object::string_literal("a(b)c\\d\re"), r"(a\(b\)c\\d\re)"),
            (
                Object::String(vec![0xFE, 0xFF, 0x00, 0x41], StringFormat::Hexadecimal),
                "<FEFF0041>",
            ),
            (Object::Reference((12, 3)), "12 3 R"),
            (
                Object::Array(vec![1.into(), Object::Reference((4, 0)), "XYZ".into()]),
                "[1 4 0 R /XYZ]",
            ),
            (
                Object::Dictionary(dictionary! { "Type" => "Page", "Kids" => vec![Object::Null] }),
                "<</Type /Page /Kids [null]>>",
            ),
        ];
        for (object, expected) in cases {
            assert_eq!(serialized(&object), expected, "{object:?}");
        }
    }

    #[test]
    fn a_stream_gets_the_length_of_its_content() {
        let mut stream = Stream::new(dictionary! { "Filter" => "DCTDecode" }, b"abc".to_vec());
        stream.dict.set("Length", 99);
        assert_eq!(
            serialized(&Object::Stream(stream)),
            "<</Filter /DCTDecode /Length 3>>\nstream\nabc\nendstream"
        );
    }

    /// Every kind of object survives a round trip through lopdf's parser, and the table points
    /// at each object.
    #[test]
    fn a_written_file_reads_back_object_for_object() {
        let awkward = Object::String(b"(unbalanced \\ \r\n ) (".to_vec(), StringFormat::Literal);
        let binary: Vec<u8> = (0..=255)
            .chain(b"\nendstream\nendobj".iter().copied())
            .collect();
        let objects: Vec<(ObjectId, Object)> = vec![
            ((1, 0), dictionary! { "Type" => "Catalog", "Pages" => (2, 0) }.into()),
            (
                (2, 0),
                dictionary! { "Type" => "Pages", "Kids" => vec![Object::Reference((3, 0))], "Count" => 1 }
                    .into(),
            ),
            (
                (3, 0),
                dictionary! {
                    "Type" => "Page",
                    "Parent" => (2, 0),
                    "MediaBox" => vec![0.into(), 0.into(), 595.28.into(), 841.89.into()],
                    "Contents" => (7, 0),
                }
                .into(),
            ),
            (
                (5, 0),
                Object::Array(vec![
                    awkward,
                    Object::Name(b"with space#".to_vec()),
                    Object::Boolean(true),
                    Object::Null,
                    Object::Real(-0.5),
                    Object::String(vec![0, 1, 0xFF], StringFormat::Hexadecimal),
                ]),
            ),
            (
                (7, 2),
                Stream::new(Dictionary::new(), binary.clone())
                    .with_compression(false)
                    .into(),
            ),
        ];
        let mut bytes = Vec::new();
        let mut file = PdfFile::start(&mut bytes).unwrap();
        file.write_all(objects.clone()).unwrap();
        file.finish((1, 0), None).unwrap();

        let pdf = Document::load_mem(&bytes).unwrap();
        for (id, object) in &objects {
            match (object, pdf.get_object(*id).unwrap()) {
                (Object::Stream(written), Object::Stream(read)) => {
                    assert_eq!(read.content, written.content)
                }
                (written, read) => assert_eq!(read, written, "object {id:?}"),
            }
        }
        assert_eq!(pdf.get_pages().len(), 1);
        let text = String::from_utf8_lossy(&bytes);
        let table = text.rsplit_once("\nxref\n").unwrap().1;
        assert!(
            table.starts_with("0 4\n0000000000 65535 f \n"),
            "objects 0–3 in one subsection:\n{table}"
        );
        assert!(
            table.contains("\n5 1\n") && table.contains("\n7 1\n"),
            "{table}"
        );
        for ((number, generation), _) in &objects {
            let line = format!("\n{number} {generation} obj\n");
            let offset = bytes
                .windows(line.len())
                .position(|window| window == line.as_bytes())
                .unwrap()
                + 1;
            assert!(
                table.contains(&format!("{offset:010} {generation:05} n \n")),
                "object {number} at {offset}:\n{table}"
            );
        }
        assert!(text.ends_with("%%EOF\n"));
    }

    #[test]
    fn the_same_objects_give_the_same_file() {
        let write = || {
            let mut bytes = Vec::new();
            let mut file = PdfFile::start(&mut bytes).unwrap();
            file.write_all([(
                (1, 0),
                Object::Dictionary(dictionary! { "Type" => "Catalog" }),
            )])
            .unwrap();
            file.finish((1, 0), None).unwrap();
            bytes
        };
        assert_eq!(write(), write());
    }
}
