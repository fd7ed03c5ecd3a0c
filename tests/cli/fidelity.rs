//! What the family knows can be written down, and nothing false comes out: the findings of a
//! family member who filled case.toml from real notes, one test per point.

use crate::{Test, tool};

pub fn criteria_json(test: Test) -> serde_json::Value {
    let run = test
        .args(["criteria", "--json", "--at", "2021-11-11"])
        .success();
    serde_json::from_str(&run.stdout).unwrap()
}

pub fn summary_text(test: Test, lang: &str) -> String {
    let run = test.args_vec(vec![
        "summary".into(),
        "--lang".into(),
        lang.into(),
        "--no-records".into(),
        "-o".into(),
        "s.pdf".into(),
    ]);
    let run = run.success();
    tool(
        "pdftotext",
        &[
            "-enc",
            "UTF-8",
            run.dir.join("s.pdf").to_str().unwrap(),
            "-",
        ],
    )
}

/// Point 1: Sizes in cm typed as mm: a unit can be written, and slips are warned about.
#[test]
fn centimetres_can_be_written_and_millimetre_slips_are_warned_about() {
    // "3.4 cm" is exactly the demo's 34 mm: the criteria are the same.
    let with_unit =
        criteria_json(Test::demo().edit("case.toml", "longest_mm = 34", "longest = \"3.4 cm\""));
    assert_eq!(with_unit, criteria_json(Test::demo()));

    // 3.4 typed where 34 was meant: check names the slip and the study it contradicts.
    let run = Test::demo()
        .edit(
            "case.toml",
            "longest_mm = 34\n  viable_mm = 31",
            "longest_mm = 3.4\n  viable_mm = 3.1",
        )
        .args(["check"])
        .success();
    run.stderr_has("`L1` in MRI-2021-10 is 3.4 mm, yet it is called LR-TR-viable: was it 3.4 cm? (`L1` measured 28 mm in CT-2021-08, 2021-08-10;")
        .stderr_has("longest = \"3.4 cm\"");

    // A fivefold change with no treatment between is named with both studies.
    let run = Test::demo()
        .edit(
            "case.toml",
            "date = 2021-08-27\nkind = \"TACE\"",
            "date = 2021-10-20\nkind = \"TACE\"",
        )
        .edit(
            "case.toml",
            "date = 2021-09-20\nkind = \"systemic\"",
            "date = 2021-10-20\nkind = \"systemic\"",
        )
        .edit("case.toml", "stop = 2021-10-25", "stop = 2021-10-30")
        .edit(
            "case.toml",
            "longest_mm = 34\n  viable_mm = 31",
            "longest_mm = 150\n  viable_mm = 31",
        )
        .args(["check"])
        .success();
    run.stderr_has("`L1` changed from 28 mm in CT-2021-08 (2021-08-10) to 150 mm in MRI-2021-10 (2021-10-15) with no treatment between");

    Test::demo()
        .edit("case.toml", "longest_mm = 34", "longest = \"3.4 in\"")
        .args(["check"])
        .failure(1)
        .stderr_has("is not a length");
    Test::demo()
        .edit(
            "case.toml",
            "longest_mm = 34",
            "longest_mm = 34\n  longest = \"3.4 cm\"",
        )
        .args(["check"])
        .failure(1)
        .stderr_has("gives both `longest` and `longest_mm`");
}

/// Point 2: Allergies nobody entered are "not recorded", never "none known".
#[test]
fn allergies_not_entered_are_not_recorded_and_none_known_only_when_said() {
    let without = |test: Test| {
        test.edit("case.toml", "[[allergy]]\nsubstance = { zh = \"青霉素\", en = \"penicillin\" }\nreaction = { zh = \"皮疹（2005年）；两次TACE中碘造影剂无不良反应\", en = \"rash (2005); no reaction to iodinated contrast during either TACE\" }\n", "")
    };
    let en = summary_text(without(Test::demo()), "en");
    assert!(en.contains("Not recorded."), "{en}");
    assert!(!en.contains("None known") && !en.contains("No known allergies"));
    let zh = summary_text(without(Test::demo()), "zh");
    assert!(zh.contains("未记录。") && !zh.contains("无已知过敏"));

    let said = |test: Test| {
        without(test).write("extra", "").edit(
            "case.toml",
            "[[comorbidity]]",
            "[[allergy]]\nsubstance = \"none known\"\n\n[[comorbidity]]",
        )
    };
    let en = summary_text(said(Test::demo()), "en");
    assert!(en.contains("No known allergies."), "{en}");
    let zh = summary_text(said(Test::demo()), "zh");
    assert!(zh.contains("无已知过敏。"));

    // Saying none and listing one is a contradiction.
    Test::demo()
        .edit(
            "case.toml",
            "[[comorbidity]]",
            "[[allergy]]\nsubstance = \"无\"\n\n[[comorbidity]]",
        )
        .args(["check"])
        .failure(1)
        .stderr_has("says \"none known\" but others list allergies");
}

