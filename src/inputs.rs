//! What packets are made from, and whether a built packet is still current.
//!
//! Two fingerprints are kept apart. The *inputs fingerprint* (this module) answers "is the
//! packet in out/ still what the case would build?": the SHA-256 of every file a packet is
//! made from — case.toml, contacts.toml, consultpack.toml, the case's templates and every file
//! under records/ — by content, with the program's version. A record corrected without
//! changing its size ("约 3 cm" → "约 6 cm") changes it. It is written into `packet.json`
//! (`inputs_sha256`). The *packet's identity* (the SHA-256 of `packet.json`, which lists every
//! file's SHA-256) answers "was this exact packet sent?", and is the ledger's business.
//!
//! Hashing every record on every run would cost as much as building, so each file's SHA-256 is
//! cached in `.consultpack/hashes.json`, keyed by its path and what `stat` says of it: size,
//! modification time, change time and inode. Any of them changed, and the file is read again.
//! (The change time is set by the kernel on every write and cannot be set back, so a corrected
//! file whose modification time was restored is still read again.) An unchanged case then
//! costs one `stat` per file.
//!
//! [`Inputs::scan`] lists and stats (cheap); [`Inputs::hash_pending`] reads what the cache does
//! not know; [`Inputs::learn`] takes hashes computed elsewhere (the record store reads every
//! record anyway), so that a first build reads each record once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::folder::{
    CASE_FILE, CONFIG_FILE, CONTACTS_FILE, CaseFolder, RECORDS_DIR, TEMPLATES_DIR,
};

/// The hash cache, in the case folder: [`CACHE_NAME`] in `.consultpack/`, read and written
/// only there, never through a link ([`crate::ledger::state_file`]).
pub const CACHE_FILE: &str = ".consultpack/hashes.json";
const CACHE_NAME: &str = "hashes.json";
const CACHE_FORMAT: &str = "consultpack-hashes/1";

/// What `stat` says of a file: when any of it changes, the file is hashed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stat {
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub inode: u64,
    /// A regular file (only those are read).
    pub regular: bool,
}

