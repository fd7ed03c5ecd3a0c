//! `consultpack summary` on the demo case, checked with poppler the way a reader's software
//! sees the file.

use std::path::Path;

use crate::{Test, tool};

/// Renders the demo summary and returns (run, pdf path, text of the PDF).
fn render(args: &[&str]) -> (crate::Run, String) {
    let mut full = vec!["summary", "-o", "{dir}/out.pdf"];
    full.extend_from_slice(args);
    let test = Test::demo();
    let dir = test.path().display().to_string();
    let full: Vec<String> = full.iter().map(|a| a.replace("{dir}", &dir)).collect();
    let run = test.args_vec(full).success();
    let pdf = run.dir.join("out.pdf");
    let text = tool(
        "pdftotext",
        &["-enc", "UTF-8", &pdf.display().to_string(), "-"],
    );
    (run, text)
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect()
}

#[test]
fn the_chinese_and_english_summaries_show_every_heading_lab_value_and_criterion() {
    let demo = Test::demo().args(["criteria", "--json"]).success();
    let criteria: serde_json::Value = serde_json::from_str(&demo.stdout).unwrap();
    let case = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-case/case.toml"),
    )
    .unwrap();

    for (lang, headings) in [
        (
            "zh",
            [
                "病历摘要",
                "一、病情摘要",
                "想请医生回答的问题",
                "二、病程与时间线",
                "三、化验结果",
                "四、肿瘤测量",
                "主要评估一览",
                "五、用药、过敏与其他疾病",
                "六、影像与资料索引",
                "附录：评估标准全表",
            ],
        ),
        (
            "en",
            [
                "Case summary",
                "1 Summary",
                "Questions for the reviewing physician",
                "2 Course and timeline",
                "3 Laboratory results",
                "4 Tumor measurements",
                "Key criteria",
                "5 Medications",
                "6 Imaging and records index",
                "Appendix: computed criteria in full",
            ],
        ),
    ] {
        let (_, text) = render(&["--lang", lang, "--no-records"]);
        let flat = squeeze(&text);
        for heading in headings {
            assert!(
                flat.contains(&squeeze(heading)),
                "{lang}: heading `{heading}` missing"
            );
        }
        assert!(text.contains("DEMO-LGQ"), "{lang}: patient identifier");
        // Every lab value of the case as printed, where the reader's unit is the printed one
        // (SI for Chinese, US conventional for English; the rest is converted, and marked),
        // and every lab date.
        let foreign = if lang == "zh" {
            ["\"mg/dL\"", "\"g/dL\""]
        } else {
            ["\"µmol/L\"", "\"g/L\""]
        };
        for line in case
            .lines()
            .filter(|l| l.contains("{ value = ") && !foreign.iter().any(|u| l.contains(u)))
        {
            let value = line
                .split("value = ")
                .nth(1)
                .unwrap()
                .split([',', ' '])
                .next()
                .unwrap();
            assert!(flat.contains(value), "{lang}: lab value {value} missing");
        }
        for date in ["2021-06-20", "2021-08-20", "2021-10-14", "2021-11-10"] {
            assert!(flat.contains(date), "{lang}: lab date {date} missing");
        }
        // Every criterion's result, in the summary's language.
        let words: &[(&str, &str)] = &[
            ("within", "符合"),
            ("outside", "不符合"),
            ("indeterminate", "无法判定"),
        ];
        for criterion in criteria["criteria"].as_array().unwrap() {
            let category = criterion["category"].as_str().unwrap();
            let shown = match (lang, words.iter().find(|(en, _)| *en == category)) {
                ("zh", Some((_, zh))) => zh.to_string(),
                // Classes and stages have their own Chinese wording; the JSON gives English.
                ("zh", None) => continue,
                _ => category.to_string(),
            };
            assert!(
                flat.contains(&squeeze(&shown)),
                "{lang}: result `{shown}` of {} missing",
                criterion["id"]
            );
        }
        assert!(flat.contains(&squeeze(if lang == "zh" {
            "以下结果根据所提供的资料计算"
        } else {
            "Computed from the records supplied, for the reviewing physician"
        })));
        // Flags in the summary's language: the demo's labs are years old, and MELD 3.0 assumes
        // an adult registration.
        let zh_flags = [
            "数据时效：截至",
            "对移植或肿瘤评估而言已过时",
            "假设：登记肝移植时年满 18 岁",
        ];
        let en_flags = [
            "data age",
            "stale for a transplant",
            "assumption: registered for transplant",
        ];
        let (shown, not_shown) = if lang == "zh" {
            (zh_flags, en_flags)
        } else {
            (en_flags, zh_flags)
        };
        for flag in shown {
            assert!(
                flat.contains(&squeeze(flag)),
                "{lang}: flag `{flag}` missing"
            );
        }
        for flag in not_shown {
            assert!(
                !flat.contains(&squeeze(flag)),
                "{lang}: flag `{flag}` shown"
            );
        }
    }
}

