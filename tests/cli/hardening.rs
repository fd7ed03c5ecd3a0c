//! Hostile or broken input never hangs, never reads without bound, never echoes a secret, never
//! overwrites what the family wrote, and never gives a silently wrong result (issue: hardening).

use std::ffi::CString;
use std::path::Path;

use crate::Test;

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let c = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
        0,
        "mkfifo {path:?}"
    );
}

fn replace_with_fifo(test: &Test, relative: &str) {
    let path = test.path().join(relative);
    let _ = std::fs::remove_file(&path);
    mkfifo(&path);
}

fn replace_with_link(test: &Test, relative: &str, target: &str) {
    let path = test.path().join(relative);
    let _ = std::fs::remove_file(&path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, &path).unwrap();
}

/// Point 1: a pipe anywhere the tool reads is refused at once, named, never waited on.
#[test]
fn pipes_are_refused_not_waited_on() {
    let test = Test::demo();
    mkfifo(&test.path().join("records/other/stray-pipe"));
    let run = test.deadline(20).args(["check"]).success();
    run.stderr_has("`records/other/stray-pipe` is not a regular file");

    for file in ["contacts.toml", "consultpack.toml", "case.toml"] {
        let test = Test::demo();
        replace_with_fifo(&test, file);
        let run = test.deadline(20).args(["check"]).failure(1);
        run.stderr_has(file).stderr_has("not a regular file");
    }

    let test = Test::demo();
    replace_with_fifo(&test, "records/labs/2021-06-20_liver-panel.jpg.toml");
    test.deadline(20)
        .args(["check"])
        .failure(1)
        .stderr_has("not a regular file");

    let test = Test::demo();
    replace_with_fifo(&test, "templates/summary.en.md");
    test.deadline(20)
        .args(["summary", "--lang", "en", "--no-records", "-o", "s.pdf"])
        .failure(1)
        .stderr_has("not a regular file");
}

/// Point 2: a file that never ends (/dev/zero behind a link) or is too large is refused, and
/// memory stays small.
#[test]
fn endless_and_oversized_files_are_refused_with_bounded_memory() {
    for file in [
        "contacts.toml",
        "templates/summary.en.md",
        "records/labs/2021-06-20_liver-panel.jpg.toml",
    ] {
        let test = Test::demo().deadline(20);
        replace_with_link(&test, file, "/dev/zero");
        let (peak_kb, run) = test
            .args(["summary", "--lang", "en", "--no-records", "-o", "s.pdf"])
            .run_measured();
        assert_eq!(run.code, 1, "{run}");
        run.stderr_has("not a regular file");
        assert!(peak_kb < 300_000, "{file}: peak {peak_kb} KB");
    }
    let test = Test::demo();
    let big = "# padding\n".repeat(500_000);
    std::fs::write(test.path().join("contacts.toml"), big).unwrap();
    test.args(["check"])
        .failure(1)
        .stderr_has("larger than 4 MB");
}

/// Point 13: two [[lab]] sets on one date with different values: a warning naming both, and the
/// criteria use neither (flagged), whatever their order.
#[test]
fn two_values_of_one_test_on_one_date_are_named_and_neither_is_used() {
    let extra = "\n[[lab]]\ndate = 2021-11-10\nsource = \"labs/2021-11-10_liver-panel.jpg\"\nalbumin = { value = 2.4, unit = \"g/dL\" }\n";
    let case = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo-case/case.toml"
    ))
    .unwrap();
    let at = case.find("[[assessment]]").unwrap();
    let planted = format!("{}{extra}\n{}", &case[..at], &case[at..]);
    let test = Test::demo().write("case.toml", &planted);
    let run = test.args(["check"]).success();
    run.stderr_has(
        "`albumin` of 2021-11-10 has two different values: 3.4 g/dL in [[lab]] #4 (case.toml:",
    )
    .stderr_has("and 2.4 g/dL in [[lab]] #5 (case.toml:")
    .stderr_has("the criteria use neither");
    let json = |test: Test| -> serde_json::Value {
        let run = test
            .args(["criteria", "--json", "--at", "2021-11-11"])
            .success();
        serde_json::from_str(&run.stdout).unwrap()
    };
    let criteria = json(Test::demo().write("case.toml", &planted));
    let child_pugh = &criteria["criteria"][0];
    assert_eq!(child_pugh["id"], "child_pugh");
    let flags = child_pugh["flags"].to_string();
    assert!(
        flags.contains("the albumin of 2021-11-10 has two different values (3.4 and 2.4)"),
        "{flags}"
    );
    // The order of the sets does not change the result.
    let swapped = format!(
        "{}{extra}\n{}",
        &case[..case.find("[[lab]]").unwrap()],
        &case[case.find("[[lab]]").unwrap()..]
    );
    let other = json(Test::demo().write("case.toml", &swapped));
    assert_eq!(other["criteria"][0]["category"], child_pugh["category"]);
}

/// Point 14: impossible values are errors, implausible ones warnings, each at its line; a birth
/// date after the course of the disease is an error.
#[test]
fn impossible_and_implausible_values_are_caught() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "sodium = { value = 136, unit",
            "sodium = { value = 0, unit",
        )
        .edit("case.toml", "weight_kg = 67", "weight_kg = -1")
        .edit(
            "case.toml",
            "birth_date = 1958-05-12",
            "birth_date = 2021-10-01",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("`sodium` in [[lab]] #4 is 0 mmol/L, which is not possible")
        .stderr_has("`weight_kg` in [[assessment]] #1 is -1, which is not possible")
        .stderr_has("`birth_date` (2021-10-01) is after a [[aetiology]] dated 1996")
        .stderr_has("--> case.toml:13:14");
    let run = Test::demo()
        .edit(
            "case.toml",
            "birth_date = 1958-05-12",
            "birth_date = 0000-01-01",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("`birth_date` in [patient] is before 1900");
    let run = Test::demo()
        .edit(
            "case.toml",
            "creatinine = { value = 0.95, unit = \"mg/dL\"",
            "creatinine = { value = 0.95, unit = \"µmol/L\"",
        )
        .args(["check"])
        .success();
    run.stderr_has("`creatinine` in [[lab]] #4 is 0.95 µmol/L (0.0107 mg/dL), outside what is plausible (0.15–20 mg/dL)")
        .stderr_has("`creatinine` changed tenfold: 82 µmol/L on 2021-10-14");
    // A key written with capitals is the same analyte, not a crash.
    Test::demo()
        .edit(
            "case.toml",
            "bilirubin = { value = 17.8",
            "Bilirubin = { value = 17.8",
        )
        .args(["check"])
        .success();
}

/// Point 16: a contact id too long for file names is refused in check, not by the file system.
#[test]
fn overlong_contact_ids_are_refused() {
    let id = "a".repeat(300);
    let test = Test::demo().write(
        "contacts.toml",
        &format!("[[contact]]\nid = \"{id}\"\ninstitution = \"X\"\nlanguage = \"en\"\nchannel = \"email\"\nemail = \"x@example.org\"\n"),
    );
    let run = test.args(["check"]).failure(1);
    run.stderr_has("may use only a–z, 0–9 and `-`, at most 40 of them");
    assert!(run.stderr.len() < 4000, "the id is not echoed whole");
}
