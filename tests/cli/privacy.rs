//! Nothing private leaves by accident, and nothing stale: photo metadata, file modes,
//! `--encrypt`, another patient's DICOM, packets that follow their records' contents.

use std::fs;
use std::path::Path;

use std::os::unix::fs::PermissionsExt;

use crate::{TODAY, Test, tool};

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

/// What a phone leaves in a photo, each of which must not leave the family's computer.
const TELLTALES: [&[u8]; 6] = [
    b"Exif\0\0",
    b"http://ns.adobe.com/xap",
    b"TestPhone Corp",
    b"SN-7731-0042",
    b"Wang Jianguo",
    b"Photoshop 3.0",
];

/// A 160 × 80 photo stored on its side (red left half, blue right half) with EXIF orientation
/// 6, GPS 31°12′N 121°28′E, the phone's make, model and serial, the owner, an EXIF thumbnail,
/// XMP, IPTC and a comment — as a phone and a photo app leave them.
fn phone_photo() -> Vec<u8> {
    use exif::experimental::Writer;
    use exif::{Field, In, Rational, Tag, Value};
    let encode = |image: &image::RgbImage| {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
            .encode_image(image)
            .unwrap();
        out
    };
    let stored = image::RgbImage::from_fn(160, 80, |x, _| {
        if x < 80 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    });
    let pixels = encode(&stored);
    let thumbnail = encode(&image::RgbImage::from_pixel(16, 8, image::Rgb([9, 9, 9])));
    let ascii = |tag, text: &str| Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Ascii(vec![text.as_bytes().to_vec()]),
    };
    let degrees = |d, m| {
        Value::Rational(vec![
            Rational { num: d, denom: 1 },
            Rational { num: m, denom: 1 },
            Rational { num: 0, denom: 1 },
        ])
    };
    let fields = [
        ascii(Tag::Make, "TestPhone Corp"),
        ascii(Tag::Model, "TP-9"),
        ascii(Tag::BodySerialNumber, "SN-7731-0042"),
        ascii(Tag::Artist, "Wang Jianguo"),
        Field {
            tag: Tag::Orientation,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![6]),
        },
        ascii(Tag::GPSLatitudeRef, "N"),
        Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: degrees(31, 12),
        },
        ascii(Tag::GPSLongitudeRef, "E"),
        Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: degrees(121, 28),
        },
    ];
    let mut writer = Writer::new();
    for field in &fields {
        writer.push_field(field);
    }
    writer.set_jpeg(&thumbnail, In::THUMBNAIL);
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let segment = |marker: u8, body: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    };
    let mut photo = pixels[..2].to_vec();
    photo.extend(segment(0xE1, &[&b"Exif\0\0"[..], tiff.get_ref()].concat()));
    photo.extend(segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><dc:creator>Wang Jianguo</dc:creator></x:xmpmeta>",
    ));
    photo.extend(segment(0xED, b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\0"));
    photo.extend(segment(0xFE, b"Owner: Wang Jianguo"));
    photo.extend_from_slice(&pixels[2..]);
    // The parser the checks rely on reads every one of them.
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&photo))
        .unwrap();
    assert!(exif.get_field(Tag::GPSLatitude, In::PRIMARY).is_some());
    assert_eq!(
        exif.get_field(Tag::Orientation, In::PRIMARY)
            .and_then(|f| f.value.get_uint(0)),
        Some(6)
    );
    photo
}

/// Fails if `bytes` (a file that leaves, or a file inside one) carries photo metadata.
#[track_caller]
fn assert_clean(name: &str, bytes: &[u8]) {
    for telltale in TELLTALES {
        assert!(
            !bytes.windows(telltale.len()).any(|w| w == telltale),
            "{name} carries `{}`",
            String::from_utf8_lossy(telltale)
        );
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        assert!(
            exif::Reader::new()
                .read_from_container(&mut std::io::Cursor::new(bytes))
                .is_err(),
            "{name} has EXIF"
        );
    }
}

