//! The interface language (issue 13): Chinese from the locale, `--ui` or consultpack.toml; the
//! same places and exit codes in either language; help, completions and the manual page.

use crate::Test;
use crate::check::{THREE_MISTAKES_AT, three_mistakes};

const ZH: &str = "zh_CN.UTF-8";

fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn the_three_planted_errors_come_out_in_chinese_at_the_same_places() {
    let test = three_mistakes().env("LANG", ZH);
    let before = test.snapshot();
    let test = test.args(["check"]);
    let run = test.run();
    run.assert_code(1);
    let errors = run.errors();
    assert_eq!(
        errors,
        [
            "错误：[patient] 中有未知字段 `birth_dat`",
            "错误：找不到病历文件 `records/labs/2021-08-20_liver-panl.jpg`",
            "错误：[[lab]] #2 中 `creatinine` 的单位 `µmol/dL` 无法识别",
            "错误：病例文件夹中有 3 处错误（见上文）；没有写入任何文件",
        ],
        "{run}"
    );
    run.stderr_has("是不是想写 `birth_date`？")
        .stderr_has("是不是想写 \"labs/2021-08-20_liver-panel.jpg\"？");
    let messages: Vec<&str> = errors
        .iter()
        .filter_map(|e| e.strip_prefix("错误："))
        .collect();
    assert_eq!(messages.len(), 4, "{run}");
    for (message, name) in messages
        .iter()
        .zip(["birth_dat", "liver-panl.jpg", "µmol/dL"])
    {
        assert!(
            message.contains(name) && has_han(message),
            "not Chinese: {message}\n{run}"
        );
    }
    assert!(messages[3].contains('3') && has_han(messages[3]), "{run}");
    assert_eq!(run.error_locations()[..], THREE_MISTAKES_AT[..], "{run}");
    // The hints too, and the caret lines unchanged.
    let hints: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("= "))
        .collect();
    assert!(hints.len() >= 3, "{run}");
    for hint in hints {
        let text = hint
            .trim_start()
            .strip_prefix("= 提示：")
            .unwrap_or_default();
        assert!(has_han(text), "not Chinese: {hint}\n{run}");
    }
    assert!(
        !run.stderr.contains("error:") && !run.stderr.contains("hint:"),
        "{run}"
    );
    assert_eq!(test.snapshot(), before, "check writes nothing");
}

#[test]
fn lang_c_keeps_everything_in_english() {
    let run = three_mistakes().env("LANG", "C").args(["check"]).failure(1);
    assert_eq!(
        run.errors()[0],
        "error: unknown field `birth_dat` in [patient]",
        "{run}"
    );
    assert!(!has_han(&run.stderr), "{run}");
    let help = Test::new().env("LANG", "C").args(["--help"]).success();
    help.stdout_has("Usage: consultpack")
        .stdout_has("Commands:");
    assert!(!has_han(&help.stdout.replace("中文", "")), "{help}");
}

#[test]
fn the_flag_beats_the_file_which_beats_the_locale() {
    let english = three_mistakes()
        .env("LANG", ZH)
        .args(["--ui", "en", "check"])
        .failure(1);
    assert!(
        english.errors()[0].starts_with("error: unknown field"),
        "{english}"
    );
    let from_file = three_mistakes()
        .edit("consultpack.toml", "[sender]", "ui = \"zh\"\n\n[sender]")
        .env("LANG", "en_US.UTF-8")
        .args(["check"])
        .failure(1);
    assert!(from_file.errors()[0].starts_with("错误："), "{from_file}");
    let flag_over_file = three_mistakes()
        .edit("consultpack.toml", "[sender]", "ui = \"zh\"\n\n[sender]")
        .args(["check", "--ui=en"])
        .failure(1);
    assert!(
        flag_over_file.errors()[0].starts_with("error: "),
        "{flag_over_file}"
    );
}

