//! The summary as a busy liver surgeon reads it (issue: the doctor's reading of the summary).

use crate::{Test, tool};

fn summary_layout(test: Test, args: &[&str]) -> String {
    let mut all = vec!["summary", "--no-records", "-o", "s.pdf"];
    all.extend_from_slice(args);
    let run = test
        .args_vec(all.iter().map(|s| s.to_string()).collect())
        .success();
    tool(
        "pdftotext",
        &[
            "-layout",
            "-enc",
            "UTF-8",
            run.dir.join("s.pdf").to_str().unwrap(),
            "-",
        ],
    )
}

fn row<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no row {label} in\n{text}"))
}

/// Point 1: every lab value in the reader's unit, converted values marked and rounded as
/// printed; a contact may ask for the other system.
#[test]
fn labs_are_shown_in_the_readers_units() {
    let zh = summary_layout(Test::demo(), &["--lang", "zh"]);
    let bilirubin = row(&zh, "TBIL");
    // The demo prints µmol/L on three sheets and 1.3 mg/dL on the last (22 µmol/L).
    for cell in ["µmol/L", "3.4-20.5", "17.8", "20.52", "22.1", "22†"] {
        assert!(bilirubin.contains(cell), "{cell}: {bilirubin}");
    }
    assert!(zh.contains("† 由化验单原单位（g/dL, mg/dL）换算"), "{zh}");

    let en = summary_layout(Test::demo(), &["--lang", "en"]);
    let bilirubin = row(&en, "TBIL");
    for cell in ["mg/dL", "0.2-1.2", "1.0†", "1.2†", "1.3†", "1.3 "] {
        assert!(bilirubin.contains(cell), "{cell}: {bilirubin}");
    }
    assert!(!bilirubin.contains("µmol"), "{bilirubin}");
    let albumin = row(&en, "ALB");
    assert!(
        albumin.contains("g/dL") && albumin.contains("3.9†"),
        "{albumin}"
    );
    // The same number under another unit name is not marked as converted.
    assert!(row(&en, "PLT").contains("96 "), "{en}");
    assert!(en.contains("† converted from the unit printed on the lab sheet (g/L, µmol/L)"));
    assert!(!en.contains("INR INR"));

    // An English-reading team that works in SI units.
    let contacts = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-case/contacts.toml"
    ))
    .unwrap();
    let si = summary_layout(
        Test::demo().write(
            "contacts.toml",
            &format!("{contacts}\n[[contact]]\nid = \"uwmc-liver\"\nlab_units = \"si\"\n"),
        ),
        &["--contact", "uwmc-liver"],
    );
    assert!(row(&si, "TBIL").contains("µmol/L"), "{si}");
}

/// Point 3: the reader's language throughout, no internal names or code citations, and the
/// BCLC headline carries its question where it is shown.
#[test]
fn the_pdf_speaks_to_the_doctor_not_to_the_program() {
    for lang in ["zh", "en"] {
        let text = summary_layout(Test::demo(), &["--lang", lang]);
        for internal in [
            "[patient]",
            "[[",
            "[criteria]",
            ".sql",
            "mimic",
            "afp_ng_per_iu",
        ] {
            assert!(!text.contains(internal), "{lang}: `{internal}` in\n{text}");
        }
    }
    let ecog_1 = || {
        Test::demo().edit(
            "case.toml",
            "date = 2021-11-10\necog = 0",
            "date = 2021-11-10\necog = 1",
        )
    };
    let flat = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let en = flat(summary_layout(ecog_1(), &["--lang", "en"]));
    assert!(
        en.contains("C (whole-lesion diameter) (if the reduced performance status is cancer-related: a question for the doctor)"),
        "{en}"
    );
    let zh: String = summary_layout(ecog_1(), &["--lang", "zh"])
        .split_whitespace()
        .collect();
    assert!(
        zh.contains("（前提：体能状态下降与肿瘤相关，待医生判断）"),
        "{zh}"
    );
}

/// Point 6: where one finding decides a result, the result says so.
#[test]
fn a_deciding_finding_is_named_beside_the_result() {
    let invaded = || {
        Test::demo().edit(
            "case.toml",
            "macrovascular_invasion = \"no\"\nextrahepatic_spread = \"no\"\n\n  [[imaging.lesion]]\n  id = \"L1\"\n  segment = \"S8\"\n  longest_mm = 34",
            "macrovascular_invasion = \"yes\"\nextrahepatic_spread = \"no\"\n\n  [[imaging.lesion]]\n  id = \"L1\"\n  segment = \"S8\"\n  longest_mm = 34",
        )
    };
    let flat = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let en = flat(summary_layout(invaded(), &["--lang", "en"]));
    assert!(
        en.contains("Milan outside — macrovascular invasion"),
        "{en}"
    );
    assert!(
        en.contains("BCLC 2022 (provisional) C — macrovascular invasion"),
        "{en}"
    );
    let run = invaded()
        .args(["criteria", "--json", "--at", "2021-11-11"])
        .success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let milan = json["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "milan")
        .unwrap();
    assert_eq!(milan["decided_by"], "macrovascular invasion");
    // Nothing decided alone: no such field.
    let plain = Test::demo()
        .args(["criteria", "--json", "--at", "2021-11-11"])
        .success();
    assert!(!plain.stdout.contains("decided_by"));
}

/// Point 6: mRECIST after a systemic course too, labelled with the drug, by the same rules.
#[test]
fn mrecist_is_reported_after_a_drug_course() {
    let run = Test::demo()
        .args(["criteria", "--json", "--at", "2021-11-11"])
        .success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let after_drug = json["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["id"] == "mrecist"
                && c["basis"] == "MRI 2021-10-15, after sorafenib 400 mg twice daily"
        })
        .expect("mRECIST after sorafenib");
    assert_eq!(after_drug["category"], "SD");
    assert!(after_drug["flags"].to_string().contains(
        "TACE-2 (2021-08-27) came between the baseline study and the start of sorafenib"
    ));
    let zh: String = summary_layout(Test::demo(), &["--lang", "zh"])
        .split_whitespace()
        .collect();
    assert!(
        zh.contains("疗效不只反映该药物"),
        "the zh PDF carries the flag"
    );
}
