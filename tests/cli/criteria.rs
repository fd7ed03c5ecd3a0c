//! `consultpack criteria` on the fictional example of the calculators reference §10.

use serde_json::Value;

use crate::Test;

/// One HCC treated twice with TACE, one lab set, one clinical assessment (reference §10).
const CASE: &str = r#"
    [patient]
    id = "TEST-10"
    name = "Test Patient"
    sex = "male"
    birth_date = 1956-03-14

    [[treatment]]
    id = "TACE-1"
    date = 2021-07-06
    kind = "TACE"

    [[treatment]]
    id = "TACE-2"
    date = 2021-08-25
    kind = "TACE"

    [[imaging]]
    date = 2021-06-25
    modality = "MRI"
    macrovascular_invasion = "no"
    extrahepatic_spread = "no"
    [[imaging.lesion]]
    id = "L1"
    longest_mm = 26
    viable_mm = 26
    class = "LR-5"

    [[imaging]]
    date = 2021-08-15
    modality = "MRI"
    macrovascular_invasion = "no"
    extrahepatic_spread = "no"
    [[imaging.lesion]]
    id = "L1"
    longest_mm = 28
    viable_mm = 22
    class = "LR-TR-viable"

    [[imaging]]
    date = 2021-10-15
    modality = "MRI"
    macrovascular_invasion = "no"
    extrahepatic_spread = "no"
    [[imaging.lesion]]
    id = "L1"
    longest_mm = 38
    viable_mm = 34
    class = "LR-TR-viable"

    [[lab]]
    date = 2021-08-20
    source = "labs/2021-08-20_liver-panel.jpg"
    bilirubin = "20.52 µmol/L"
    albumin = "35 g/L"
    inr = 1.2
    creatinine = "80 µmol/L"
    sodium = "138 mmol/L"
    afp = "85 ng/mL"

    [[assessment]]
    date = 2021-08-20
    ecog = 0
    ascites = "none"
    encephalopathy = "none"
    dialysis = false
"#;

fn case() -> Test {
    Test::new().write("case.toml", CASE).write(
        "records/labs/2021-08-20_liver-panel.jpg",
        "not really a photo",
    )
}

/// The criterion with this id, on this basis (`None` for criteria computed once).
fn criterion<'v>(report: &'v Value, id: &str, basis: Option<&str>) -> &'v Value {
    report["criteria"]
        .as_array()
        .expect("criteria array")
        .iter()
        .find(|c| c["id"] == id && c["basis"].as_str() == basis)
        .unwrap_or_else(|| panic!("no {id} on {basis:?} in {report:#}"))
}

#[test]
fn the_section_10_example_as_json() {
    let run = case()
        .args(["criteria", "--json", "--at", "2021-11-01"])
        .success();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["at"], "2021-11-01");
    let viable = Some("viable diameter");
    let category = |id, basis| criterion(&report, id, basis)["category"].clone();
    let value = |id, basis| criterion(&report, id, basis)["value"].clone();

    let child_pugh = criterion(&report, "child_pugh", None);
    assert_eq!(child_pugh["category"], "A6");
    assert!(
        child_pugh["flags"][0]
            .as_str()
            .is_some_and(|f| f.starts_with("borderline: albumin 3.5 g/dL"))
    );
    let bilirubin = &child_pugh["inputs"][0];
    assert_eq!(bilirubin["name"], "bilirubin");
    assert_eq!(bilirubin["value"], "1.2");
    assert_eq!(bilirubin["unit"], "mg/dL");
    assert_eq!(bilirubin["date"], "2021-08-20");
    assert_eq!(bilirubin["source"], "labs/2021-08-20_liver-panel.jpg");

    assert_eq!(value("albi", None), "-2.11");
    assert_eq!(category("albi", None), "grade 2");
    assert_eq!(category("malbi", None), "2b");
    assert_eq!(value("meld", None), "9");
    assert_eq!(value("meld_na", None), "9");
    assert_eq!(value("meld_3", None), "8");
    for id in [
        "milan",
        "ucsf",
        "up_to_seven",
        "metroticket",
        "hangzhou",
        "fudan",
    ] {
        assert_eq!(category(id, viable), "within", "{id}");
    }
    assert_eq!(value("up_to_seven", viable), "4.4");
    assert_eq!(value("afp_model", viable), "1");
    assert_eq!(category("afp_model", viable), "low risk (≤ 2)");
    assert_eq!(category("bclc", viable), "A");
    assert_eq!(category("cnlc", viable), "Ia");
    assert_eq!(
        category("mrecist", Some("MRI Oct 15, 2021, after TACE-2")),
        "PD"
    );
    assert_eq!(
        criterion(&report, "milan", viable)["source"],
        "Mazzaferro et al., N Engl J Med 1996"
    );
}

