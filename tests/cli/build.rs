//! `consultpack build` on the demo case: every packet checked with the tools a recipient's
//! computer would use (unzip, sha256sum, 7z, poppler), and the build's promises — the same
//! bytes twice, nothing half-written after a kill, every message within its limit.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::{BIN, Run, TODAY, Test, snapshot, tool};

/// One full build of the demo (every active contact), shared by the tests that only read it.
/// A Chinese-named record is planted to follow its name into the manifest.
fn built() -> &'static Run {
    static BUILT: OnceLock<Run> = OnceLock::new();
    BUILT.get_or_init(|| with_chinese_record(Test::demo()).args(["build"]).success())
}

const CHINESE_RECORD: &str = "records/other/2021-09-02_出院记录.pdf";

fn with_chinese_record(test: Test) -> Test {
    fs::copy(
        test.path()
            .join("records/other/2021-09-01_discharge-summary.pdf"),
        test.path().join(CHINESE_RECORD),
    )
    .unwrap();
    test.write(
        &format!("{CHINESE_RECORD}.toml"),
        r#"
        kind = "discharge"
        date = 2021-09-02
        title = { zh = "出院记录", en = "Discharge record" }
        "#,
    )
}

fn out(built: &Run) -> PathBuf {
    built.dir.join("out")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = snapshot(dir)
        .into_iter()
        .filter(|(p, bytes)| !bytes.is_empty() || dir.join(p).is_file())
        .map(|(p, _)| p)
        .filter(|p| dir.join(p).is_file())
        .collect();
    out.sort();
    out
}

fn packet_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("packet.json")).unwrap()).unwrap()
}

const ACTIVE: [(&str, &str); 10] = [
    ("dr-demo-seattle", "email"),
    ("ehbh-liver", "platform"),
    ("fred-hutch-liver", "portal"),
    ("fuscc-liver", "platform"),
    ("huashan-liver", "platform"),
    ("pku-cancer-liver", "platform"),
    ("uwmc-liver", "portal"),
    ("virginia-mason-liver", "portal"),
    ("zhongshan-liver", "email"),
    ("zju-first-liver", "platform"),
];

#[test]
fn every_active_contact_gets_the_packet_its_channel_takes() {
    let built = built();
    for (id, pack) in ACTIVE {
        let dir = out(built).join(id);
        let json = packet_json(&dir);
        assert_eq!(json["pack"], pack, "{id}");
        assert!(
            built.stdout.contains(id),
            "the summary table names {id}:\n{}",
            built.stdout
        );
        // Every file listed is there with the size and hash listed.
        for file in json["files"].as_array().unwrap() {
            let path = dir.join(file["file"].as_str().unwrap());
            let bytes = fs::read(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
            assert_eq!(bytes.len() as u64, file["bytes"].as_u64().unwrap());
        }
        let expected = match pack {
            "email" => vec![
                "cover-letter.txt".to_string(),
                format!("DEMO-LGQ_{TODAY}_{id}.zip"),
            ],
            "platform" => vec![
                "platform/fields.md".into(),
                "platform/upload-checklist.md".into(),
                "platform/cover-letter.pdf".into(),
            ],
            _ => vec![
                "portal/intake.md".into(),
                "portal/cover-letter.pdf".into(),
                format!("portal/DEMO-LGQ_{TODAY}_complete-records.pdf"),
            ],
        };
        for file in expected {
            assert!(dir.join(&file).is_file(), "{id}: {file}");
        }
    }
    // Inactive or nameless contacts are not built; no staging folder is left.
    let names: Vec<String> = fs::read_dir(out(built))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    let ledger = fs::read_to_string(built.dir.join(".consultpack/ledger.jsonl")).unwrap();
    assert_eq!(
        ledger
            .lines()
            .filter(|l| l.contains("\"event\":\"built\""))
            .count(),
        ACTIVE.len()
    );
}

#[test]
fn email_bundles_test_clean_and_their_checksums_verify() {
    let built = built();
    for id in ["zhongshan-liver", "dr-demo-seattle"] {
        let dir = out(built).join(id);
        let zip = dir.join(format!("DEMO-LGQ_{TODAY}_{id}.zip"));
        let tested = tool("unzip", &["-t", zip.to_str().unwrap()]);
        assert!(tested.contains("No errors detected"), "{tested}");
        let unpacked = tempfile::tempdir().unwrap();
        tool(
            "unzip",
            &[
                "-q",
                zip.to_str().unwrap(),
                "-d",
                unpacked.path().to_str().unwrap(),
            ],
        );
        let check = Command::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(unpacked.path())
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stdout)
        );
        let listed = String::from_utf8_lossy(&check.stdout).lines().count();
        let files = files_under(unpacked.path()).len();
        assert_eq!(listed + 1, files, "every file but SHA256SUMS is checked");

        let manifest: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(unpacked.path().join("manifest.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(manifest["contact"], id);
        assert_eq!(manifest["built"], TODAY);
        let originals: Vec<&str> = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["original"].as_str())
            .collect();
        assert!(
            originals.contains(&"other/2021-09-02_出院记录.pdf"),
            "{originals:?}"
        );
        assert_eq!(
            manifest["imaging"][0]["date"], "2021-10-15",
            "the DICOM index is in the manifest"
        );
        // Names inside the zip are ASCII; no DICOM goes into an e-mail.
        for name in files_under(unpacked.path()) {
            let name = name.to_string_lossy().into_owned();
            assert!(name.is_ascii(), "{name}");
            assert!(!name.ends_with(".dcm"), "{name}");
        }
        assert!(unpacked.path().join("labs.csv").is_file());
        assert!(
            unpacked
                .path()
                .join(format!(
                    "DEMO-LGQ_{TODAY}_summary_{}.pdf",
                    if id == "zhongshan-liver" { "zh" } else { "en" }
                ))
                .is_file()
        );

        // packet.json: the messages send will send, within the contact's limit.
        let json = packet_json(&dir);
        let message = &json["messages"][0];
        assert!(
            message["subject"]
                .as_str()
                .unwrap()
                .contains(json["token"].as_str().unwrap())
        );
        assert!(
            message["encoded_bytes"].as_u64().unwrap()
                <= json["size_limit_bytes"].as_u64().unwrap()
        );
        assert_eq!(
            message["attachments"].as_array().unwrap().len(),
            2,
            "summary and zip"
        );
    }
    let letter = fs::read_to_string(out(built).join("zhongshan-liver/cover-letter.txt")).unwrap();
    for needle in [
        "复旦大学附属中山医院",
        "DEMO-LGQ_",
        ".zip",
        "两次TACE后病灶仍在增大",
        "2021-10-15 · MR",
        "family.demo@example.org",
        "不构成诊断",
    ] {
        assert!(letter.contains(needle), "{needle} in\n{letter}");
    }
    assert!(
        !letter.contains("**"),
        "Markdown markup does not leak into the text:\n{letter}"
    );
}

