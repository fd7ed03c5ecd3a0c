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
    let mut temp = tempfile::Builder::new()
        .prefix(".consultpack-")
        .tempfile_in(dir)
        .map_err(Error::io("create a temporary file in", dir))?;
    // tempfile creates files with mode 0600 on Unix already; set it anyway so the guarantee
    // does not depend on that crate's default.
    restrict(temp.path())?;
    let mut out = BufWriter::new(Watched {
        inner: temp.as_file_mut(),
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
    temp.as_file()
        .sync_all()
        .map_err(Error::io("write", path))?;
    temp.persist(path).map_err(|e| Error::Io {
        action: "replace",
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(value)
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

/// Creates a folder (and its parents) that only the owner can enter.
pub fn create_dir(path: &Path) -> Result<()> {
    fs::create_dir_all(path).map_err(Error::io("create folder", path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))
            .map_err(Error::io("set permissions of", path))?;
    }
    Ok(())
}

/// Makes a folder this program created enterable by the owner only.
pub fn restrict_dir(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))
            .map_err(Error::io("set permissions of", path))?;
    }
    Ok(())
}

fn restrict(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(Error::io("set permissions of", path))?;
    }
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
