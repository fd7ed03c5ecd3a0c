//! The second adversarial round (issue 25): what a build may delete, what a case's own state
//! folder may point at, files that crash or hang a reader, fields without end, and messages
//! that were silent or misleading. The hostile IMAP servers are in `hostile_imap.rs`.

use std::fs;

use crate::{Test, snapshot};

/// Point 1: `build --out` replaces only packet folders consultpack made; a family's folder of
/// the same name, records/ and the case's other folders are refused, with nothing changed.
#[test]
fn build_out_never_deletes_the_familys_folders() {
    // A folder of the family's that happens to carry a contact's name.
    let test = Test::demo().write("mine/zhongshan-liver/keep.txt", "the family's notes");
    let before = test.snapshot();
    let run = test
        .args(["build", "--out", "mine", "--contact", "zhongshan-liver"])
        .failure(1);
    run.stderr_has("will not replace `mine/zhongshan-liver`")
        .stderr_has("no packet.json of ours");
    assert_eq!(snapshot(&run.dir), before, "nothing changed");

    // records/ with a folder named like a contact, holding a referenced record.
    let test = Test::demo();
    fs::create_dir_all(test.path().join("records/zhongshan-liver")).unwrap();
    fs::copy(
        test.path()
            .join("records/imaging/2021-06-18_mri-report.pdf"),
        test.path().join("records/zhongshan-liver/letter.pdf"),
    )
    .unwrap();
    let case = fs::read_to_string(test.path().join("case.toml")).unwrap();
    let test = test.write(
        "case.toml",
        &format!(
            "{case}\n[[record]]\nfile = \"zhongshan-liver/letter.pdf\"\nkind = \"other\"\ndate = 2021-07-01\ntitle = \"Letter\"\n"
        ),
    );
    let before = test.snapshot();
    let run = test
        .args(["build", "--out", "records", "--contact", "zhongshan-liver"])
        .failure(1);
    run.stderr_has(
        "will not build into `records/zhongshan-liver`: it is inside the case's records/ folder",
    );
    assert_eq!(snapshot(&run.dir), before, "nothing changed");
    assert!(
        !run.stderr.contains("in no [[record]]"),
        "the record is in use\n{run}"
    );

    // A contact named like one of the case's own folders is refused at `check`.
    for id in ["records", "replies", "templates", "out"] {
        let run = Test::demo()
            .edit(
                "contacts.toml",
                "id = \"dr-demo-seattle\"",
                &format!("id = \"{id}\""),
            )
            .args(["check"])
            .failure(1);
        run.stderr_has(&format!(
            "contact id `{id}` is the name of the case's own {id}/ folder"
        ));
    }

    // A packet folder consultpack made is replaced, an empty one filled.
    let test = Test::demo();
    fs::create_dir_all(test.path().join("mine/zhongshan-liver")).unwrap();
    let test = test.args(["build", "--out", "mine", "--contact", "zhongshan-liver"]);
    test.run().assert_code(0);
    fs::write(test.path().join("mine/zhongshan-liver/stale.txt"), "old").unwrap();
    let run = test
        .args([
            "build",
            "--out",
            "mine",
            "--contact",
            "zhongshan-liver",
            "--force",
        ])
        .success();
    assert!(run.dir.join("mine/zhongshan-liver/packet.json").exists());
    assert!(!run.dir.join("mine/zhongshan-liver/stale.txt").exists());
}

