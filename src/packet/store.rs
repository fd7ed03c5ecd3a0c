//! The records of one build, read and compressed once however many contacts get them.
//!
//! Each record is streamed once through SHA-256 and deflate into a one-entry zip in a private
//! temporary folder; if deflating saved less than 5 % (phone photos, scans — the extension
//! does not tell), the entry is written again stored. Every contact's bundle then copies the
//! compressed entries as they are (`raw_copy_file`), so ten contacts cost one compression.
//! Memory holds one buffer per worker, never a record.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::RecordFile;
use crate::case::model::Record;
use crate::error::{Error, Result};
use crate::tr;

/// Deflate is kept only when it saves more than this share.
const KEEP_DEFLATE_BELOW: f64 = 0.95;

/// Records measured and compressed, ready to be copied into bundles.
pub struct RecordStore {
    dir: tempfile::TempDir,
    pub records: Vec<RecordFile>,
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
        let records = crate::parallel::map(&indices, workers, |&i| {
            let record = records[i];
            let source = records_root.join(&record.path);
            let target = dir.path().join(entry_file(i));
            let (bytes, sha256, zipped_bytes) =
                compress_one(&source, &target, &names[i], record.date.day())?;
            progress(bytes);
            Ok(RecordFile {
                original: record.path.clone(),
                name: names[i].clone(),
                kind: record.kind,
                date: record.date,
                title: record.title.clone(),
                bytes,
                sha256,
                zipped_bytes,
                pages: pages(&source),
            })
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        Ok(Self { dir, records })
    }

    /// Copies record `index`'s compressed entry into `zip` under `name`, as it is.
    pub fn copy_into<W: Write + io::Seek>(
        &self,
        index: usize,
        name: &str,
        zip: &mut ZipWriter<W>,
    ) -> Result<()> {
        let path = self.dir.path().join(entry_file(index));
        let file = crate::case_files::open_regular(&path).map_err(Error::io("read", &path))?;
        let mut archive = ZipArchive::new(BufReader::new(file)).map_err(zip_error(&path))?;
        let entry = archive.by_index_raw(0).map_err(zip_error(&path))?;
        zip.raw_copy_file_rename(entry, name)
            .map_err(zip_error(&path))
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

/// Writes `source` into a one-entry zip at `target` under `name`; returns its size, SHA-256
/// and the entry's compressed size.
fn compress_one(
    source: &Path,
    target: &Path,
    name: &str,
    date: chrono::NaiveDate,
) -> Result<(u64, String, u64)> {
    let time = super::bundle::entry_time(Some(date));
    let large = std::fs::metadata(source)
        .map_err(Error::io("read", source))?
        .len()
        >= u64::from(u32::MAX);
    let write = |method: CompressionMethod| -> Result<(u64, String, u64)> {
        // Written twice when deflate does not pay: the second time replaces the first.
        let _ = std::fs::remove_file(target);
        let out = crate::private_file::create_new(target)?;
        let mut zip = ZipWriter::new(BufWriter::new(out));
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(time)
            .unix_permissions(0o600)
            .large_file(large);
        zip.start_file(name, options).map_err(zip_error(target))?;
        let input = crate::case_files::open_regular(source).map_err(Error::io("read", source))?;
        let mut input = BufReader::with_capacity(256 * 1024, input);
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
            hasher.update(&buffer[..n]);
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
        Ok((total, hex(&hasher.finalize()), compressed))
    };
    let (bytes, sha256, deflated) = write(CompressionMethod::Deflated)?;
    if (deflated as f64) < bytes as f64 * KEEP_DEFLATE_BELOW {
        return Ok((bytes, sha256, deflated));
    }
    // Read again for the stored entry: what is stored must be what was hashed.
    let (again, second, stored) = write(CompressionMethod::Stored)?;
    if again != bytes || second != sha256 {
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
