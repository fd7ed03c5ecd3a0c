use crate::Test;

#[test]
fn the_demo_case_is_clean() {
    let run = Test::demo().args(["check"]).success();
    assert!(run.errors().is_empty(), "{run}");
    run.stderr_has("is ready (11 records, 44 lab values");
}

/// The acceptance case: a mistyped field, a missing record and an unknown unit give exactly
/// these three errors, each at its line.
/// The demo with the acceptance test's three mistakes: a mistyped field, a missing record and
/// an unknown unit.
pub fn three_mistakes() -> Test {
    Test::demo()
        .edit(
            "case.toml",
            "birth_date = 1958-05-12",
            "birth_dat = 1958-05-12",
        )
        .edit(
            "case.toml",
            "source = \"labs/2021-08-20_liver-panel.jpg\"",
            "source = \"labs/2021-08-20_liver-panl.jpg\"",
        )
        .edit(
            "case.toml",
            "creatinine = { value = 80, unit = \"µmol/L\"",
            "creatinine = { value = 80, unit = \"µmol/dL\"",
        )
}

/// Where [`three_mistakes`] are.
pub const THREE_MISTAKES_AT: [&str; 3] = ["case.toml:13:1", "case.toml:165:10", "case.toml:169:24"];

#[test]
fn three_mistakes_give_exactly_three_errors_at_their_lines() {
    let test = three_mistakes();
    let before = test.snapshot();
    let test = test.args(["check"]);
    let run = test.run();
    run.assert_code(1);
    assert_eq!(
        run.errors(),
        [
            "error: unknown field `birth_dat` in [patient]",
            "error: record file `records/labs/2021-08-20_liver-panl.jpg` not found",
            "error: unknown unit `µmol/dL` for `creatinine` in [[lab]] #2",
            "error: 3 error(s) in the case folder (listed above); nothing was written",
        ],
        "{run}"
    );
    assert_eq!(run.error_locations()[..], THREE_MISTAKES_AT[..], "{run}");
    run.stderr_has("did you mean `birth_date`?")
        .stderr_has("did you mean \"labs/2021-08-20_liver-panel.jpg\"?");
    assert_eq!(test.snapshot(), before, "check writes nothing");
}

/// `ui = "zh"` in consultpack.toml turns the messages Chinese; a value that is not a language
/// is an error at its line, with the accepted values.
#[test]
fn the_interface_language_can_be_set_in_consultpack_toml() {
    let first_line = "# Demo settings: a fictional sender. Passwords never go here.";
    let run = Test::demo()
        .edit("consultpack.toml", first_line, "ui = \"zh\"")
        .edit("case.toml", "sex = \"male\"", "sex = \"mael\"")
        .args(["check"])
        .failure(1);
    run.stderr_has("错误：[patient] 中 `sex` 的值 `mael` 无法识别");
    let run = Test::demo()
        .edit("consultpack.toml", first_line, "ui = \"french\"")
        .args(["check"])
        .failure(1);
    assert_eq!(
        run.errors()[0],
        "error: `ui` in consultpack.toml has an unknown value `french`",
        "{run}"
    );
    assert_eq!(run.error_locations()[0], "consultpack.toml:1:6", "{run}");
    run.stderr_has("accepted: `zh`, `en`");
}

#[test]
fn toml_syntax_errors_point_at_the_line() {
    let run = Test::demo()
        .edit("case.toml", "sex = \"male\"", "sex = male")
        .args(["check"])
        .failure(1);
    assert!(run.errors()[0].starts_with("error: TOML syntax:"), "{run}");
    assert_eq!(run.error_locations()[0], "case.toml:12:7");
}

#[test]
fn type_errors_name_the_expected_type() {
    let run = Test::demo()
        .edit("case.toml", "weight_kg = 67", "weight_kg = \"sixty-seven\"")
        .args(["check"])
        .failure(1);
    assert_eq!(
        run.errors()[0],
        "error: `weight_kg` in [[assessment]] #1 must be a number, found text \"sixty-seven\""
    );
}

#[test]
fn future_dates_are_errors() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "date = 2021-11-10\nhospital",
            "date = 2027-11-10\nhospital",
        )
        .args(["check"])
        .failure(1);
    assert_eq!(
        run.errors()[0],
        "error: `date` in [[lab]] #4 is in the future (2027-11-10)",
        "{run}"
    );
}