impl Stat {
    pub fn of(path: &Path) -> Option<Stat> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let (mtime_ns, ctime_ns, inode) = {
            use std::os::unix::fs::MetadataExt;
            (
                meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
                meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
                meta.ino(),
            )
        };
        #[cfg(not(unix))]
        let (mtime_ns, ctime_ns, inode) = {
            let nanos = |t: std::io::Result<std::time::SystemTime>| {
                t.ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos() as i64)
            };
            (nanos(meta.modified()), nanos(meta.created()), 0)
        };
        Some(Stat {
            size: meta.len(),
            mtime_ns,
            ctime_ns,
            inode,
            regular: meta.is_file(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Cached {
    #[serde(flatten)]
    stat: Stat,
    sha256: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    format: String,
    /// By path relative to the case folder.
    files: BTreeMap<String, Cached>,
}

/// One file a packet is made from.
#[derive(Debug, Clone)]
struct Input {
    /// Relative to the case folder, with forward slashes.
    name: String,
    stat: Option<Stat>,
    /// Known from the cache or read; `None` until then.
    sha256: Option<String>,
    /// Read (or learnt) while the file stayed as `stat` says: worth caching.
    fresh: bool,
}

/// Stands for a file that is not a regular file or cannot be read: it still counts, by name.
const UNREADABLE: &str = "unreadable";

/// Every file packets are made from, with the SHA-256s known so far.
pub struct Inputs {
    root: PathBuf,
    files: Vec<Input>,
    cache: BTreeMap<String, Cached>,
}

impl Inputs {
    /// Lists and stats every input file and takes what the cache knows. Reads no record.
    pub fn scan(folder: &CaseFolder) -> Inputs {
        let root = folder.root().to_path_buf();
        let cache = crate::ledger::read_state(&root, CACHE_NAME, 64 << 20)
            .ok()
            .flatten()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .filter(|c| c.format == CACHE_FORMAT)
            .map(|c| c.files)
            .unwrap_or_default();
        let mut names: Vec<String> = [CASE_FILE, CONTACTS_FILE, CONFIG_FILE]
            .iter()
            .filter(|f| root.join(f).exists())
            .map(|f| f.to_string())
            .collect();
        for top in [TEMPLATES_DIR, RECORDS_DIR] {
            walk(&root, Path::new(top), &mut names);
        }
        names.sort();
        let files = names
            .into_iter()
            .map(|name| {
                let stat = Stat::of(&root.join(&name));
                let sha256 = match stat {
                    Some(s) if !s.regular => Some(UNREADABLE.to_string()),
                    Some(s) => cache
                        .get(&name)
                        .filter(|c| c.stat == s)
                        .map(|c| c.sha256.clone()),
                    None => Some(UNREADABLE.to_string()),
                };
                Input {
                    name,
                    stat,
                    sha256,
                    fresh: false,
                }
            })
            .collect();
        Inputs { root, files, cache }
    }

    /// How many files the cache did not know.
    pub fn pending(&self) -> usize {
        self.files.iter().filter(|f| f.sha256.is_none()).count()
    }

    /// Records a SHA-256 computed elsewhere for `name` (relative to the case folder), if the
    /// file is still as it was when scanned.
    pub fn learn(&mut self, name: &str, sha256: &str) {
        let Some(input) = self.files.iter_mut().find(|f| f.name == name) else {
            return;
        };
        if input.sha256.is_some() || input.stat.is_none() {
            return;
        }
        if Stat::of(&self.root.join(name)) == input.stat {
            input.sha256 = Some(sha256.to_string());
            input.fresh = true;
        }
    }

    /// Reads and hashes every file the cache did not know, `workers` at a time.
    pub fn hash_pending(&mut self, workers: usize) {
        let pending: Vec<usize> = (0..self.files.len())
            .filter(|&i| self.files[i].sha256.is_none())
            .collect();
        let root = &self.root;
        let files = &self.files;
        let hashed = crate::parallel::map(&pending, workers, |&i| {
            let path = root.join(&files[i].name);
            let before = Stat::of(&path);
            let sha = crate::packet::store::sha256_file(&path)
                .ok()
                .map(|(_, sha)| sha);
            // Changed while being read: not cached, and the fingerprint will not match later.
            (sha, before == files[i].stat && Stat::of(&path) == before)
        });
        for (i, (sha, steady)) in pending.into_iter().zip(hashed) {
            let input = &mut self.files[i];
            input.fresh = steady && sha.is_some();
            input.sha256 = Some(sha.unwrap_or_else(|| UNREADABLE.to_string()));
        }
    }

    /// The inputs fingerprint; `None` while some file is not hashed yet.
    pub fn fingerprint(&self) -> Option<String> {
        let files: Option<Vec<(&str, &str)>> = self
            .files
            .iter()
            .map(|f| f.sha256.as_deref().map(|sha| (f.name.as_str(), sha)))
            .collect();
        Some(fingerprint(&files?))
    }

    /// Writes the cache back when it learnt something, keeping only files that still exist.
    /// A cache that cannot be written costs time on the next run, nothing else.
    pub fn save(mut self) {
        for input in self.files.iter().filter(|f| f.fresh) {
            if let (Some(stat), Some(sha)) = (input.stat, &input.sha256) {
                self.cache.insert(
                    input.name.clone(),
                    Cached {
                        stat,
                        sha256: sha.clone(),
                    },
                );
            }
        }
        let before = self.cache.len();
        let listed: std::collections::BTreeSet<&str> =
            self.files.iter().map(|f| f.name.as_str()).collect();
        self.cache.retain(|name, _| listed.contains(name.as_str()));
        let learnt = self.files.iter().any(|f| f.fresh);
        if !learnt && self.cache.len() == before {
            return;
        }
        let file = CacheFile {
            format: CACHE_FORMAT.into(),
            files: self.cache,
        };
        let text = serde_json::to_string(&file).expect("the cache serializes");
        // Only a cache: when it cannot be written (`.consultpack` a link), the next build hashes
        // again.
        if let Ok(path) = crate::ledger::state_file(&self.root, CACHE_NAME, true) {
            let _ = crate::private_file::write(&path, text.as_bytes());
        }
    }
}

/// Every file under `root/dir`, relative to `root`; links to folders are not followed.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let relative = dir.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(root, &relative, out);
        } else {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The fingerprint of files by name and content, and of the program that builds from them.
pub fn fingerprint(files: &[(&str, &str)]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"consultpack-inputs/1\n");
    hasher.update(crate::packet::manifest::TOOL.as_bytes());
    for (name, sha256) in files {
        hasher.update(format!("\n{name}\0{sha256}").as_bytes());
    }
    crate::packet::store::hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> (tempfile::TempDir, CaseFolder) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CASE_FILE), "[patient]\n").unwrap();
        std::fs::create_dir_all(dir.path().join("records/labs")).unwrap();
        std::fs::write(dir.path().join("records/labs/a.txt"), "约 3 cm").unwrap();
        let folder = CaseFolder::open(dir.path()).unwrap();
        (dir, folder)
    }

    fn fingerprint_now(folder: &CaseFolder) -> (String, usize) {
        let mut inputs = Inputs::scan(folder);
        let pending = inputs.pending();
        inputs.hash_pending(2);
        let fingerprint = inputs.fingerprint().unwrap();
        inputs.save();
        (fingerprint, pending)
    }

    #[test]
    fn a_same_size_edit_changes_the_fingerprint_and_an_unchanged_case_reads_nothing() {
        let (dir, folder) = case();
        let (first, pending) = fingerprint_now(&folder);
        assert_eq!(pending, 2, "case.toml and the record are read once");
        let (again, pending) = fingerprint_now(&folder);
        assert_eq!((again.as_str(), pending), (first.as_str(), 0));
        std::fs::write(dir.path().join("records/labs/a.txt"), "约 6 cm").unwrap();
        let (edited, pending) = fingerprint_now(&folder);
        assert_eq!(pending, 1);
        assert_ne!(edited, first);
    }

    #[test]
    fn a_restored_modification_time_does_not_hide_an_edit() {
        let (dir, folder) = case();
        let (first, _) = fingerprint_now(&folder);
        let path = dir.path().join("records/labs/a.txt");
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::fs::write(&path, "约 6 cm").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        assert_ne!(fingerprint_now(&folder).0, first);
    }

    #[test]
    fn learnt_hashes_spare_a_read_and_match_what_reading_gives() {
        let (dir, folder) = case();
        let mut inputs = Inputs::scan(&folder);
        let sha = crate::packet::store::sha256("约 3 cm".as_bytes());
        inputs.learn("records/labs/a.txt", &sha);
        assert_eq!(inputs.pending(), 1, "only case.toml is left to read");
        inputs.hash_pending(1);
        let learnt = inputs.fingerprint().unwrap();
        inputs.save();
        std::fs::remove_file(dir.path().join(CACHE_FILE)).unwrap();
        assert_eq!(fingerprint_now(&folder).0, learnt);
    }
}
