//! What the family knows, as uncertain as it is (issue 19): entries that came out silently
//! wrong, and the forms for what is known only roughly. One test per point.

use crate::Test;
use crate::fidelity::criteria_json;
use crate::hardening::criterion;

/// The summary's text, cells' wrapped words joined by single spaces.
fn summary_text(test: Test, lang: &str) -> String {
    let text = crate::fidelity::summary_text(test, lang);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Point 1: whole centimetres typed as millimetres are warned about, at their line.
#[test]
fn whole_centimetres_typed_as_millimetres_are_warned_about() {
    // 3 (meaning 3 cm) for a lesion called LR-TR-viable, which two TACEs treated.
    let run = Test::demo()
        .edit(
            "case.toml",
            "longest_mm = 34\n  viable_mm = 31",
            "longest_mm = 3\n  viable_mm = 3",
        )
        .args(["check"])
        .success();
    run.stderr_has("warning: `L1` in MRI-2021-10 is 3 mm, yet it is called LR-TR-viable: was it 3 cm? (`L1` measured 28 mm in CT-2021-08, 2021-08-10; a lesion under 10 mm is not counted by the transplant criteria)")
        .stderr_has("--> case.toml:137:")
        .stderr_has("longest = \"3 cm\"");

    // Without a class, the TACE that treated it is the reason.
    Test::demo()
        .edit(
            "case.toml",
            "longest_mm = 24\n  viable_mm = 24\n  class = \"LR-5\"",
            "longest_mm = 2\n  viable_mm = 2",
        )
        .args(["check"])
        .success()
        .stderr_has("`L1` in MRI-2021-06 is 2 mm, yet a TACE treated it: was it 2 cm?");

    // A lesion measured once, under 10 mm, while its note says cm.
    let second = |note: &str| {
        Test::demo()
            .edit(
                "case.toml",
                "longest_mm = 34\n  viable_mm = 31\n  class = \"LR-TR-viable\"",
                &format!("longest_mm = 34\n  viable_mm = 31\n  class = \"LR-TR-viable\"\n\n  [[imaging.lesion]]\n  id = \"L2\"\n  segment = \"S6\"\n  longest_mm = 8\n  note = \"{note}\""),
            )
            .args(["check"])
            .success()
    };
    second("约0.8cm，性质待定").stderr_has("`L2` in MRI-2021-10 is 8 mm, yet it is measured only here and its report or note says cm: was it 8 cm?");
    let run = second("性质待定");
    assert!(!run.stderr.contains("`L2` in MRI-2021-10 is 8 mm"), "{run}");
}

/// Point 2: a unit that contradicts its own value and range is an error naming both readings.
#[test]
fn a_unit_that_contradicts_its_value_and_range_is_an_error() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "bilirubin = { value = 22.1, unit = \"µmol/L\"",
            "bilirubin = { value = 21.3, unit = \"mg/dL\"",
        )
        .edit(
            "case.toml",
            "albumin = { value = 34.2, unit = \"g/L\"",
            "albumin = { value = 34.2, unit = \"g/dL\"",
        )
        .edit(
            "case.toml",
            "creatinine = { value = 0.95, unit = \"mg/dL\", range = \"0.7-1.3\" }",
            "creatinine = \"0.95 µmol/L\"",
        )
        .args(["check"])
        .failure(1);
    assert_eq!(
        run.errors(),
        [
            "error: `bilirubin` in [[lab]] #3: 21.3 with range 3.4-20.5 reads as µmol/L, not mg/dL",
            "error: `albumin` in [[lab]] #3: 34.2 with range 40-55 reads as g/L, not g/dL",
            "error: `creatinine` in [[lab]] #4: 0.95 reads as mg/dL, not µmol/L",
            "error: 3 error(s) in the case folder (listed above); nothing was written",
        ],
        "{run}"
    );
    run.stderr_has("unit = \"µmol/L\"");
    // The demo's own mg/dL sheet (bilirubin 1.3, range 0.2-1.2) stays clean.
    Test::demo().args(["check"]).success();
}