/// Point 3: A lesion renamed between studies is caught before response criteria count it as new.
#[test]
fn a_renamed_lesion_is_warned_about_with_the_name_it_had() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "id = \"L1\"\n  segment = \"S8\"\n  longest_mm = 34",
            "id = \"lesion 1\"\n  segment = \"S8\"\n  longest_mm = 34",
        )
        .args(["check"])
        .success();
    run.stderr_has("lesion `lesion 1` appears only in MRI-2021-10; did you mean `L1` (in MRI-2021-06, CT-2021-08)?")
        .stderr_has("would count a renamed lesion as new");
}

/// Point 4: Chinese text in an English packet is named where it is written.
#[test]
fn chinese_text_shown_to_english_readers_is_named_with_its_line() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "hospital = { zh = \"演示大学附属医院 介入科\", en = \"Interventional Radiology, Demo University Hospital\" }",
            "hospital = \"演示大学附属医院 介入科\"",
        )
        .edit("records/other/2021-09-01_discharge-summary.pdf.toml", "language = \"en\"", "language = \"zh\"")
        .args(["check"])
        .success();
    run.stderr_has("`hospital` in [[treatment]] #1 is shown to English readers")
        .stderr_has("in Chinese: “演示大学附属医院 介入科”")
        .stderr_has("--> case.toml:56:12");
    run.stderr_has("contacts `fred-hutch-liver`, `uwmc-liver`, `virginia-mason-liver` need records in English; 1 record(s) are not: other/2021-09-01_discharge-summary.pdf");
}

