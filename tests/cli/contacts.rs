use crate::Test;

#[test]
fn list_shows_the_shipped_institutions() {
    let run = Test::new().args(["contacts", "list"]).success();
    for id in [
        "zhongshan-liver",
        "zju-first-liver",
        "uwmc-liver",
        "fred-hutch-liver",
        "ehbh-liver",
        "huashan-liver",
        "fuscc-liver",
        "pku-cancer-liver",
        "virginia-mason-liver",
    ] {
        run.stdout_has(id);
    }
    run.stdout_has("复旦大学附属中山医院")
        .stdout_has("Fred Hutchinson Cancer Center");
}

#[test]
fn list_merges_the_family_contacts() {
    let run = Test::demo().args(["contacts", "list", "--json"]).success();
    let list: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let contacts = list.as_array().unwrap();
    let zs = contacts
        .iter()
        .find(|c| c["id"] == "zhongshan-liver")
        .unwrap();
    assert_eq!(zs["email"], "liver-consult@example.org");
    assert_eq!(zs["source"], "merged");
    assert_eq!(zs["language"], "zh");
    let own = contacts
        .iter()
        .find(|c| c["id"] == "dr-demo-seattle")
        .unwrap();
    assert_eq!(own["source"], "family");
    assert_eq!(own["size_limit_mb"], 15);
}

#[test]
fn show_prints_one_contact() {
    let run = Test::demo()
        .args(["contacts", "show", "uwmc-liver"])
        .success();
    run.stdout_has("UW Medical Center")
        .stdout_has("language:     en")
        .stdout_has("https://www.uwmedicine.org");
    let json = Test::demo()
        .args(["contacts", "show", "uwmc-liver", "--json"])
        .success();
    let contact: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(contact["channel"], "portal");
}

#[test]
fn an_unknown_contact_suggests_the_nearest() {
    let run = Test::demo()
        .args(["contacts", "show", "uwmc-livr"])
        .failure(1);
    run.stderr_has("no contact with id `uwmc-livr` (did you mean `uwmc-liver`?)");
}

#[test]
fn a_bad_address_in_contacts_toml_is_an_error_with_its_line() {
    let run = Test::demo()
        .edit(
            "contacts.toml",
            "email = \"dr.demo@example.org\"",
            "email = \"dr.demo@example\"",
        )
        .args(["contacts", "list"])
        .failure(1);
    assert_eq!(
        run.errors()[0],
        "error: `dr.demo@example` is not a valid e-mail address"
    );
    assert_eq!(run.error_locations(), ["contacts.toml:18:9"]);
}

#[test]
fn show_speaks_the_interface_language_and_keeps_the_labels_aligned() {
    let run = Test::demo()
        .args(["--ui", "zh", "contacts", "show", "uwmc-liver"])
        .success();
    run.stdout_has("语言：        en（英文）")
        .stdout_has("大小上限：    ")
        .stdout_has("https://www.uwmedicine.org");
    let table = Test::demo()
        .env("LANG", "zh_CN.UTF-8")
        .args(["contacts", "list"])
        .success();
    table.stdout_has("机构").stdout_has("uwmc-liver");
    let json = Test::demo()
        .args(["--ui", "zh", "contacts", "show", "uwmc-liver", "--json"])
        .success();
    let contact: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(contact["channel"], "portal");
}