/// Point 2: the ledger, and `.consultpack/` itself, are never followed through a link out of
/// the case: `build` and `mark` refuse before they write anything, and the outside file stays
/// as it was.
#[test]
fn the_ledger_is_never_written_through_a_link() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    fs::write(&victim, "someone else's file\n").unwrap();
    let linked = || {
        let test = Test::demo();
        fs::create_dir_all(test.path().join(".consultpack")).unwrap();
        std::os::unix::fs::symlink(&victim, test.path().join(".consultpack/ledger.jsonl")).unwrap();
        test
    };

    let test = linked();
    let before = test.snapshot();
    let test = test.args(["build", "--contact", "zhongshan-liver"]);
    let run = test.run();
    run.assert_code(1);
    run.stderr_has("`.consultpack/ledger.jsonl` is a link");
    assert_eq!(test.snapshot(), before, "no packet was built");
    let run = linked()
        .args(["mark", "zhongshan-liver", "replied", "--note", "called"])
        .failure(1);
    run.stderr_has("`.consultpack/ledger.jsonl` is a link");
    assert!(!run.dir.join("replies").exists(), "nothing was saved");
    // Nor is it read through the link.
    linked()
        .args(["status"])
        .failure(1)
        .stderr_has("`.consultpack/ledger.jsonl` is a link");

    // `.consultpack` itself a link to a folder outside.
    let test = Test::demo();
    std::os::unix::fs::symlink(outside.path(), test.path().join(".consultpack")).unwrap();
    let run = test
        .args(["build", "--contact", "zhongshan-liver"])
        .failure(1);
    run.stderr_has("`.consultpack` is a link or a file, not a folder");
    assert_eq!(
        fs::read_to_string(&victim).unwrap(),
        "someone else's file\n",
        "nothing was appended outside the case"
    );
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 1);
}

