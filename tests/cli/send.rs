//! `consultpack send` and `mail test` against real SMTP and IMAP servers on 127.0.0.1: what
//! arrives is what the packet holds, byte for byte; every failure is clear and the ledger tells
//! the truth; nothing is sent twice by accident; no password is written anywhere.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};

use crate::mailserver::{PASSWORD, Smtp, servers, unique_user};
use crate::{BIN, Run, TODAY, Test, snapshot};

fn ledger(run: &Run) -> Vec<serde_json::Value> {
    fs::read_to_string(run.dir.join(".consultpack/ledger.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn events<'a>(ledger: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    ledger.iter().filter(|e| e["event"] == kind).collect()
}

fn status(run_dir: &Path, contact: &str) -> serde_json::Value {
    let out = Command::new(BIN)
        .args(["status", "--json", "--case", run_dir.to_str().unwrap()])
        .env("CONSULTPACK_TODAY", TODAY)
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["contact"] == contact)
        .unwrap()
        .clone()
}

/// No file the tool wrote and no output holds the password.
fn assert_no_password(run: &Run) {
    assert!(
        !run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD),
        "{run}"
    );
    for (path, bytes) in snapshot(&run.dir) {
        assert!(
            !bytes
                .windows(PASSWORD.len())
                .any(|w| w == PASSWORD.as_bytes()),
            "the password is in {}",
            path.display()
        );
    }
}

#[test]
fn a_sent_message_carries_the_packet_byte_for_byte() {
    let mail = servers();
    let (sender, doctor) = (unique_user("fam"), unique_user("doc"));
    let to = format!("{doctor}@example.org");
    let run = mail
        .case(&sender, &to, Smtp::Tls)
        .args(["send", "zhongshan-liver", "--yes"])
        .success();
    let received = mail.received(&to);
    assert_eq!(received.len(), 1, "{run}");
    let raw = &received[0];
    let packet: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(run.dir.join("out/zhongshan-liver/packet.json")).unwrap(),
    )
    .unwrap();
    let plan = &packet["messages"][0];
    assert_eq!(
        raw.len() as u64,
        plan["encoded_bytes"].as_u64().unwrap(),
        "the size promised is the size sent"
    );

    let message = MessageParser::default().parse(raw).unwrap();
    assert_eq!(
        message.subject().unwrap(),
        plan["subject"].as_str().unwrap()
    );
    assert!(
        message
            .subject()
            .unwrap()
            .contains(packet["token"].as_str().unwrap())
    );
    let attachments: Vec<_> = message.attachments().collect();
    assert_eq!(attachments.len(), 2);
    for (attachment, listed) in attachments
        .iter()
        .zip(plan["attachments"].as_array().unwrap())
    {
        let name = listed["file"].as_str().unwrap();
        assert_eq!(attachment.attachment_name(), Some(name));
        let content_type = attachment.content_type().unwrap();
        assert_eq!(
            content_type.attribute("name"),
            Some(name),
            "the name= parameter decodes too"
        );
        let on_disk = fs::read(run.dir.join("out/zhongshan-liver").join(name)).unwrap();
        assert_eq!(
            attachment.contents(),
            &on_disk[..],
            "{name} arrives byte for byte"
        );
    }
    // The sender's Chinese name and the Chinese subject decode back (RFC 2047).
    assert_eq!(
        message.from().unwrap().first().unwrap().name(),
        Some("李晓明")
    );
    assert!(message.subject().unwrap().starts_with("肝癌会诊咨询"));
    let body = message.body_text(0).unwrap();
    let letter = fs::read_to_string(run.dir.join("out/zhongshan-liver/cover-letter.txt")).unwrap();
    assert_eq!(body.trim(), letter.trim());

    // Our own Message-ID, on the sender's domain, recorded in the ledger.
    let id = message.message_id().unwrap();
    let (random, domain) = id.split_once('@').unwrap();
    assert_eq!(domain, "example.org");
    assert!(
        random.len() == 32 && random.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
    let ledger = ledger(&run);
    assert_eq!(events(&ledger, "sending")[0]["message_id"], id);
    assert_eq!(events(&ledger, "sent")[0]["message_id"], id);
    assert!(
        events(&ledger, "sent")[0]["reply"]
            .as_str()
            .unwrap()
            .contains("queued as")
    );
    assert_eq!(status(&run.dir, "zhongshan-liver")["state"], "sent");
    // A copy was filed in the sender's Sent folder over IMAP.
    let sent_folder = mail.maildir.join(&sender).join(".Sent");
    let filed: Vec<_> = ["cur", "new"]
        .iter()
        .flat_map(|d| fs::read_dir(sent_folder.join(d)).into_iter().flatten())
        .collect();
    assert_eq!(filed.len(), 1, "{run}");
    assert_no_password(&run);
}

