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
        // Links out of the case allowed, so that the regular-file check is what stops it.
        let test = Test::demo()
            .edit(
                "case.toml",
                "as_of = 2021-11-15",
                "allow_links_outside = true\nas_of = 2021-11-15",
            )
            .deadline(20);
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

/// Point 13: two [[lab]] sets on one date with different values: a warning naming both, and the
/// criteria use neither (flagged), whatever their order.
#[test]
fn two_values_of_one_test_on_one_date_are_named_and_neither_is_used() {
    let extra = "\n[[lab]]\ndate = 2021-11-10\nsource = \"labs/2021-11-10_liver-panel.jpg\"\nalbumin = { value = 2.4, unit = \"g/dL\" }\n";
    let case = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-case/case.toml"
    ))
    .unwrap();
    let at = case.find("[[assessment]]").unwrap();
    let planted = format!("{}{extra}\n{}", &case[..at], &case[at..]);
    let test = Test::demo().write("case.toml", &planted);
    let run = test.args(["check"]).success();
    run.stderr_has(
        "`albumin` of 2021-11-10 has two different values: 3.4 g/dL in [[lab]] #4 (case.toml:",
    )
    .stderr_has("and 2.4 g/dL in [[lab]] #5 (case.toml:")
    .stderr_has("the criteria use neither");
    let json = |test: Test| -> serde_json::Value {
        let run = test
            .args(["criteria", "--json", "--at", "2021-11-11"])
            .success();
        serde_json::from_str(&run.stdout).unwrap()
    };
    let criteria = json(Test::demo().write("case.toml", &planted));
    let child_pugh = &criteria["criteria"][0];
    assert_eq!(child_pugh["id"], "child_pugh");
    let flags = child_pugh["flags"].to_string();
    assert!(
        flags.contains("the albumin of Nov 10, 2021 has two different values (3.4 and 2.4)"),
        "{flags}"
    );
    // The order of the sets does not change the result.
    let swapped = format!(
        "{}{extra}\n{}",
        &case[..case.find("[[lab]]").unwrap()],
        &case[case.find("[[lab]]").unwrap()..]
    );
    let other = json(Test::demo().write("case.toml", &swapped));
    assert_eq!(other["criteria"][0]["category"], child_pugh["category"]);
}