/// Point 5: Dates known only to the month, or part of it, are valid, print as written, and
/// every criterion computed from one says so.
#[test]
fn approximate_dates_are_accepted_printed_as_written_and_flagged() {
    let planted = || {
        Test::demo()
            .edit("case.toml", "date = 2021-07-05", "date = \"2021-07上旬\"")
            .edit("case.toml", "date = 2021-08-27", "date = \"2021-08 late\"")
            .edit("case.toml", "date = 2021-11-10", "date = \"2021-11\"")
            .edit("case.toml", "birth_date = 1958-05-12", "birth_date = 1958")
    };
    planted().args(["check"]).success();

    let criteria = criteria_json(planted());
    let flags_of = |kind: &str| -> Vec<String> {
        criteria["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["id"] == kind)
            .flat_map(|c| c["flags"].as_array().unwrap().clone())
            .map(|f| f.as_str().unwrap().to_string())
            .collect()
    };
    let mrecist = flags_of("mrecist");
    assert!(
        mrecist.contains(
            &"approximate date: TACE-1 dated early Jul 2021, counted as Jul 1, 2021".to_string()
        ),
        "{mrecist:?}"
    );
    assert!(
        mrecist.contains(
            &"approximate date: TACE-2 dated late Aug 2021, counted as Aug 21, 2021".to_string()
        ),
        "{mrecist:?}"
    );
    let meld = flags_of("meld");
    assert!(
        meld.iter()
            .any(|f| f
                .starts_with("approximate date: bilirubin dated Nov 2021, counted as Nov 1, 2021")),
        "{meld:?}"
    );
    let meld_3 = flags_of("meld_3");
    assert!(
        meld_3.contains(
            &"approximate date: birth date not exact, age counted as the oldest possible"
                .to_string()
        ),
        "{meld_3:?}"
    );
    // Exact dates carry no such flag.
    let exact = criteria_json(Test::demo());
    assert!(!exact.to_string().contains("approximate date"));

    let zh = summary_text(planted(), "zh");
    assert!(zh.contains("2021-07上旬"), "{zh}");
    assert!(
        zh.contains("67–68岁（出生日期 1958）"),
        "age from a birth year: {zh}"
    );
    let en = summary_text(planted(), "en");
    assert!(
        en.contains("late Aug 2021") && en.contains("Nov 2021"),
        "{en}"
    );
    // The only day printed for it is the one the flag says was used.
    assert_eq!(
        en.matches("Aug 21, 2021").count(),
        en.matches("counted as Aug 21, 2021").count(),
        "{en}"
    );

    // Without quotes TOML cannot read it: the hint says to add them.
    let run = Test::demo()
        .edit("case.toml", "date = 2021-07-05", "date = 2021-07")
        .args(["check"])
        .failure(1);
    run.stderr_has("a date known only in part goes in quotes: date = \"2021-07\"");
    // `as_of` fixes the day every command reads the case on: it must be whole.
    let run = Test::demo()
        .edit("case.toml", "as_of = 2021-11-15", "as_of = \"2021-11\"")
        .args(["check"])
        .failure(1);
    run.stderr_has("`as_of` in case.toml must be a whole date");
}

/// Point 6: Hepatitis serology as words and HBV DNA as the lab printed it are accepted and shown
/// as printed (the demo carries them).
#[test]
fn serology_words_and_scientific_notation_are_printed_as_the_lab_printed_them() {
    let zh = summary_text(Test::demo(), "zh");
    for printed in ["阳性", "阴性", "未检出", "5.2E+02", "Anti-HBc 乙肝核心抗体"] {
        assert!(zh.contains(printed), "{printed} in {zh}");
    }
    let en = summary_text(
        Test::demo().edit(
            "case.toml",
            "hbv_dna = \"5.2E+02 IU/mL\"",
            "hbv_dna = \"5.2×10^2 IU/mL\"",
        ),
        "en",
    );
    for printed in ["positive", "negative", "not detected", "5.2×10^2", "<20"] {
        assert!(en.contains(printed), "{printed} in {en}");
    }
    assert!(!en.contains("阳性"), "words are in the reader's language");

    // A word where a criterion needs a number is an error naming what words are for.
    let run = Test::demo()
        .edit(
            "case.toml",
            "afp = { value = 141, unit = \"ng/mL\", range = \"<8.1\" }",
            "afp = \"阳性\"",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("`afp` in [[lab]] #4 must be a number with its unit, found the word \"阳性\"")
        .stderr_has("words such as positive / 阳性 are for hepatitis serology and HBV DNA");
    // An unknown word for serology lists the words that are understood.
    let run = Test::demo()
        .edit("case.toml", "hbsag = \"阳性\"", "hbsag = \"阳\"")
        .args(["check"])
        .failure(1);
    run.stderr_has("or a result word (");
}

/// Point 7: Why a drug stopped: a drug course shows its drugs, its stop date, the reason and the
/// side effects, never just "systemic therapy" (the demo carries sorafenib).
#[test]
fn a_stopped_drug_shows_its_name_reason_and_side_effects() {
    let en = summary_text(Test::demo(), "en");
    let flat = en.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("sorafenib 400 mg twice daily Sep 20, 2021, stopped Oct 25, 2021 for side effects: repeated vomiting, gastric ulcer (grade 3)"),
        "{flat}"
    );
    assert!(!flat.contains("systemic therapy 2021-09-20"), "{flat}");
    let zh: String = summary_text(Test::demo(), "zh")
        .split_whitespace()
        .collect();
    assert!(
        zh.contains("2021-10-25因不良反应停药：反复呕吐、胃溃疡（3级）"),
        "{zh}"
    );

    // A medication stopped for progression with no date says the date is not recorded.
    let en = summary_text(
        Test::demo().edit(
            "case.toml",
            "start = \"2019-11\"",
            "start = \"2019-11\"\nstop_reason = \"progression\"",
        ),
        "en",
    );
    let flat = en.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Propranolol — 10 mg twice daily, started Nov 2019, stopped for progression (date not recorded)"),
        "{flat}"
    );

    // A stop before the start, and a grade outside CTCAE 1–5, are errors at their lines.
    let run = Test::demo()
        .edit("case.toml", "stop = 2021-10-25", "stop = 2021-08-25")
        .edit("case.toml", "grade = 3", "grade = 7")
        .args(["check"])
        .failure(1);
    run.stderr_has("`stop` (2021-08-25) in [[treatment]] #3 is before the start (2021-09-20)")
        .stderr_has(
            "the CTCAE grade in adverse event #2 in [[treatment]] #3 must be 1 to 5, found 7",
        );
    // An unknown reason lists the choices.
    let run = Test::demo()
        .edit(
            "case.toml",
            "stop_reason = \"side-effects\"",
            "stop_reason = \"vomiting\"",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("stop_reason").stderr_has("side-effects");
}

/// Point 8: The family's own account (`[narrative]`, 病情经过) follows the one-page summary, in
/// the reader's language, with its paragraphs.
#[test]
fn the_familys_narrative_follows_the_summary_page() {
    let zh: String = summary_text(Test::demo(), "zh")
        .split_whitespace()
        .collect();
    let (summary, narrative, questions) = (
        zh.find("一、病情摘要").unwrap(),
        zh.find("病情经过（家属叙述）").expect("heading"),
        zh.find("想请医生回答的问题").unwrap(),
    );
    // The questions are on the first page, before the summary and the narrative.
    assert!(questions < summary && summary < narrative, "{zh}");
    assert!(
        zh.contains("2019年10月超声发现肝右叶S8段小结节"),
        "lines joined without a gap: {zh}"
    );
    let en = summary_text(Test::demo(), "en");
    let flat = en.split_whitespace().collect::<Vec<_>>().join(" ");
    let at = flat.find("In the family's words").expect("heading");
    assert!(flat[at..].contains("HBsAg was found positive at a routine check-up in 1996"));
    assert!(
        !en.contains("1996年"),
        "the English reader gets the English account"
    );

    // Without a narrative there is no heading; with only Chinese, English readers are named.
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-case/case.toml"
    ))
    .unwrap();
    let block = &demo[demo.find("[narrative]").unwrap()..demo.find("[[question]]").unwrap()];
    let text = summary_text(Test::demo().edit("case.toml", block, ""), "en");
    assert!(!text.contains("In the family's words"), "{text}");
    let english = &block[block.find("en = \"\"\"").unwrap()..];
    let run = Test::demo()
        .edit("case.toml", english, "\n")
        .args(["check"])
        .failure(1);
    run.stderr_has("`narrative` in case.toml has no English text");
}

