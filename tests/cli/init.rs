use std::fs;

use crate::Test;

#[test]
fn init_creates_an_annotated_case_folder() {
    let run = Test::new().args(["init", "dad-hcc"]).success();
    let root = run.dir.join("dad-hcc");
    for folder in ["imaging", "labs", "pathology", "procedures", "other"] {
        assert!(
            root.join("records").join(folder).is_dir(),
            "records/{folder}"
        );
    }
    let case = fs::read_to_string(root.join("case.toml")).unwrap();
    assert!(case.contains("birth_date") && case.contains("出生") || case.contains("病例文件"));
    assert!(
        case.contains("[[lab]]") && case.contains("化验"),
        "labs explained in both languages"
    );
    assert!(root.join("consultpack.toml").is_file());
    assert!(root.join("contacts.toml").is_file());
    let attributes = fs::read_to_string(root.join(".gitattributes")).unwrap();
    assert!(attributes.contains(".consultpack/ledger.jsonl merge=union"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(root.join("case.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "case files are private");
    }
    run.stdout
        .is_empty()
        .then_some(())
        .expect("status goes to stderr");
}

#[test]
fn a_fresh_case_asks_for_the_patient() {
    let test = Test::new().args(["init", "c"]);
    test.run().assert_code(0);
    let run = test.args(["check", "--case", "c"]).failure(1);
    assert_eq!(run.errors()[0], "error: case.toml has no [patient] section");
}

#[test]
fn init_refuses_to_overwrite_an_existing_case() {
    let test = Test::new().write("c/case.toml", "# the family's work\n");
    let before = test.snapshot();
    let test = test.args(["init", "c"]);
    let run = test.run();
    run.assert_code(1);
    run.stderr_has("`c/case.toml` already exists; nothing was changed");
    assert_eq!(test.snapshot(), before, "nothing was written");
}