/// Point 14: impossible values are errors, implausible ones warnings, each at its line; a birth
/// date after the course of the disease is an error.
#[test]
fn impossible_and_implausible_values_are_caught() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "sodium = { value = 136, unit",
            "sodium = { value = 0, unit",
        )
        .edit("case.toml", "weight_kg = 67", "weight_kg = -1")
        .edit(
            "case.toml",
            "birth_date = 1958-05-12",
            "birth_date = 2021-10-01",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("`sodium` in [[lab]] #4 is 0 mmol/L, which is not possible")
        .stderr_has("`weight_kg` in [[assessment]] #1 is -1, which is not possible")
        .stderr_has("`birth_date` (2021-10-01) is after a [[aetiology]] dated 1996")
        .stderr_has("--> case.toml:13:14");
    let run = Test::demo()
        .edit(
            "case.toml",
            "birth_date = 1958-05-12",
            "birth_date = 0000-01-01",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("`birth_date` in [patient] is before 1900");
    // Plausible only in the other unit: an error (issue 19); in neither, a warning.
    Test::demo()
        .edit(
            "case.toml",
            "creatinine = { value = 0.95, unit = \"mg/dL\"",
            "creatinine = { value = 0.95, unit = \"µmol/L\"",
        )
        .args(["check"])
        .failure(1)
        .stderr_has(
            "`creatinine` in [[lab]] #4: 0.95 with range 0.7-1.3 reads as mg/dL, not µmol/L",
        );
    let run = Test::demo()
        .edit(
            "case.toml",
            "creatinine = { value = 0.95, unit = \"mg/dL\"",
            "creatinine = { value = 25, unit = \"mg/dL\"",
        )
        .args(["check"])
        .success();
    run.stderr_has(
        "`creatinine` in [[lab]] #4 is 25 mg/dL, outside what is plausible (0.15–20 mg/dL)",
    )
    .stderr_has("`creatinine` changed tenfold: 82 µmol/L on 2021-10-14");
    // A key written with capitals is the same analyte, not a crash.
    Test::demo()
        .edit(
            "case.toml",
            "bilirubin = { value = 17.8",
            "Bilirubin = { value = 17.8",
        )
        .args(["check"])
        .success();
}

/// Point 16: a contact id too long for file names is refused in check, not by the file system.
#[test]
fn overlong_contact_ids_are_refused() {
    let id = "a".repeat(300);
    let test = Test::demo().write(
        "contacts.toml",
        &format!("[[contact]]\nid = \"{id}\"\ninstitution = \"X\"\nlanguage = \"en\"\nchannel = \"email\"\nemail = \"x@example.org\"\n"),
    );
    let run = test.args(["check"]).failure(1);
    run.stderr_has("may use only a–z, 0–9 and `-`, at most 40 of them");
    assert!(run.stderr.len() < 4000, "the id is not echoed whole");
}

/// Point 4: a case.toml with old-Mac line endings (lone CR) gives bounded output quickly:
/// lines are counted, quoted excerpts are cut, and at most 50 problems are printed.
#[test]
fn lone_carriage_returns_give_bounded_output() {
    let case = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-case/case.toml"
    ))
    .unwrap();
    let mut cr = case.replace('\n', "\r");
    while cr.len() < 48_000 {
        cr.push_str("\rx = 1");
    }
    let test = Test::demo().write("case.toml", &cr).deadline(30);
    let (peak_kb, run) = test.args(["check"]).run_measured();
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.len() < 100_000,
        "{} bytes of stderr",
        run.stderr.len()
    );
    assert!(peak_kb < 200_000, "peak {peak_kb} KB");
    let longest = run.stderr.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest < 400, "a line of {longest} characters");

    // Many problems: the first 50, then how many more.
    let many: String = (0..500).map(|i| format!("unknown_{i} = 1\n")).collect();
    let run = Test::demo()
        .edit("case.toml", "[patient]\n", &format!("{many}[patient]\n"))
        .args(["check"])
        .failure(1);
    assert_eq!(
        run.stderr.matches("error: unknown field").count(),
        50,
        "{run}"
    );
    run.stderr_has("… and 450 more (450 error(s))");
}

/// Point 7: a password written anywhere is refused and never echoed, whatever its spelling or
/// syntax; consultpack.toml's lines are never quoted.
#[test]
fn secrets_in_case_files_are_refused_and_never_printed() {
    const SECRET: &str = "Hunter2Secret";
    let config = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-case/consultpack.toml"
    ))
    .unwrap();
    let plantings = [
        format!("password = \"{SECRET}\"\n{config}"),
        config.replace(
            "[sender]\n",
            &format!("[sender]\npassword = \"{SECRET}\"\n"),
        ),
        config.replace("[smtp]\n", &format!("[smtp]\npasword = \"{SECRET}\"\n")),
        config.replace("[smtp]\n", &format!("[smtp]\npasswd = \"{SECRET}\"\n")),
        config.replace("[smtp]\n", &format!("[smtp]\npass = \"{SECRET}\"\n")),
        config.replace(
            "[smtp]\n",
            &format!("[smtp]\nsmtp_password = \"{SECRET}\"\n"),
        ),
        config.replace("[smtp]\n", &format!("[smtp]\npassword = {SECRET}\n")),
        config.replace("[smtp]\n", &format!("[smtp]\npassword = \"{SECRET}\n")),
        config.replace(
            "[smtp]\n",
            &format!("[smtp]\npassword = \"{SECRET}\"\npassword = \"{SECRET}\"\n"),
        ),
        config.replace("port = 465", &format!("port = \"{SECRET}\"")),
    ];
    for planted in plantings {
        let run = Test::demo()
            .write("consultpack.toml", &planted)
            .args(["check"])
            .run();
        assert_eq!(run.code, 1, "{planted}\n{run}");
        assert!(
            !run.stderr.contains(SECRET) && !run.stdout.contains(SECRET),
            "{planted}\n{run}"
        );
    }
    let run = Test::demo()
        .edit(
            "case.toml",
            "sex = \"male\"",
            &format!("sex = \"male\"\n\"授权码\" = \"{SECRET}\""),
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("`授权码` in [patient] looks like a password or other secret");
    assert!(!run.stderr.contains(SECRET), "{run}");
}