/// Point 9: A Chinese keyboard's punctuation and slash dates get a hint naming the character.
#[test]
fn full_width_punctuation_and_slash_dates_get_specific_hints() {
    let run = Test::demo()
        .edit("case.toml", "sex = \"male\"", "sex ＝ “male”")
        .args(["check"])
        .failure(1);
    run.stderr_has("full-width `＝`")
        .stderr_has("TOML needs `=` there");
    let run = Test::demo()
        .edit("case.toml", "date = 2021-07-05", "date = 2021/07/05")
        .args(["check"])
        .failure(1);
    run.stderr_has("2021-07-05 instead of 2021/07/05");
    let run = Test::demo()
        .edit("case.toml", "date = 2021-07-05", "date = \"2021/7/5\"")
        .args(["check"])
        .failure(1);
    run.stderr_has("is written `2021/7/5`")
        .stderr_has("date = 2021-07-05");
}

/// Point 10: Run inside a case (in records/, say), the case is found as git finds its repository,
/// and `init` is never suggested for a case.toml or a folder inside a case.
#[test]
fn the_case_is_found_from_inside_it_and_init_is_not_suggested_wrongly() {
    let test = Test::demo();
    let inside = test.path().join("records/labs");
    let out = std::process::Command::new(crate::BIN)
        .arg("check")
        .current_dir(&inside)
        .env("CONSULTPACK_TODAY", crate::TODAY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let case_file = test.path().join("case.toml").display().to_string();
    let run = test
        .args_vec(vec!["check".into(), "--case".into(), case_file])
        .success();
    run.stderr_has("is ready");
    let run = Test::demo()
        .args(["check", "--case", "{dir}/records"])
        .failure(1);
    run.stderr_has("is inside the case folder")
        .stderr_has("use --case");
    assert!(!run.stderr.contains("consultpack init"), "{run}");
}

/// Point 11: criteria judges as of --at; names, help and languages say what they mean.
#[test]
fn the_small_things_a_new_user_trips_over() {
    // Staleness as of --at: the labs of 2021-11-10 are fresh on 2021-11-15.
    let stale = Test::demo().args(["criteria"]).success();
    stale.stderr_has("labs are more than 30 days old");
    let fresh = Test::demo()
        .args(["criteria", "--at", "2021-11-15"])
        .success();
    assert!(
        !fresh.stderr.contains("labs are more than 30 days old"),
        "{fresh}"
    );
    // The Chinese table, with the language named any way.
    for lang in ["zh", "ZH", "cn", "中文"] {
        Test::demo()
            .args(["criteria", "--lang", lang])
            .success()
            .stdout_has("米兰标准");
    }
    // The summary alone and the summary with records get different names.
    let alone = Test::demo()
        .args(["summary", "--lang", "en", "--no-records"])
        .success();
    let whole = Test::demo().args(["summary", "--lang", "en"]).success();
    assert_ne!(alone.stdout.trim(), whole.stdout.trim());
    assert!(whole.stdout.contains("summary-and-records"), "{whole}");
    // init's help has no --case; the criteria documentation ships with the program.
    let help = Test::new().args(["init", "--help"]).success();
    assert!(!help.stdout.contains("--case"), "{help}");
    Test::new()
        .args(["docs", "criteria"])
        .success()
        .stdout_has("Child-Pugh");
    Test::new()
        .args(["criteria", "--help"])
        .success()
        .stdout_has("consultpack docs criteria");
}

/// Point 12: The demo reads the same on any day: its own `as_of` date, so no stale-labs warning.
#[test]
fn the_demo_reads_as_of_its_own_date() {
    let test = Test::demo();
    let out = std::process::Command::new(crate::BIN)
        .args(["check", "--case", test.path().to_str().unwrap()])
        .env_remove("CONSULTPACK_TODAY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("warning:"),
        "no warning greets a newcomer:\n{stderr}"
    );
}