#[test]
fn impossible_dates_are_errors() {
    let run = Test::demo()
        .edit("case.toml", "date = 2021-10-15", "date = 2021-02-30")
        .args(["check"])
        .failure(1);
    assert_eq!(run.error_locations()[0], "case.toml:125:8");
    run.stderr_has("check that the day exists in that month");
}

#[test]
fn duplicate_lesion_ids_are_errors() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "  longest_mm = 24\n  viable_mm = 24\n  class = \"LR-5\"\n",
            "  longest_mm = 24\n  viable_mm = 24\n  class = \"LR-5\"\n\n  [[imaging.lesion]]\n  id = \"L1\"\n  longest_mm = 12\n",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("lesion id `L1` appears twice");
}

#[test]
fn unknown_analytes_and_wrong_units_are_errors() {
    let run = Test::demo()
        .edit("case.toml", "ast = { value = 38", "asst = { value = 38")
        .edit(
            "case.toml",
            "albumin = { value = 35, unit = \"g/L\"",
            "albumin = { value = 35, unit = \"mg/dL\"",
        )
        .args(["check"])
        .failure(1);
    assert_eq!(
        run.errors()[..2],
        [
            "error: unknown analyte or field `asst` in [[lab]] #1",
            "error: `mg/dL` is not a unit for Albumin in [[lab]] #2"
        ]
    );
    run.stderr_has("did you mean `ast`?");
}

#[test]
fn a_contact_language_needs_text_in_that_language() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "en = \"With his current liver function, is resection or ablation possible?\"",
            "",
        )
        .args(["check"])
        .failure(1);
    assert_eq!(
        run.errors()[0],
        "error: [[question]] #3 has no English text, which `dr-demo-seattle` and 3 other contacts need"
    );
}

/// Issue 19, point 11: errors come first; warnings follow grouped by kind and are counted by
/// kind; a photo no [[record]] names is one line that says it will not be sent.
#[test]
fn errors_come_first_and_warnings_are_grouped_and_counted() {
    let stray = |test: Test| {
        test.write("records/other/微信图片_20211101.jpg", "not really a photo")
            .write("records/other/微信图片_20211102.jpg", "not really a photo")
            .edit(
                "case.toml",
                "longest_mm = 34\n  viable_mm = 31",
                "longest_mm = 3\n  viable_mm = 3",
            )
    };
    let run = stray(Test::demo()).args(["check"]).success();
    let firsts: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: ") || l.starts_with("check: "))
        .collect();
    assert_eq!(
        firsts,
        [
            "warning: `records/other/微信图片_20211101.jpg` is in no [[record]] of case.toml, so no packet holds it",
            "warning: `records/other/微信图片_20211102.jpg` is in no [[record]] of case.toml, so no packet holds it",
            "warning: `L1` in MRI-2021-10 is 3 mm, yet it is called LR-TR-viable: was it 3 cm? (`L1` measured 28 mm in CT-2021-08, 2021-08-10; a lesion under 10 mm is not counted by the transplant criteria)",
            "warning: labs are more than 30 days old: newest bilirubin (2021-11-10), albumin (2021-11-10), inr (2021-11-10), creatinine (2021-11-10), sodium (2021-11-10), afp (2021-11-10) (1843 days before 2026-11-27)",
            "check: `case.toml` is ready (11 records, 44 lab values, 10 contacts); 4 warning(s): 2 unreferenced file(s) in records/, 1 lesion size(s) to confirm, 1 stale lab set(s)",
        ],
        "{run}"
    );
    stray(Test::demo())
        .args(["check", "--ui", "zh"])
        .success()
        .stderr_has(
            "4 条警告：records/ 中 2 个文件未列入 case.toml，1 个病灶大小待确认，1 组化验结果过旧",
        );

    // With an error (a misspelt field far down the file), the error is printed first.
    let run = stray(Test::demo())
        .edit("case.toml", "birth_date", "birth_dat")
        .args(["check"])
        .failure(1);
    let first = run
        .stderr
        .lines()
        .position(|l| l.starts_with("warning: "))
        .unwrap();
    assert!(
        run.stderr
            .lines()
            .take(first)
            .any(|l| l == "error: unknown field `birth_dat` in [patient]"),
        "{run}"
    );
}

#[test]
fn old_labs_are_a_warning() {
    let run = Test::demo().args(["check"]).success();
    run.stderr_has("warning: labs are more than 30 days old");
}