#[test]
fn the_dicom_goes_into_one_imaging_zip_for_link_and_portal_contacts() {
    let built = built();
    let zip = out(built).join("imaging_DEMO-LGQ.zip");
    let listing = tool("unzip", &["-Z1", zip.to_str().unwrap()]);
    let mut expected: Vec<String> =
        fs::read_dir(built.dir.join("records/imaging/2021-10-15_mri-dicom"))
            .unwrap()
            .map(|e| {
                format!(
                    "imaging/2021-10-15_mri-dicom/{}",
                    e.unwrap().file_name().to_string_lossy()
                )
            })
            .collect();
    expected.sort();
    let mut listed: Vec<String> = listing.lines().map(str::to_string).collect();
    listed.sort();
    assert_eq!(listed, expected);
    let verbose = tool("unzip", &["-v", zip.to_str().unwrap()]);
    assert!(
        verbose
            .lines()
            .filter(|l| l.contains(".dcm"))
            .all(|l| l.contains("Stored")),
        "{verbose}"
    );
    assert!(tool("unzip", &["-t", zip.to_str().unwrap()]).contains("No errors detected"));
    // In-person contacts get a printed index page instead.
    let index = out(built).join("ehbh-liver/platform/imaging-index.pdf");
    let text = tool(
        "pdftotext",
        &["-enc", "UTF-8", index.to_str().unwrap(), "-"],
    );
    assert!(text.contains("T1 动脉期 arterial phase"), "{text}");
}

/// JPEG frame size and components, from the start-of-frame marker.
fn jpeg_size(bytes: &[u8]) -> (u32, u32, u8) {
    let mut at = 2;
    while at + 9 < bytes.len() {
        let marker = bytes[at + 1];
        let len = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let h = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]) as u32;
            let w = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]) as u32;
            return (w, h, bytes[at + 9]);
        }
        at += 2 + len;
    }
    panic!("no frame header")
}

