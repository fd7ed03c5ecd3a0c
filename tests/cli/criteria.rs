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
        category("mrecist", Some("MRI 2021-10-15, after TACE-2")),
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
        .stdout_has("(2021-08-20)")
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
        "bilirubin 1.3 mg/dL (2021-11-10)",
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
