//! Page one decides (issue 22): the decision page in both languages, "not available" in each
//! reader's terms, the patient's identifiers on every page and record banner, and the opinions
//! side by side.

use crate::{Test, tool};

/// The text of one page of a PDF, its lines with their runs of spaces made one.
fn page(pdf: &std::path::Path, number: usize) -> String {
    let number = number.to_string();
    let text = tool(
        "pdftotext",
        &[
            "-layout",
            "-enc",
            "UTF-8",
            "-f",
            &number,
            "-l",
            &number,
            pdf.to_str().unwrap(),
            "-",
        ],
    );
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn pages(pdf: &std::path::Path) -> usize {
    tool("pdfinfo", &[pdf.to_str().unwrap()])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo reports the page count")
}

/// The summary of `test` without records, with `args`.
fn summary(test: Test, args: &[&str]) -> (crate::Run, std::path::PathBuf) {
    let mut all = vec!["summary", "--no-records", "-o", "s.pdf"];
    all.extend_from_slice(args);
    let run = test
        .args_vec(all.iter().map(|s| s.to_string()).collect())
        .success();
    let pdf = run.dir.join("s.pdf");
    (run, pdf)
}

fn has_all(text: &str, wanted: &[&str], what: &str) {
    for w in wanted {
        assert!(text.contains(w), "{what}: `{w}` missing from\n{text}");
    }
}

/// Point 1: the demo's first page holds the case line, the trend over the last four time
/// points, the latest imaging with its age, portal hypertension, hepatitis B and the
/// antiviral, ECOG, the key criteria with their dates (Milan beside its MRI), what is not
/// available and the family's questions — in English and in Chinese.
#[test]
fn page_one_decides_in_both_languages() {
    // Read on the demo's own date, as the family would have sent it.
    let (_run, pdf) = summary(Test::demo(), &["--lang", "en", "--today", "2021-11-15"]);
    let en = page(&pdf, 1);
    let flat = en.replace('\n', " ");
    // The one-line case statement, as the letters say it.
    has_all(&flat, &["HCC", "TACE ×2", "mRECIST PD"], "case line");
    // The trend: four time points, whole / viable, lesions, AFP, Child-Pugh, MELD, platelets.
    has_all(
        &en,
        &[
            "Largest",
            "Lesions",
            "AFP",
            "Child-",
            "MELD 3.0",
            "Platelets",
            "MRI Jun 18, 2021 Jun 20, 2021 24 / 24 1 35.2",
            "CT Aug 10, 2021 Aug 20, 2021 28 / 26 1 62.4",
            "MRI Oct 15, 2021 Oct 14, 2021 34 / 31 1 85",
            "— Nov 10, 2021 — — 141",
        ],
        "trend",
    );
    has_all(
        &flat,
        &[
            "MRI Oct 15, 2021, 31 days before this summary",
            "platelets: 81 ×10³/µL (Nov 10, 2021); varices: not recorded; splenomegaly: not recorded; ascites: no ascites (Nov 10, 2021)",
            "HBV DNA <20 IU/mL (Nov 10, 2021); antiviral: tenofovir alafenamide",
            "ECOG 0 (Nov 10, 2021)",
            "Milan within (MRI Oct 15, 2021)",
            "Child-Pugh",
            "blood group",
            "possible living donor",
            "endoscopy (varices)",
            "chest CT",
            "interpreter",
            "Questions for the reviewing physician",
            "Is this TACE refractoriness?",
            "Are there suitable clinical trials?",
        ],
        "page 1 (en)",
    );
    // The labs of 2021-11-10 are 5 days old on the demo's date: not listed as missing.
    assert!(!flat.contains("MELD labs within 30 days"), "{flat}");

    let (_run, pdf) = summary(Test::demo(), &["--lang", "zh", "--today", "2021-11-15"]);
    let zh: String = page(&pdf, 1).split_whitespace().collect();
    has_all(
        &zh,
        &[
            "最大径/活性",
            "病灶数",
            "血小板",
            "MRI2021-10-152021-10-1434/31185",
            "最近影像MRI2021-10-15（31天前）",
            "静脉曲张：未记录；脾大：未记录；腹水：无腹水（2021-11-10）",
            "HBVDNA<20IU/mL（2021-11-10）；抗病毒：丙酚替诺福韦",
            "ECOG0（2021-11-10）",
            "米兰",
            "（MRI2021-10-15）",
            "ICG-R15",
            "PIVKA-II",
            "AFP-L3",
            "胃镜（静脉曲张）",
            "胸部CT",
            "缺：MRI2021-06-18、CT2021-08-10",
            "想请医生回答的问题",
            "是否属于TACE抵抗/失败",
        ],
        "page 1 (zh)",
    );
}

/// Issue 22 point 5: page one's lab values are in the reader's units whatever unit the sheet
/// printed: ×10⁹/L for a Chinese reader, ×10³/µL for a US one (the same number).
#[test]
fn page_one_speaks_the_readers_units() {
    let us_sheet = || {
        Test::demo().edit(
            "case.toml",
            "platelets = { value = 81, unit = \"×10^9/L\", range = \"150-400\" }",
            "platelets = { value = 81, unit = \"K/uL\", range = \"150-400\" }",
        )
    };
    let (_run, pdf) = summary(us_sheet(), &["--lang", "zh", "--today", "2021-11-15"]);
    let zh: String = page(&pdf, 1).split_whitespace().collect();
    has_all(
        &zh,
        &["×10^9/L", "门脉高压血小板：81×10^9/L（2021-11-10）"],
        "page 1 (zh)",
    );
    assert!(!zh.contains("µL"), "{zh}");
    let (_run, pdf) = summary(Test::demo(), &["--lang", "en", "--today", "2021-11-15"]);
    let en = page(&pdf, 1).replace('\n', " ");
    has_all(
        &en,
        &["×10³/µL", "platelets: 81 ×10³/µL (Nov 10, 2021)"],
        "page 1 (en)",
    );
    assert!(!en.contains("×10^9/L"), "{en}");
}

/// An endoscopy report in records/ (a sidecar saying so).
fn with_endoscopy(test: Test) -> Test {
    let pdf = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/demo-case/records/procedures/2021-07-05_tace-1.pdf"),
    )
    .unwrap();
    let path = test
        .path()
        .join("records/procedures/2021-10-20_endoscopy.pdf");
    std::fs::write(path, pdf).unwrap();
    test.write(
        "records/procedures/2021-10-20_endoscopy.pdf.toml",
        "kind = \"endoscopy\"\ndate = 2021-10-20\ntitle = { zh = \"胃镜报告\", en = \"Endoscopy report\" }\n",
    )
}