/// A DICOM file (explicit VR little endian) whose data set is `depth` sequences, each in an
/// item of the one before, all of undefined length (36 bytes a level), then the image data.
pub fn nested_dicom(depth: usize) -> Vec<u8> {
    fn element(out: &mut Vec<u8>, element: u16, vr: &[u8; 2], value: &[u8]) {
        out.extend_from_slice(&0x0002u16.to_le_bytes());
        out.extend_from_slice(&element.to_le_bytes());
        out.extend_from_slice(vr);
        if vr == b"OB" {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(value);
    }
    let mut meta = Vec::new();
    element(&mut meta, 0x0001, b"OB", &[0, 1]);
    // Secondary capture image storage: a class that holds pixel data.
    element(&mut meta, 0x0002, b"UI", b"1.2.840.10008.5.1.4.1.1.7\0");
    element(&mut meta, 0x0003, b"UI", b"1.2.3.4\0");
    element(&mut meta, 0x0010, b"UI", b"1.2.840.10008.1.2.1\0");
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    element(&mut out, 0x0000, b"UL", &(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    for _ in 0..depth {
        // (0008,1115) Referenced Series Sequence, SQ, undefined length; an item, undefined.
        out.extend_from_slice(&[0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0]);
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
        out.extend_from_slice(&u32::MAX.to_le_bytes());
    }
    for _ in 0..depth {
        // Item delimitation, sequence delimitation.
        out.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
        out.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    }
    // (7FE0,0010) Pixel Data, OB, four bytes.
    out.extend_from_slice(&[
        0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,
    ]);
    out
}

/// Point 3: a DICOM file nested 20,000 sequences deep is a warning naming the file, as any
/// damaged file is; `check` and `build` go on, and no staging folder is left.
#[test]
fn deeply_nested_dicom_is_named_not_a_crash() {
    let plant = |test: Test| {
        fs::write(
            test.path()
                .join("records/imaging/2021-10-15_mri-dicom/S9I1.dcm"),
            nested_dicom(20_000),
        )
        .unwrap();
        test
    };
    let run = plant(Test::demo()).deadline(60).args(["check"]).success();
    run.stderr_has("S9I1.dcm")
        .stderr_has("sequences nested more than 64 deep");
    let run = plant(Test::demo())
        .deadline(120)
        .args(["build", "--contact", "uwmc-liver"])
        .success();
    run.stderr_has("S9I1.dcm");
    let leftovers: Vec<_> = fs::read_dir(run.dir.join("out"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // 64 levels pass (more than any real header has), 65 do not.
    for (depth, refused) in [(64, false), (65, true)] {
        let test = Test::demo();
        fs::write(
            test.path()
                .join("records/imaging/2021-10-15_mri-dicom/S9I1.dcm"),
            nested_dicom(depth),
        )
        .unwrap();
        let run = test.args(["check"]).success();
        assert_eq!(run.stderr.contains("nested more than"), refused, "{run}");
    }
}

/// A demo case that reads its mail password with `command` (a shell line).
fn with_password_command(command: &str) -> Test {
    Test::demo().write(
        "consultpack.toml",
        &format!(
            "[sender]\nname = \"Li\"\nemail = \"family@example.org\"\n\n\
             [imap]\nhost = \"127.0.0.1\"\nport = 9\nsecurity = \"none\"\nusername = \"family\"\n\
             password_command = [\"sh\", \"-c\", \"{command}\"]\n"
        ),
    )
}

/// Point 4: a password command that prints without end is stopped after 4 KB of its first
/// line, one that never answers at its deadline; either says so, in bounded memory.
#[test]
fn endless_password_commands_are_stopped_and_named() {
    let (peak_kb, run) = with_password_command("cat /dev/zero")
        .deadline(30)
        .args(["sync"])
        .run_measured();
    run.assert_code(1);
    run.stderr_has("printed more than 4096 bytes without a line break and was stopped");
    assert!(peak_kb < 100_000, "peak {peak_kb} KB");
    let run = with_password_command("sleep 30")
        .env("CONSULTPACK_PASSWORD_COMMAND_TIMEOUT_MS", "300")
        .deadline(20)
        .args(["sync"])
        .failure(1);
    run.stderr_has("gave no password within 0.3 s and was stopped");
}

/// Point 8: every text the ledger keeps is cut to its limit when written ("… (cut)"), and a
/// ledger written before the limits, with a 10 MB subject and a 20 MB note, is read quickly by
/// `status` and `opinions`, in bounded memory.
#[test]
fn huge_ledger_fields_are_cut_and_read_quickly() {
    let note = "很长的记录".repeat(5_000);
    let test = Test::demo().args_vec(vec![
        "mark".into(),
        "zhongshan-liver".into(),
        "replied".into(),
        "--note".into(),
        note.clone(),
    ]);
    let run = test.run();
    run.assert_code(0);
    run.stderr_has("the note is 25000 characters long; the ledger keeps its first 20000");
    let ledger = fs::read_to_string(test.path().join(".consultpack/ledger.jsonl")).unwrap();
    let event: serde_json::Value = serde_json::from_str(ledger.trim()).unwrap();
    let kept = event["note"].as_str().unwrap();
    assert_eq!(kept.chars().count(), 20_000);
    assert!(kept.ends_with("… (cut)"));
    let saved = event["files"].as_array().map_or(0, Vec::len);
    assert_eq!(saved, 0);
    let notes: Vec<_> = glob_notes(test.path());
    assert_eq!(
        notes,
        vec![format!("{note}\n")],
        "the whole note is kept beside"
    );

    // A ledger from before the limits.
    let reply = serde_json::json!({
        "at": "2026-11-28T10:00:00Z", "event": "reply", "contact": "zhongshan-liver",
        "kind": "reply", "message_id": "big@zs.example", "from": "dr@zs.example",
        "subject": "回".repeat(3_500_000), "date": "2026-11-28T09:00:00Z", "matched_by": "sender"
    });
    let mark = serde_json::json!({
        "at": "2026-11-29T10:00:00Z", "event": "mark", "contact": "zhongshan-liver",
        "state": "appointment", "note": "约".repeat(7_000_000), "date": "2026-11-29"
    });
    let old_ledger =
        || Test::demo().write(".consultpack/ledger.jsonl", &format!("{reply}\n{mark}\n"));
    let (status_kb, run) = old_ledger().deadline(60).args(["status"]).run_measured();
    run.assert_code(0);
    assert!(
        run.stdout.len() < 20_000,
        "{} bytes of table",
        run.stdout.len()
    );
    assert!(status_kb < 300_000, "status peak {status_kb} KB");
    let run = old_ledger().deadline(60).args(["status", "--json"]).run();
    run.assert_code(0);
    let rows: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["contact"] == "zhongshan-liver")
        .unwrap();
    assert_eq!(row["state"], "appointment");
    assert_eq!(
        row["reply"]["subject"].as_str().unwrap().chars().count(),
        1_000
    );
    assert!(status_kb < 300_000, "status peak {status_kb} KB");
    let (opinions_kb, run) = old_ledger()
        .deadline(120)
        .args(["opinions", "-o", "o.pdf"])
        .run_measured();
    run.assert_code(0);
    assert!(opinions_kb < 600_000, "opinions peak {opinions_kb} KB");
}

/// The contents of every notes.txt under replies/.
fn glob_notes(root: &std::path::Path) -> Vec<String> {
    crate::snapshot(&root.join("replies"))
        .into_iter()
        .filter(|(path, _)| path.ends_with("notes.txt"))
        .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
        .collect()
}

/// An image XObject that claims 30,000 × 30,000 grey pixels and holds 100 KB of them.
fn huge_picture() -> Vec<u8> {
    let data = crate::hardening::zeros_compressed(100_000);
    let mut object = format!(
        "<< /Type /XObject /Subtype /Image /Width 30000 /Height 30000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length {} >>\nstream\n",
        data.len()
    )
    .into_bytes();
    object.extend_from_slice(&data);
    object.extend_from_slice(b"\nendstream");
    object
}

fn content(ops: &str) -> Vec<u8> {
    format!("<< /Length {} >>\nstream\n{ops}\nendstream", ops.len()).into_bytes()
}

/// Point 9: a picture that claims 30,000 × 30,000 pixels is not drawn, and the warning names
/// the page and the record: a page with nothing else is left out with its record, a page
/// with text keeps its image, blank where the picture was.
#[test]
fn pictures_too_large_to_draw_are_named_by_page() {
    let test = Test::demo();
    let resources = "/Resources << /XObject << /Im1 5 0 R >> /Font << /F1 6 0 R >> >>";
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec();
    let alone = crate::hardening::pdf_with(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {resources} /Contents 4 0 R >>"
        )
        .into_bytes(),
        content("q 500 0 0 700 50 50 cm /Im1 Do Q"),
        huge_picture(),
        font.clone(),
    ]);
    let with_text = crate::hardening::pdf_with(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R 7 0 R] /Count 2 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {resources} /Contents 4 0 R >>"
        )
        .into_bytes(),
        content("BT /F1 24 Tf 50 740 Td (Liver panel) Tj ET q 500 0 0 600 50 50 cm /Im1 Do Q"),
        huge_picture(),
        font,
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {resources} /Contents 8 0 R >>"
        )
        .into_bytes(),
        content("BT /F1 24 Tf 50 740 Td (Page two) Tj ET"),
    ]);
    let mut entries = String::new();
    for (name, bytes) in [("alone.pdf", alone), ("with-text.pdf", with_text)] {
        fs::write(test.path().join("records/other").join(name), bytes).unwrap();
        entries.push_str(&format!(
            "\n[[record]]\nfile = \"other/{name}\"\nkind = \"other\"\ndate = 2021-10-02\ntitle = \"{name}\"\n"
        ));
    }
    let case = fs::read_to_string(test.path().join("case.toml")).unwrap();
    let run = test
        .write("case.toml", &format!("{case}{entries}"))
        .deadline(180)
        .args(["build", "--contact", "ehbh-liver"])
        .success();
    run.stderr_has(
        "`records/other/alone.pdf` was left out of the platform images: page 1 comes out blank: a picture on it was not drawn (it claims 30000 × 30000 pixels, more than a page needs)",
    );
    run.stderr_has(
        "`records/other/with-text.pdf`, page 1: a picture on it was not drawn (it claims 30000 × 30000 pixels, more than a page needs); its platform image is blank there",
    );
    assert!(
        !run.stderr.contains("with-text.pdf`, page 2"),
        "page 2 shares the resources but draws no picture\n{run}"
    );
    let images: Vec<String> = fs::read_dir(run.dir.join("out/ehbh-liver/platform/images"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("2021-10-02"))
        .collect();
    assert_eq!(images.len(), 2, "both pages of with-text.pdf: {images:?}");
}