/// Whether the test photo shows upright in `image`: its red half above its blue half, and
/// the two together taller than wide.
#[track_caller]
fn assert_upright(what: &str, image: &image::RgbImage) {
    let bounds = |wanted: fn(&[u8; 3]) -> bool| {
        let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0, u32::MAX, 0);
        for (x, y, p) in image.enumerate_pixels() {
            if wanted(&p.0) {
                (top, bottom) = (top.min(y), bottom.max(y));
                (left, right) = (left.min(x), right.max(x));
            }
        }
        assert!(top != u32::MAX, "{what}: the photo is not there");
        (top, bottom, left, right)
    };
    let red = bounds(|[r, g, b]| *r > 150 && *g < 100 && *b < 100);
    let blue = bounds(|[r, g, b]| *b > 150 && *g < 100 && *r < 100);
    assert!(
        red.1 <= blue.0 + 2,
        "{what}: red {red:?} is not above blue {blue:?}"
    );
    let (height, width) = (blue.1 - red.0, red.3.max(blue.3) - red.2.min(blue.2));
    assert!(height > width, "{what}: {width} × {height} is not upright");
}

#[test]
fn a_phone_photo_leaves_upright_and_without_its_metadata_in_every_pack() {
    const PHOTO: &str = "records/labs/2021-11-12_phone-photo.jpg";
    let photo = phone_photo();
    let test = Test::demo().write(
        &format!("{PHOTO}.toml"),
        r#"
        kind = "lab"
        date = 2021-11-12
        title = { zh = "血常规（手机拍照）", en = "Blood count (phone photo)" }
        "#,
    );
    fs::write(test.path().join(PHOTO), &photo).unwrap();
    let run = test.args(["build"]).success();
    assert_eq!(
        fs::read(run.dir.join(PHOTO)).unwrap(),
        photo,
        "the family's original is never touched"
    );

    let pdf_images = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (path, bytes) in crate::snapshot(&run.dir.join("out")) {
        let name = path.display().to_string();
        if name.ends_with(".zip") {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
            for i in 0..zip.len() {
                let mut entry = zip.by_index(i).unwrap();
                let mut inner = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut inner).unwrap();
                assert_clean(&format!("{name}:{}", entry.name().unwrap()), &inner);
                checked += 1;
            }
        } else if name.ends_with(".pdf") {
            // Every image inside, as it is stored (JPEGs byte for byte).
            let prefix = pdf_images.path().join(checked.to_string());
            let full = run.dir.join("out").join(&path);
            crate::tool(
                "pdfimages",
                &["-all", full.to_str().unwrap(), prefix.to_str().unwrap()],
            );
        }
        assert_clean(&name, &bytes);
        checked += 1;
    }
    for (path, bytes) in crate::snapshot(pdf_images.path()) {
        assert_clean(&format!("image in a PDF: {}", path.display()), &bytes);
        checked += 1;
    }
    assert!(checked > 200, "{checked}");

    // The e-mail zip: upright pixels, and the manifest says what was done.
    let zip_path = run.dir.join(format!(
        "out/zhongshan-liver/DEMO-LGQ_{TODAY}_zhongshan-liver.zip"
    ));
    let mut zip = zip::ZipArchive::new(fs::File::open(zip_path).unwrap()).unwrap();
    let name = zip
        .file_names()
        .filter_map(|n| n.ok())
        .find(|n| n.contains("2021-11-12_lab"))
        .unwrap()
        .to_string();
    let mut sent = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(&name).unwrap(), &mut sent).unwrap();
    let upright = image::load_from_memory(&sent).unwrap().to_rgb8();
    assert_eq!(upright.dimensions(), (80, 160), "turned upright");
    assert_upright("the e-mail zip", &upright);
    let mut manifest = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("manifest.json").unwrap(), &mut manifest)
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let entry = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name.as_str())
        .unwrap();
    assert!(
        entry["changed"]
            .as_str()
            .is_some_and(|c| c.contains("metadata removed") && c.contains("upright")),
        "{entry}"
    );
    assert_eq!(
        entry["bytes"],
        sent.len() as u64,
        "the manifest lists what was sent"
    );

    // The platform image and the portal page are upright too.
    let images = run.dir.join("out/ehbh-liver/platform/images");
    let platform = fs::read_dir(&images)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("2021-11-12_lab"))
        .unwrap();
    assert_upright(
        "the platform image",
        &image::open(platform).unwrap().to_rgb8(),
    );
    let page = run
        .dir
        .join("out/uwmc-liver/portal/records/2021-11-12_lab_blood-count-phone-photo.pdf");
    let png = pdf_images.path().join("page");
    crate::tool(
        "pdftoppm",
        &[
            "-r",
            "50",
            "-png",
            "-singlefile",
            page.to_str().unwrap(),
            png.to_str().unwrap(),
        ],
    );
    let page = image::open(png.with_extension("png")).unwrap().to_rgb8();
    assert_upright("the portal page", &page);
}

