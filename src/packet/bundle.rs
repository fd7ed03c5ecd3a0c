//! A contact's zip: the records copied compressed from the [`RecordStore`], and the files made
//! for this contact (summary, manifest, checksums, spreadsheets). Entries are sorted by name and
//! dated from the case, so the same inputs give the same bytes; with a passphrase every entry is
//! AES-256 encrypted instead (then never byte-identical: each entry gets a random salt).

use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use flate2::Compression;
use flate2::write::DeflateEncoder;
use sha2::{Digest, Sha256};
use zip::write::{FileOptions, SimpleFileOptions};
use zip::{AesMode, CompressionMethod, DateTime, PreparedZipFile, ZipWriter};

use super::store::{RecordStore, zip_error};
use crate::error::{Error, Result};

/// A file made for this bundle.
#[derive(Debug, Clone)]
pub struct Generated {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A record of the store to put in the bundle, under `name`.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub index: usize,
    pub name: String,
}

/// The time written on an entry: noon of its date (midnight could show as the day before in
/// time zones west of the writer), within what a zip can hold; 1980-01-01 without a date.
pub fn entry_time(date: Option<NaiveDate>) -> DateTime {
    let fallback = DateTime::from_date_and_time(1980, 1, 1, 0, 0, 0).expect("valid");
    let Some(date) = date else { return fallback };
    let year = date.year().clamp(1980, 2107) as u16;
    DateTime::from_date_and_time(year, date.month() as u8, date.day() as u8, 12, 0, 0)
        .unwrap_or(fallback)
}

/// Writes the bundle to `target` (a new file in a private staging folder) and returns its size
/// and SHA-256, hashed as it is written (the zip is not read back for it).
pub fn write(
    target: &Path,
    store: &RecordStore,
    records: &[StoredEntry],
    generated: &[Generated],
    date: NaiveDate,
    passphrase: Option<&str>,
) -> Result<(u64, String)> {
    enum Item<'a> {
        Record(&'a StoredEntry),
        Made(&'a Generated),
    }
    let mut items: Vec<(&str, Item)> = records
        .iter()
        .map(|r| (r.name.as_str(), Item::Record(r)))
        .chain(generated.iter().map(|g| (g.name.as_str(), Item::Made(g))))
        .collect();
    items.sort_by(|a, b| a.0.cmp(b.0));

    let file = crate::private_file::create_new(target)?;
    let mut zip = ZipWriter::new(Hashing::new(BufWriter::with_capacity(
        super::store::COPY_BUFFER,
        file,
    )));
    for (name, item) in items {
        match item {
            Item::Record(entry) => match passphrase {
                None => store.copy_into(entry.index, name, &mut zip)?,
                Some(passphrase) => {
                    let record = &store.records[entry.index];
                    let method = if store.deflated(entry.index) {
                        CompressionMethod::Deflated
                    } else {
                        CompressionMethod::Stored
                    };
                    let options =
                        options(method, entry_time(Some(record.date.day())), record.bytes)
                            .with_aes_encryption(AesMode::Aes256, passphrase);
                    zip.start_file(name, options).map_err(zip_error(target))?;
                    // From the store, not records/: the bytes hashed, and photos scrubbed.
                    store.read_into(entry.index, &mut zip)?;
                }
            },
            Item::Made(made) => {
                let method = if worth_deflating(&made.bytes) {
                    CompressionMethod::Deflated
                } else {
                    CompressionMethod::Stored
                };
                let options = options(method, entry_time(Some(date)), made.bytes.len() as u64);
                match passphrase {
                    Some(p) => {
                        let options = options.with_aes_encryption(AesMode::Aes256, p);
                        zip.start_file(name, options).map_err(zip_error(target))?;
                        zip.write_all(&made.bytes)
                            .map_err(Error::io("write", target))?;
                    }
                    // Compressed in memory and added whole: the writer need not go back to
                    // fill in the entry's header, so the zip is hashed as it is written.
                    None => {
                        let prepared = PreparedZipFile::from_data(name, options, &made.bytes)
                            .map_err(zip_error(target))?;
                        zip.add_prepared_file(prepared).map_err(zip_error(target))?;
                    }
                }
            }
        }
    }
    let out = zip.finish().map_err(zip_error(target))?;
    let (out, hashed) = out.finish();
    let file = out
        .into_inner()
        .map_err(|e| Error::io("write", target)(e.into_error()))?;
    file.sync_all().map_err(Error::io("write", target))?;
    match hashed {
        Some(done) => Ok(done),
        // The writer went back into what it had written (an encrypted entry's header): read it.
        None => super::store::sha256_file(target),
    }
}

/// A writer that hashes what goes through it, as long as it is written front to back: a seek
/// anywhere but to where it stands spoils the hash (then [`Hashing::finish`] gives none).
struct Hashing<W> {
    inner: W,
    hasher: Option<Sha256>,
    position: u64,
}

impl<W: Write + Seek> Hashing<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Some(Sha256::new()),
            position: 0,
        }
    }

    /// The writer, and the length and SHA-256 of everything written when it went front to back.
    fn finish(self) -> (W, Option<(u64, String)>) {
        let hashed = self
            .hasher
            .map(|h| (self.position, super::store::hex(&h.finalize())));
        (self.inner, hashed)
    }
}

