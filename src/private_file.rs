//! Writing output files that may hold patient data: atomically (a temporary file in the same
//! folder, renamed over the target) and readable by the owner only.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` so that readers see the old file or the whole new one, never a
/// part; the file is created with mode 0600 on Unix.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
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
    temp.write_all(bytes).map_err(Error::io("write", path))?;
    temp.as_file()
        .sync_all()
        .map_err(Error::io("write", path))?;
    temp.persist(path).map_err(|e| Error::Io {
        action: "replace",
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
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
}
