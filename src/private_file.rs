//! Writing output files that may hold patient data: atomically (a temporary file in the same
//! folder, renamed over the target) and readable by the owner only.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` so that readers see the old file or the whole new one, never a
/// part; the file is created with mode 0600 on Unix.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |out| {
        out.write_all(bytes).map_err(Error::io("write", path))
    })
}

/// Writes what `fill` writes to `path`, buffered, with the guarantees of [`write`]: the file
/// appears, whole, only once `fill` has succeeded, and nothing is left behind when it fails.
/// Lets a large file be written as it is made rather than held in memory first.
///
/// A failure to write is reported as such, with the path, whatever error `fill` made of it.
pub fn write_with<T>(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    remove_stale(dir, &[TEMP_PREFIX]);
    let mut temp = Temporary::new(dir)?;
    let mut out = BufWriter::new(Watched {
        inner: temp.file(),
        failure: None,
    });
    let filled = fill(&mut out);
    let flushed = out.flush();
    if let Some(source) = out.get_mut().failure.take().or(flushed.err()) {
        return Err(Error::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        });
    }
    drop(out);
    let value = filled?;
    temp.file().sync_all().map_err(Error::io("write", path))?;
    temp.persist(path)?;
    Ok(value)
}

/// Names of temporary files: `.consultpack-tmp-<pid>-…`, so that a later run can tell those of
/// a killed process from those of one still writing.
pub const TEMP_PREFIX: &str = ".consultpack-tmp-";

/// A file being written. On Linux it has no name until it is complete (`O_TMPFILE`): a run
/// killed half-way leaves nothing behind. Elsewhere it is a named file, mode 0600, removed when
/// dropped, and by [`remove_stale`] if the process was killed.
enum Temporary {
    #[cfg(target_os = "linux")]
    Anonymous(fs::File),
    Named(tempfile::NamedTempFile),
}

impl Temporary {
    fn new(dir: &Path) -> Result<Self> {
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::fs::OpenOptionsExt;
            let anonymous = fs::OpenOptions::new()
                .write(true)
                .mode(0o600)
                .custom_flags(libc::O_TMPFILE)
                .open(dir);
            if let Ok(file) = anonymous {
                return Ok(Temporary::Anonymous(file));
            }
        }
        let named = tempfile::Builder::new()
            .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
            .tempfile_in(dir)
            .map_err(Error::io("create a temporary file in", dir))?;
        // tempfile creates files with mode 0600 on Unix already; set it anyway so the guarantee
        // does not depend on that crate's default.
        restrict(named.path())?;
        Ok(Temporary::Named(named))
    }

    fn file(&mut self) -> &mut fs::File {
        match self {
            #[cfg(target_os = "linux")]
            Temporary::Anonymous(file) => file,
            Temporary::Named(named) => named.as_file_mut(),
        }
    }

    /// Gives the complete file its name, replacing `path` in one step.
    fn persist(self, path: &Path) -> Result<()> {
        let replace = |e: io::Error| Error::Io {
            action: "replace",
            path: path.to_path_buf(),
            source: e,
        };
        match self {
            #[cfg(target_os = "linux")]
            Temporary::Anonymous(file) => {
                use std::os::fd::AsRawFd;
                use std::os::unix::ffi::OsStrExt;
                // An unnamed file gets a name by linking it from /proc, then is renamed over
                // the target (linkat cannot replace a file).
                let dir = path.parent().unwrap_or(Path::new("."));
                let named = dir.join(format!(
                    "{TEMP_PREFIX}{}-{:016x}",
                    std::process::id(),
                    random_u64()
                ));
                let from = std::ffi::CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))
                    .expect("no NUL");
                let to = std::ffi::CString::new(named.as_os_str().as_bytes())
                    .map_err(|e| replace(io::Error::other(e)))?;
                // SAFETY: both paths are NUL-terminated C strings that live across the call.
                let linked = unsafe {
                    libc::linkat(
                        libc::AT_FDCWD,
                        from.as_ptr(),
                        libc::AT_FDCWD,
                        to.as_ptr(),
                        libc::AT_SYMLINK_FOLLOW,
                    )
                };
                if linked != 0 {
                    return Err(replace(io::Error::last_os_error()));
                }
                fs::rename(&named, path).map_err(|e| {
                    let _ = fs::remove_file(&named);
                    replace(e)
                })
            }
            Temporary::Named(named) => named.persist(path).map(drop).map_err(|e| replace(e.error)),
        }
    }
}

#[cfg(target_os = "linux")]
fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

/// Removes what runs killed earlier left in `dir`: entries named `<prefix><pid>-…` whose
/// process is no longer running ([`crate::platform::process_alive`]).
pub fn remove_stale(dir: &Path, prefixes: &[&str]) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = prefixes.iter().find_map(|p| name.strip_prefix(p)) else {
            continue;
        };
        let pid: Option<u32> = rest.split('-').next().and_then(|p| p.parse().ok());
        let stale = !pid.is_some_and(crate::platform::process_alive);
        if stale {
            let path = entry.path();
            let _ = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
}

/// A writer that keeps its first error, so that [`write_with`] can report a failure to write
/// as one even after the code writing has turned it into an error of its own.
struct Watched<W> {
    inner: W,
    failure: Option<io::Error>,
}

