//! The records of one build, read and compressed once however many contacts get them.
//!
//! Each record is streamed once through SHA-256 into a one-entry zip in a private temporary
//! folder, deflated or stored as a sample of it says: its first 256 KiB are deflated (into a
//! counter) and, if that saves less than 5 %, the record is stored without deflating the rest.
//! Photos, scans and PDFs of them do not compress (their data already is), and the extension
//! does not tell which records those are; the sample does, at a fraction of deflating them
//! whole (deflating an incompressible record costs as much as one `zip` of it).
//! A record deflated whole that saved less than 5 % after all is written again stored. Every
//! contact's bundle then copies the entries as they are (`raw_copy_file`), so ten contacts
//! cost one compression.
//! Memory holds one buffer per worker, never a record — except photos and scans (JPEG, PNG),
//! which are read whole to leave without their metadata ([`crate::scrub`]): what is stored,
//! hashed and listed in manifests is the scrubbed image.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::RecordFile;
use crate::case::model::Record;
use crate::error::{Error, Result};
use crate::tr;

/// Bytes moved per read or write when entries are copied into bundles: ten packets of 100 MB
/// of records in 8 KiB pieces (the default) took 250,000 system calls.
pub const COPY_BUFFER: usize = 1 << 20;
/// Deflate is kept only when it saves more than this share.
const KEEP_DEFLATE_BELOW: f64 = 0.95;
/// How much of a record is deflated to tell whether deflating all of it pays.
const SAMPLE_BYTES: usize = 256 << 10;

/// Records measured and compressed, ready to be copied into bundles.
pub struct RecordStore {
    /// Holds the entries until the build ends.
    _dir: tempfile::TempDir,
    pub records: Vec<RecordFile>,
    /// The one-entry zip of each of `records`, in the same order.
    entries: Vec<PathBuf>,
    /// Images that could not be scrubbed of their metadata (damaged), left out of every
    /// packet, with the reason: under records/, as the family named them.
    pub left_out: Vec<(PathBuf, String)>,
}

impl RecordStore {
    /// Reads every record (named by `names`, in the same order) from `records_root`, with
    /// `workers` threads. `progress` is told each record's bytes as it is done.
    pub fn build(
        records_root: &Path,
        records: &[&Record],
        names: &[String],
        temp_parent: &Path,
        workers: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix(&format!(".consultpack-records-{}-", std::process::id()))
            .tempdir_in(temp_parent)
            .map_err(Error::io("create a temporary folder in", temp_parent))?;
        let indices: Vec<usize> = (0..records.len()).collect();
        let done = crate::parallel::map(&indices, workers, |&i| {
            let record = records[i];
            let source = records_root.join(&record.path);
            let target = dir.path().join(entry_file(i));
            let input = match Input::open(&source)? {
                Ok(input) => input,
                Err(reason) => return Ok(Err((record.path.clone(), reason))),
            };
            let (bytes, sha256, zipped_bytes) =
                compress_one(&input, &target, &names[i], record.date.day())?;
            progress(bytes);
            let source_sha256 = input
                .source_sha256
                .clone()
                .unwrap_or_else(|| sha256.clone());
            Ok(Ok((
                RecordFile {
                    original: record.path.clone(),
                    name: names[i].clone(),
                    kind: record.kind,
                    date: record.date,
                    title: record.title.clone(),
                    bytes,
                    sha256,
                    source_sha256,
                    zipped_bytes,
                    pages: pages(&source),
                    changed: input.changed.clone(),
                },
                target,
            )))
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        let mut store = Self {
            _dir: dir,
            records: Vec::new(),
            entries: Vec::new(),
            left_out: Vec::new(),
        };
        for one in done {
            match one {
                Ok((record, entry)) => {
                    store.records.push(record);
                    store.entries.push(entry);
                }
                Err(left_out) => store.left_out.push(left_out),
            }
        }
        Ok(store)
    }

    /// Copies record `index`'s compressed entry into `zip` under `name`, as it is.
    pub fn copy_into<W: Write + io::Seek>(
        &self,
        index: usize,
        name: &str,
        zip: &mut ZipWriter<W>,
    ) -> Result<()> {
        let path = &self.entries[index];
        let file = crate::case_files::open_regular(path).map_err(Error::io("read", path))?;
        let mut archive = ZipArchive::new(BufReader::with_capacity(COPY_BUFFER, file))
            .map_err(zip_error(path))?;
        let entry = archive.by_index_raw(0).map_err(zip_error(path))?;
        zip.raw_copy_file_rename(entry, name)
            .map_err(zip_error(path))
    }

    /// Reads record `index` as it goes into packets (a photo without its metadata), for
    /// bundles that recompress it to encrypt.
    pub fn read_into(&self, index: usize, out: &mut dyn Write) -> Result<u64> {
        let path = &self.entries[index];
        let file = crate::case_files::open_regular(path).map_err(Error::io("read", path))?;
        let mut archive = ZipArchive::new(BufReader::with_capacity(COPY_BUFFER, file))
            .map_err(zip_error(path))?;
        let mut entry = archive.by_index(0).map_err(zip_error(path))?;
        io::copy(&mut entry, out).map_err(Error::io("read", path))
    }

    /// Whether record `index` is deflated in the store (bundles that recompress, to encrypt,
    /// keep the same choice).
    pub fn deflated(&self, index: usize) -> bool {
        self.records[index].zipped_bytes < self.records[index].bytes
    }
}

fn entry_file(index: usize) -> PathBuf {
    PathBuf::from(format!("{index:05}.zip"))
}

/// A record as it goes into packets: the file itself, or an image scrubbed of its metadata.
struct Input<'a> {
    path: &'a Path,
    scrubbed: Option<Vec<u8>>,
    /// What scrubbing changed, in the manifest's words.
    changed: Option<String>,
    /// SHA-256 of the file as read, when what goes out differs from it (else it is the
    /// SHA-256 of what is stored).
    source_sha256: Option<String>,
}

impl<'a> Input<'a> {
    /// Opens `path`; a JPEG or PNG (told by its first bytes) is read and scrubbed. The inner
    /// `Err` is an image too damaged to scrub, and why: it must not go out as it is.
    fn open(path: &'a Path) -> Result<std::result::Result<Self, String>> {
        let mut head = [0u8; crate::scrub::KIND_BYTES];
        let mut file = crate::case_files::open_regular(path).map_err(Error::io("read", path))?;
        let n = read_up_to(&mut file, &mut head).map_err(Error::io("read", path))?;
        let Some(kind) = crate::scrub::kind(&head[..n]) else {
            return Ok(Ok(Input {
                path,
                scrubbed: None,
                changed: None,
                source_sha256: None,
            }));
        };
        let bytes = crate::case_files::read_capped(path, crate::case_files::RECORD_LIMIT)
            .map_err(Error::io("read", path))?;
        Ok(crate::scrub::scrub(&bytes, kind).map(|scrubbed| Input {
            path,
            changed: scrubbed.change.describe(),
            // Unchanged, the image's hash is the one taken as it is stored.
            source_sha256: (scrubbed.change != crate::scrub::Change::None).then(|| sha256(&bytes)),
            scrubbed: Some(scrubbed.bytes),
        }))
    }

