//! Nothing private leaves by accident, and nothing stale: photo metadata, file modes,
//! `--encrypt`, another patient's DICOM, packets that follow their records' contents.

use std::fs;
use std::path::Path;

use std::os::unix::fs::PermissionsExt;

use crate::Test;

/// Every file and folder under `root`, with its permission bits.
fn modes(root: &Path) -> Vec<(String, bool, u32)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            out.push((
                path.display().to_string(),
                meta.is_dir(),
                meta.permissions().mode() & 0o777,
            ));
            if meta.is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

#[test]
fn every_file_written_is_owner_only_whatever_the_umask() {
    // The umask most systems start with; a stricter one would hide a file written 0644.
    // SAFETY: umask only changes this process's default file mode.
    unsafe { libc::umask(0o022) };
    let test = Test::demo();
    let photo = test.path().join("wechat.jpg");
    fs::write(&photo, b"\xFF\xD8\xFF not really a photo").unwrap();
    let test = test.args(["build"]);
    test.run().assert_code(0);
    let test = test.args(["send", "zhongshan-liver", "--dry-run"]);
    test.run().assert_code(0);
    let test = test.args(["summary"]);
    test.run().assert_code(0);
    let test = test.args_vec(vec![
        "mark".into(),
        "ehbh-liver".into(),
        "replied".into(),
        "--note".into(),
        "Dr. Wang answered on haodf.com".into(),
        "--file".into(),
        photo.display().to_string(),
    ]);
    test.run().assert_code(0);
    let run = test.args(["opinions"]).success();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for top in ["out", "replies", ".consultpack"] {
        let root = run.dir.join(top);
        assert!(root.is_dir(), "{top} was written");
        let top_mode = fs::metadata(&root).unwrap().permissions().mode() & 0o777;
        for (path, is_dir, mode) in
            modes(&root)
                .into_iter()
                .chain([(root.display().to_string(), true, top_mode)])
        {
            checked += 1;
            let want = if is_dir { 0o700 } else { 0o600 };
            if mode != want {
                wrong.push(format!("{mode:o} {path}"));
            }
        }
    }
    assert!(checked > 100, "{checked}");
    assert!(wrong.is_empty(), "not owner-only:\n{}", wrong.join("\n"));
}