impl<W: Write + Seek> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(hasher) = &mut self.hasher {
            hasher.update(&buf[..n]);
        }
        self.position += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write + Seek> Seek for Hashing<W> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let stays = match to {
            SeekFrom::Current(0) => true,
            SeekFrom::Start(at) => at == self.position,
            // Only while nothing was gone back over is the position the end.
            SeekFrom::End(0) => self.hasher.is_some(),
            _ => false,
        };
        if stays {
            return Ok(self.position);
        }
        self.hasher = None;
        self.position = self.inner.seek(to)?;
        Ok(self.position)
    }
}

fn options<'k>(method: CompressionMethod, time: DateTime, len: u64) -> FileOptions<'k, 'k, ()> {
    private_entry()
        .compression_method(method)
        .last_modified_time(time)
        .large_file(len >= u64::from(u32::MAX))
}

/// What every zip entry consultpack writes starts from: owner-only (0600) when unpacked, and
/// marked as made on Unix whichever system builds it, so that Windows builds the same bytes.
pub fn private_entry() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .unix_permissions(0o600)
        .system(zip::System::Unix)
}

/// Whether deflate saves more than 5 % of `bytes` (measured, not guessed from the name).
pub fn worth_deflating(bytes: &[u8]) -> bool {
    let mut encoder = DeflateEncoder::new(Counter(0), Compression::default());
    if encoder.write_all(bytes).is_err() {
        return false;
    }
    match encoder.finish() {
        Ok(Counter(n)) => (n as f64) < bytes.len() as f64 * 0.95,
        Err(_) => false,
    }
}

/// A sink that only counts.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_times_come_from_dates() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let t = entry_time(Some(d("2021-06-18")));
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (2021, 6, 18, 12));
        assert_eq!(
            entry_time(Some(d("1975-03-01"))).year(),
            1980,
            "zip starts in 1980"
        );
        assert_eq!(entry_time(None).year(), 1980);
    }

    /// A bundle is hashed as it is written: raw copies and entries added whole never make the
    /// writer go back, so the hash is there and is that of the bytes; an entry written the
    /// usual way (its header filled in afterwards) spoils it, and the zip is read back instead.
    #[test]
    fn a_zip_written_front_to_back_is_hashed_as_it_goes() {
        let options = options(CompressionMethod::Deflated, entry_time(None), 0);
        let mut source = ZipWriter::new(io::Cursor::new(Vec::new()));
        source.start_file("a.txt", options).unwrap();
        source.write_all(&b"record ".repeat(1000)).unwrap();
        let source = source.finish().unwrap().into_inner();
        let mut source = zip::ZipArchive::new(io::Cursor::new(source)).unwrap();

        let mut zip = ZipWriter::new(Hashing::new(io::Cursor::new(Vec::new())));
        zip.raw_copy_file_rename(source.by_index_raw(0).unwrap(), "records/a.txt")
            .unwrap();
        let made = PreparedZipFile::from_data("summary.pdf", options, b"%PDF-1.7 ...").unwrap();
        zip.add_prepared_file(made).unwrap();
        let (cursor, hashed) = zip.finish().unwrap().finish();
        let bytes = cursor.into_inner();
        assert_eq!(
            hashed,
            Some((bytes.len() as u64, super::super::store::sha256(&bytes)))
        );
        let mut back = zip::ZipArchive::new(io::Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        io::Read::read_to_string(&mut back.by_name("records/a.txt").unwrap(), &mut text).unwrap();
        assert_eq!(text, "record ".repeat(1000));

        let mut zip = ZipWriter::new(Hashing::new(io::Cursor::new(Vec::new())));
        zip.start_file("late-header.txt", options).unwrap();
        zip.write_all(b"its sizes are written after it").unwrap();
        let (_, hashed) = zip.finish().unwrap().finish();
        assert_eq!(hashed, None, "the writer went back");
    }

    #[test]
    fn text_deflates_and_noise_does_not() {
        assert!(worth_deflating("date,test,value\n".repeat(100).as_bytes()));
        let mut state = 12345u64;
        let noise: Vec<u8> = (0..10_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 56) as u8
            })
            .collect();
        assert!(!worth_deflating(&noise));
    }
}