/// Point 10: a record that is a link out of the case, or a pipe, is named as such, once, with
/// no talk of permissions and no bogus errors about the entry's other fields.
#[test]
fn refused_records_are_named_for_what_they_are() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("elsewhere.pdf"), b"%PDF-1.4\n").unwrap();
    let test = Test::demo();
    let other = test.path().join("records/other");
    std::os::unix::fs::symlink(
        outside.path().join("elsewhere.pdf"),
        other.join("linked.pdf"),
    )
    .unwrap();
    let fifo = std::ffi::CString::new(other.join("pipe.pdf").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink(
        outside.path().join("elsewhere.pdf"),
        other.join("stray.pdf"),
    )
    .unwrap();
    let case = fs::read_to_string(test.path().join("case.toml")).unwrap();
    let mut entries = String::new();
    for name in ["linked.pdf", "pipe.pdf"] {
        entries.push_str(&format!(
            "\n[[record]]\nfile = \"other/{name}\"\nkind = \"other\"\ndate = 2021-10-02\ntitle = \"{name}\"\n"
        ));
    }
    let run = test
        .write("case.toml", &format!("{case}{entries}"))
        .deadline(30)
        .args(["check"])
        .failure(1);
    let target = std::fs::canonicalize(outside.path().join("elsewhere.pdf")).unwrap();
    assert_eq!(
        run.errors(),
        vec![
            format!(
                "error: record file `records/other/linked.pdf` is a link to `{}`, outside the case folder",
                target.display()
            )
            .as_str(),
            "error: record file `records/other/pipe.pdf` is not a regular file (a pipe, device or socket)",
            "error: 2 error(s) in the case folder (listed above); nothing was written",
        ],
        "{run}"
    );
    for wrong in ["permissions", "unknown field", "in no [[record]]"] {
        assert!(!run.stderr.contains(wrong), "`{wrong}`\n{run}");
    }
    // Not referenced, it is one warning that it is left out; the referenced ones are not
    // warned about again.
    assert_eq!(run.stderr.matches("it is left out").count(), 1, "{run}");
    run.stderr_has("`records/other/stray.pdf` is a link to");
}

