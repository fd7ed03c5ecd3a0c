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

/// The page renderers (`__render-pages`) running in `dir`, by their working folder, with
/// zombies (dead, not yet reaped) left out.
fn renderers_in(dir: &Path) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let renderer = cmdline
            .split(|&b| b == 0)
            .any(|arg| arg == b"__render-pages");
        let here = fs::read_link(entry.path().join("cwd")).is_ok_and(|cwd| cwd == dir);
        let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let state = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest.trim_start());
        if renderer && here && !state.starts_with('Z') && !state.is_empty() {
            out.push(pid);
        }
    }
    out
}

/// Names and sizes of every file under `dir`.
fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = crate::snapshot(dir)
        .into_iter()
        .map(|(path, bytes)| (path.display().to_string(), bytes.len() as u64))
        .collect();
    out.sort();
    out
}

#[test]
fn renderers_die_with_a_killed_build_and_write_nothing_after_it() {
    let test = Test::demo();
    let dir = fs::canonicalize(test.path()).unwrap();
    // A long record (the demo's reports over and over): its pages take the renderer seconds.
    let mut args = vec!["--empty".to_string(), "--pages".to_string()];
    for _ in 0..12 {
        for pdf in [
            "imaging/2021-06-18_mri-report.pdf",
            "imaging/2021-08-10_ct-report.pdf",
            "procedures/2021-07-05_tace-1.pdf",
            "other/2021-09-01_discharge-summary.pdf",
        ] {
            args.push(dir.join("records").join(pdf).display().to_string());
            args.push("1-z".into());
        }
    }
    args.push("--".into());
    args.push(
        dir.join("records/other/2021-11-12_scanned-notes.pdf")
            .display()
            .to_string(),
    );
    crate::tool("qpdf", &args.iter().map(String::as_str).collect::<Vec<_>>());
    let test = test.write(
        "records/other/2021-11-12_scanned-notes.pdf.toml",
        r#"
        kind = "other"
        date = 2021-11-12
        title = { zh = "门诊记录", en = "Clinic notes" }
        "#,
    );
    let mut build = std::process::Command::new(crate::BIN)
        .args(["build", "--contact", "ehbh-liver"])
        .current_dir(&dir)
        .env("CONSULTPACK_TODAY", crate::TODAY)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while renderers_in(&dir).is_empty() {
        assert!(
            started.elapsed().as_secs() < 60,
            "no renderer started within a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Let the renderers get under way, then kill the build as a user's `kill -9` would.
    std::thread::sleep(std::time::Duration::from_millis(300));
    build.kill().unwrap();
    build.wait().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let survivors = renderers_in(&dir);
    let before = listing(&dir.join("out"));
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let after = listing(&dir.join("out"));
    for pid in &survivors {
        // SAFETY: kill with a pid that was a renderer of this test; cleanup only.
        unsafe { libc::kill(*pid as libc::pid_t, libc::SIGKILL) };
    }
    assert!(
        survivors.is_empty(),
        "renderers outlived the build: {survivors:?}"
    );
    assert_eq!(before, after, "nothing is written after the build died");
    drop(test);
}