#[test]
fn the_summary_embeds_only_subset_fonts_and_every_page_renders() {
    // Without records: an appended record may use its own (e.g. standard, unembedded) fonts.
    let (run, _) = render(&["--lang", "zh", "--no-records"]);
    let pdf = run.dir.join("out.pdf").display().to_string();
    let fonts = tool("pdffonts", &[&pdf]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty());
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "emb sub uni: {row}"
        );
    }
    let dir = run.dir.join("pages");
    std::fs::create_dir(&dir).unwrap();
    tool(
        "pdftoppm",
        &[
            "-r",
            "30",
            "-png",
            &pdf,
            &dir.join("p").display().to_string(),
        ],
    );
    let pages = std::fs::read_dir(&dir).unwrap().count();
    let info = tool("pdfinfo", &[&pdf]);
    let count: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pages, count);
}

#[test]
fn records_are_appended_with_a_bookmark_each() {
    let (run, _) = render(&["--lang", "en"]);
    let pdf = run.dir.join("out.pdf").display().to_string();
    let dir = run.dir.join("pages");
    std::fs::create_dir(&dir).unwrap();
    tool(
        "pdftoppm",
        &[
            "-r",
            "20",
            "-png",
            &pdf,
            &dir.join("p").display().to_string(),
        ],
    );
    let outline = tool("qpdf", &["--json", "--json-key=outlines", &pdf]);
    for title in [
        "MRI report",
        "Lab report",
        "TACE-1 note",
        "Discharge summary",
    ] {
        assert!(outline.contains(title), "bookmark for a {title}");
    }
    let text = tool("pdftotext", &[&pdf, "-"]);
    assert!(
        text.contains("Discharge summary (English translation) - SYNTHETIC DEMO"),
        "a merged PDF keeps its text"
    );
    assert!(
        text.contains("Sep 1, 2021 · Discharge sum"),
        "each record has a header line"
    );
    // A long header line loses the middle of the file name, never its end.
    assert!(
        text.lines().any(|l| l.contains("Record 7/10 · Sep 1, 2021")
            && l.contains("2021-09-01_…")
            && l.ends_with("nslation.pdf")),
        "{text}"
    );
    // The packet is written straight to its file as the records are read: still a valid PDF,
    // private, and with no temporary file left beside it.
    tool("qpdf", &["--check", &pdf]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&pdf).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let temporary = std::fs::read_dir(&run.dir)
        .unwrap()
        .filter(|entry| {
            let name = entry.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with(".consultpack-")
        })
        .count();
    assert_eq!(temporary, 0);
}

#[test]
fn a_contact_sets_the_language_and_what_they_see() {
    let (run, text) = render(&["--contact", "uwmc-liver", "--no-records"]);
    assert!(
        text.contains("Case summary"),
        "the contact's language (English)\n{run}"
    );
    assert!(text.contains("UW Medical Center"), "the recipient is named");
    assert!(
        !text.contains("DEMO-000000"),
        "the ID number is not shared with this contact"
    );
    let (_, text) = render(&["--contact", "zhongshan-liver", "--no-records"]);
    assert!(text.contains("病历摘要"));
    assert!(
        text.contains("DEMO-000000"),
        "the family shares the ID number with Zhongshan"
    );
}