fn pdf_pages(path: &Path) -> usize {
    let info = tool("pdfinfo", &[path.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn platform_images_are_one_upright_jpeg_per_page_within_limits() {
    let built = built();
    let platform = out(built).join("ehbh-liver/platform");
    let images: Vec<PathBuf> = files_under(&platform.join("images"));
    let summary_pages = pdf_pages(&platform.join(format!("DEMO-LGQ_{TODAY}_summary_zh.pdf")));
    let mut record_pages = 0;
    for entry in walk(&built.dir.join("records")) {
        let ext = entry
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        record_pages += match ext.as_str() {
            "pdf" => pdf_pages(&entry),
            "jpg" | "jpeg" | "png" => 1,
            _ => 0,
        };
    }
    assert_eq!(images.len(), summary_pages + record_pages, "{images:?}");
    for image in &images {
        let bytes = fs::read(platform.join("images").join(image)).unwrap();
        assert!(
            bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
            "{}",
            image.display()
        );
        assert!(
            bytes.len() <= 1_500_000,
            "{}: {} bytes",
            image.display(),
            bytes.len()
        );
        let (w, h, _) = jpeg_size(&bytes);
        assert!(w.max(h) <= 2000, "{}: {w}×{h}", image.display());
        assert!(
            !bytes.windows(4).any(|w| w == b"Exif"),
            "{}: metadata stripped",
            image.display()
        );
    }
    // The phone photo stored sideways (EXIF orientation 6) comes out upright: portrait.
    let photo = images
        .iter()
        .find(|p| p.to_string_lossy().contains("2021-11-10_lab"))
        .unwrap();
    let (w, h, _) = jpeg_size(&fs::read(platform.join("images").join(photo)).unwrap());
    assert!(h > w, "{w}×{h}");
    // Numbered in order: the summary first, then the records by date.
    let names: Vec<String> = images
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert!(names[0].starts_with(&format!("01_{TODAY}_summary")));
    let dates: Vec<&str> = names[summary_pages..].iter().map(|n| &n[3..13]).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    let checklist = fs::read_to_string(platform.join("upload-checklist.md")).unwrap();
    assert_eq!(checklist.matches("- [ ] images/").count(), images.len());
}

/// Every page is made into an image once per build: the five platform contacts share the
/// records' pages, and the pages of their summaries that show the same (each summary names its
/// hospital on its first page; the rest are alike); a record that is a byte-for-byte copy of
/// another (the planted Chinese-named one) is not drawn again. The build says how many images it
/// made: as many as there are different images in all the platform packets together (a page
/// drawn twice would be counted twice, its images being the same bytes).
#[test]
fn each_distinct_page_is_made_into_an_image_once_and_shared_by_the_contacts() {
    let built = built();
    let mut all = 0;
    let mut distinct = std::collections::BTreeSet::new();
    let mut firsts = std::collections::BTreeSet::new();
    for (id, _) in ACTIVE.iter().filter(|(_, pack)| *pack == "platform") {
        let dir = out(built).join(id).join("platform/images");
        let images = files_under(&dir);
        assert!(!images.is_empty(), "{id}");
        for (n, image) in images.iter().enumerate() {
            let bytes = fs::read(dir.join(image)).unwrap();
            if n == 0 {
                firsts.insert(bytes.clone());
            }
            distinct.insert(bytes);
            all += 1;
        }
    }
    assert_eq!(
        firsts.len(),
        5,
        "each summary's first page names its hospital"
    );
    assert!(distinct.len() * 3 < all, "{} of {all}", distinct.len());
    built.stderr_has(&format!(
        "({} page image(s) made, each once)",
        distinct.len()
    ));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".toml"))
        .map(|p| dir.join(p))
        .collect()
}

#[test]
fn platform_fields_carry_true_character_counts() {
    let built = built();
    let fields = fs::read_to_string(out(built).join("ehbh-liver/platform/fields.md")).unwrap();
    let mut checked = 0;
    for section in fields.split("\n## ").skip(1) {
        let heading = section.lines().next().unwrap();
        let counts = heading.rsplit_once('（').unwrap().1;
        let (count, limit) = counts.split_once(" / ").unwrap();
        let count: usize = count.parse().unwrap();
        let limit: usize = limit.split(' ').next().unwrap().parse().unwrap();
        let text = section
            .split("```text\n")
            .nth(1)
            .unwrap()
            .split("\n```")
            .next()
            .unwrap();
        assert_eq!(text.chars().count(), count, "{heading}");
        assert!(count <= limit, "{heading}");
        checked += 1;
    }
    assert_eq!(checked, 8, "{fields}");
    assert!(fields.contains("## 病情描述"));
}

#[test]
fn portal_packs_hold_every_record_as_a_pdf_and_the_intake_answers() {
    let built = built();
    let portal = out(built).join("uwmc-liver/portal");
    let records = files_under(&portal.join("records"));
    assert_eq!(records.len(), 11, "{records:?}");
    for record in &records {
        assert!(record.to_string_lossy().ends_with(".pdf"));
        tool(
            "qpdf",
            &[
                "--check",
                portal.join("records").join(record).to_str().unwrap(),
            ],
        );
    }
    let complete = portal.join(format!("DEMO-LGQ_{TODAY}_complete-records.pdf"));
    let pages: usize = records
        .iter()
        .map(|r| pdf_pages(&portal.join("records").join(r)))
        .sum();
    assert_eq!(pdf_pages(&complete), pages);
    let intake = fs::read_to_string(portal.join("intake.md")).unwrap();
    assert!(intake.contains("## Date of birth\n\nMay 12, 1958 (05/12/1958)"));
    assert!(
        intake.contains("(not shared in this packet"),
        "the ID number is not shared with UW"
    );
    let letter = tool(
        "pdftotext",
        &[
            "-enc",
            "UTF-8",
            portal.join("cover-letter.pdf").to_str().unwrap(),
            "-",
        ],
    );
    assert!(letter.contains("Second opinion request"), "{letter}");
}

#[test]
fn two_builds_of_the_same_case_on_the_same_day_are_byte_identical() {
    let contacts = [
        "--contact",
        "zhongshan-liver",
        "--contact",
        "ehbh-liver",
        "--contact",
        "uwmc-liver",
    ];
    let mut outputs = Vec::new();
    for _ in 0..2 {
        let mut args = vec!["build"];
        args.extend(contacts);
        let run = Test::demo()
            .args_vec(args.iter().map(|s| s.to_string()).collect())
            .success();
        outputs.push(snapshot(&run.dir.join("out")));
    }
    assert!(outputs[0].len() > 20);
    let differing: Vec<&PathBuf> = outputs[0]
        .iter()
        .filter(|(path, bytes)| outputs[1].get(*path) != Some(bytes))
        .map(|(path, _)| path)
        .collect();
    assert!(differing.is_empty(), "differ: {differing:?}");
}

#[test]
fn an_oversize_bundle_is_refused_with_the_largest_records_and_split_parts_each_fit() {
    let limit_1mb =
        |test: Test| test.edit("contacts.toml", "size_limit_mb = 15", "size_limit_mb = 1");
    let refused = limit_1mb(Test::demo())
        .args(["build", "--contact", "dr-demo-seattle"])
        .failure(1);
    refused
        .stderr_has("over its 1.0 MB limit")
        .stderr_has("labs/2021-11-10_liver-panel.jpg")
        .stderr_has("--split");
    assert!(
        !refused.dir.join("out/dr-demo-seattle").exists(),
        "nothing is written for it"
    );

    let split = limit_1mb(Test::demo())
        .args(["build", "--contact", "dr-demo-seattle", "--split"])
        .success();
    let dir = split.dir.join("out/dr-demo-seattle");
    let json = packet_json(&dir);
    let messages = json["messages"].as_array().unwrap();
    assert!(messages.len() >= 2, "{json:#}");
    let mut records_seen = 0;
    for (k, message) in messages.iter().enumerate() {
        assert_eq!(message["part"], k + 1);
        assert_eq!(message["of"], messages.len());
        assert!(
            message["encoded_bytes"].as_u64().unwrap() <= 1_000_000,
            "{message:#}"
        );
        let subject = message["subject"].as_str().unwrap();
        assert!(
            subject.contains(&format!("part {} of {}", k + 1, messages.len())),
            "{subject}"
        );
        let zip = message["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["file"].as_str().unwrap().ends_with(".zip"))
            .unwrap();
        let zip = dir.join(zip["file"].as_str().unwrap());
        assert!(tool("unzip", &["-t", zip.to_str().unwrap()]).contains("No errors detected"));
        let listing = tool("unzip", &["-Z1", zip.to_str().unwrap()]);
        assert!(
            listing.lines().any(|l| l == "manifest.json"),
            "each part has its own manifest"
        );
        records_seen += listing
            .lines()
            .filter(|l| l.starts_with("records/"))
            .count();
        let body = fs::read_to_string(dir.join(message["body"].as_str().unwrap())).unwrap();
        assert!(
            body.contains(&format!("part {} of {}", k + 1, messages.len())),
            "{body}"
        );
    }
    assert_eq!(records_seen, 10, "every record is in exactly one part");
}

#[test]
fn an_encrypted_bundle_opens_with_the_passphrase_only() {
    let run = Test::demo()
        .env("CONSULTPACK_ZIP_PASSPHRASE", "correct horse 马 battery")
        .args(["build", "--contact", "zhongshan-liver", "--encrypt"])
        .success();
    // Named by the case token, not the patient (see privacy.rs for what is readable).
    let zip = run.dir.join(format!(
        "out/zhongshan-liver/{}_{TODAY}.zip",
        packet_json(&run.dir.join("out/zhongshan-liver"))["token"]
            .as_str()
            .unwrap()
    ));
    let test = |password: &str| {
        Command::new("7z")
            .args(["t", &format!("-p{password}"), zip.to_str().unwrap()])
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(
        test("correct horse 马 battery"),
        "opens with the passphrase"
    );
    assert!(!test("wrong"), "and not without");
    let letter = fs::read_to_string(run.dir.join("out/zhongshan-liver/cover-letter.txt")).unwrap();
    assert!(letter.contains("7-Zip"), "{letter}");
    let everything: Vec<u8> = snapshot(&run.dir).into_values().flatten().collect();
    assert!(
        !everything.windows(6).any(|w| w == b"correc"),
        "the passphrase is written nowhere"
    );
    Test::demo()
        .args(["build", "--contact", "zhongshan-liver", "--encrypt"])
        .failure(1)
        .stderr_has("CONSULTPACK_ZIP_PASSPHRASE");
}

#[test]
fn a_killed_build_leaves_nothing_half_written_and_the_next_build_succeeds() {
    let test = Test::demo();
    let args = [
        "build",
        "--contact",
        "zhongshan-liver",
        "--contact",
        "ehbh-liver",
        "--contact",
        "uwmc-liver",
    ];
    for delay_ms in [150, 400, 900, 1600, 2600] {
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(test.path())
            .env("CONSULTPACK_TODAY", TODAY)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        assert_packets_whole(&test.path().join("out"));
    }
    let run = test.args(args).success();
    let out = run.dir.join("out");
    assert_packets_whole(&out);
    let leftovers: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "stale staging folders are removed: {leftovers:?}"
    );
    for id in ["zhongshan-liver", "ehbh-liver", "uwmc-liver"] {
        assert!(out.join(id).join("packet.json").is_file());
    }
}

/// Every packet folder under a final name is complete: its packet.json lists exactly its files,
/// each with the size and SHA-256 written there.
fn assert_packets_whole(out: &Path) {
    let Ok(entries) = fs::read_dir(out) else {
        return;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        let dir = entry.path();
        let json = packet_json(&dir);
        let listed: BTreeMap<String, u64> = json["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["file"].as_str().unwrap().to_string(),
                    f["bytes"].as_u64().unwrap(),
                )
            })
            .collect();
        let present: Vec<String> = files_under(&dir)
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .filter(|p| p != "packet.json")
            .collect();
        assert_eq!(
            present,
            listed.keys().cloned().collect::<Vec<_>>(),
            "{name}"
        );
        for (file, bytes) in listed {
            assert_eq!(
                fs::metadata(dir.join(&file)).unwrap().len(),
                bytes,
                "{name}/{file}"
            );
        }
    }
}