/// The `built` events of the ledger, by contact.
fn built_events(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join(".consultpack/ledger.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "built")
        .map(|e| e["contact"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_unchanged_case_is_up_to_date_for_every_contact_and_force_rebuilds() {
    let test = Test::demo().args(["build"]);
    let first = test.run();
    first.assert_code(0);
    assert_eq!(built_events(&first.dir).len(), 10);
    let packets = crate::snapshot(&first.dir.join("out"));

    let second = test.run();
    second.assert_code(0);
    for id in [
        "dr-demo-seattle",
        "ehbh-liver",
        "fred-hutch-liver",
        "fuscc-liver",
        "huashan-liver",
        "pku-cancer-liver",
        "uwmc-liver",
        "virginia-mason-liver",
        "zhongshan-liver",
        "zju-first-liver",
    ] {
        second.stderr_has(&format!("`{id}`: up to date"));
        second.stdout_has(id);
    }
    assert_eq!(
        built_events(&second.dir).len(),
        10,
        "nothing was built again"
    );
    assert_eq!(crate::snapshot(&second.dir.join("out")), packets);

    // Other options for one contact: only that packet is built; --force rebuilds a current one.
    let test = test.args(["build", "--contact", "zhongshan-liver", "--split"]);
    let split = test.run();
    split.assert_code(0);
    assert_eq!(built_events(&split.dir)[10..], ["zhongshan-liver"]);
    let test = test.args(["build", "--contact", "ehbh-liver", "--force"]);
    let forced = test.run();
    forced.assert_code(0);
    assert!(!forced.stderr.contains("up to date"), "{forced}");
    assert_eq!(built_events(&forced.dir)[11..], ["ehbh-liver"]);
}

#[test]
fn a_record_corrected_without_changing_its_size_is_sent_corrected() {
    const REPORT: &str = "records/imaging/2021-11-01_ultrasound-report.txt";
    let test = Test::demo()
        .write(REPORT, "超声：肝右叶病灶约 3 cm。\n")
        .write(
            &format!("{REPORT}.toml"),
            r#"
            kind = "imaging"
            date = 2021-11-01
            title = { zh = "超声报告", en = "Ultrasound report" }
            "#,
        )
        .args(["build", "--contact", "zhongshan-liver"]);
    test.run().assert_code(0);
    // Corrected in place, same size, and even its modification time put back (as a copy
    // that keeps times would).
    let path = test.path().join(REPORT);
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    fs::write(&path, "超声：肝右叶病灶约 6 cm。\n").unwrap();
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();

    let run = test
        .args(["send", "zhongshan-liver", "--dry-run"])
        .success();
    run.stderr_has("the case changed since the packet was built");
    let eml = fs::read(run.dir.join("out/zhongshan-liver/message.eml")).unwrap();
    let message = mail_parser::MessageParser::default().parse(&eml).unwrap();
    let zip = message
        .attachments()
        .find(|a| {
            mail_parser::MimeHeaders::attachment_name(*a).is_some_and(|n| n.ends_with(".zip"))
        })
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip.contents().to_vec())).unwrap();
    let name = zip
        .file_names()
        .filter_map(|n| n.ok())
        .find(|n| n.contains("2021-11-01_imaging"))
        .unwrap()
        .to_string();
    let mut sent = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(&name).unwrap(), &mut sent).unwrap();
    assert_eq!(
        sent, "超声：肝右叶病灶约 6 cm。\n",
        "the corrected report is sent"
    );
}

#[test]
fn an_encrypted_packet_carries_nothing_identifying_outside_the_archive() {
    const PASSPHRASE: &str = "correct horse 马 battery";
    let mut test = Test::demo()
        .env("CONSULTPACK_ZIP_PASSPHRASE", PASSPHRASE)
        .args([
            "build",
            "--contact",
            "zhongshan-liver",
            "--contact",
            "dr-demo-seattle",
            "--encrypt",
        ]);
    let built = test.run();
    built.assert_code(0);
    built
        .stderr_has("7-Zip, Keka, WinRAR, Bandizip")
        .stderr_has("Windows Explorer, macOS Archive Utility and `unzip` cannot open them");
    let secrets = [
        "DEMO-LGQ",
        "DEMO-000000",
        "李国强",
        "Li Guoqiang",
        "肝细胞癌",
        "肝癌",
        "HCC",
        "hepatocellular",
        "carcinoma",
    ];
    for (id, lang) in [("zhongshan-liver", "zh"), ("dr-demo-seattle", "en")] {
        test = test.args(["send", id, "--dry-run"]);
        let run = test.run();
        run.assert_code(0);
        let dir = run.dir.join("out").join(id);
        let eml = fs::read(dir.join("message.eml")).unwrap();
        let message = mail_parser::MessageParser::default().parse(&eml).unwrap();
        let mut readable = vec![message.subject().unwrap().to_string()];
        readable.extend(
            (0..message.text_body_count()).map(|i| message.body_text(i).unwrap().into_owned()),
        );
        let attachments: Vec<String> = message
            .attachments()
            .map(|a| {
                mail_parser::MimeHeaders::attachment_name(a)
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(attachments.len(), 1, "only the zip: {attachments:?}");
        readable.extend(attachments.iter().cloned());
        let zip_path = dir.join(&attachments[0]);
        // Entry names are readable without the passphrase in any AES zip.
        let zip = zip::ZipArchive::new(fs::File::open(&zip_path).unwrap()).unwrap();
        readable.extend(
            zip.file_names()
                .filter_map(|n| n.ok())
                .map(|n| n.to_string()),
        );
        for text in &readable {
            for secret in secrets {
                assert!(
                    !text.contains(secret),
                    "`{secret}` readable without the passphrase: {text}"
                );
            }
        }
        assert!(
            readable[1].contains("passphrase") || readable[1].contains("密码"),
            "{}",
            readable[1]
        );
        assert!(readable[0].contains("[CP-"), "{}", readable[0]);

        // Inside: the summary and the cover letter that names the patient.
        let unpacked = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("7z")
            .args(["x", &format!("-p{PASSPHRASE}"), "-y"])
            .arg(format!("-o{}", unpacked.path().display()))
            .arg(&zip_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let summary = unpacked.path().join(format!("summary_{lang}.pdf"));
        assert!(fs::read(&summary).unwrap().starts_with(b"%PDF"));
        let letter = fs::read_to_string(unpacked.path().join("cover-letter.txt")).unwrap();
        assert!(letter.contains("DEMO-LGQ"), "{letter}");
        let sums = std::process::Command::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(unpacked.path())
            .output()
            .unwrap();
        assert!(
            sums.status.success(),
            "{}",
            String::from_utf8_lossy(&sums.stdout)
        );
    }
}

/// `bytes` with `from` replaced by `to` (the same length) once; panics if it is not there.
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("`{}` not found", String::from_utf8_lossy(from)));
    bytes[at..at + to.len()].copy_from_slice(to);
}

#[test]
fn another_patients_dicom_series_is_an_error_naming_it() {
    const DICOM: &str = "records/imaging/2021-10-15_mri-dicom";
    let test = Test::demo();
    // Series 3's first image made another patient's series 7: WANG^XIAOMI, ID WANG-999, born
    // 1949-01-01 (same-length edits of the demo's header values).
    let mut bytes = fs::read(test.path().join(DICOM).join("S3I1.dcm")).unwrap();
    patch(
        &mut bytes,
        "LI^GUOQIANG=李^国强".as_bytes(),
        "WANG^XIAOMI=王^小明".as_bytes(),
    );
    patch(&mut bytes, b"DEMO-LGQ", b"WANG-999");
    patch(&mut bytes, b"19580512", b"19490101");
    patch(
        &mut bytes,
        b"20211015.3\x20\x00\x11\x00",
        b"20211015.7\x20\x00\x11\x00",
    );
    patch(&mut bytes, b"IS\x02\x003 ", b"IS\x02\x007 ");
    fs::write(test.path().join(DICOM).join("S7I1.dcm"), &bytes).unwrap();
    let before = test.snapshot();

    let run = test.args(["build"]).failure(1);
    run.stderr_has("2021-10-15_mri-dicom`: series #7 MR")
        .stderr_has("PatientName is WANG^XIAOMI=王^小明")
        .stderr_has("PatientBirthDate is 1949-01-01")
        .stderr_has("2 different patient IDs")
        .stderr_has("other_patient = true");
    assert!(
        !run.stderr.contains("series #3") && !run.stderr.contains("series #4"),
        "the patient's own series are not named:\n{}",
        run.stderr
    );
    let after = crate::snapshot(&run.dir);
    let written: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert!(
        written.iter().all(|p| p.starts_with("out"))
            && !run.dir.join("out/zhongshan-liver").exists(),
        "no packet is written: {written:?}"
    );
    let check = Test::demo();
    fs::create_dir_all(check.path().join(DICOM)).unwrap();
    fs::write(check.path().join(DICOM).join("S7I1.dcm"), &bytes).unwrap();
    check
        .edit(
            "case.toml",
            "id_number = \"DEMO-000000\"",
            "id_number = \"DEMO-000000\"\ndicom_ids = [\"DEMO-LGQ\"]",
        )
        .args(["check"])
        .failure(1)
        .stderr_has("PatientID is WANG-999 (case.toml: DEMO-LGQ, DEMO-000000)");
}

#[test]
fn a_folder_declared_another_persons_is_left_out_with_a_line_in_the_manifest() {
    const OTHER: &str = "records/imaging/2021-10-20_other-dicom";
    let test = Test::demo();
    fs::create_dir_all(test.path().join(OTHER)).unwrap();
    let mut bytes = fs::read(
        test.path()
            .join("records/imaging/2021-10-15_mri-dicom/S3I1.dcm"),
    )
    .unwrap();
    patch(
        &mut bytes,
        "LI^GUOQIANG=李^国强".as_bytes(),
        "WANG^XIAOMI=王^小明".as_bytes(),
    );
    fs::write(test.path().join(OTHER).join("W1.dcm"), &bytes).unwrap();
    let run = test
        .write(
            &format!("{OTHER}.toml"),
            r#"
            kind = "dicom"
            date = 2021-10-20
            title = "a neighbour's disc"
            other_patient = true
            "#,
        )
        .args([
            "build",
            "--contact",
            "zhongshan-liver",
            "--contact",
            "uwmc-liver",
        ])
        .success();
    let imaging = fs::read(run.dir.join("out/imaging_DEMO-LGQ.zip")).unwrap();
    let zip = zip::ZipArchive::new(std::io::Cursor::new(imaging)).unwrap();
    assert!(
        zip.file_names()
            .filter_map(|n| n.ok())
            .all(|n| !n.contains("other-dicom")),
        "the other person's images are not zipped"
    );
    let bundle = run.dir.join(format!(
        "out/zhongshan-liver/DEMO-LGQ_{TODAY}_zhongshan-liver.zip"
    ));
    let mut bundle = zip::ZipArchive::new(fs::File::open(bundle).unwrap()).unwrap();
    let mut manifest = String::new();
    std::io::Read::read_to_string(&mut bundle.by_name("manifest.json").unwrap(), &mut manifest)
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(
        manifest["imaging_left_out"][0],
        "imaging/2021-10-20_other-dicom: another person's images (other_patient = true), left out"
    );
    assert_eq!(
        manifest["imaging"].as_array().unwrap().len(),
        1,
        "{manifest:#}"
    );
    // The patient fields per study, as far as the contact may see them (name, birth date,
    // ID number are shared with this contact).
    assert_eq!(
        manifest["imaging"][0]["patient"]["name"],
        "LI^GUOQIANG=李^国强"
    );
    assert_eq!(
        manifest["imaging"][0]["patient"]["birth_date"],
        "1958-05-12"
    );
}

#[test]
fn a_photo_whose_metadata_cannot_be_removed_is_left_out_with_a_warning() {
    const HEIC: &str = "records/labs/2021-11-12_iphone-photo.heic";
    let test = Test::demo().write(
        &format!("{HEIC}.toml"),
        r#"
        kind = "lab"
        date = 2021-11-12
        title = "Blood count (iPhone photo)"
        "#,
    );
    // An iPhone photo's first bytes, with the EXIF a phone writes (GPS, make) after them.
    let mut heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    heic.extend_from_slice(b"Exif\0\0MM\0*TestPhone Corp SN-7731-0042");
    fs::write(test.path().join(HEIC), &heic).unwrap();
    let run = test
        .args(["build", "--contact", "zhongshan-liver"])
        .success();
    run.stderr_has("2021-11-12_iphone-photo.heic` was left out of every packet")
        .stderr_has("save it as JPEG");
    let zip = run.dir.join(format!(
        "out/zhongshan-liver/DEMO-LGQ_{TODAY}_zhongshan-liver.zip"
    ));
    let bytes = fs::read(zip).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut inner = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut inner).unwrap();
        assert_clean(entry.name().unwrap().as_ref(), &inner);
    }
}