#[test]
fn a_password_in_consultpack_toml_is_refused_and_never_echoed() {
    let run = Test::demo()
        .edit(
            "consultpack.toml",
            "password_env = \"CONSULTPACK_SMTP_PASSWORD\"",
            "password = \"s3cret-hunter2\"",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("passwords must not be written in consultpack.toml");
    assert!(!run.stderr.contains("s3cret-hunter2"), "{run}");
}

#[test]
fn a_missing_case_file_says_what_to_do() {
    let run = Test::new().args(["check"]).failure(1);
    run.stderr_has("error: there is no case.toml here or in any folder above")
        .stderr_has("consultpack init my-case");
}

#[test]
fn a_folder_referenced_as_a_file_is_an_error() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "record = \"procedures/2021-07-05_tace-1.pdf\"",
            "record = \"procedures\"",
        )
        .args(["check"])
        .failure(1);
    run.stderr_has("`records/procedures` is a folder, not a file");
}

#[cfg(unix)]
#[test]
fn an_unreadable_record_is_an_error() {
    let test = Test::demo().remove("records/labs/2021-06-20_liver-panel.jpg");
    // A dangling link cannot be opened, whoever runs the test (root reads any plain file).
    std::os::unix::fs::symlink(
        "/nonexistent/photo.jpg",
        test.path().join("records/labs/2021-06-20_liver-panel.jpg"),
    )
    .unwrap();
    let run = test.args(["check"]).failure(1);
    assert_eq!(
        run.errors()[0],
        "error: record file `records/labs/2021-06-20_liver-panel.jpg` is a link to `/nonexistent/photo.jpg`, which does not exist"
    );
}

#[test]
fn problems_in_a_sidecar_point_into_the_sidecar() {
    let run = Test::demo()
        .edit(
            "records/other/2021-09-01_discharge-summary.pdf.toml",
            "kind = \"discharge\"",
            "kind = \"dischrage\"",
        )
        .args(["check"])
        .failure(1);
    assert_eq!(
        run.errors()[0],
        "error: `kind` in sidecar of `other/2021-09-01_discharge-summary.pdf` has an unknown value `dischrage`"
    );
    assert_eq!(
        run.error_locations()[0],
        "records/other/2021-09-01_discharge-summary.pdf.toml:2:8"
    );
    run.stderr_has("did you mean `discharge`?");
}

#[test]
fn a_sidecar_without_its_file_is_a_warning() {
    let run = Test::demo()
        .write("records/other/gone.pdf.toml", "kind = \"other\"\n")
        .args(["check"])
        .success();
    run.stderr_has("warning: sidecar `records/other/gone.pdf.toml` describes `other/gone.pdf`, which does not exist");
}

#[test]
fn share_with_must_name_known_contacts() {
    let run = Test::demo()
        .edit("case.toml", "zju-first-liver = [", "zju-frist-liver = [")
        .args(["check"])
        .failure(1);
    assert_eq!(
        run.errors()[0],
        "error: [patient.share_with] names no contact with id `zju-frist-liver` (did you mean `zju-first-liver`?)"
    );
    assert_eq!(run.error_locations()[0], "case.toml:20:1");
}

#[test]
fn criteria_that_cannot_be_computed_are_warnings_naming_the_gap() {
    let run = Test::demo()
        .edit(
            "case.toml",
            "ascites = \"none\"\nencephalopathy = \"none\"\ndialysis = false\nweight_kg = 65",
            "weight_kg = 65",
        )
        .edit(
            "case.toml",
            "ascites = \"none\"\nencephalopathy = \"none\"\ndialysis = false\nweight_kg = 66",
            "weight_kg = 66",
        )
        .edit(
            "case.toml",
            "ascites = \"none\"\nencephalopathy = \"none\"\ndialysis = false\nweight_kg = 67",
            "weight_kg = 67",
        )
        .args(["check"])
        .success();
    run.stderr_has("warning: Child-Pugh cannot be computed: missing");
}

#[test]
fn a_broken_template_copy_is_an_error() {
    let run = Test::demo()
        .write("templates/summary.zh.md", "# 摘要\n\n{% if %}\n")
        .args(["check"])
        .failure(1);
    run.stderr_has("error: template `templates/summary.zh.md`, line 3: syntax error");
}

/// Issue 21, point 11: an Outlook.com sender is warned that Outlook.com takes no passwords.
#[test]
fn an_outlook_com_sender_is_warned() {
    let run = Test::demo()
        .write(
            "consultpack.toml",
            "[sender]\nname = \"x\"\nemail = \"family@outlook.com\"\n",
        )
        .args(["check"])
        .run();
    run.stderr_has("consultpack.toml:3")
        .stderr_has("Outlook.com no longer accepts passwords")
        .stderr_has("reply_to");
}