#[test]
fn help_is_in_chinese_for_every_command() {
    let root = Test::new().env("LANG", ZH).args(["--help"]).success();
    root.stdout_has("用法：consultpack")
        .stdout_has("命令")
        .stdout_has("选项");
    root.stdout_has("显示帮助");
    for command in [
        vec!["send", "--help"],
        vec!["help", "send"],
        vec!["contacts", "list", "--help"],
        vec!["help", "contacts", "list"],
    ] {
        let run = Test::new()
            .env("LANG", ZH)
            .args_vec(command.iter().map(|s| s.to_string()).collect())
            .success();
        let about = run.stdout.lines().next().unwrap_or_default();
        assert!(has_han(about), "{run}");
        run.stdout_has("用法：");
        assert!(!run.stdout.contains("Print help"), "{run}");
    }
    let unknown = Test::new()
        .env("LANG", ZH)
        .args(["help", "sned"])
        .failure(2);
    unknown.stderr_has("`sned`");
    // clap's own mistakes, said in Chinese with its suggestion.
    let typo = Test::new().env("LANG", ZH).args(["sned"]).failure(2);
    typo.stderr_has("错误：").stderr_has("`send`");
    assert!(!typo.stderr.contains("error:"), "{typo}");
    let english = Test::new().env("LANG", "C").args(["sned"]).failure(2);
    english.stderr_has("error: unrecognized subcommand 'sned'");
}

#[test]
fn tables_are_in_chinese() {
    let contacts = Test::demo()
        .env("LANG", ZH)
        .args(["contacts", "list"])
        .success();
    let header = contacts.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        has_han(header) && !header.contains("institution"),
        "{contacts}"
    );
    let criteria = Test::demo().env("LANG", ZH).args(["criteria"]).success();
    criteria
        .stdout_has("标准")
        .stdout_has("结果")
        .stdout_has("米兰标准");
    // JSON stays English whatever the interface language.
    let json = Test::demo()
        .env("LANG", ZH)
        .args(["criteria", "--json"])
        .success();
    json.stdout_has("\"name\": \"Milan\"");
    assert!(!json.stdout.contains("米兰"), "{json}");
}

#[test]
fn bash_completes_commands_flags_and_contact_ids() {
    let script = Test::demo().args(["completions", "bash"]).success();
    let file = script.dir.join("consultpack.bash");
    std::fs::write(&file, &script.stdout).unwrap();
    // The function bash calls, run in the demo case with this build of consultpack on the PATH.
    let bin_dir = std::path::Path::new(crate::BIN).parent().unwrap();
    let complete = |words: &str, current: usize| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={current}; _consultpack_with_ids consultpack \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display()
        );
        let output = std::process::Command::new("bash")
            .args(["-c", &program])
            .current_dir(&script.dir)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let commands = complete("consultpack se", 1);
    assert!(commands.lines().any(|l| l == "send"), "{commands}");
    let flags = complete("consultpack send --dr", 2);
    assert!(flags.lines().any(|l| l == "--dry-run"), "{flags}");
    let criteria = complete("consultpack criteria --", 2);
    assert!(criteria.lines().any(|l| l == "--json"), "{criteria}");
    let ids = complete("consultpack send zh", 2);
    assert_eq!(ids.trim(), "zhongshan-liver", "{ids}");
    let more = complete("consultpack send zhongshan-liver uw", 3);
    assert_eq!(more.trim(), "uwmc-liver", "{more}");
    let mark = complete("consultpack mark ehbh", 2);
    assert_eq!(mark.trim(), "ehbh-liver", "{mark}");
    let states = complete("consultpack mark ehbh-liver rep", 3);
    assert_eq!(states.trim(), "replied", "{states}");
    let option = complete("consultpack build --contact fred", 3);
    assert_eq!(option.trim(), "fred-hutch-liver", "{option}");
    let elsewhere = complete("consultpack --case . followup --send dr-", 5);
    assert_eq!(elsewhere.trim(), "dr-demo-seattle", "{elsewhere}");
}

#[test]
fn the_manual_page_is_roff_with_every_command() {
    let run = Test::new().args(["man"]).success();
    run.stdout_has(".TH consultpack 1");
    for command in [
        "check", "summary", "build", "send", "status", "sync", "followup",
    ] {
        run.stdout_has(&format!("consultpack\\-{command}"));
    }
}
