//! Hostile or broken input never hangs, never reads without bound, never echoes a secret, never
//! overwrites what the family wrote, and never gives a silently wrong result (issue: hardening).

use std::ffi::CString;
use std::path::Path;

use crate::Test;

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let c = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
        0,
        "mkfifo {path:?}"
    );
}

fn replace_with_fifo(test: &Test, relative: &str) {
    let path = test.path().join(relative);
    let _ = std::fs::remove_file(&path);
    mkfifo(&path);
}

fn replace_with_link(test: &Test, relative: &str, target: &str) {
    let path = test.path().join(relative);
    let _ = std::fs::remove_file(&path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, &path).unwrap();
}

/// Point 1: a pipe anywhere the tool reads is refused at once, named, never waited on.
#[test]
fn pipes_are_refused_not_waited_on() {
    let test = Test::demo();
    mkfifo(&test.path().join("records/other/stray-pipe"));
    let run = test.deadline(20).args(["check"]).success();
    run.stderr_has("`records/other/stray-pipe` is not a regular file");

    for file in ["contacts.toml", "consultpack.toml", "case.toml"] {
        let test = Test::demo();
        replace_with_fifo(&test, file);
        let run = test.deadline(20).args(["check"]).failure(1);
        run.stderr_has(file).stderr_has("not a regular file");
    }

    let test = Test::demo();
    replace_with_fifo(&test, "records/labs/2021-06-20_liver-panel.jpg.toml");
    test.deadline(20)
        .args(["check"])
        .failure(1)
        .stderr_has("not a regular file");

    let test = Test::demo();
    replace_with_fifo(&test, "templates/summary.en.md");
    test.deadline(20)
        .args(["summary", "--lang", "en", "--no-records", "-o", "s.pdf"])
        .failure(1)
        .stderr_has("not a regular file");
}

/// Point 2: a file that never ends (/dev/zero behind a link) or is too large is refused, and
/// memory stays small.
#[test]
fn endless_and_oversized_files_are_refused_with_bounded_memory() {
    for file in [
        "contacts.toml",
        "templates/summary.en.md",
        "records/labs/2021-06-20_liver-panel.jpg.toml",
    ] {
        let test = Test::demo().deadline(20);
        replace_with_link(&test, file, "/dev/zero");
        let (peak_kb, run) = test
            .args(["summary", "--lang", "en", "--no-records", "-o", "s.pdf"])
            .run_measured();
        assert_eq!(run.code, 1, "{run}");
        run.stderr_has("not a regular file");
        assert!(peak_kb < 300_000, "{file}: peak {peak_kb} KB");
    }
    let test = Test::demo();
    let big = "# padding\n".repeat(500_000);
    std::fs::write(test.path().join("contacts.toml"), big).unwrap();
    test.args(["check"])
        .failure(1)
        .stderr_has("larger than 4 MB");
}