    fn len(&self) -> Result<u64> {
        match &self.scrubbed {
            Some(bytes) => Ok(bytes.len() as u64),
            None => Ok(std::fs::metadata(self.path)
                .map_err(Error::io("read", self.path))?
                .len()),
        }
    }

    fn reader(&self) -> Result<Box<dyn Read + '_>> {
        match &self.scrubbed {
            Some(bytes) => Ok(Box::new(bytes.as_slice())),
            None => Ok(Box::new(
                crate::case_files::open_regular(self.path).map_err(Error::io("read", self.path))?,
            )),
        }
    }
}

/// Reads until `buffer` is full or the file ends; returns how much was read.
fn read_up_to(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Writes `input` into a one-entry zip at `target` under `name`, deflated when its first
/// 256 KiB deflate by 5 % or more (see the module's comment); returns its size, SHA-256 and the
/// entry's compressed size.
fn compress_one(
    input: &Input,
    target: &Path,
    name: &str,
    date: chrono::NaiveDate,
) -> Result<(u64, String, u64)> {
    let source = input.path;
    let time = super::bundle::entry_time(Some(date));
    let large = input.len()? >= u64::from(u32::MAX);
    // Hashed once: the second writing (stored) of a file read from the disk is hashed again to
    // be sure it did not change in between; bytes held in memory cannot.
    let write = |method: CompressionMethod,
                 input: &mut dyn Read,
                 hash: bool|
     -> Result<(u64, Option<String>, u64)> {
        // Written twice when deflate does not pay: the second time replaces the first.
        let _ = std::fs::remove_file(target);
        let out = crate::private_file::create_new(target)?;
        let mut zip = ZipWriter::new(BufWriter::new(out));
        let options = crate::packet::bundle::private_entry()
            .compression_method(method)
            .last_modified_time(time)
            .large_file(large);
        zip.start_file(name, options).map_err(zip_error(target))?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            let n = match input.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io("read", source)(e)),
            };
            if hash {
                hasher.update(&buffer[..n]);
            }
            zip.write_all(&buffer[..n])
                .map_err(Error::io("write", target))?;
            total += n as u64;
        }
        let out = zip.finish().map_err(zip_error(target))?;
        drop(out);
        let file = File::open(target).map_err(Error::io("read", target))?;
        let mut archive = ZipArchive::new(BufReader::new(file)).map_err(zip_error(target))?;
        let compressed = archive
            .by_index_raw(0)
            .map_err(zip_error(target))?
            .compressed_size();
        Ok((total, hash.then(|| hex(&hasher.finalize())), compressed))
    };
    let mut reader = BufReader::with_capacity(256 * 1024, input.reader()?);
    let mut sample = vec![0u8; SAMPLE_BYTES];
    let n = read_up_to(&mut reader, &mut sample).map_err(Error::io("read", source))?;
    sample.truncate(n);
    let method = if super::bundle::worth_deflating(&sample) {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    };
    let (bytes, sha256, zipped) = write(method, &mut sample.as_slice().chain(reader), true)?;
    let sha256 = sha256.expect("hashed");
    if method == CompressionMethod::Stored || (zipped as f64) < bytes as f64 * KEEP_DEFLATE_BELOW {
        return Ok((bytes, sha256, zipped));
    }
    // Read again for the stored entry: what is stored must be what was hashed.
    let from_disk = input.scrubbed.is_none();
    let mut again = BufReader::with_capacity(256 * 1024, input.reader()?);
    let (again, second, stored) = write(CompressionMethod::Stored, &mut again, from_disk)?;
    if again != bytes || second.is_some_and(|second| second != sha256) {
        return Err(Error::user(
            tr!(
                "`{path}` changed while the packet was being built",
                path = source.display()
            ),
            Some(tr!(
                "run `consultpack build` again once the file stays as it is"
            )),
        ));
    }
    Ok((bytes, sha256, stored))
}

