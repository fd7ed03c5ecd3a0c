//! Opening what the family put in the case folder without trusting it: only regular files
//! (a named pipe would block every command forever, a device such as /dev/zero never ends),
//! and whole-file reads bounded by a documented size.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use crate::tr;

/// The largest TOML file read (case.toml, contacts.toml, consultpack.toml, sidecars, state).
pub const TOML_LIMIT: u64 = 4 << 20;
/// The largest template read.
pub const TEMPLATE_LIMIT: u64 = 1 << 20;
/// The largest record read whole into memory (a PDF appended to a summary, a page rendered).
pub const RECORD_LIMIT: u64 = 1 << 30;

/// Opens `path` for reading if it is a regular file (following symlinks). The file type is
/// checked on the opened handle, and the open itself never waits: on Unix a pipe is opened
/// non-blocking and refused; on Windows a device name (`CON`, `NUL`, `COM1`, `\\.\…`) is
/// refused before anything is opened, and a handle that is not a disk file after.
pub fn open_regular(path: &Path) -> io::Result<File> {
    open_regular_with(path, false)
}

/// [`open_regular`], refusing a link (`O_NOFOLLOW`; on Windows the link itself is opened and
/// refused): for consultpack's own files in `.consultpack/`, which nothing the family does
/// ever makes a link. See [`is_link_refusal`].
pub fn open_regular_not_link(path: &Path) -> io::Result<File> {
    open_regular_with(path, true)
}

#[cfg(unix)]
fn open_regular_with(path: &Path, not_link: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let no_follow = if not_link { libc::O_NOFOLLOW } else { 0 };
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | no_follow)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    // Back to blocking reads (regular files ignore the flag, but a reader should not see it).
    // SAFETY: fcntl on a descriptor we own, with flags read from it.
    unsafe {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(file)
}

#[cfg(windows)]
fn open_regular_with(path: &Path, not_link: bool) -> io::Result<File> {
    use std::os::windows::fs::OpenOptionsExt;
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Storage::FileSystem::{
        FILE_FLAG_OPEN_REPARSE_POINT, FILE_TYPE_DISK, GetFileType,
    };
    // Opening a device may already wait (a serial port) or read the console: never tried.
    if crate::platform::windows_device(path) {
        return Err(not_regular());
    }
    let mut options = OpenOptions::new();
    options.read(true);
    if not_link {
        options.custom_flags(FILE_FLAG_OPEN_REPARSE_POINT);
    }
    let file = options.open(path)?;
    // SAFETY: GetFileType reads the type of a handle this function owns.
    if unsafe { GetFileType(file.as_raw_handle()) } != FILE_TYPE_DISK {
        return Err(not_regular());
    }
    let meta = file.metadata()?;
    if not_link && meta.file_type().is_symlink() {
        return Err(link_refused());
    }
    if !meta.is_file() {
        return Err(not_regular());
    }
    Ok(file)
}

/// The error of opening a link where none is followed (Unix `ELOOP`).
#[cfg(unix)]
pub fn link_refused() -> io::Error {
    io::Error::from_raw_os_error(libc::ELOOP)
}

/// Whether `error` is [`link_refused`]: a link found where consultpack's own file should be.
#[cfg(unix)]
pub fn is_link_refusal(error: &io::Error) -> bool {
    error.raw_os_error() == Some(libc::ELOOP)
}

/// The error of opening a link where none is followed (Windows has no number for it).
#[cfg(windows)]
pub fn link_refused() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, LinkRefused)
}

/// Whether `error` is [`link_refused`]: a link found where consultpack's own file should be.
#[cfg(windows)]
pub fn is_link_refusal(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|e| e.downcast_ref::<LinkRefused>().is_some())
}

/// The marker of [`link_refused`] on Windows, which has no error number for it.
#[cfg(windows)]
#[derive(Debug)]
struct LinkRefused;

#[cfg(windows)]
impl std::fmt::Display for LinkRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a link where none is followed")
    }
}

#[cfg(windows)]
impl std::error::Error for LinkRefused {}

/// Whether `path` is (or links to) a regular file, without opening it.
pub fn is_regular(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Reads a regular file whole, refusing one over `limit` bytes (an `InvalidData` error that
/// names the limit).
pub fn read_capped(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_file_capped(open_regular(path)?, limit)
}

/// [`read_capped`] of a file already opened.
pub fn read_file_capped(file: File, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            Refused(tr!(
                "it is larger than {size} (the most consultpack reads)",
                size = human(limit)
            )),
        ));
    }
    Ok(bytes)
}

/// Why a file was not read: the family's to fix, not a failure of the machine.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// The reason, when `error` is a refusal of ours.
pub fn refusal(error: &io::Error) -> Option<&Refused> {
    error.get_ref()?.downcast_ref::<Refused>()
}

fn not_regular() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        Refused(tr!(
            "not a regular file (a pipe, device or socket); only ordinary files are read"
        )),
    )
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{} GB", bytes >> 30)
    } else {
        format!("{} MB", bytes >> 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn pipes_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let error = open_regular(&fifo).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
        assert!(!is_regular(&fifo));
        let error = read_capped(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read_capped(&link, 10).is_err());
    }

    /// Windows' counterpart: device names, whatever folder or extension they come with, are
    /// refused before anything is opened (run under Wine by scripts/windows-smoke.sh).
    #[cfg(windows)]
    #[test]
    fn windows_devices_are_refused_without_opening_them() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["CON", "nul.pdf", "COM1.toml", "AUX"] {
            let error = open_regular(&dir.path().join(name)).unwrap_err();
            assert!(
                error.to_string().contains("not a regular file"),
                "{name}: {error}"
            );
        }
        let error = read_capped(Path::new(r"\\.\NUL"), 10).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
        let file = dir.path().join("真实的化验单.toml");
        std::fs::write(&file, "a = 1").unwrap();
        assert_eq!(read_capped(&file, 10).unwrap(), b"a = 1");
    }

    #[test]
    fn reads_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, vec![b'a'; 11]).unwrap();
        assert_eq!(read_capped(&path, 11).unwrap().len(), 11);
        let error = read_capped(&path, 10).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
