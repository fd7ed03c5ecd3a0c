//! Packet folders appear whole or not at all. A contact's packet is built in a hidden staging
//! folder next to its final place (`out/.consultpack-build-<pid>-<contact>`), every file synced,
//! and then swapped with the old packet in one step (Linux `renameat2(RENAME_EXCHANGE)`, macOS
//! `renamex_np(RENAME_SWAP)`; on Windows two renames), after which the old one is deleted. A build killed at any moment leaves
//! the previous packet in place and at most a staging folder, which the next build removes.
//!
//! Only a packet is ever replaced: what is at `out/<contact>/` must be a folder consultpack
//! made (it holds our packet.json), or empty. `--out` can point anywhere, and a folder of the
//! family's that happens to carry a contact's name is theirs, not ours to delete.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::packet::{PACKET_FILE, PACKET_FORMAT};
use crate::{private_file, tr};

const STAGING_PREFIX: &str = ".consultpack-build-";

/// A packet folder being built.
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
    /// The size and SHA-256 of files written here whose bytes were hashed as they went, by
    /// their path under the folder: listing the packet does not read them again.
    known: Mutex<HashMap<PathBuf, (u64, String)>>,
}

impl Staging {
    /// A new, empty, private staging folder for `target` (which it will replace).
    pub fn new(target: &Path) -> Result<Self> {
        let parent = target.parent().unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = parent.join(format!("{STAGING_PREFIX}{}-{name}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(Error::io("remove", &dir))?;
        }
        private_file::create_dir(&dir)?;
        Ok(Self {
            dir,
            target: target.to_path_buf(),
            committed: false,
            known: Mutex::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes a file into the staging folder (owner-only, synced).
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.dir.join(relative);
        if let Some(parent) = path.parent().filter(|p| !p.exists()) {
            private_file::create_dir(parent)?;
        }
        let mut file = private_file::create_new(&path)?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(Error::io("write", &path))?;
        self.known(
            relative,
            bytes.len() as u64,
            &crate::packet::store::sha256(bytes),
        );
        Ok(path)
    }

    /// Says that the file at `relative` was written with this size and SHA-256.
    pub fn known(&self, relative: &str, bytes: u64, sha256: &str) {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(PathBuf::from(relative), (bytes, sha256.to_string()));
    }

    /// The size and SHA-256 of the file at `relative`: as written, else read from the disk.
    pub fn sha256(&self, relative: &Path) -> Result<(u64, String)> {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        match known.get(relative) {
            Some((bytes, sha256)) => Ok((*bytes, sha256.clone())),
            None => crate::packet::store::sha256_file(&self.dir.join(relative)),
        }
    }

    /// Puts the staged folder in the place of the target, atomically where the system allows.
    pub fn commit(mut self) -> Result<()> {
        check_replaceable(&self.target)?;
        sync_dir(&self.dir);
        if self.target.exists() {
            if exchange(&self.dir, &self.target) {
                // The staging path now holds the old packet.
                fs::remove_dir_all(&self.dir).map_err(Error::io("remove", &self.dir))?;
            } else {
                let old = self.dir.with_file_name(format!(
                    "{STAGING_PREFIX}{}-old",
                    self.dir.file_name().unwrap_or_default().to_string_lossy()
                ));
                fs::rename(&self.target, &old).map_err(Error::io("replace", &self.target))?;
                fs::rename(&self.dir, &self.target).map_err(Error::io("replace", &self.target))?;
                fs::remove_dir_all(&old).map_err(Error::io("remove", &old))?;
            }
        } else {
            fs::rename(&self.dir, &self.target).map_err(Error::io("create", &self.target))?;
        }
        if let Some(parent) = self.target.parent() {
            sync_dir(parent);
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Refuses to replace `target` unless it is missing, an empty folder, or a packet folder
/// consultpack made: one whose packet.json is ours, or that holds only a follow-up draft.
pub fn check_replaceable(target: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("read", target)(e)),
    };
    if meta.is_dir() && made_by_consultpack(target) {
        return Ok(());
    }
    Err(Error::user(
        tr!(
            "will not replace `{path}`: it is not a packet folder consultpack made (it has no packet.json of ours), and building would delete what it holds",
            path = target.display()
        ),
        Some(tr!(
            "move it elsewhere, or give --out a folder of its own (for example the case's out/)"
        )),
    ))
}

/// Whether a folder (not a link to one) holds nothing of the family's: our packet.json, or
/// nothing but a follow-up draft (`followup --dry-run` writes one into the packet folder).
fn made_by_consultpack(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    let names: Vec<std::ffi::OsString> = entries.flatten().map(|e| e.file_name()).collect();
    if names.iter().all(|n| n == "followup.eml") {
        return true;
    }
    crate::case_files::read_capped(&dir.join(PACKET_FILE), crate::case_files::RECORD_LIMIT)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|json| json.get("format")?.as_str().map(str::to_string))
        .is_some_and(|format| same_family(&format))
}

/// `consultpack-packet/1` and later versions of the packet format.
fn same_family(format: &str) -> bool {
    let family = PACKET_FORMAT.split('/').next().unwrap_or(PACKET_FORMAT);
    format
        .strip_prefix(family)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// Removes staging folders (and temporary files) that builds killed earlier left in `out`:
/// those of processes no longer running.
pub fn remove_stale(out: &Path) {
    crate::private_file::remove_stale(
        out,
        &[
            STAGING_PREFIX,
            ".consultpack-records-",
            crate::private_file::TEMP_PREFIX,
        ],
    );
}

/// Swaps two folders in one step: Linux `renameat2(RENAME_EXCHANGE)`, macOS
/// `renamex_np(RENAME_SWAP)`. `false` when the system or file system cannot.
#[cfg(any(target_os = "linux", target_os = "macos"))]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    #[cfg(target_os = "linux")]
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    // SAFETY: as above.
    #[cfg(target_os = "macos")]
    let rc = unsafe { libc::renamex_np(a.as_ptr(), b.as_ptr(), libc::RENAME_SWAP) };
    rc == 0
}

/// Windows (and other systems) cannot swap folders: the old packet is renamed aside, the new
/// one into its place (two `MoveFileEx` calls), and the old one deleted.
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_packet_replaces_the_old_one_whole() {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("zhongshan-liver");
        let first = Staging::new(&target).unwrap();
        first.write("a.txt", b"one").unwrap();
        first.write(PACKET_FILE, PACKET_JSON).unwrap();
        first.commit().unwrap();
        let second = Staging::new(&target).unwrap();
        second.write("b.txt", b"two").unwrap();
        assert!(
            target.join("a.txt").exists(),
            "the old packet stays until the new is whole"
        );
        second.commit().unwrap();
        assert!(!target.join("a.txt").exists());
        assert_eq!(fs::read(target.join("b.txt")).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(out.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "no staging folder is left: {names:?}");
    }

    const PACKET_JSON: &[u8] = br#"{"format": "consultpack-packet/1", "contact": "c"}"#;

    #[test]
    fn only_missing_empty_or_packet_folders_are_replaced() {
        let out = tempfile::tempdir().unwrap();
        let at = |name: &str| out.path().join(name);
        assert!(check_replaceable(&at("missing")).is_ok());
        fs::create_dir(at("empty")).unwrap();
        assert!(check_replaceable(&at("empty")).is_ok());
        fs::create_dir(at("packet")).unwrap();
        fs::write(at("packet").join(PACKET_FILE), PACKET_JSON).unwrap();
        fs::write(at("packet").join("cover-letter.txt"), "x").unwrap();
        assert!(check_replaceable(&at("packet")).is_ok());
        fs::create_dir(at("draft")).unwrap();
        fs::write(at("draft").join("followup.eml"), "x").unwrap();
        assert!(check_replaceable(&at("draft")).is_ok());

        fs::create_dir(at("family")).unwrap();
        fs::write(at("family").join("keep.txt"), "x").unwrap();
        fs::create_dir(at("lookalike")).unwrap();
        fs::write(
            at("lookalike").join(PACKET_FILE),
            br#"{"format": "other/1"}"#,
        )
        .unwrap();
        fs::write(at("a-file"), "x").unwrap();
        // A link to a packet is refused too (made on Unix: Wine, where this test also runs,
        // cannot make links).
        let link = cfg!(unix).then(|| {
            #[cfg(unix)]
            std::os::unix::fs::symlink(at("packet"), at("link")).unwrap();
            "link"
        });
        for name in ["family", "lookalike", "a-file"].into_iter().chain(link) {
            let error = check_replaceable(&at(name)).unwrap_err().to_string();
            assert!(error.contains("will not replace"), "{name}: {error}");
        }
        // A staged packet is not swapped in over the family's folder either.
        let staging = Staging::new(&at("family")).unwrap();
        staging.write(PACKET_FILE, PACKET_JSON).unwrap();
        assert!(staging.commit().is_err());
        assert!(at("family").join("keep.txt").exists());
    }

    #[test]
    fn an_abandoned_build_leaves_nothing_and_stale_folders_are_removed() {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("c");
        {
            let staging = Staging::new(&target).unwrap();
            staging.write("x", b"half").unwrap();
        }
        assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0);
        let stale = out.path().join(format!("{STAGING_PREFIX}999999999-c"));
        fs::create_dir(&stale).unwrap();
        let live = out
            .path()
            .join(format!("{STAGING_PREFIX}{}-d", std::process::id()));
        fs::create_dir(&live).unwrap();
        remove_stale(out.path());
        assert!(!stale.exists());
        assert!(live.exists(), "a running build's folder is left alone");
    }
}