/// Pages of a PDF (from its page tree, without loading the pages); 1 for an image.
fn pages(path: &Path) -> Option<u32> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => lopdf::Document::load_metadata(path)
            .ok()
            .map(|m| m.page_count),
        "jpg" | "jpeg" | "png" => Some(1),
        _ => None,
    }
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The size and SHA-256 of a file, read in pieces.
pub fn sha256_file(path: &Path) -> Result<(u64, String)> {
    let mut input = crate::case_files::open_regular(path).map_err(Error::io("read", path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        match input.read(&mut buffer) {
            Ok(0) => return Ok((len, hex(&hasher.finalize()))),
            Ok(n) => {
                hasher.update(&buffer[..n]);
                len += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("read", path)(e)),
        }
    }
}

/// SHA-256 of bytes in memory, as hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn zip_error(path: &Path) -> impl FnOnce(zip::result::ZipError) -> Error {
    let path = path.to_path_buf();
    move |e| Error::io("write the zip", path)(io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `bytes` through `compress_one`: whether its entry came out deflated, and its SHA-256.
    fn stored_as(bytes: &[u8]) -> (CompressionMethod, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("record");
        std::fs::write(&path, bytes).unwrap();
        let input = Input {
            path: &path,
            scrubbed: None,
            changed: None,
            source_sha256: None,
        };
        let target = dir.path().join("entry.zip");
        let date = chrono::NaiveDate::from_ymd_opt(2021, 6, 20).unwrap();
        let (len, sha256, _) = compress_one(&input, &target, "record", date).unwrap();
        assert_eq!(len, bytes.len() as u64);
        let mut archive = ZipArchive::new(File::open(&target).unwrap()).unwrap();
        let method = archive.by_index_raw(0).unwrap().compression();
        let mut back = Vec::new();
        archive.by_index(0).unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back, bytes, "the entry holds the record as it is");
        (method, sha256)
    }

    /// Bytes deflate cannot shorten, as a photo's or a scan's.
    fn noise(len: usize) -> Vec<u8> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    #[test]
    fn a_text_record_is_deflated_and_a_photo_like_one_stored() {
        let text = "2021-06-20,ALT,52,U/L\n".repeat(100_000);
        let (method, sha256) = stored_as(text.as_bytes());
        assert_eq!(method, CompressionMethod::Deflated);
        assert_eq!(sha256, super::sha256(text.as_bytes()));
        assert_eq!(stored_as(&noise(3 << 20)).0, CompressionMethod::Stored);
    }

    #[test]
    fn a_sample_decides_without_deflating_the_rest() {
        // An incompressible sample, then 3 MiB that deflate to nothing: stored, as the sample
        // said (deflated whole it would have saved over 90 %).
        let mut record = noise(SAMPLE_BYTES);
        record.extend(std::iter::repeat_n(b'a', 3 << 20));
        let (method, sha256) = stored_as(&record);
        assert_eq!(method, CompressionMethod::Stored);
        assert_eq!(sha256, super::sha256(&record));
    }
}
