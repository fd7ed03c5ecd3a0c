//! The ledger on disk: appended with `O_APPEND` (one `write` per event, so two processes never
//! interleave within a line), fsynced before the caller goes on, readable by the owner only.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::{Event, Ledger, line, parse};
use crate::error::{Error, Result};
use crate::private_file;
use crate::tr;

/// The ledger's path inside a case folder.
pub const LEDGER_FILE: &str = ".consultpack/ledger.jsonl";

/// An exclusive hold on the case's ledger, for a decision and its record (`send`): a second
/// `send` of the same case waits for no one and says so. Released when dropped.
pub struct Lock {
    _file: fs::File,
}

pub fn lock(root: &Path) -> Result<Lock> {
    let path = root.join(".consultpack/lock");
    if let Some(dir) = path.parent().filter(|d| !d.exists()) {
        private_file::create_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(&path).map_err(Error::io("open", &path))?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a file descriptor this function owns.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            return Err(Error::user(
                tr!("another consultpack command is sending for this case right now"),
                Some(tr!("wait for it to finish, then try again")),
            ));
        }
    }
    Ok(Lock { _file: file })
}

/// Reads the ledger of the case folder `root`; a missing ledger is an empty one.
pub fn read(root: &Path) -> Result<Ledger> {
    let path = root.join(LEDGER_FILE);
    match crate::case_files::read_capped(&path, crate::case_files::RECORD_LIMIT) {
        Ok(bytes) => Ok(parse(&String::from_utf8_lossy(&bytes))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Ledger::default()),
        Err(e) => Err(Error::io("read", path)(e)),
    }
}

/// Appends `event` to the ledger of the case folder `root` and waits until it is on disk.
/// Earlier lines are never touched; a torn last line left by a crash is first ended with a line
/// break so that the new event stands on a line of its own.
pub fn append(root: &Path, event: &Event) -> Result<()> {
    let path = root.join(LEDGER_FILE);
    if let Some(dir) = path.parent().filter(|d| !d.exists()) {
        private_file::create_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let created = !path.exists();
    let mut file = options.open(&path).map_err(Error::io("open", &path))?;
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
            }),
        }
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