fn not_available(text: &str, lang: &str) -> String {
    let label = if lang == "zh" {
        "未提供"
    } else {
        "Not available"
    };
    let flat = text.replace('\n', " ");
    let start = flat
        .find(label)
        .unwrap_or_else(|| panic!("{label} in\n{flat}"));
    let end = flat[start..]
        .find(if lang == "zh" {
            "想请医生"
        } else {
            "Questions for"
        })
        .map_or(flat.len(), |e| start + e);
    flat[start..end].to_string()
}

/// Point 2: a Chinese liver surgeon and a US transplant team each get their own list of what
/// the case does not hold; an endoscopy in the case drops it from both; a contact may replace
/// the list; the cover letter names the same gaps.
#[test]
fn not_available_is_said_in_each_readers_terms() {
    let (_run, pdf) = summary(Test::demo(), &["--contact", "zhongshan-liver"]);
    let zh = not_available(&page(&pdf, 1), "zh");
    has_all(
        &zh,
        &["ICG-R15", "PIVKA-II", "AFP-L3", "胃镜", "胸部CT", "DICOM"],
        "zhongshan",
    );
    assert!(!zh.contains("血型"), "{zh}");
    let (_run, pdf) = summary(Test::demo(), &["--contact", "uwmc-liver"]);
    let us = not_available(&page(&pdf, 1), "en");
    has_all(
        &us,
        &[
            "blood group",
            "possible living donor",
            "endoscopy (varices)",
            "chest CT",
            "interpreter",
            "payment (international self-pay)",
            "where the patient lives or can travel",
        ],
        "uwmc",
    );
    assert!(!us.contains("ICG-R15"), "{us}");

    // The case holds an endoscopy, a blood group and a chest CT: the lists drop them.
    let held = || {
        with_endoscopy(Test::demo())
            .edit(
                "case.toml",
                "id_number = \"DEMO-000000\"",
                "id_number = \"DEMO-000000\"\nblood_group = \"A+\"",
            )
            .edit(
                "case.toml",
                "id = \"CT-2021-08\"\ndate = 2021-08-10\nmodality = \"CT\"",
                "id = \"CT-2021-08\"\ndate = 2021-08-10\nmodality = \"CT\"\nregion = \"chest-abdomen\"",
            )
    };
    let (_run, pdf) = summary(held(), &["--contact", "zhongshan-liver"]);
    let zh = not_available(&page(&pdf, 1), "zh");
    assert!(!zh.contains("胃镜") && !zh.contains("胸部CT"), "{zh}");
    assert!(zh.contains("ICG-R15"), "{zh}");
    let (_run, pdf) = summary(held(), &["--contact", "uwmc-liver"]);
    let us = not_available(&page(&pdf, 1), "en");
    for gone in ["endoscopy", "chest CT", "blood group"] {
        assert!(!us.contains(gone), "{gone}: {us}");
    }
    assert!(us.contains("interpreter"), "{us}");

    // A contact's own list replaces its convention's.
    let contacts = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-case/contacts.toml"
    ))
    .unwrap();
    let own = Test::demo().write(
        "contacts.toml",
        &contacts.replace(
            "id = \"zhongshan-liver\"\n",
            "id = \"zhongshan-liver\"\nasks_first = [\"blood-group\", \"icg-r15\"]\n",
        ),
    );
    let (_run, pdf) = summary(own, &["--contact", "zhongshan-liver"]);
    let zh = not_available(&page(&pdf, 1), "zh");
    assert!(zh.contains("血型") && zh.contains("ICG-R15"), "{zh}");
    assert!(!zh.contains("PIVKA-II"), "{zh}");
    // An unknown word is an error that says where and what is accepted.
    Test::demo()
        .write(
            "contacts.toml",
            &contacts.replace(
                "id = \"zhongshan-liver\"\n",
                "id = \"zhongshan-liver\"\nasks_first = [\"icg-r16\"]\n",
            ),
        )
        .args(["check"])
        .failure(1)
        .stderr_has("icg-r16")
        .stderr_has("did you mean `icg-r15`");

    // The cover letter names the same gaps in one sentence.
    let run = Test::demo()
        .args(["build", "--contact", "dr-demo-seattle"])
        .success();
    let letter = cover_letter(&run.dir.join("out/dr-demo-seattle"));
    let flat = letter.split_whitespace().collect::<Vec<_>>().join(" ");
    // Built on the test's date, five years after the demo's labs: they are listed too.
    assert!(
        flat.contains("Not available in this packet: blood group; possible living donor; endoscopy (varices); chest CT; MELD labs within 30 days (newest Nov 10, 2021); interpreter;"),
        "{flat}"
    );
}