/// Point 3: a year-only date is never placed before what it could follow, and says what is
/// not known; `after` places it.
#[test]
fn year_only_dates_are_ordered_by_what_is_known() {
    let drug = |after: &str| {
        Test::demo().edit(
            "case.toml",
            "[[treatment]]\nid = \"TAF\"",
            &format!("[[treatment]]\ndate = \"2021\"\n{after}kind = \"other\"\nagents = [\"thymalfasin 1.6 mg twice weekly\"]\n\n[[treatment]]\nid = \"TAF\""),
        )
    };
    let order = |text: &str, names: &[&str]| -> Vec<usize> {
        names
            .iter()
            .map(|n| {
                text.find(n)
                    .unwrap_or_else(|| panic!("{n} not in:\n{text}"))
            })
            .collect()
    };
    // The timeline table, from its header on.
    let table = |text: String| text[text.find("Date Event Details").unwrap()..].to_string();
    let text = table(summary_text(drug(""), "en"));
    let at = order(
        &text,
        &[
            "Jun 18, 2021 hepatocellular",
            "Aug 27, 2021 TACE-2",
            "Oct 15, 2021 MRI",
            "2021, month not known thymalfasin",
        ],
    );
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}\n{text}");

    let text = table(summary_text(drug("after = \"tace-2\"\n"), "en"));
    let tace2 = text.find("Aug 27, 2021 TACE-2").unwrap();
    let drug_at = text[tace2..].find("2021, month not known").unwrap() + tace2;
    let sorafenib = text[tace2..].find("Sep 20, 2021 sorafenib").unwrap() + tace2;
    assert!(drug_at < sorafenib, "{text}");

    // An id no entry has, or a year before the entry it follows, is an error at `after`.
    drug("after = \"tace-3\"\n")
        .args(["check"])
        .failure(1)
        .stderr_has("`after` names `tace-3`, which no treatment or imaging study has")
        .stderr_has("did you mean `TACE-2`?");
    Test::demo()
        .edit(
            "case.toml",
            "[[treatment]]\nid = \"TAF\"",
            "[[treatment]]\ndate = \"2020\"\nafter = \"TACE-2\"\nkind = \"other\"\n\n[[treatment]]\nid = \"TAF\"",
        )
        .args(["check"])
        .failure(1)
        .stderr_has("dated 2020, which is before `TACE-2` (2021-08-27) that it is said to follow");
}

/// Point 4: where a before/after choice depends on two dates whose periods overlap, the order
/// is said to be uncertain, naming both, instead of choosing.
#[test]
fn an_approximate_order_is_said_not_chosen() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "date = 2021-08-27\nkind = \"TACE\"",
            "date = \"2021-08下旬\"\nkind = \"TACE\"",
        )
        .edit(
            "case.toml",
            "date = 2021-08-20\nhospital = { zh = \"演示大学附属医院 检验科\"",
            "date = 2021-08-25\nhospital = { zh = \"演示大学附属医院 检验科\"",
        )
        .edit(
            "case.toml",
            "date = 2021-08-20\necog = 0",
            "date = 2021-08-25\necog = 0",
        )
        .args(["criteria", "--json", "--at", "2021-11-11"])
        .success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let item = json["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "jsh_3_tumour_markers")
        .unwrap();
    let flags = item["flags"].to_string();
    assert!(
        flags.contains(
            "not used: order uncertain: the afp of Aug 25, 2021 and TACE-2 (late Aug 2021)"
        ),
        "{item}"
    );
    // The AFP of 2021-08-25 is on neither side of TACE-2.
    for input in item["inputs"].as_array().unwrap() {
        assert_ne!(input["date"], "2021-08-25", "{item}");
    }
}

/// The timeline.csv in the e-mail zip built for dr-demo-seattle.
fn timeline_csv(run: &crate::Run) -> String {
    let zip = std::fs::read_dir(run.dir.join("out/dr-demo-seattle"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "zip"))
        .unwrap();
    crate::tool("unzip", &["-p", zip.to_str().unwrap(), "timeline.csv"])
}

