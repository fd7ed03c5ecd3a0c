//! What the operating systems do differently, in one place: the rest of the program states one
//! intent ("confine this child", "is that process still running", "stop this command and what
//! it started") and each system keeps its own means — Unix (Linux and macOS) in `unix.rs`,
//! Windows in `windows.rs`. docs/platforms.md has the table of every safeguard, its
//! counterparts and the test that covers each.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use self::windows::*;

/// Whether `path` names a Windows device rather than a file: `\\.\…` (and `\\?\` paths other
/// than a drive or a share), or a last component whose name before the first dot is `CON`,
/// `PRN`, `AUX`, `NUL`, `COM0`–`COM9` or `LPT0`–`LPT9` (also `COM¹²³`, `LPT¹²³`), in any
/// case and with trailing spaces — Windows opens the device for `records\nul.pdf`.
#[cfg(any(windows, test))]
pub fn windows_device(path: &std::path::Path) -> bool {
    let text = path.to_string_lossy();
    if text.starts_with(r"\\.\") || text.starts_with("//./") {
        return true;
    }
    if let Some(rest) = text.strip_prefix(r"\\?\") {
        let drive = rest.as_bytes().get(1) == Some(&b':');
        let share = rest
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case(r"UNC\"));
        if !drive && !share {
            return true;
        }
    }
    let name = text.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end_matches(' ');
    let upper = stem.to_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            let (Some(prefix), Some(number)) = (upper.get(..3), upper.get(3..)) else {
                return false;
            };
            let digit = number.chars().count() == 1
                && number
                    .chars()
                    .all(|c| c.is_ascii_digit() || "¹²³".contains(c));
            (prefix == "COM" || prefix == "LPT") && digit
        }
    }
}

#[cfg(test)]
mod tests {
    use super::windows_device;
    use std::path::Path;

    /// Checked on every system, since the rule is plain text; Windows applies it in
    /// `case_files::open_regular` (and its own test there runs under Wine in CI).
    #[test]
    fn windows_device_names_are_recognised_in_any_folder_case_and_extension() {
        for device in [
            "CON",
            r"records\nul.pdf",
            "records/labs/Com1.toml",
            "LPT9",
            "aux .txt",
            "COM¹",
            r"\\.\PhysicalDrive0",
            r"\\.\pipe\consultpack",
            r"\\?\GLOBALROOT\Device\Null",
            "conin$",
        ] {
            assert!(windows_device(Path::new(device)), "{device}");
        }
        for file in [
            "console.pdf",
            "records/null.toml",
            "COM10",
            "com.pdf",
            "LPT",
            r"\\?\C:\Users\李\病历\CT.pdf",
            r"\\?\UNC\server\share\a.pdf",
            "报告-CON.pdf",
            "nul-scan.pdf",
            "aaé.pdf",
        ] {
            assert!(!windows_device(Path::new(file)), "{file}");
        }
    }
}