/// The cover letter's text in a built e-mail packet.
fn cover_letter(dir: &std::path::Path) -> String {
    let mut found = Vec::new();
    for entry in walk(dir) {
        let name = entry.file_name().unwrap().to_string_lossy().to_string();
        if name.contains("cover") && name.ends_with(".txt") {
            found.push(std::fs::read_to_string(&entry).unwrap());
        }
    }
    assert!(!found.is_empty(), "no cover letter under {}", dir.display());
    found.join("\n")
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Point 3: the name and birth date (as this reader may see them) head every summary page and
/// every appended record's banner; a contact shown neither sees only the case id.
#[test]
fn two_identifiers_on_every_page() {
    let run = Test::demo()
        .args(["summary", "--lang", "en", "-o", "s.pdf"])
        .success();
    let pdf = run.dir.join("s.pdf");
    let ids = "DEMO-LGQ · Li Guoqiang (fictional) · born May 12, 1958";
    let total = pages(&pdf);
    let mut banners = 0;
    for n in 1..=total {
        let text = page(&pdf, n);
        if text.contains("summary page") {
            assert!(text.contains(ids), "summary page {n}:\n{text}");
        } else if text.contains("Record ") && text.contains(ids) {
            banners += 1;
        }
    }
    // Each record's first page carries the banner (11 records in the demo, DICOM apart).
    assert!(banners >= 10, "{banners} record banners name the patient");

    // A contact shown neither the name nor the birth date: the case id alone, everywhere.
    let redacted = Test::demo().edit(
        "case.toml",
        "zhongshan-liver = [\"name\", \"birth_date\", \"id_number\", \"phone\"]",
        "zhongshan-liver = []",
    );
    let run = redacted
        .args([
            "summary",
            "--contact",
            "zhongshan-liver",
            "--no-records",
            "-o",
            "s.pdf",
        ])
        .success();
    let pdf = run.dir.join("s.pdf");
    for n in 1..=pages(&pdf) {
        let text = page(&pdf, n);
        let header = text.lines().next().unwrap_or_default();
        assert!(
            header.starts_with("DEMO-LGQ · 病历摘要"),
            "page {n} header: {header}"
        );
    }
    let first = page(&pdf, 1);
    assert!(
        !first.contains("李国强") && !first.contains("1958-05-12"),
        "{first}"
    );
}

/// Point 7: three replies marked with differing recommendations open the opinions PDF as a
/// table; a contact never sent anything is left out; a reply without a recommendation says so.
#[test]
fn opinions_open_with_the_recommendations_side_by_side() {
    let mut test = Test::demo();
    let marks: [&[&str]; 8] = [
        &["mark", "zhongshan-liver", "sent", "--date", "2026-11-01"],
        &["mark", "uwmc-liver", "sent", "--date", "2026-11-01"],
        &["mark", "ehbh-liver", "sent", "--date", "2026-11-01"],
        &["mark", "fred-hutch-liver", "sent", "--date", "2026-11-01"],
        &[
            "mark",
            "zhongshan-liver",
            "replied",
            "--recommends",
            "再次TACE",
            "--asks-for",
            "ICG-R15",
            "--asks-for",
            "胸部CT",
            "--date",
            "2026-11-10",
        ],
        &[
            "mark",
            "uwmc-liver",
            "replied",
            "--recommends",
            "transplant-evaluation",
            "--asks-for",
            "blood group",
            "--date",
            "2026-11-12",
        ],
        &[
            "mark",
            "ehbh-liver",
            "replied",
            "--recommends",
            "ablation",
            "--date",
            "2026-11-14",
        ],
        &[
            "mark",
            "fred-hutch-liver",
            "replied",
            "--note",
            "call us",
            "--date",
            "2026-11-15",
        ],
    ];
    for args in marks {
        test = test.args_vec(args.iter().map(|s| s.to_string()).collect());
        test.run().assert_code(0);
    }
    let run = test
        .args(["opinions", "--lang", "en", "-o", "o.pdf"])
        .success();
    // In reading order, so that a cell's wrapped words stay together.
    let text = tool(
        "pdftotext",
        &[
            "-enc",
            "UTF-8",
            "-f",
            "1",
            "-l",
            "1",
            run.dir.join("o.pdf").to_str().unwrap(),
            "-",
        ],
    )
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ");
    has_all(
        &text,
        &[
            "Recommendation",
            "Tests asked for",
            "What they saw",
            "repeat TACE",
            "transplant evaluation",
            "ablation",
            "no recommendation recorded",
            "ICG-R15; 胸部",
            "blood group",
            "sent 2026-11-01 (marked by the family)",
        ],
        "opinions table",
    );
    // Never sent anything: not in the table (only in "where things stand").
    let table = &text[..text.find("Where things stand").unwrap_or(text.len())];
    assert!(!table.contains("Virginia Mason"), "{table}");
    let ledger = std::fs::read_to_string(run.dir.join(".consultpack/ledger.jsonl")).unwrap();
    assert!(ledger.contains("\"recommends\":\"re-tace\""), "{ledger}");
    assert!(
        ledger.contains("\"asks_for\":[\"ICG-R15\",\"胸部CT\"]"),
        "{ledger}"
    );
}