impl<W> Watched<W> {
    /// Keeps `error` (unless it only asks to try again) and returns a copy for the caller.
    fn keep(&mut self, error: io::Error) -> io::Error {
        let copy = io::Error::new(error.kind(), error.to_string());
        if error.kind() != io::ErrorKind::Interrupted {
            self.failure.get_or_insert(error);
        }
        copy
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.inner.write(bytes).map_err(|e| self.keep(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.keep(e))
    }
}

/// Creates a new file (never an existing one) that only the owner can read, for writing.
pub fn create_new(path: &Path) -> Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(Error::io("create", path))
}

/// Copies `source` to the new file `target`, owner-only and synced. `std::fs::copy` would
/// carry over the source's mode: a record the family saved 0644 would be readable by everyone.
pub fn copy(source: &Path, target: &Path) -> Result<u64> {
    let mut input = crate::case_files::open_regular(source).map_err(Error::io("read", source))?;
    let mut output = create_new(target)?;
    let copied = io::copy(&mut input, &mut output).map_err(Error::io("write", target))?;
    output.sync_all().map_err(Error::io("write", target))?;
    Ok(copied)
}

/// Runs `write` (which writes `path`) after creating the folders `path` needs, owner-only; if
/// it fails, the folders made here are removed again, so a failed run leaves things as they were.
pub fn with_parents<T>(path: &Path, write: impl FnOnce() -> Result<T>) -> Result<T> {
    let mut missing = Vec::new();
    let mut dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    while let Some(d) = dir.filter(|d| !d.exists()) {
        missing.push(d.to_path_buf());
        dir = d.parent().filter(|p| !p.as_os_str().is_empty());
    }
    for d in missing.iter().rev() {
        create_dir(d)?;
    }
    let result = write();
    if result.is_err() {
        for d in &missing {
            let _ = fs::remove_dir(d);
        }
    }
    result
}

/// Creates a folder (and its missing parents) that only the owner can enter, whatever the
/// umask. Folders that already exist are the user's: their permissions are left alone.
pub fn create_dir(path: &Path) -> Result<()> {
    let mut missing = Vec::new();
    let mut dir = Some(path).filter(|d| !d.as_os_str().is_empty());
    while let Some(d) = dir.filter(|d| d.symlink_metadata().is_err()) {
        missing.push(d);
        dir = d.parent().filter(|p| !p.as_os_str().is_empty());
    }
    for d in missing.into_iter().rev() {
        #[cfg(unix)]
        let builder = {
            use std::os::unix::fs::DirBuilderExt;
            let mut builder = fs::DirBuilder::new();
            builder.mode(0o700);
            builder
        };
        #[cfg(windows)]
        let builder = fs::DirBuilder::new();
        match builder.create(d) {
            Ok(()) => restrict_dir(d)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io("create folder", d)(e)),
        }
    }
    Ok(())
}

/// Makes a folder this program created enterable by the owner only.
#[cfg(unix)]
pub fn restrict_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))
        .map_err(Error::io("set permissions of", path))
}

#[cfg(unix)]
fn restrict(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        .map_err(Error::io("set permissions of", path))
}

/// On Windows a new file or folder takes the permissions of the folder it is in: under the
/// user's profile only the user (and administrators) can open it, and `check` warns about a
/// case folder outside it (`CaseFolder::check_permissions`). Nothing is changed here.
#[cfg(windows)]
pub fn restrict_dir(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(windows)]
fn restrict(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_readable_by_the_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.pdf");
        write(&path, b"first").unwrap();
        write(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files remain");
    }

    #[test]
    fn temporaries_of_dead_processes_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(format!("{TEMP_PREFIX}999999999-abc"));
        let live = dir
            .path()
            .join(format!("{TEMP_PREFIX}{}-abc", std::process::id()));
        fs::write(&dead, b"patient data").unwrap();
        fs::write(&live, b"being written").unwrap();
        write(&dir.path().join("x.pdf"), b"%PDF").unwrap();
        assert!(!dead.exists() && live.exists());
    }

    #[test]
    fn writes_what_is_written_piece_by_piece_and_nothing_when_that_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("packet.pdf");
        let pieces = write_with(&path, |out| {
            for piece in [&b"%PDF"[..], b"-1.7", b"\n"] {
                out.write_all(piece).map_err(Error::io("write", "test"))?;
            }
            Ok(3)
        })
        .unwrap();
        assert_eq!(pieces, 3);
        assert_eq!(fs::read(&path).unwrap(), b"%PDF-1.7\n");

        let failed = write_with(&path, |out| {
            out.write_all(b"half a file")
                .map_err(Error::io("write", "test"))?;
            Err::<(), _>(Error::user("a record could not be read", None))
        });
        assert!(matches!(failed, Err(Error::User { .. })));
        assert_eq!(
            fs::read(&path).unwrap(),
            b"%PDF-1.7\n",
            "the old file stays"
        );
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files remain");
    }

    /// A full disk, say, seen by code that words the error its own way.
    #[test]
    fn a_failure_to_write_is_kept_for_reporting_with_the_path() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("no space left"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = Watched {
            inner: Full,
            failure: None,
        };
        let seen = out.write_all(b"bytes").unwrap_err();
        assert_eq!(seen.to_string(), "no space left");
        let kept = out.failure.expect("the error is kept");
        assert_eq!(kept.to_string(), "no space left");
    }
}