#[test]
fn starttls_works_with_the_test_ca_and_both_modes_fail_clearly_without_it() {
    let mail = servers();
    let (sender, doctor) = (unique_user("fam"), unique_user("doc"));
    let to = format!("{doctor}@example.org");
    mail.case(&sender, &to, Smtp::Starttls)
        .args(["send", "zhongshan-liver", "--yes"])
        .success();
    assert_eq!(mail.received(&to).len(), 1);

    for smtp in [Smtp::Starttls, Smtp::Tls] {
        let doctor = unique_user("doc");
        let to = format!("{doctor}@example.org");
        let run = mail
            .case(&sender, &to, smtp)
            .write("consultpack.toml", &mail.config(&sender, smtp, false))
            .args(["send", "zhongshan-liver", "--yes"])
            .failure(3);
        run.stderr_has("the server's certificate was refused: it is not signed by an authority this computer trusts");
        assert!(mail.received(&to).is_empty());
        let ledger = ledger(&run);
        assert_eq!(events(&ledger, "failed")[0]["outcome"], "not-sent", "{run}");
        assert_eq!(events(&ledger, "sent").len(), 0);
    }
}

#[test]
fn a_wrong_password_is_a_clear_login_error_and_nothing_is_recorded_as_sent() {
    let mail = servers();
    let (sender, doctor) = (unique_user("fam"), unique_user("doc"));
    let to = format!("{doctor}@example.org");
    let run = mail
        .case(&sender, &to, Smtp::Tls)
        .env("TEST_MAIL_PASSWORD", "wrong-password")
        .args(["send", "zhongshan-liver", "--yes"])
        .failure(3);
    run.stderr_has("login was refused")
        .stderr_has("it was not sent");
    assert!(!run.stderr.contains("wrong-password"), "{run}");
    let ledger = ledger(&run);
    assert_eq!(events(&ledger, "failed").len(), 1);
    assert_eq!(status(&run.dir, "zhongshan-liver")["state"], "failed");
}

#[test]
fn a_server_that_dies_mid_data_leaves_the_message_unknown_and_blocks_a_blind_resend() {
    let mail = servers();
    let (sender, doctor) = (unique_user("fam"), unique_user("doc"));
    let to = format!("{doctor}+dropdata@example.org");
    let test = mail
        .case(&sender, &to, Smtp::Tls)
        .args(["send", "zhongshan-liver", "--yes"]);
    let run = test.run();
    run.assert_code(3);
    run.stderr_has("the connection broke after the message was handed over")
        .stderr_has("ask the hospital whether it arrived");
    let ledger_now = ledger(&run);
    assert_eq!(events(&ledger_now, "failed")[0]["outcome"], "unknown");
    assert_eq!(
        events(&ledger_now, "sending").len(),
        1,
        "no automatic retry: it may have arrived"
    );
    assert_eq!(status(&run.dir, "zhongshan-liver")["state"], "unknown");

    let again = test.failure(1);
    again
        .stderr_has("may already have been sent")
        .stderr_has("--force");
    assert_eq!(
        events(&ledger(&again), "sending").len(),
        1,
        "nothing was tried"
    );
}

#[test]
fn temporary_refusals_are_retried_a_bounded_number_of_times() {
    let mail = servers();
    let sender = unique_user("fam");
    // 451 twice, then accepted: the third attempt gets through.
    let flaky = format!("{}+tempfail2@example.org", unique_user("doc"));
    let run = mail
        .case(&sender, &flaky, Smtp::Tls)
        .args(["send", "zhongshan-liver", "--yes"])
        .success();
    run.stderr_has("trying again");
    assert_eq!(mail.received(&flaky).len(), 1);
    assert_eq!(events(&ledger(&run), "sent").len(), 1);

    // 421 and a closed connection, every time: three attempts, then a clear error.
    let closing = format!("{}+closing@example.org", unique_user("doc"));
    let run = mail
        .case(&sender, &closing, Smtp::Tls)
        .args(["send", "zhongshan-liver", "--yes"])
        .failure(3);
    run.stderr_has("421")
        .stderr_has("after 3 attempts")
        .stderr_has("it was not sent");
    let ledger = ledger(&run);
    assert_eq!(events(&ledger, "failed")[0]["outcome"], "not-sent");
    assert!(mail.received(&closing).is_empty());
}

#[test]
fn a_message_too_large_for_the_server_says_to_split() {
    let mail = servers();
    let to = format!("{}+toolarge@example.org", unique_user("doc"));
    let run = mail
        .case(&unique_user("fam"), &to, Smtp::Tls)
        .args(["send", "zhongshan-liver", "--yes"])
        .failure(3);
    run.stderr_has("552").stderr_has("build --split");
    assert!(
        !run.stderr.contains("trying again"),
        "a permanent refusal is not retried"
    );
    assert_eq!(events(&ledger(&run), "failed")[0]["outcome"], "not-sent");
}