/// Point 12: control characters from files and names (a screen clear, a forged `error:` line)
/// are printed inert.
#[test]
fn control_characters_are_printed_inert() {
    let test = Test::demo().write(
        "contacts.toml",
        "[[contact]]\nid = \"evil\"\ninstitution = \"X\\u001b[2J\\nerror: forged\"\nlanguage = \"en\"\nchannel = \"email\"\nemail = \"x@example.org\"\n",
    );
    let run = test.args(["contacts", "list"]).success();
    assert!(!run.stdout.contains('\u{1b}'), "{run}");
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("error: forged")),
        "{run}"
    );
    assert!(run.stdout.contains("\\u{1b}[2J"), "{run}");

    let test = Test::demo();
    std::fs::write(
        test.path().join("records/other/a\u{1b}[31mred.pdf"),
        b"%PDF-1.4\n",
    )
    .unwrap();
    let run = test.args(["check"]).success();
    assert!(!run.stderr.contains('\u{1b}'), "{run}");
    run.stderr_has("a\\u{1b}[31mred.pdf");
}

/// Point 5: a case's own template that loops forever, recurses or doubles a string is stopped
/// and named; the machine is not.
#[test]
fn expensive_templates_are_stopped_and_named() {
    for body in [
        "{% for i in range(1000000) %}{% for j in range(1000000) %}x{% endfor %}{% endfor %}",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "{% set ns = namespace(s=\"x\") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "{{ \"x\" * 5000000000 }}",
        "{% for i in range(100000000) %}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{% endfor %}",
    ] {
        let test = Test::demo()
            .write("templates/summary.en.md", body)
            .deadline(60);
        let (peak_kb, run) = test
            .args(["summary", "--lang", "en", "--no-records", "-o", "s.pdf"])
            .run_measured();
        assert_eq!(run.code, 1, "{body}\n{run}");
        run.stderr_has("templates/summary.en.md");
        // The child's address space is capped at 512 MB; its peak counts in this figure.
        assert!(peak_kb < 600_000, "{body}: peak {peak_kb} KB");
        assert!(!run.dir.join("s.pdf").exists());
    }
    // A reasonable custom template still works, through the same child process.
    Test::demo()
        .write(
            "templates/summary.en.md",
            "# Summary of {{ patient.id }}\n\n:::labs\n",
        )
        .args(["summary", "--lang", "en", "--no-records", "-o", "s.pdf"])
        .success();
}

/// Point 6: a text far longer than its field is refused at its line, not typeset for pages.
#[test]
fn overlong_texts_are_refused_at_their_line() {
    let long = "王".repeat(100_000);
    let run = Test::demo()
        .edit(
            "case.toml",
            "name = { zh = \"李国强（虚构）\"",
            &format!("name = {{ zh = \"{long}\""),
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("`name` in [patient] is 100000 characters long; at most 2000 fit there")
        .stderr_has("--> case.toml:11:");
    assert!(run.stderr.len() < 5_000, "the text is not printed back");
}

/// Point 8: `-o` never replaces what the family wrote, a device, or a file that is not a PDF.
#[test]
fn output_paths_never_destroy_the_familys_files() {
    for target in [
        "case.toml",
        "contacts.toml",
        "records/labs/2021-06-20_liver-panel.jpg",
        "records/new.pdf",
        "records/../records/x.pdf",
        "templates/x.pdf",
    ] {
        let test = Test::demo();
        let before = test.snapshot();
        let test = test.args(["summary", "--lang", "en", "--no-records", "-o", target]);
        let run = test.run();
        assert_eq!(run.code, 1, "{target}\n{run}");
        run.stderr_has("will not write to");
        assert_eq!(test.snapshot(), before, "{target}: nothing changed");
    }
    // A device or a pipe is not replaced by a file.
    let run = Test::demo()
        .args(["summary", "--lang", "en", "--no-records", "-o", "/dev/null"])
        .failure(1);
    run.stderr_has("it is not a regular file");
    // An existing file that is not a PDF needs --force; a PDF is replaced.
    let test = Test::demo().write("notes.txt", "the family's notes");
    let run = test
        .args(["summary", "--lang", "en", "--no-records", "-o", "notes.txt"])
        .failure(1);
    run.stderr_has("exists and is not a PDF");
    assert!(
        std::fs::read_to_string(run.dir.join("notes.txt"))
            .unwrap()
            .starts_with("the family's notes")
    );
    let test = Test::demo().write("notes.txt", "x");
    test.args([
        "summary",
        "--lang",
        "en",
        "--no-records",
        "-o",
        "notes.txt",
        "--force",
    ])
    .success();
    // Folders made for -o are removed again when writing fails.
    let test = Test::demo().write("templates/summary.en.md", "{{ nothing.here }}");
    let run = test
        .args([
            "summary",
            "--lang",
            "en",
            "--no-records",
            "-o",
            "new/deeper/s.pdf",
        ])
        .failure(1);
    assert!(!run.dir.join("new").exists());
}

/// Point 9: a summary killed while it writes leaves no temporary file with patient data, and a
/// later run clears what an older killed run left.
#[test]
fn killed_runs_leave_no_temporary_files() {
    let test = Test::demo();
    let out = test.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // What a killed process (pid 999999999 does not exist) would have left.
    std::fs::write(out.join(".consultpack-tmp-999999999-x"), b"patient data").unwrap();
    for delay_ms in [30, 60, 90, 120, 150, 200, 250, 300] {
        let mut child = std::process::Command::new(crate::BIN)
            .args(["summary", "--lang", "zh", "-o", "out/s.pdf"])
            .current_dir(test.path())
            .env("CONSULTPACK_TODAY", crate::TODAY)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
    }
    let run = test
        .args(["summary", "--lang", "zh", "-o", "out/s.pdf"])
        .success();
    let left: Vec<String> = std::fs::read_dir(run.dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".consultpack"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Point 10: links out of the case folder are refused (records, sidecars, templates, out/),
/// unless case.toml allows them; a link to a folder inside is a folder.
#[test]
fn links_out_of_the_case_are_refused_unless_allowed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.pdf"),
        b"%PDF-1.4\nnot the family's",
    )
    .unwrap();
    std::fs::write(
        outside.path().join("passwd"),
        "root:x:0:0:SENTINEL-LINE:/root:/bin/bash\n",
    )
    .unwrap();
    let secret = outside.path().join("secret.pdf");
    let passwd = outside.path().join("passwd");

    let test = Test::demo();
    replace_with_link(&test, "records/other/linked.pdf", secret.to_str().unwrap());
    replace_with_link(
        &test,
        "records/labs/2021-06-20_liver-panel.jpg.toml",
        passwd.to_str().unwrap(),
    );
    let run = test.args(["check"]).success();
    run.stderr_has("`records/other/linked.pdf` is a link to")
        .stderr_has("outside the case folder; it is left out");
    assert!(!run.stderr.contains("SENTINEL-LINE"), "{run}");

    let test = Test::demo();
    replace_with_link(&test, "templates/summary.en.md", passwd.to_str().unwrap());
    test.args(["summary", "--lang", "en", "--no-records"])
        .failure(1)
        .stderr_has("is a link to");

    let test = Test::demo();
    std::os::unix::fs::symlink(outside.path(), test.path().join("out")).unwrap();
    test.args(["summary", "--lang", "en", "--no-records"])
        .failure(1)
        .stderr_has("`out` leads outside the case folder");
    assert!(
        std::fs::read_dir(outside.path()).unwrap().count() == 2,
        "nothing written outside"
    );

    // Allowed explicitly, a linked record is used.
    let test = Test::demo().edit(
        "case.toml",
        "as_of = 2021-11-15",
        "allow_links_outside = true\nas_of = 2021-11-15",
    );
    replace_with_link(&test, "records/other/linked.pdf", secret.to_str().unwrap());
    let run = test.args(["check"]).success();
    assert!(!run.stderr.contains("is a link to"), "{run}");

    // A link to a folder inside the case is a folder: its files are listed, not one odd file.
    let test = Test::demo();
    std::os::unix::fs::symlink("labs", test.path().join("records/labs-again")).unwrap();
    std::os::unix::fs::symlink("..", test.path().join("records/labs/up")).unwrap();
    let run = test.deadline(20).args(["check"]).success();
    assert!(!run.stderr.contains("records/labs-again` is not"), "{run}");
}

/// Point 11: folders are created owner-only whatever the umask, folders the user made keep
/// their permissions, and a case or out/ others can open is warned about.
#[test]
fn folders_are_private_without_touching_the_users_own() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let test = Test::new();
    let shared = test.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    // init under umask 000, into a folder the user made world-writable on purpose.
    let run = std::process::Command::new("sh")
        .args([
            "-c",
            &format!(
                "umask 000 && exec '{}' init '{}/case'",
                crate::BIN,
                shared.display()
            ),
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(mode(&shared), 0o1777, "the user's folder is left as it was");
    assert_eq!(mode(&shared.join("case")), 0o700);
    assert_eq!(mode(&shared.join("case/records/labs")), 0o700);

    let test = Test::demo().edit("case.toml", "synthetic = true", "synthetic = false");
    std::fs::create_dir(test.path().join("out")).unwrap();
    std::fs::set_permissions(
        test.path().join("out"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    let run = test.args(["check"]).success();
    run.stderr_has("can be opened by other users of this computer (mode 777)")
        .stderr_has("chmod 700");
    assert_eq!(
        mode(&run.dir.join("out")),
        0o777,
        "warned about, not changed"
    );
}

/// A zlib stream of `n` zero bytes, made a chunk at a time.
pub fn zeros_compressed(n: usize) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let take = left.min(chunk.len());
        encoder.write_all(&chunk[..take]).unwrap();
        left -= take;
    }
    encoder.finish().unwrap()
}

/// A PDF of one page whose objects are `objects` (numbered from 1; 1 is the catalog, 2 the
/// pages, 3 the page), with a cross-reference table.
pub fn pdf_with(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.5\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn png_chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out
}

/// Points 3 and 15: decompression bombs, huge claimed sizes, truncated JPEGs and a page box
/// that refers to itself are each skipped with a warning naming the record; memory stays
/// bounded and the packet passes `qpdf --check`.
#[test]
fn hostile_records_are_skipped_and_the_packet_stays_valid() {
    let test = Test::demo();
    let other = test.path().join("records/other");
    let mut case_entries = String::new();
    let mut add = |name: &str, bytes: Vec<u8>| {
        std::fs::write(other.join(name), bytes).unwrap();
        case_entries.push_str(&format!(
            "\n[[record]]\nfile = \"other/{name}\"\nkind = \"other\"\ndate = 2021-10-01\ntitle = \"{name}\"\n"
        ));
    };
    // A cross-reference stream (read as the file is opened) that inflates to 300 MB, twice
    // compressed so that one layer of inflation shows nothing.
    let bomb = {
        use std::io::Write;
        let inner = zeros_compressed(300 << 20);
        let mut outer = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        outer.write_all(&inner).unwrap();
        outer.finish().unwrap()
    };
    let mut pdf = b"%PDF-1.5\n".to_vec();
    for (n, body) in [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    .iter()
    .enumerate()
    {
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", n + 1).as_bytes());
    }
    let xref_at = pdf.len();
    pdf.extend_from_slice(
        format!(
            "4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Filter [/FlateDecode /FlateDecode] /Length {} >>\nstream\n",
            bomb.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(&bomb);
    pdf.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    add("bomb.pdf", pdf);
    // A page whose MediaBox is a reference to an object that refers to itself.
    add(
        "loop.pdf",
        pdf_with(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox 4 0 R >>".to_vec(),
            b"4 0 R".to_vec(),
        ]),
    );
    // A PNG of 11,500 × 11,500 grey pixels in a few hundred kilobytes.
    let side = 11_500u32;
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(
        b"IDAT",
        &zeros_compressed((side as usize + 1) * side as usize),
    ));
    png.extend(png_chunk(b"IEND", &[]));
    add("huge.png", png);
    // 692 bytes claiming 12,000 × 12,000.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08];
    jpeg.extend_from_slice(&12_000u16.to_be_bytes());
    jpeg.extend_from_slice(&12_000u16.to_be_bytes());
    jpeg.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    jpeg.resize(690, 0);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    add("claims.jpg", jpeg);
    // A real photo cut in half.
    let photo = std::fs::read(test.path().join("records/labs/2021-06-20_liver-panel.jpg")).unwrap();
    add("cut.jpg", photo[..photo.len() / 2].to_vec());

    let case = std::fs::read_to_string(test.path().join("case.toml")).unwrap();
    let test = test.write("case.toml", &format!("{case}{case_entries}"));
    let (peak_kb, run) = test
        .deadline(120)
        .args(["summary", "--lang", "en", "-o", "s.pdf"])
        .run_measured();
    assert_eq!(run.code, 0, "{run}");
    for (name, why) in [
        ("bomb.pdf", "could not be read as a PDF"),
        ("loop.pdf", "its page size cannot be read"),
        ("huge.png", "claims 11500 × 11500 pixels"),
        ("claims.jpg", "claims 12000 × 12000 pixels"),
        ("cut.jpg", "it is cut short"),
    ] {
        run.stderr_has(&format!(
            "records/other/{name}` was left out of the packet: "
        ))
        .stderr_has(why);
    }
    assert!(peak_kb < 500_000, "peak {peak_kb} KB");
    crate::tool(
        "qpdf",
        &["--check", run.dir.join("s.pdf").to_str().unwrap()],
    );
}

/// A decimal comma is not read as a thousands separator (1,3 would be 13, ten times too high);
/// numbers too large for any lab are refused, never overflow.
#[test]
fn decimal_commas_and_huge_numbers_are_refused() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "bilirubin = { value = 1.3, unit",
            "bilirubin = { value = \"1,3\", unit",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("`bilirubin` in [[lab]] #4 is written `1,3` with a comma")
        .stderr_has("write 1.3");
    Test::demo()
        .edit(
            "case.toml",
            "platelets = { value = 81,",
            "platelets = { value = \"1,081\",",
        )
        .args(["check"])
        .success();
    let run = Test::demo()
        .edit(
            "case.toml",
            "sodium = { value = 136, unit = \"mmol/L\"",
            "sodium = { value = \"8E+27\", unit = \"mmol/L\"",
        )
        .edit(
            "case.toml",
            "bilirubin = { value = 1.3, unit",
            "bilirubin = { value = \"5E+27\", unit",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("is too large to be a lab value");
}

/// Secret-named words anywhere on a line keep it from being quoted, whatever the separator;
/// `password_env` must name a variable, and is never echoed.
#[test]
fn secrets_without_an_equals_sign_are_not_printed_either() {
    const SECRET: &str = "Hunter2Secret";
    let contacts = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-case/contacts.toml"
    ))
    .unwrap();
    for (file, planted) in [
        (
            "contacts.toml",
            format!("{contacts}\nmail_password: {SECRET}\n"),
        ),
        (
            "contacts.toml",
            format!(
                "{contacts}\n[[contact]]\nid = \"x\"\nmail = {{ address = \"x\", password = \"{SECRET}\" }}\n"
            ),
        ),
    ] {
        let run = Test::demo().write(file, &planted).args(["check"]).run();
        assert_eq!(run.code, 1, "{run}");
        assert!(!run.stderr.contains(SECRET), "{run}");
    }
    for planted in [format!("密码：{SECRET}"), format!("password \"{SECRET}\"")] {
        let run = Test::demo()
            .edit(
                "case.toml",
                "[patient]\n",
                &format!("[patient]\n{planted}\n"),
            )
            .args(["check"])
            .failure(1);
        assert!(!run.stderr.contains(SECRET), "{run}");
    }
    let run = Test::demo()
        .edit(
            "consultpack.toml",
            "password_env = \"CONSULTPACK_SMTP_PASSWORD\"",
            "password_env = \"xkqzhunterauthcode\"",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("must be the name of an environment variable");
    assert!(!run.stderr.contains("xkqzhunterauthcode"), "{run}");
}

/// `..` after a folder -o would create is resolved as the file system will resolve it.
#[test]
fn dot_dot_in_an_output_path_cannot_reach_the_records() {
    let test = Test::demo();
    let before = test.snapshot();
    let test = test.args([
        "summary",
        "--lang",
        "en",
        "--no-records",
        "-o",
        "out/zz/../../records/imaging/2021-06-18_mri-report.pdf",
    ]);
    let run = test.run();
    assert_eq!(run.code, 1, "{run}");
    run.stderr_has("inside the case's records/ folder");
    assert_eq!(test.snapshot(), before);
}

/// A phone photo with a motion clip after the picture is appended (the clip left out).
#[test]
fn photos_with_trailers_are_appended() {
    let test = Test::demo();
    let photo = test.path().join("records/labs/2021-06-20_liver-panel.jpg");
    let mut bytes = std::fs::read(&photo).unwrap();
    bytes.extend_from_slice(b"\0\0\0\x18ftypmp42 motion photo clip SEFT");
    std::fs::write(&photo, bytes).unwrap();
    let run = test
        .args(["summary", "--lang", "en", "-o", "s.pdf"])
        .success();
    assert!(
        !run.stderr
            .contains("2021-06-20_liver-panel.jpg` was left out"),
        "{run}"
    );
}

/// records/ itself a link out of the case is not used; folders linked round in circles are
/// listed once each.
#[test]
fn records_linked_out_or_in_circles_are_handled() {
    let outside = tempfile::tempdir().unwrap();
    let test = Test::new();
    for file in ["case.toml", "contacts.toml", "consultpack.toml"] {
        std::fs::copy(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/demo-case")
                .join(file),
            test.path().join(file),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink(outside.path(), test.path().join("records")).unwrap();
    let run = test.deadline(20).args(["check"]).failure(1);
    run.stderr_has("`records` leads outside the case folder");

    let test = Test::demo();
    let records = test.path().join("records");
    std::fs::create_dir_all(records.join("a")).unwrap();
    std::fs::create_dir_all(records.join("b")).unwrap();
    for i in 0..4 {
        std::os::unix::fs::symlink("../b", records.join(format!("a/l{i}"))).unwrap();
        std::os::unix::fs::symlink("../a", records.join(format!("b/l{i}"))).unwrap();
    }
    test.deadline(20).args(["check"]).success();
}

/// Started through the dynamic loader, the program still finds its fonts (copied, not mapped).
#[test]
fn started_through_the_loader_the_fonts_still_load() {
    let loader = std::path::Path::new("/lib64/ld-linux-x86-64.so.2");
    if !loader.exists() {
        return;
    }
    let test = Test::demo();
    let output = std::process::Command::new(loader)
        .args([
            crate::BIN,
            "summary",
            "--lang",
            "zh",
            "--no-records",
            "-o",
            "s.pdf",
        ])
        .current_dir(test.path())
        .env("CONSULTPACK_TODAY", crate::TODAY)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn criterion<'a>(json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    json["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn criteria_at(test: Test, at: &str) -> serde_json::Value {
    let run = test.args(["criteria", "--json", "--at", at]).success();
    serde_json::from_str(&run.stdout).unwrap()
}

/// A value the ART score cannot use (two different ASTs on one date) is named, not silently
/// replaced by an older one; a dialysis record dated only by month is used, and flagged.
#[test]
fn skipped_and_approximate_inputs_are_named_in_every_criterion() {
    let case = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-case/case.toml"
    ))
    .unwrap();
    let extra = "\n[[lab]]\ndate = 2021-08-20\nsource = \"labs/2021-08-20_liver-panel.jpg\"\nast = { value = 80, unit = \"U/L\" }\n";
    let at = case.find("[[assessment]]").unwrap();
    let planted = format!("{}{extra}\n{}", &case[..at], &case[at..]);
    let json = criteria_at(Test::demo().write("case.toml", &planted), "2021-11-11");
    let art = criterion(&json, "art");
    assert!(
        art["flags"]
            .to_string()
            .contains("the ast of Aug 20, 2021 has two different values"),
        "{art}"
    );

    let planted = case.replacen(
        "date = 2021-11-10\necog = 0",
        "date = \"2021-11\"\necog = 0",
        1,
    );
    assert_ne!(planted, case);
    let planted = planted.replacen(
        "dialysis = false\nweight_kg = 65",
        "dialysis = true\nweight_kg = 65",
        1,
    );
    let json = criteria_at(Test::demo().write("case.toml", &planted), "2021-11-30");
    let meld = criterion(&json, "meld");
    assert!(
        meld["inputs"].to_string().contains("\"value\":\"yes\""),
        "dialysis used: {meld}"
    );
    assert!(
        meld["flags"].to_string().contains("approximate date"),
        "{meld}"
    );
}