/// Point 3: `before` places an approximate date just before the entry it names, and the
/// timeline.csv and intake.md say what is not known, as the summary does.
#[test]
fn before_places_an_approximate_date_and_every_list_says_what_is_not_known() {
    let test = || {
        Test::demo().edit(
            "case.toml",
            "[[treatment]]\nid = \"TAF\"",
            "[[treatment]]\ndate = \"2021\"\nbefore = \"TACE-1\"\nkind = \"radiotherapy\"\n\n[[treatment]]\nid = \"TAF\"",
        )
    };
    let text = summary_text(test(), "en");
    let table = &text[text.find("Date Event Details").unwrap()..];
    let at = |what: &str| {
        table
            .find(what)
            .unwrap_or_else(|| panic!("{what} not in:\n{table}"))
    };
    let radiotherapy = at("2021, month not known radiotherapy");
    assert!(
        at("Jun 18, 2021 hepatocellular") < radiotherapy && radiotherapy < at("Jul 5, 2021 TACE-1"),
        "{table}"
    );

    let run = test()
        .args([
            "build",
            "--contact",
            "dr-demo-seattle",
            "--contact",
            "uwmc-liver",
        ])
        .success();
    let csv = timeline_csv(&run);
    let rows: Vec<&str> = csv.lines().collect();
    let row = rows
        .iter()
        .position(|r| r.starts_with("\"2021, month not known\",treatment,radiotherapy"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(rows[row - 1].starts_with("2021-06-20,record,"), "{csv}");
    assert!(
        rows[row + 1].starts_with("2021-07-05,treatment,TACE (TACE-1)"),
        "{csv}"
    );
    let intake = std::fs::read_to_string(run.dir.join("out/uwmc-liver/portal/intake.md")).unwrap();
    assert!(
        intake.contains("\nradiotherapy 2021, month not known\nTACE Jul 5, 2021\n"),
        "{intake}"
    );

    // A period wholly after the entry it is said to precede is an error at `before`.
    Test::demo()
        .edit(
            "case.toml",
            "[[treatment]]\nid = \"TAF\"",
            "[[treatment]]\ndate = \"2022\"\nbefore = \"TACE-1\"\nkind = \"other\"\n\n[[treatment]]\nid = \"TAF\"",
        )
        .args(["check"])
        .failure(1)
        .stderr_has("dated 2022, which is after `TACE-1` (2021-07-05) that it is said to precede")
        .stderr_has("check the date and the id in `before`");
}

/// Point 4, imaging: an mRECIST baseline, or the study before or after a TACE, is not chosen
/// when a study's date and an approximately dated TACE could be in either order.
#[test]
fn a_baseline_in_uncertain_order_against_a_tace_is_not_chosen() {
    // TACE-1 "2021-06" could be before or after the MRI of 2021-06-18.
    let json = criteria_json(Test::demo().edit(
        "case.toml",
        "date = 2021-07-05\nkind = \"TACE\"",
        "date = \"2021-06\"\nkind = \"TACE\"",
    ));
    let uncertain = "order uncertain: MRI Jun 18, 2021 and TACE-1 (Jun 2021)";
    let mrecist = criterion(&json, "mrecist");
    assert_eq!(mrecist["category"], "indeterminate", "{mrecist}");
    assert_eq!(
        mrecist["missing"],
        serde_json::json!([uncertain]),
        "{mrecist}"
    );
    let jsh = criterion(&json, "jsh_4_vascular_invasion");
    assert_eq!(jsh["missing"], serde_json::json!([uncertain]), "{jsh}");
    let jsh = criterion(&json, "jsh_1_insufficient_response");
    assert!(jsh["missing"].to_string().contains(uncertain), "{jsh}");

    // TACE-2 "2021-08" could be before or after the CT of 2021-08-10: the CT's verdict stands
    // against the course's baseline but says so; the studies around either session and the
    // response before TACE-2 are not chosen.
    let json = criteria_json(Test::demo().edit(
        "case.toml",
        "date = 2021-08-27\nkind = \"TACE\"",
        "date = \"2021-08\"\nkind = \"TACE\"",
    ));
    let uncertain = "order uncertain: CT Aug 10, 2021 and TACE-2 (Aug 2021)";
    let mrecist = criterion(&json, "mrecist");
    assert_eq!(
        mrecist["basis"], "CT Aug 10, 2021, after TACE-1",
        "{mrecist}"
    );
    assert!(
        mrecist["flags"].to_string().contains(uncertain),
        "{mrecist}"
    );
    for id in [
        "jsh_1_insufficient_response",
        "jsh_2_intrahepatic_progression",
    ] {
        let jsh = criterion(&json, id);
        assert_eq!(jsh["missing"], serde_json::json!([uncertain]), "{jsh}");
    }
    let art = criterion(&json, "art");
    assert_eq!(art["basis"], "before TACE-2", "{art}");
    assert!(art["missing"].to_string().contains(uncertain), "{art}");
}

/// Point 5: a treatment, medication or diagnosis the family cannot date is written
/// `date = "unknown"` (不详), printed "date not known" in every list, placed by `after` or at
/// the end, and a criterion that needs its date is indeterminate, naming it; a lab cannot be
/// undated.
#[test]
fn dates_not_known_are_said_and_decide_no_criterion() {
    let test = |anchor: &str| {
        Test::demo()
            .edit(
                "case.toml",
                "[[treatment]]\nid = \"TAF\"",
                &format!("[[treatment]]\nid = \"RFA-1\"\ndate = \"unknown\"\n{anchor}kind = \"ablation\"\n\n[[treatment]]\nid = \"TAF\""),
            )
            .edit("case.toml", "start = \"2019-11\"", "start = \"不详\"")
            .edit(
                "case.toml",
                "[[treatment]]\nid = \"TACE-1\"",
                "[[diagnosis]]\ndate = \"不清楚\"\ncondition = \"varices\"\n\n[[treatment]]\nid = \"TACE-1\"",
            )
    };
    let json = criteria_json(test(""));
    let why = "the date of RFA-1 (written as not known): which imaging and labs came before or after it cannot be told";
    for id in ["mrecist", "art", "jsh_3_tumour_markers"] {
        let c = criterion(&json, id);
        assert_eq!(c["missing"], serde_json::json!([why]), "{c}");
    }

    // At the end of the timeline, after the last dated event; placed by `after`.
    let text = summary_text(test(""), "en");
    let table = &text[text.find("Date Event Details").unwrap()..];
    let last = table.find("Oct 15, 2021 MRI").unwrap();
    assert!(table[last..].contains("date not known RFA-1"), "{table}");
    let text = summary_text(test("after = \"TACE-1\"\n"), "en");
    let table = &text[text.find("Date Event Details").unwrap()..];
    let rfa = table.find("date not known RFA-1").unwrap();
    assert!(
        table.find("Jul 5, 2021 TACE-1").unwrap() < rfa
            && rfa < table.find("Aug 10, 2021 CT").unwrap(),
        "{table}"
    );

    let run = test("")
        .args([
            "build",
            "--contact",
            "dr-demo-seattle",
            "--contact",
            "uwmc-liver",
            "--contact",
            "ehbh-liver",
        ])
        .success();
    let csv = timeline_csv(&run);
    let rows: Vec<&str> = csv.lines().collect();
    assert!(
        rows[rows.len() - 2].starts_with("date not known,diagnosis,")
            && rows[rows.len() - 1].starts_with("date not known,treatment,ablation (RFA-1),"),
        "{csv}"
    );
    let intake = std::fs::read_to_string(run.dir.join("out/uwmc-liver/portal/intake.md")).unwrap();
    for said in [
        "\nablation date not known\n",
        "\nPropranolol 10 mg twice daily, start date not known (prevention of variceal bleeding)\n",
        "\nvarices, date not known\n",
    ] {
        assert!(intake.contains(said), "{said} not in {intake}");
    }
    let fields =
        std::fs::read_to_string(run.dir.join("out/ehbh-liver/platform/fields.md")).unwrap();
    assert!(fields.contains("\n日期不详 消融"), "{fields}");

    // A lab's date is needed by the criteria: "unknown" there is an error saying what to do.
    let run = Test::demo()
        .edit(
            "case.toml",
            "[[lab]]\ndate = 2021-06-20",
            "[[lab]]\ndate = \"unknown\"",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("`date` in [[lab]] #1 cannot be \"unknown\": the criteria need this date")
        .stderr_has("--> case.toml:142:")
        .stderr_has("only a treatment, a medication or a diagnosis can be dated \"unknown\"");
}

/// Point 10: a full-width `：` or `，` is one error naming the character; the parser's English
/// is said in Chinese for the common cases.
#[test]
fn a_full_width_colon_or_comma_is_one_error_naming_it() {
    for (from, to, c) in [
        ("weight_kg = 67", "weight_kg： 67", "："),
        (
            "agents = [\"lipiodol 5 mL\", \"epirubicin 30 mg\"]",
            "agents = [\"lipiodol 5 mL\"，\"epirubicin 30 mg\"]",
            "，",
        ),
    ] {
        let run = Test::demo()
            .edit("case.toml", from, to)
            .args(["check"])
            .failure(1);
        assert_eq!(run.errors().len(), 2, "{run}");
        run.stderr_has(&format!("a full-width `{c}` outside quotes"));
    }
    let run = Test::demo()
        .edit("case.toml", "sex = \"male\"", "sex = male")
        .args(["--ui", "zh", "check"])
        .failure(1);
    let first = run.errors()[0];
    assert!(first.starts_with("错误：TOML 格式错误："), "{run}");
    assert!(!first.contains("string values must be quoted"), "{run}");
}

/// Point 6: an approximate size is read, printed "≈" and flagged where it is used; a lesion's
/// note is printed beside it.
#[test]
fn approximate_sizes_are_read_printed_and_flagged() {
    let planted = || {
        Test::demo().edit(
            "case.toml",
            "longest_mm = 34\n  viable_mm = 31\n  class = \"LR-TR-viable\"",
            "longest = \"约3.4 cm\"\n  viable_mm = 31\n  class = \"LR-TR-viable\"\n  note = \"ill-defined margin\"",
        )
    };
    let json = criteria_json(planted());
    let milan = criterion(&json, "milan");
    assert!(
        milan["flags"]
            .to_string()
            .contains("approximate size: lesion L1 ≈ 34 mm (Oct 15, 2021)"),
        "{milan}"
    );
    let text = summary_text(planted(), "en");
    assert!(
        text.contains("L1 S8 ≈ 34 (approximate) 31 LR-TR-viable; ill-defined margin"),
        "{text}"
    );
    assert!(
        !milan["flags"].to_string().contains("≈ 31"),
        "the viable diameter was exact: {milan}"
    );
}

/// Point 7: performance status in words is printed as written, and a stage that needs an ECOG
/// number stays indeterminate, quoting it.
#[test]
fn performance_status_in_words_is_quoted_not_made_a_number() {
    let planted = || {
        Test::demo()
            .edit("case.toml", "ecog = 0", "ecog = \"0-1\"")
            .edit("case.toml", "ecog = 0", "ecog = \"0-1\"")
            .edit("case.toml", "ecog = 0", "performance = \"PS良好\"")
    };
    let json = criteria_json(planted());
    let bclc = criterion(&json, "bclc");
    assert_eq!(bclc["category"], "indeterminate", "{bclc}");
    assert!(
        bclc["flags"].to_string().contains(
            "performance status written as \\\"PS良好\\\" (2021-11-10), not an ECOG number"
        ),
        "{bclc}"
    );
    let text = summary_text(planted(), "en");
    // pdftotext spaces the Chinese glyphs apart.
    let text = text.replace(' ', "");
    // Page one's performance row says the words as written, not "not recorded".
    assert!(
        text.contains("ECOGperformancestatus:PS良好(Nov10,2021)"),
        "{text}"
    );
    assert!(!text.contains("ECOGnotrecorded"), "{text}");
    // Out of range: the hint shows the form, never a value.
    let run = Test::demo()
        .edit("case.toml", "ecog = 0", "ecog = 7")
        .args(["check"])
        .failure(1);
    run.stderr_has("ecog = <0–4>");
}

/// Point 8: a drug the family only remembers is "probably" it; a doctor's remark is quoted in
/// the family's account and changes no criterion.
#[test]
fn probable_drugs_and_doctors_remarks_are_said_as_such() {
    let planted = || {
        Test::demo()
            .edit(
                "case.toml",
                "stop_reason = \"side-effects\"\n",
                "stop_reason = \"side-effects\"\ncertainty = \"probable\"\n",
            )
            .edit(
                "case.toml",
                "[[question]]",
                "[[remark]]\nwho = \"liver surgeon, Demo University Hospital\"\ndate = \"2021-10\"\ntext = { zh = \"可能超出米兰标准\", en = \"probably beyond the Milan criteria\" }\n\n[[question]]",
            )
    };
    let text = summary_text(planted(), "en");
    assert!(
        text.contains("probably sorafenib 400 mg twice daily (family's recollection)"),
        "{text}"
    );
    assert!(
        text.contains("“probably beyond the Milan criteria” — liver surgeon, Demo University Hospital, Oct 2021 (a doctor's remark as the family recorded it, not a computed result)"),
        "{text}"
    );
    let zh = summary_text(planted(), "zh");
    assert!(zh.contains("可能是索拉非尼"), "{zh}");
    assert_eq!(
        criterion(&criteria_json(planted()), "milan")["category"],
        criterion(&criteria_json(Test::demo()), "milan")["category"]
    );
}

/// Point 9: Chinese date forms are read as the dates they say.
#[test]
fn chinese_date_forms_are_accepted() {
    let tace2 = |date: &str| {
        Test::demo().edit(
            "case.toml",
            "date = 2021-08-27\nkind = \"TACE\"",
            &format!("date = \"{date}\"\nkind = \"TACE\""),
        )
    };
    assert_eq!(
        criteria_json(tace2("2021年8月27日")),
        criteria_json(Test::demo())
    );
    let json = criteria_json(tace2("2021年8月底"));
    assert!(
        json.to_string().contains("TACE-2 (late Aug 2021)"),
        "{json}"
    );
}

/// Point 12: `send` on a case whose packet was never built here builds it, saying so, instead
/// of asking for "the options you chose before".
#[test]
fn send_builds_a_packet_never_built_here_and_says_so() {
    // Never built at all.
    let test = Test::demo().args(["send", "zhongshan-liver", "--dry-run"]);
    let run = test.run();
    run.assert_code(0);
    run.stderr_has("`zhongshan-liver`: no packet yet — building it.");

    // Built, but elsewhere (`--out`): the ledger knows of it, out/ does not hold it.
    let test = Test::demo().args([
        "build",
        "--contact",
        "zhongshan-liver",
        "--out",
        "elsewhere",
    ]);
    test.run().assert_code(0);
    let run = test
        .args(["send", "zhongshan-liver", "--dry-run"])
        .success();
    run.stderr_has("`zhongshan-liver`: no packet in out/zhongshan-liver (the last one was built elsewhere, or removed) — building it with the default options; for others (--split, --records, --encrypt), run `consultpack build --contact zhongshan-liver` with them before sending.");
    assert!(!run.stderr.contains("options you chose before"), "{run}");
    assert!(
        run.dir.join("out/zhongshan-liver/packet.json").is_file(),
        "{run}"
    );
}

/// Point 12: `summary --help` names the file `summary` really writes.
#[test]
fn summary_help_names_the_file_it_writes() {
    let help = Test::new()
        .env("LANG", "C")
        .args(["summary", "--help"])
        .success();
    help.stdout_has("[default: out/<patient-id>_<date>_summary-and-records_<lang>[_<contact>].pdf in the case; …_summary_… with --no-records]");
    let run = Test::demo().args(["summary"]).success();
    let written: Vec<String> = std::fs::read_dir(run.dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        written,
        ["DEMO-LGQ_2026-11-27_summary-and-records_zh.pdf"],
        "{run}"
    );
}

/// Point 12: the criteria documentation (`consultpack docs criteria`) cites only what its
/// reader has: the publications, never a file outside the repository.
#[test]
fn criteria_documentation_cites_nothing_outside_the_repository() {
    let run = Test::new().args(["docs", "criteria"]).success();
    run.stdout_has("exactly as the publications in the table of criteria below define them");
    for outside in ["shared/", "reference/", "../", "/work/"] {
        assert!(!run.stdout.contains(outside), "`{outside}` in\n{run}");
    }
}

/// Point 12: the README's "your own case" e-mails a contact that, in a new case, has the
/// address the README has the family add; and it says the shipped ones have none.
#[test]
fn readme_own_case_sends_to_a_contact_it_gave_an_address() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let own = &readme[readme.find("## Your own case").unwrap()..];
    let own = &own[..own[3..].find("\n## ").map_or(own.len(), |end| end + 3)];
    assert!(
        own.contains("The shipped contacts have no e-mail address"),
        "{own}"
    );
    let toml = own
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let sent_to = own
        .lines()
        .find_map(|l| l.strip_prefix("consultpack send "))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert!(toml.contains(&format!("id = \"{sent_to}\"")), "{toml}");

    let test = Test::new().args(["init", "dad-hcc"]);
    test.run().assert_code(0);
    // The shipped contacts, as a new case has them: no address at all.
    let list = test
        .args(["contacts", "list", "--case", "dad-hcc"])
        .success();
    assert!(!list.stdout.contains('@'), "{list}");
    let contacts = list.dir.join("dad-hcc/contacts.toml");
    let mut text = std::fs::read_to_string(&contacts).unwrap();
    text.push_str(&toml.replace('…', "liver-consult@example.org"));
    std::fs::write(&contacts, text).unwrap();
    let show = Test::new()
        .args_vec(vec![
            "contacts".into(),
            "show".into(),
            sent_to.into(),
            "--case".into(),
            list.dir.join("dad-hcc").display().to_string(),
        ])
        .success();
    show.stdout_has("channel:      email")
        .stdout_has("e-mail:       liver-consult@example.org");
}

/// Point 12: `status` fits an 80-column terminal: the columns that do not fit are left out and
/// no contact's id is broken.
#[test]
fn status_fits_an_80_column_terminal() {
    for ui in ["en", "zh"] {
        let test = Test::demo().env("COLUMNS", "80").args([
            "mark",
            "ehbh-liver",
            "replied",
            "--note",
            "Dr. Wang on haodf: CT review first, then decide about transplant listing",
            "--date",
            "2026-11-20",
        ]);
        test.run().assert_code(0);
        let run = test.args(["status", "--ui", ui]).success();
        for line in run.stdout.lines() {
            let width = unicode_width::UnicodeWidthStr::width(line);
            assert!(width <= 80, "{width} columns: {line}\n{run}");
        }
        for id in [
            "virginia-mason-liver",
            "fred-hutch-liver",
            "zhongshan-liver",
            "ehbh-liver",
        ] {
            assert!(run.stdout.contains(&format!(" {id} ")), "{id}\n{run}");
        }
        // What is left out is elsewhere: the next step says to read the reply.
        assert!(run.stdout.contains("`opinions`"), "{run}");
    }
}