#[test]
fn the_same_packet_is_not_sent_twice_without_force_and_a_dry_run_sends_nothing() {
    let mail = servers();
    let (sender, doctor) = (unique_user("fam"), unique_user("doc"));
    let to = format!("{doctor}@example.org");
    let test = mail
        .case(&sender, &to, Smtp::Tls)
        .args(["send", "zhongshan-liver", "--dry-run"]);

    let dry = test.run();
    dry.assert_code(0);
    let eml = fs::read(dry.dir.join("out/zhongshan-liver/message.eml")).unwrap();
    assert!(
        MessageParser::default()
            .parse(&eml)
            .unwrap()
            .attachments()
            .count()
            == 2
    );
    assert!(mail.received(&to).is_empty(), "a dry run sends nothing");
    assert!(events(&ledger(&dry), "sending").is_empty());

    let test = test.args(["send", "zhongshan-liver", "--yes"]);
    test.run().assert_code(0);
    let second = test.run();
    second.assert_code(0);
    second.stderr_has("already sent").stderr_has("--force");
    assert_eq!(mail.received(&to).len(), 1, "not sent twice");

    let forced = test
        .args(["send", "zhongshan-liver", "--yes", "--force"])
        .success();
    assert_eq!(mail.received(&to).len(), 2);
    assert_eq!(events(&ledger(&forced), "sent").len(), 2);
}

#[test]
fn without_a_terminal_or_yes_nothing_is_sent() {
    let mail = servers();
    let to = format!("{}@example.org", unique_user("doc"));
    let run = mail
        .case(&unique_user("fam"), &to, Smtp::Tls)
        .args(["send", "zhongshan-liver"])
        .failure(1);
    run.stderr_has("no terminal to confirm on")
        .stderr_has("--yes");
    assert!(mail.received(&to).is_empty());
    // Platform contacts are told where their pack is.
    let run = mail
        .case(&unique_user("fam"), &to, Smtp::Tls)
        .args(["send", "ehbh-liver"])
        .success();
    run.stderr_has("platform pack")
        .stderr_has("consultpack mark ehbh-liver sent");
}

#[test]
fn a_send_killed_between_sending_and_sent_shows_as_unknown() {
    let mail = servers();
    let to = format!("{}+tempfail@example.org", unique_user("doc"));
    // Build first, so that the kill lands in the send: the first attempt gets 451, then the
    // program waits a minute before trying again, with `sending` in the ledger.
    let test = mail.case(&unique_user("fam"), &to, Smtp::Tls).args([
        "build",
        "--contact",
        "zhongshan-liver",
    ]);
    test.run().assert_code(0);
    let mut child = Command::new(BIN)
        .args(["send", "zhongshan-liver", "--yes"])
        .current_dir(test.path())
        .env("CONSULTPACK_TODAY", TODAY)
        .env("TEST_MAIL_PASSWORD", PASSWORD)
        .env("CONSULTPACK_RETRY_DELAYS_MS", "60000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ledger_path = test.path().join(".consultpack/ledger.jsonl");
    for _ in 0..200 {
        if fs::read_to_string(&ledger_path)
            .unwrap_or_default()
            .contains("\"event\":\"sending\"")
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();
    let row = status(test.path(), "zhongshan-liver");
    assert_eq!(row["state"], "unknown", "{row:#}");
    assert!(row["next_action"].as_str().unwrap().contains("--force"));
    let run = test.args(["status"]).success();
    assert!(run.stdout.contains("unknown"), "{run}");
}

#[test]
fn mail_test_logs_in_to_both_servers_and_names_the_step_that_fails() {
    let mail = servers();
    let sender = unique_user("fam");
    let run = mail
        .case(&sender, "x@example.org", Smtp::Starttls)
        .args(["mail", "test"])
        .success();
    run.stderr_has("SMTP localhost:")
        .stderr_has("logged in as")
        .stderr_has("IMAP localhost:");
    assert_no_password(&run);

    let wrong = mail
        .case(&sender, "x@example.org", Smtp::Tls)
        .env("TEST_MAIL_PASSWORD", "nope")
        .args(["mail", "test"])
        .failure(3);
    wrong.stderr_has("login failed");
    let no_ca = mail
        .case(&sender, "x@example.org", Smtp::Tls)
        .write("consultpack.toml", &mail.config(&sender, Smtp::Tls, false))
        .args(["mail", "test"])
        .failure(3);
    no_ca
        .stderr_has("TLS failed")
        .stderr_has("certificate was refused");
    let closed = mail
        .case(&sender, "x@example.org", Smtp::Tls)
        .edit(
            "consultpack.toml",
            &format!("port = {}", mail.smtps_port),
            "port = 9",
        )
        .args(["mail", "test"])
        .failure(3);
    closed.stderr_has("connection failed");
    let unknown_host = mail
        .case(&sender, "x@example.org", Smtp::Tls)
        .edit(
            "consultpack.toml",
            "host = \"localhost\"",
            "host = \"no-such-host.invalid\"",
        )
        .args(["mail", "test"])
        .failure(3);
    unknown_host.stderr_has("name lookup failed");
}

#[test]
fn a_password_in_the_config_is_refused_without_echoing_it() {
    let run = Test::demo()
        .write(
            "consultpack.toml",
            "[sender]\nname = \"x\"\nemail = \"x@example.org\"\n[smtp]\nprovider = \"qq\"\nusername = \"x@qq.com\"\npassword = \"hunter2-secret\"\n",
        )
        .args(["send", "zhongshan-liver", "--yes"])
        .failure(1);
    run.stderr_has("passwords must not be written");
    assert!(!run.stderr.contains("hunter2-secret"));
}