#[test]
fn a_damaged_dicom_file_is_a_warning_and_costs_no_memory() {
    let plant = |test: Test| {
        fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dicom/huge-length.dcm"),
            test.path()
                .join("records/imaging/2021-10-15_mri-dicom/S9I1.dcm"),
        )
        .unwrap();
        test
    };
    let (baseline, _) = Test::demo().args(["check"]).run_measured();
    let (damaged, run) = plant(Test::demo()).args(["check"]).run_measured();
    run.assert_code(0);
    run.stderr_has("S9I1.dcm")
        .stderr_has("declares 4294967280 bytes");
    assert!(
        damaged < baseline + 20_000,
        "peak RSS {damaged} KB against {baseline} KB without the damaged file"
    );
    // build goes on, and the damaged file still travels in the imaging zip, as on the disc.
    let run = plant(Test::demo())
        .args(["build", "--contact", "uwmc-liver"])
        .success();
    run.stderr_has("S9I1.dcm");
    let listing = tool(
        "unzip",
        &[
            "-Z1",
            run.dir.join("out/imaging_DEMO-LGQ.zip").to_str().unwrap(),
        ],
    );
    assert!(listing.contains("S9I1.dcm"));
}

#[test]
fn unknown_contacts_and_bad_filters_change_nothing() {
    let test = Test::demo();
    let before = test.snapshot();
    let run = test
        .args(["build", "--contact", "zhongshan-livr"])
        .failure(1);
    run.stderr_has("did you mean `zhongshan-liver`");
    assert_eq!(snapshot(&run.dir), before);
    Test::demo()
        .args(["build", "--records", "kind=xray"])
        .failure(1)
        .stderr_has("not a record kind");
}