/// Point 11: thousands of files nothing refers to are one warning with the first ten, not a
/// warning each.
#[test]
fn many_unreferenced_files_are_one_warning() {
    let test = Test::demo();
    let bulk = test.path().join("records/other/bulk");
    fs::create_dir_all(&bulk).unwrap();
    for i in 0..5_000 {
        fs::write(bulk.join(format!("f{i:04}.txt")), b"x").unwrap();
    }
    let run = test.deadline(120).args(["check"]).success();
    run.stderr_has(
        "5000 files in records/ are not referenced by case.toml; the first 10: records/other/bulk/f0000.txt, records/other/bulk/f0001.txt,",
    )
    .stderr_has("records/other/bulk/f0009.txt\n");
    assert!(!run.stderr.contains("f0010.txt"), "{run}");
    let warnings = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .count();
    assert!(warnings < 5, "{warnings} warnings\n{run}");
}

fn mark_on(test: Test, date: &str) -> Test {
    test.args([
        "mark",
        "zhongshan-liver",
        "replied",
        "--note",
        "x",
        "--date",
        date,
    ])
}

/// Point 12: `mark --date` is refused before 1900 and before the patient's birth, as dates in
/// case.toml are, and nothing is recorded.
#[test]
fn mark_dates_before_birth_or_1900_are_refused() {
    for (date, words) in [
        ("0000-01-01", "--date 0000-01-01 is before 1900"),
        ("1899-12-31", "--date 1899-12-31 is before 1900"),
        (
            "1958-05-11",
            "--date 1958-05-11 is before the patient was born (1958-05-12)",
        ),
    ] {
        let test = Test::demo();
        let before = test.snapshot();
        let run = mark_on(test, date).failure(1);
        run.stderr_has(words);
        assert_eq!(snapshot(&run.dir), before, "{date}: nothing recorded");
    }
    mark_on(Test::demo(), "1958-05-12").success();
}