#[test]
fn the_default_output_is_private_and_named_after_patient_date_and_language() {
    let run = Test::demo()
        .args(["summary", "--lang", "en", "--no-records"])
        .success();
    let path = run.dir.join("out/DEMO-LGQ_2026-11-27_summary_en.pdf");
    assert_eq!(run.stdout.trim(), "out/DEMO-LGQ_2026-11-27_summary_en.pdf");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn an_unknown_contact_writes_nothing() {
    let test = Test::demo().args(["summary", "--contact", "uwmc"]);
    let before = test.snapshot();
    let run = test.run();
    run.assert_code(1);
    run.stderr_has("no contact with id `uwmc`");
    assert_eq!(test.snapshot(), before);
}

#[test]
fn a_template_error_names_the_file_and_line() {
    let test = Test::demo()
        .write("templates/summary.en.md", "# Title\n\n{{ patient.nmae }}\n")
        .args(["summary", "--lang", "en"]);
    let before = test.snapshot();
    let run = test.run();
    run.assert_code(1);
    run.stderr_has("error: template `templates/summary.en.md`, line 3: undefined value");
    assert_eq!(test.snapshot(), before, "nothing written");
}

#[test]
fn a_case_template_overrides_the_shipped_one() {
    let test = Test::demo().write(
        "templates/summary.en.md",
        "# Our own summary\n\nPatient {{ patient.id }}.\n\n:::labs\n",
    );
    let dir = test.path().display().to_string();
    let run = test
        .args_vec(vec![
            "summary".into(),
            "--lang".into(),
            "en".into(),
            "--no-records".into(),
            "-o".into(),
            format!("{dir}/o.pdf"),
        ])
        .success();
    let text = tool(
        "pdftotext",
        &[&run.dir.join("o.pdf").display().to_string(), "-"],
    );
    assert!(text.contains("Our own summary") && text.contains("Patient DEMO-LGQ"));
    assert!(!text.contains("Computed criteria"));
}

#[test]
fn a_character_the_font_lacks_is_a_warning_naming_it() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "en = \"Li Guoqiang (fictional)\"",
            "en = \"Li Guoqiang (fictional) क\"",
        )
        .args(["summary", "--lang", "en", "--no-records"])
        .success();
    run.stderr_has("क (U+0915)");
}

#[test]
fn the_chinese_summary_names_what_is_missing_in_chinese() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "no extrahepatic spread\" }\nmacrovascular_invasion = \"no\"",
            "no extrahepatic spread\" }\nmacrovascular_invasion = \"unknown\"",
        )
        .args(["summary", "--lang", "zh", "--no-records"])
        .success();
    let pdf = run.dir.join(run.stdout.trim()).display().to_string();
    let text = squeeze(&tool("pdftotext", &["-enc", "UTF-8", &pdf, "-"]));
    assert!(text.contains("缺少：大血管侵犯情况"), "{run}\n{text}");
    assert!(!text.contains("macrovascularinvasionstatus"), "{text}");
}

/// A record left out is reported in the interface language, the reason too, though a helper
/// process found it.
#[test]
fn a_record_left_out_is_reported_in_chinese() {
    Test::demo()
        .write(
            "records/imaging/2021-08-10_ct-report.pdf",
            "%PDF-1.4\ngarbage\n",
        )
        .args(["--ui", "zh", "summary", "--lang", "en", "-o", "s.pdf"])
        .success()
        .stderr_has("2021-08-10_ct-report.pdf` 没有放进资料包：无法作为 PDF 读取");
}

/// The page size pdfinfo reports for `pdf`, e.g. "612 x 792 pts (letter)".
fn page_size(pdf: &Path) -> String {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|line| line.strip_prefix("Page size:"))
        .expect("pdfinfo reports a page size")
        .trim()
        .to_string()
}

/// The demo summary for `contact`, with `contacts.toml` edited by `edit` (from, to) if given:
/// the run (which holds the folder) and the PDF.
fn summary_for(contact: &str, edit: Option<(&str, &str)>) -> (crate::Run, std::path::PathBuf) {
    let mut test = Test::demo();
    if let Some((from, to)) = edit {
        test = test.edit("contacts.toml", from, to);
    }
    let run = test
        .args([
            "summary",
            "--contact",
            contact,
            "--no-records",
            "-o",
            "s.pdf",
        ])
        .success();
    let pdf = run.dir.join("s.pdf");
    (run, pdf)
}

/// Issue 22 point 6: US Letter for a contact in the US, A4 elsewhere, `paper` either way.
#[test]
fn a_us_contact_gets_letter_paper_others_a4_and_the_contact_setting_overrides() {
    let letter = "612 x 792 pts";
    let a4 = "595.28 x 841.89 pts";
    let us = "dr.demo@example.org\"";
    let cn = "liver-consult@example.org\"";
    for (contact, edit, size) in [
        ("dr-demo-seattle", None, letter),
        ("zhongshan-liver", None, a4),
        (
            "dr-demo-seattle",
            Some((us, "dr.demo@example.org\"\npaper = \"a4\"")),
            a4,
        ),
        (
            "zhongshan-liver",
            Some((cn, "liver-consult@example.org\"\npaper = \"letter\"")),
            letter,
        ),
    ] {
        let (_run, pdf) = summary_for(contact, edit);
        let got = page_size(&pdf);
        assert!(got.starts_with(size), "{contact} {edit:?}: {got}");
    }
}