#[test]
fn the_table_shows_results_inputs_dates_and_flags() {
    case()
        .args(["criteria", "--at", "2021-11-01"])
        .success()
        .stdout_has("for the reviewing physician's convenience")
        .stdout_has("Child-Pugh")
        .stdout_has("A6")
        .stdout_has("(Aug 20, 2021)")
        .stdout_has("borderline: albumin")
        .stdout_has("viable diameter");
}

#[test]
fn an_unknown_invasion_status_is_indeterminate_and_named() {
    let run = case()
        .edit(
            "case.toml",
            "date = 2021-10-15\nmodality = \"MRI\"\nmacrovascular_invasion = \"no\"",
            "date = 2021-10-15\nmodality = \"MRI\"\nmacrovascular_invasion = \"unknown\"",
        )
        .args(["criteria", "--json", "--at", "2021-11-01"])
        .success();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let milan = criterion(&report, "milan", Some("viable diameter"));
    assert_eq!(milan["category"], "indeterminate");
    assert_eq!(milan["missing"][0], "macrovascular invasion status");
}

#[test]
fn a_case_with_errors_computes_nothing() {
    let run = case()
        .edit("case.toml", "sex = \"male\"", "sex = \"unknown\"")
        .args(["criteria", "--json"])
        .failure(1);
    assert!(run.stdout.is_empty(), "{run}");
}