/// The summary's text and every CSV, JSON and text file of its zip that the tool writes (the
/// records inside are the patient's own documents, sent as they are).
fn outgoing_texts(contact_dir: &Path) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for entry in fs::read_dir(contact_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.display().to_string();
        match path.extension().and_then(|e| e.to_str()) {
            Some("pdf") => texts.push((name.clone(), tool("pdftotext", &[&name, "-"]))),
            Some("txt") => texts.push((name.clone(), fs::read_to_string(&path).unwrap())),
            Some("zip") => {
                for inside in tool("unzip", &["-Z1", &name]).lines() {
                    if inside.starts_with("records/") || inside.ends_with(".pdf") {
                        continue;
                    }
                    let text = tool("unzip", &["-p", &name, inside]);
                    texts.push((format!("{name}/{inside}"), text));
                }
            }
            _ => {}
        }
    }
    texts
}

#[test]
fn a_contact_the_birth_date_is_hidden_from_reads_the_age_but_never_the_birth_date() {
    // dr-demo-seattle (English) gets the default `share`; zhongshan-liver (Chinese) its own.
    // The age checked for is the one MELD 3.0 was computed with, in the criteria appendix.
    let run = Test::demo()
        .edit(
            "case.toml",
            r#"share = ["name", "birth_date"]"#,
            r#"share = ["name"]"#,
        )
        .edit(
            "case.toml",
            r#"zhongshan-liver = ["name", "birth_date", "id_number", "phone"]"#,
            r#"zhongshan-liver = ["name", "id_number", "phone"]"#,
        )
        .args([
            "build",
            "--contact",
            "dr-demo-seattle",
            "--contact",
            "zhongshan-liver",
        ])
        .success();
    for (contact, age) in [
        ("dr-demo-seattle", "age 63 years"),
        ("zhongshan-liver", "年龄 63 岁"),
    ] {
        let texts = outgoing_texts(&run.dir.join("out").join(contact));
        let names: Vec<&str> = texts.iter().map(|(n, _)| n.as_str()).collect();
        assert!(
            names
                .iter()
                .any(|n| n.ends_with("summary_en.pdf") || n.ends_with("summary_zh.pdf"))
                && names.iter().any(|n| n.ends_with("labs.csv"))
                && names.iter().any(|n| n.ends_with("timeline.csv")),
            "{contact}: {names:?}"
        );
        for (name, text) in &texts {
            assert!(
                !text.contains("1958"),
                "{contact}: the hidden birth date is in {name}:\n{text}"
            );
        }
        let summary = &texts.iter().find(|(n, _)| n.ends_with(".pdf")).unwrap().1;
        assert!(
            summary.replace('\n', " ").contains(age),
            "{contact}: no `{age}` in the summary:\n{summary}"
        );
    }
}