/// Issue 22 point 6: a US reader reads "tumor" and "Oct 15, 2021"; dates of the case are not
/// left in ISO form in the prose and tables they read.
#[test]
fn a_us_readers_summary_says_tumor_and_dates_the_us_way() {
    let (_run, pdf) = summary_for("dr-demo-seattle", None);
    let text = tool("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert!(text.contains("tumor"), "no `tumor`");
    assert!(
        !text.to_lowercase().contains("tumour"),
        "`tumour` in a US summary"
    );
    assert!(text.contains("Oct 15, 2021"), "no `Oct 15, 2021`");
    // File names keep their ISO dates (imaging/2021-10-15_mri-report.pdf).
    let iso: Vec<&str> = text
        .split_whitespace()
        .filter(|word| !word.contains('/') && !word.contains('_'))
        .filter(|word| {
            word.as_bytes().windows(10).any(|w| {
                w.iter().enumerate().all(|(i, b)| match i {
                    4 | 7 => *b == b'-',
                    _ => b.is_ascii_digit(),
                })
            })
        })
        .collect();
    assert!(iso.is_empty(), "ISO dates left: {iso:?}");
}

/// Issue 22 point 6: the English summary fits on eight pages, on Letter (a US contact) and A4,
/// and no page carries a lone sentence.
#[test]
fn the_english_summary_fits_eight_pages_none_holding_one_sentence() {
    let us = "dr.demo@example.org\"";
    for edit in [None, Some((us, "dr.demo@example.org\"\npaper = \"a4\""))] {
        let (_run, pdf) = summary_for("dr-demo-seattle", edit);
        let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
        let pages: usize = info
            .lines()
            .find_map(|line| line.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("pdfinfo reports pages");
        assert!(pages <= 8, "{edit:?}: {pages} pages");
        for page in 1..=pages {
            let n = page.to_string();
            let text = tool(
                "pdftotext",
                &[
                    "-f",
                    &n,
                    "-l",
                    &n,
                    "-enc",
                    "UTF-8",
                    pdf.to_str().unwrap(),
                    "-",
                ],
            );
            // Leaving out the running header and the footer's "page N of M" (its date is three
            // words): what the page itself says.
            let body: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|line| {
                    !line.starts_with("DEMO-LGQ") && !line.contains(&format!("page {n} of"))
                })
                .collect();
            let words: usize = body.iter().map(|l| l.split_whitespace().count()).sum();
            assert!(
                words >= 40,
                "{edit:?} page {page}: only {words} words: {body:?}"
            );
        }
    }
}

/// A file the summary cites (timeline, imaging, labs' sources, records index, record banners)
/// is named as the reader's packet holds it, never by the family's folders: an e-mail bundle's
/// zip holds `2021-06-20_lab_liver-panel.jpg`, a portal pack the same record as a `.pdf`.
#[test]
fn cited_records_carry_the_names_the_packet_gives_them() {
    let run = Test::demo()
        .args(["summary", "--contact", "zhongshan-liver", "-o", "s.pdf"])
        .success();
    let text = tool("pdftotext", &[run.dir.join("s.pdf").to_str().unwrap(), "-"]);
    let flat = text.split_whitespace().collect::<String>();
    assert!(
        flat.contains("来源：2021-06-20：2021-06-20_lab_liver-panel.jpg；2021-08-20："),
        "{text}"
    );
    for family_path in ["labs/2021", "imaging/2021-06-18_mri", "procedures/2021"] {
        assert!(!flat.contains(family_path), "`{family_path}` in\n{text}");
    }
    let banner = text
        .lines()
        .find(|l| l.starts_with("资料 1/10"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        banner.contains("2021-06-18_imaging_mri-report.pdf"),
        "{banner}"
    );

    let run = Test::demo()
        .args([
            "summary",
            "--contact",
            "uwmc-liver",
            "--no-records",
            "-o",
            "s.pdf",
        ])
        .success();
    let text = tool("pdftotext", &[run.dir.join("s.pdf").to_str().unwrap(), "-"]);
    let flat = text.split_whitespace().collect::<String>();
    assert!(
        flat.contains("Jun20,2021:2021-06-20_lab_liver-panel.pdf"),
        "{text}"
    );
}