#[test]
fn the_demo_case_prints_its_criteria_with_dates_and_flags() {
    let run = Test::demo().args(["criteria"]).success();
    for expected in [
        "Child-Pugh",
        "A6",
        "bilirubin 1.3 mg/dL (Nov 10, 2021)",
        "MELD 3.0",
        "Milan",
        "BCLC",
        "mRECIST",
        "PD",
        "data age",
        "computed from the records supplied",
    ] {
        run.stdout_has(expected);
    }
    let json = Test::demo()
        .args(["criteria", "--json", "--at", "2021-09-01"])
        .success();
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let mrecist: Vec<&Value> = report["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "mrecist")
        .collect();
    assert_eq!(
        mrecist.len(),
        1,
        "on 2021-09-01 only the study after TACE-1 exists"
    );
    assert_eq!(mrecist[0]["category"], "SD");
}

#[test]
fn the_table_follows_the_interface_language_unless_lang_is_given() {
    Test::demo()
        .env("LANG", "zh_CN.UTF-8")
        .args(["criteria"])
        .success()
        .stdout_has("供审阅医生参考");
    Test::demo()
        .env("LANG", "zh_CN.UTF-8")
        .args(["criteria", "--lang", "en"])
        .success()
        .stdout_has("computed from the records supplied");
}

/// The demo's criteria as JSON (as of its own date), with `edits` planted first.
fn demo_json(edits: &[(&str, &str)]) -> Value {
    let mut test = Test::demo();
    for (from, to) in edits {
        test = test.edit("case.toml", from, to);
    }
    let run = test.args(["criteria", "--json"]).success();
    serde_json::from_str(&run.stdout).expect("JSON on stdout")
}

fn flags(criterion: &Value) -> Vec<&str> {
    criterion["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| f.as_str().expect("a flag is a string"))
        .collect()
}

/// Every mRECIST result as (basis, category); a row without a basis has "".
fn verdicts(report: &Value) -> Vec<(&str, &str)> {
    report["criteria"]
        .as_array()
        .expect("criteria array")
        .iter()
        .filter(|c| c["id"] == "mrecist")
        .map(|c| {
            (
                c["basis"].as_str().unwrap_or(""),
                c["category"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

/// Where entries are planted in the demo's case.toml: before its first assessment, its
/// first lab set, and its antiviral treatment (the last treatment entry).
const FIRST_ASSESSMENT: &str = "[[assessment]]\ndate = 2021-06-20";
const FIRST_LAB: &str = "[[lab]]\ndate = 2021-06-20";
const ANTIVIRAL: &str = "[[treatment]]\nid = \"TAF\"";

/// Issue 23 point 1 (calculators §6.4): transplant criteria take the latest AFP (141 on
/// 2021-11-10); the AFP nearest the MRI (85 on 2021-10-14) gives the AFP model another
/// category, carried as the alternative; a rising AFP is flagged on every AFP-based result.
#[test]
fn transplant_criteria_take_the_latest_afp_and_carry_the_nearest_as_an_alternative() {
    let report = demo_json(&[]);
    let rising =
        "rising AFP: 62.4 → 85 → 141 ng/mL, on Aug 20, 2021, Oct 14, 2021 and Nov 10, 2021";
    for basis in ["whole-lesion diameter", "viable diameter"] {
        let model = criterion(&report, "afp_model", Some(basis));
        assert_eq!(model["category"], "high risk (> 2)", "{basis}");
        assert_eq!(model["value"], "3", "{basis}");
        let afp = model["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == "afp")
            .expect("the AFP used");
        assert_eq!(
            (&afp["value"], &afp["date"]),
            (&"141".into(), &"2021-11-10".into())
        );
        assert_eq!(
            model["alternative"],
            serde_json::json!({
                "category": "low risk (≤ 2)",
                "value": "1",
                "because": "AFP 85 ng/mL on Oct 14, 2021, nearest the MRI"
            })
        );
        assert!(flags(model).contains(&"depends on the AFP: high risk (> 2) · 3 with AFP 141 ng/mL on Nov 10, 2021, the latest; low risk (≤ 2) · 1 with AFP 85 ng/mL on Oct 14, 2021, nearest the MRI"));
        for id in [
            "metroticket",
            "afp_model",
            "hangzhou",
            "optn_t2",
            "unos_downstaging",
        ] {
            let c = criterion(&report, id, Some(basis));
            assert!(flags(c).contains(&rising), "{id}: {:?}", flags(c));
        }
        for id in ["metroticket", "hangzhou", "optn_t2", "unos_downstaging"] {
            let c = criterion(&report, id, Some(basis));
            assert!(c.get("alternative").is_none(), "{id}: the same category");
        }
        for id in ["milan", "ucsf", "up_to_seven", "fudan"] {
            let c = criterion(&report, id, Some(basis));
            assert!(!flags(c).contains(&rising), "{id} has no AFP term");
        }
    }
    // The table prints both results too.
    Test::demo()
        .args(["criteria"])
        .success()
        .stdout_has("AFP 85 ng/mL on Oct 14, 2021,")
        .stdout_has("the MRI: low risk (≤ 2) · 1");
    // Planted: a later AFP of 90. It is the latest, low risk like the nearest (no
    // alternative), and 85 → 141 → 90 is not rising.
    let report = demo_json(&[(
        FIRST_ASSESSMENT,
        "[[lab]]\ndate = 2021-11-12\nafp = { value = 90, unit = \"ng/mL\" }\n\n[[assessment]]\ndate = 2021-06-20",
    )]);
    let model = criterion(&report, "afp_model", Some("viable diameter"));
    assert_eq!(
        (&model["category"], &model["value"]),
        (&"low risk (≤ 2)".into(), &"1".into())
    );
    assert!(model.get("alternative").is_none());
    assert!(!flags(model).iter().any(|f| f.starts_with("rising AFP")));
}

/// Issue 23 point 2: ART if another TACE is considered (6.5 by hand: AST 38 → 55 +4,
/// Child-Pugh 5 → 6 +1.5, PD +1), and the Child-Pugh point on albumin 35 g/L that moves the
/// ART before TACE-2 from 2.5 to 1; with a third TACE and no imaging after it, indeterminate.
#[test]
fn art_is_computed_if_another_tace_is_considered() {
    let report = demo_json(&[]);
    let next = criterion(&report, "art", Some("if another TACE is considered"));
    assert_eq!(
        (&next["category"], &next["value"]),
        (&"≥ 2.5".into(), &"6.5".into())
    );
    let inputs: Vec<String> = next["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{} {} ({})",
                i["name"].as_str().unwrap(),
                i["value"].as_str().unwrap(),
                i["date"].as_str().unwrap_or("")
            )
        })
        .collect();
    for wanted in [
        "AST before TACE-1 38 (2021-06-20)",
        "latest AST 55 (2021-11-10)",
        "Child-Pugh before TACE-1 A5 (2021-06-20)",
        "latest Child-Pugh A6 (2021-11-10)",
        "mRECIST of the latest imaging PD (2021-10-15)",
    ] {
        assert!(inputs.iter().any(|i| i == wanted), "{wanted} in {inputs:?}");
    }
    let before_2 = criterion(&report, "art", Some("before TACE-2"));
    assert_eq!(before_2["value"], "2.5");
    assert!(flags(before_2).contains(&"borderline for ART: albumin 3.5 g/dL (35 g/L as printed, Aug 20, 2021) is exactly at a Child-Pugh cut-off: at 1 point instead of 2, Child-Pugh before TACE-2 would be 5, not 6, and the ART score 1 (0–1.5), not 2.5 (≥ 2.5)"));

    let tace_3 = format!(
        "[[treatment]]\nid = \"TACE-3\"\ndate = 2021-11-12\nkind = \"TACE\"\n\n{ANTIVIRAL}"
    );
    let report = demo_json(&[(ANTIVIRAL, &tace_3)]);
    let next = criterion(&report, "art", Some("if another TACE is considered"));
    assert_eq!(next["category"], "indeterminate");
    let missing = next["missing"].to_string();
    assert!(
        missing.contains("imaging with measured lesions after TACE-3 (Nov 12, 2021)"),
        "{missing}"
    );
    assert_eq!(
        criterion(&report, "art", Some("before TACE-3"))["value"],
        "6.5"
    );
    Test::demo()
        .edit("case.toml", ANTIVIRAL, &tace_3)
        .args(["check"])
        .success()
        .stderr_has("imaging with measured lesions after TACE-3 (Nov 12, 2021)");
}

/// Issue 23 point 3: the MRI of 2021-10-15 is one verdict, in the TACE course (baseline 24 mm
/// before TACE-1): PD, after TACE-2 and sorafenib, not attributable to one of them.
#[test]
fn each_scan_has_one_mrecist_verdict() {
    let report = demo_json(&[]);
    let verdicts = verdicts(&report);
    assert_eq!(
        verdicts,
        [
            ("CT Aug 10, 2021, after TACE-1", "SD"),
            ("MRI Oct 15, 2021, after TACE-2 and sorafenib", "PD")
        ]
    );
    let october = criterion(
        &report,
        "mrecist",
        Some("MRI Oct 15, 2021, after TACE-2 and sorafenib"),
    );
    let inputs = october["inputs"].to_string();
    assert!(
        inputs.contains("\"target L1 at baseline\"") && inputs.contains("\"2021-06-18\""),
        "{inputs}"
    );
    assert!(
        flags(october)
            .contains(&"response cannot be attributed to one treatment (TACE-2 and sorafenib)")
    );
}

/// Issue 23 point 4: atezolizumab + bevacizumab in three cycles is one line: no row and no
/// warning per cycle, and a CT after the cycles is the imaging after it; a CT that lists no
/// lesions is named in the warning.
#[test]
fn cycles_of_one_regimen_are_one_line_and_a_ct_after_them_counts() {
    let cycle = |date: &str| {
        format!(
            "[[treatment]]\ndate = {date}\nkind = \"systemic\"\nagents = [{{ zh = \"阿替利珠单抗 1200 mg\", en = \"atezolizumab 1200 mg\" }}, {{ zh = \"贝伐珠单抗 15 mg/kg\", en = \"bevacizumab 15 mg/kg\" }}]\n\n"
        )
    };
    let planted = |lesion: &str| {
        let cycles: String = ["2024-03-18", "2024-04-08", "2024-04-29"]
            .map(cycle)
            .concat();
        let ct = format!(
            "[[imaging]]\nid = \"CT-2024-06\"\ndate = 2024-06-10\nmodality = \"CT\"\nmacrovascular_invasion = \"no\"\nextrahepatic_spread = \"no\"\n{lesion}\n"
        );
        Test::demo()
            .edit("case.toml", "as_of = 2021-11-15", "as_of = 2024-07-01")
            .edit("case.toml", ANTIVIRAL, &format!("{cycles}{ANTIVIRAL}"))
            .edit("case.toml", FIRST_LAB, &format!("{ct}\n{FIRST_LAB}"))
    };
    let lesion = "  [[imaging.lesion]]\n  id = \"L1\"\n  segment = \"S8\"\n  longest_mm = 30\n  viable_mm = 20\n  class = \"LR-TR-viable\"\n";
    let run = planted(lesion).args(["check"]).success();
    assert!(
        !run.stderr.contains("mRECIST cannot be computed"),
        "{}",
        run.stderr
    );
    let run = planted(lesion).args(["criteria", "--json"]).success();
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let verdicts = verdicts(&report);
    assert_eq!(
        verdicts.last(),
        Some(&("CT Jun 10, 2024, after atezolizumab, bevacizumab", "PR")),
        "31 mm before the first cycle, 20 after: {verdicts:?}"
    );
    assert_eq!(verdicts.len(), 3, "one verdict per scan: {verdicts:?}");
    planted("").args(["check"]).success().stderr_has(
        "mRECIST cannot be computed: missing imaging with measured lesions after the start of atezolizumab, bevacizumab (Mar 18, 2024) (the latest study after it, CT Jun 10, 2024, lists none)",
    );
}
