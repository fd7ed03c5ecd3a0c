//! The ledger on disk: appended with `O_APPEND` (one `write` per event, so two processes never
//! interleave within a line; Windows' `FILE_APPEND_DATA` likewise), fsynced before the caller
//! goes on, readable by the owner only (on Windows: private under the user's profile).
//! It and the other files of `.consultpack/` are opened without following links (`O_NOFOLLOW`),
//! in a `.consultpack` that is itself no link: a case folder from elsewhere cannot make an
//! append land outside it.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{Event, Ledger, line, parse};
use crate::error::{Error, Result};
use crate::folder::STATE_DIR;
use crate::private_file;
use crate::tr;

/// The ledger's path inside a case folder.
pub const LEDGER_FILE: &str = ".consultpack/ledger.jsonl";
const LEDGER_NAME: &str = "ledger.jsonl";

/// `.consultpack/<name>` in the case folder `root`, once `.consultpack` is known to be a real
/// folder, not a link: through a link the ledger, the sync position or the lock would be
/// written wherever it points. With `create`, a missing folder is made (owner-only).
pub fn state_file(root: &Path, name: &str, create: bool) -> Result<PathBuf> {
    let dir = root.join(STATE_DIR);
    match fs::symlink_metadata(&dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(Error::user(
                tr!(
                    "`{dir}` is a link or a file, not a folder; consultpack keeps its ledger only in a real folder inside the case",
                    dir = shown(&dir).display()
                ),
                Some(tr!(
                    "remove it; if it leads to a real .consultpack folder, move that folder into the case in its place"
                )),
            ));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if create {
                private_file::create_dir(&dir)?;
            }
        }
        Err(e) => return Err(Error::io("read", &dir)(e)),
    }
    Ok(dir.join(name))
}

/// Opens a file of `.consultpack/` (see [`state_file`]) without following a link: on Unix
/// `O_NOFOLLOW`, on Windows the link itself is opened (`FILE_FLAG_OPEN_REPARSE_POINT`) and
/// refused before anything is written.
fn open_state(path: &Path, options: &mut OpenOptions) -> Result<fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        options.custom_flags(windows_sys::Win32::Storage::FileSystem::FILE_FLAG_OPEN_REPARSE_POINT);
    }
    let file = options
        .open(path)
        .map_err(|e| state_error(path, e, Error::io("open", path)))?;
    #[cfg(windows)]
    if file.metadata().is_ok_and(|m| m.file_type().is_symlink()) {
        let e = crate::case_files::link_refused();
        return Err(state_error(path, e, Error::io("open", path)));
    }
    Ok(file)
}

/// A link where a state file should be is named as such; other failures as they are.
fn state_error(path: &Path, error: io::Error, otherwise: impl FnOnce(io::Error) -> Error) -> Error {
    if crate::case_files::is_link_refusal(&error) {
        return Error::user(
            tr!(
                "`{path}` is a link; consultpack's own files are never read or written through a link",
                path = shown(path).display()
            ),
            Some(tr!(
                "remove the link; if it leads to the real file, move that file into .consultpack/ in its place"
            )),
        );
    }
    otherwise(error)
}

fn shown(path: &Path) -> &Path {
    path.strip_prefix(".").unwrap_or(path)
}

/// A file of `.consultpack/` read whole (at most `limit` bytes), never through a link; `None`
/// when it does not exist.
pub fn read_state(root: &Path, name: &str, limit: u64) -> Result<Option<Vec<u8>>> {
    let path = state_file(root, name, false)?;
    let read = crate::case_files::open_regular_not_link(&path)
        .and_then(|file| crate::case_files::read_file_capped(file, limit));
    match read {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(state_error(&path, e, Error::io("read", &path))),
    }
}

/// An exclusive hold on the case's ledger, for a decision and its record (`send`): a second
/// `send` of the same case waits for no one and says so. Released when dropped.
pub struct Lock {
    _file: fs::File,
}

pub fn lock(root: &Path) -> Result<Lock> {
    let path = state_file(root, "lock", true)?;
    let file = open_state(
        &path,
        OpenOptions::new().write(true).create(true).truncate(false),
    )?;
    // flock on Unix, LockFileEx on Windows.
    if file.try_lock().is_err() {
        return Err(Error::user(
            tr!(
                "another consultpack command (send, followup, sync or mark) is working on this case right now"
            ),
            Some(tr!("wait for it to finish, then try again")),
        ));
    }
    Ok(Lock { _file: file })
}

/// Reads the ledger of the case folder `root`; a missing ledger is an empty one.
pub fn read(root: &Path) -> Result<Ledger> {
    Ok(
        match read_state(root, LEDGER_NAME, crate::case_files::RECORD_LIMIT)? {
            Some(bytes) => parse(&String::from_utf8_lossy(&bytes)),
            None => Ledger::default(),
        },
    )
}

/// Refuses, before any work, a ledger that could not be appended to: `.consultpack` or the
/// ledger a link (see [`state_file`]).
pub fn check_writable(root: &Path) -> Result<()> {
    let path = state_file(root, LEDGER_NAME, false)?;
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(state_error(
            &path,
            crate::case_files::link_refused(),
            Error::io("open", &path),
        )),
        _ => Ok(()),
    }
}

/// Appends `event` to the ledger of the case folder `root` and waits until it is on disk.
/// Earlier lines are never touched; a torn last line left by a crash is first ended with a line
/// break so that the new event stands on a line of its own.
pub fn append(root: &Path, event: &Event) -> Result<()> {
    let path = state_file(root, LEDGER_NAME, true)?;
    let created = fs::symlink_metadata(&path).is_err();
    let mut file = open_state(
        &path,
        OpenOptions::new().read(true).append(true).create(true),
    )?;
    if created {
        // The new file's name must survive a power cut too.
        if let Some(dir) = path.parent().and_then(|d| fs::File::open(d).ok()) {
            let _ = dir.sync_all();
        }
    }
    let mut text = line(event);
    if !ends_with_newline(&mut file).map_err(Error::io("read", &path))? {
        text.insert(0, '\n');
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(Error::io("append to", &path))
}

fn ends_with_newline(file: &mut fs::File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Built, What};

    fn event(hash: &str) -> Event {
        Event {
            at: "2026-11-27T10:00:00Z".parse().unwrap(),
            what: What::Built(Built {
                contact: "a".into(),
                pack: "email".into(),
                date: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
                packet_sha256: hash.into(),
                files: 1,
                bytes: 1,
                encoded_bytes: None,
                parts: 1,
                data_date: None,
            }),
        }
    }

    /// flock on Unix, LockFileEx on Windows (this test also runs under Wine in CI).
    #[test]
    fn a_second_send_of_the_same_case_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path()).unwrap();
        let Err(error) = lock(dir.path()) else {
            panic!("a second lock was granted")
        };
        assert!(
            error.to_string().contains("is working on this case"),
            "{error}"
        );
        drop(first);
        assert!(lock(dir.path()).is_ok(), "released when dropped");
    }

    #[test]
    fn appends_after_a_torn_line_without_rewriting_it() {
        let dir = tempfile::tempdir().unwrap();
        append(dir.path(), &event("1")).unwrap();
        let path = dir.path().join(LEDGER_FILE);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"at\":\"2026-11-2").unwrap();
        append(dir.path(), &event("2")).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("{\"at\":\"2026-11-2\n"),
            "the torn line stays as it was"
        );
        let ledger = read(dir.path()).unwrap();
        assert_eq!(ledger.events.len(), 2);
        assert_eq!(ledger.skipped.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
