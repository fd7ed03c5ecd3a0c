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

    let again = test.run();
    again.assert_code(1);
    again
        .stderr_has("may already have been sent")
        .stderr_has("ask the hospital first")
        .stderr_has("--resend");
    assert_eq!(
        events(&ledger(&again), "sending").len(),
        1,
        "nothing was tried"
    );
    // Issue 21, point 2: whatever else changed (the settings, so the packet was rebuilt),
    // --force does not send a part that may have arrived; the advice stays the same.
    let forced = test
        .write(
            "consultpack.toml",
            &mail.config(&sender, Smtp::Starttls, true),
        )
        .args(["send", "zhongshan-liver", "--yes", "--force"])
        .failure(1);
    forced
        .stderr_has("may already have been sent")
        .stderr_has("ask the hospital first")
        .stderr_has("--resend");
    assert_eq!(events(&ledger(&forced), "sending").len(), 1);
    assert_eq!(
        status(&forced.dir, "zhongshan-liver")["next_action"],
        "find out whether it arrived (ask the hospital first); then `mark zhongshan-liver sent` if it did, `send zhongshan-liver --resend` if it did not"
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
    second
        .stderr_has("already delivered")
        .stderr_has("--resend");
    assert_eq!(mail.received(&to).len(), 1, "not sent twice");
    let test = test.args(["send", "zhongshan-liver", "--yes", "--force"]);
    test.run().stderr_has("nothing to send");
    assert_eq!(
        mail.received(&to).len(),
        1,
        "--force sends no delivered part"
    );

    let resent = test
        .args(["send", "zhongshan-liver", "--yes", "--resend"])
        .success();
    resent.stderr_has("the hospital will then hold 2 copies");
    assert_eq!(mail.received(&to).len(), 2);
    assert_eq!(events(&ledger(&resent), "sent").len(), 2);
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
    assert!(row["next_action"].as_str().unwrap().contains("--resend"));
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

/// The subjects of what arrived for `recipient`, oldest first.
fn subjects(mail: &crate::mailserver::Servers, recipient: &str) -> Vec<String> {
    mail.received(recipient)
        .iter()
        .map(|raw| {
            MessageParser::default()
                .parse(raw)
                .unwrap()
                .subject()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Issue 21, points 1 and 2: a packet is the bytes it sends. Fixing the mail settings after
/// part 2 of 2 was refused rebuilds an identical packet, which sends part 2 only; `--force`
/// never sends a delivered part again; `--resend` does, saying how many copies there will be.
#[test]
fn settings_change_no_packet_and_delivered_parts_go_again_only_with_resend() {
    let mail = servers();
    let (sender, doctor) = (unique_user("fam"), unique_user("doc"));
    let to = format!("{doctor}@example.org");
    let test = mail
        .case(&sender, "x@example.org", Smtp::Tls)
        .edit("contacts.toml", "dr.demo@example.org", &to)
        .edit("contacts.toml", "size_limit_mb = 15", "size_limit_mb = 1")
        .args(["build", "--contact", "dr-demo-seattle", "--split"]);
    test.run().assert_code(0);
    let test = test.args(["send", "dr-demo-seattle", "--yes"]);
    let first = test.run();
    first.assert_code(0);
    let parts = subjects(&mail, &to).len();
    assert!(parts >= 2, "{first}");

    // What a 421 on the last part leaves: its attempt failed, nothing delivered.
    let ledger_path = first.dir.join(".consultpack/ledger.jsonl");
    let sendings = events(&ledger(&first), "sending")
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    let last = sendings.last().unwrap()["message_id"]
        .as_str()
        .unwrap()
        .to_string();
    let text = fs::read_to_string(&ledger_path).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !(l.contains("\"event\":\"sent\"") && l.contains(&last)))
        .map(str::to_string)
        .collect();
    lines.push(format!(
        r#"{{"at":"{}","event":"failed","contact":"dr-demo-seattle","message_id":"{last}","reason":"421 4.3.2 Service shutting down","outcome":"not-sent"}}"#,
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    ));
    fs::write(&ledger_path, lines.join("\n") + "\n").unwrap();

    // The family fixes the port (STARTTLS on the other port): every byte sent stays the same.
    let packet_before = fs::read(first.dir.join("out/dr-demo-seattle/packet.json")).unwrap();
    let test = test.write(
        "consultpack.toml",
        &mail.config(&sender, Smtp::Starttls, true),
    );
    let again = test.run();
    again.assert_code(0);
    again
        .stderr_has("part 1 of")
        .stderr_has("was already delivered")
        .stderr_has("--resend");
    assert!(!again.stderr.contains("differs"), "{again}");
    let packet_after = fs::read(again.dir.join("out/dr-demo-seattle/packet.json")).unwrap();
    assert_ne!(packet_before, packet_after, "rebuilt: the inputs changed");
    let arrived = subjects(&mail, &to);
    assert_eq!(
        arrived.len(),
        parts + 1,
        "only the last part again: {arrived:#?}"
    );
    assert_eq!(arrived.last(), arrived.get(parts - 1));
    let resent_part = mail.received(&to).pop().unwrap();
    assert_eq!(
        MessageParser::default()
            .parse(&resent_part)
            .unwrap()
            .in_reply_to()
            .as_text(),
        sendings[0]["message_id"].as_str(),
        "it still threads with part 1"
    );
    let identities: Vec<_> = events(&ledger(&again), "sending")
        .iter()
        .map(|e| e["packet_identity"].as_str().unwrap().to_string())
        .collect();
    assert!(
        identities.windows(2).all(|w| w[0] == w[1]),
        "{identities:?}"
    );

    // Everything delivered: --force sends nothing more.
    let forced = test.args(["send", "dr-demo-seattle", "--yes", "--force"]);
    let run = forced.run();
    run.assert_code(0);
    run.stderr_has("nothing to send");
    assert_eq!(subjects(&mail, &to).len(), parts + 1);

    // --resend sends every part again and says how many copies the hospital will hold.
    let resent = forced
        .args(["send", "dr-demo-seattle", "--yes", "--resend"])
        .success();
    resent.stderr_has("will then hold 2 copies");
    assert_eq!(subjects(&mail, &to).len(), 2 * parts + 1);
}

/// Issue 21, point 9: STARTTLS configured on the TLS port (the server waits for a handshake,
/// we for a greeting), TLS on the STARTTLS port, and a server that accepts the connection and
/// never speaks: each ends after the greeting's wait with the likely cause, not after minutes
/// of retries.
#[test]
fn the_wrong_security_for_a_port_is_named_and_not_retried() {
    let mail = servers();
    let sender = unique_user("fam");
    let to = format!("{}@example.org", unique_user("doc"));
    let starttls_on_tls_port = mail
        .case(&sender, &to, Smtp::Tls)
        .edit(
            "consultpack.toml",
            "security = \"tls\"",
            "security = \"starttls\"",
        )
        .env("CONSULTPACK_SMTP_GREETING_MS", "1500")
        .deadline(60)
        .args(["send", "zhongshan-liver", "--yes"])
        .failure(3);
    starttls_on_tls_port
        .stderr_has("sent no greeting within 1.5 s")
        .stderr_has("wrong security for this port")
        .stderr_has("security = \"tls\"");
    assert!(
        !starttls_on_tls_port.stderr.contains("trying again"),
        "{starttls_on_tls_port}"
    );
    assert_eq!(
        events(&ledger(&starttls_on_tls_port), "failed")[0]["outcome"],
        "not-sent"
    );

    let tls_on_starttls_port = mail
        .case(&sender, &to, Smtp::Starttls)
        .edit(
            "consultpack.toml",
            "security = \"starttls\"",
            "security = \"tls\"",
        )
        .deadline(60)
        .args(["send", "zhongshan-liver", "--yes"])
        .failure(3);
    tls_on_starttls_port
        .stderr_has("did not answer in TLS")
        .stderr_has("wrong security for this port");

    // A server that takes the connection and says nothing at all.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming() {
            held.push(stream);
        }
    });
    let run = mail
        .case(&sender, &to, Smtp::Tls)
        .edit(
            "consultpack.toml",
            &format!("port = {}", mail.smtps_port),
            &format!("port = {port}"),
        )
        .env("CONSULTPACK_SMTP_GREETING_MS", "1500")
        .deadline(60)
        .args(["send", "zhongshan-liver", "--yes"])
        .failure(3);
    run.stderr_has("did not answer the TLS handshake within 1.5 s")
        .stderr_has("wrong security for this port")
        .stderr_has("security = \"starttls\"");
    assert!(
        !run.stderr.contains("Resource temporarily unavailable"),
        "{run}"
    );
    assert!(mail.received(&to).is_empty());

    // The same for IMAP: STARTTLS configured on the TLS port.
    let config = mail.config(&sender, Smtp::Tls, true).replace(
        &format!("port = {}\nsecurity = \"tls\"", mail.imaps_port),
        &format!("port = {}\nsecurity = \"starttls\"", mail.imaps_port),
    );
    assert!(config.contains("security = \"starttls\""));
    let imap = mail
        .case(&sender, &to, Smtp::Tls)
        .write("consultpack.toml", &config)
        .env("CONSULTPACK_IMAP_IDLE_MS", "1500")
        .deadline(60)
        .args(["mail", "test"])
        .failure(3);
    imap.stderr_has("sent nothing for 1.5 s instead of a greeting")
        .stderr_has("wrong security for this port")
        .stderr_has("security = \"tls\" and port 993");
}

/// Issue 21, point 10: the server's `SIZE` is read (`mail test` names it) and a message over
/// it is refused before MAIL and DATA, naming the server's limit, `--split`, and the contact's
/// own limit set higher than the server's.
#[test]
fn a_message_over_the_servers_size_is_never_uploaded() {
    use std::io::{BufRead, BufReader, Write};
    let mail = servers();
    mail.case(&unique_user("fam"), "x@example.org", Smtp::Tls)
        .args(["mail", "test"])
        .success()
        .stderr_has("takes messages up to 52.4 MB");

    // A small server of our own that takes 1 MB, and tells the test what it was asked.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (said, heard) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let said = said.clone();
            std::thread::spawn(move || {
                let mut out = stream.try_clone().unwrap();
                let mut input = BufReader::new(stream);
                let _ = out.write_all(b"220 small.example ESMTP\r\n");
                let mut line = String::new();
                while input.read_line(&mut line).is_ok_and(|n| n > 0) {
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_ascii_uppercase();
                    let _ = said.send(verb.clone());
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => {
                            b"250-small.example\r\n250-SIZE 1000000\r\n250 AUTH PLAIN LOGIN\r\n"
                        }
                        "AUTH" => b"235 2.7.0 Authentication successful\r\n",
                        "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 2.0.0 OK\r\n",
                        "QUIT" => b"221 2.0.0 Bye\r\n",
                        _ => b"554 5.0.0 not here\r\n",
                    };
                    let _ = out.write_all(reply);
                    if verb == "QUIT" {
                        break;
                    }
                    line.clear();
                }
            });
        }
    });
    let run = Test::demo()
        .write(
            "consultpack.toml",
            &format!(
                "[sender]\nname = \"x\"\nemail = \"fam@example.org\"\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nusername = \"fam\"\npassword_env = \"TEST_MAIL_PASSWORD\"\n"
            ),
        )
        .env("TEST_MAIL_PASSWORD", PASSWORD)
        .deadline(60)
        .args(["send", "zhongshan-liver", "--yes"])
        .failure(3);
    run.stderr_has(&format!(
        "over the 1.0 MB the server 127.0.0.1:{port} takes (its SIZE); it was not uploaded"
    ))
    .stderr_has("is higher than your mail server's (1.0 MB): set size_limit_mb = 1")
    .stderr_has("--split");
    assert!(!run.stderr.contains("trying again"), "{run}");
    let verbs: Vec<String> = heard.try_iter().collect();
    assert!(verbs.contains(&"AUTH".to_string()), "{verbs:?}");
    assert!(
        !verbs.iter().any(|v| v == "MAIL" || v == "DATA"),
        "nothing was handed over: {verbs:?}"
    );
    assert_eq!(events(&ledger(&run), "failed")[0]["outcome"], "not-sent");

    // `mail test` says "certificate verified" only when there was TLS.
    let plain = Test::demo()
        .write(
            "consultpack.toml",
            &format!(
                "[sender]\nname = \"x\"\nemail = \"fam@example.org\"\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nusername = \"fam\"\npassword_env = \"TEST_MAIL_PASSWORD\"\n"
            ),
        )
        .env("TEST_MAIL_PASSWORD", PASSWORD)
        .args(["mail", "test"])
        .success();
    plain.stderr_has("connected without encryption");
    assert!(!plain.stderr.contains("certificate verified"), "{plain}");
}

#[test]
fn a_missing_password_names_that_servers_own_variable() {
    let mail = servers();
    let sender = unique_user("fam");
    let config = mail.config(&sender, Smtp::Tls, true);
    let imap_at = config.rfind("TEST_MAIL_PASSWORD").unwrap();
    let config = format!(
        "{}TEST_IMAP_PASSWORD{}",
        &config[..imap_at],
        &config[imap_at + "TEST_MAIL_PASSWORD".len()..]
    );
    let run = mail
        .case(&sender, "doc@example.org", Smtp::Tls)
        .write("consultpack.toml", &config)
        .args(["sync"])
        .failure(1);
    run.stderr_has("the IMAP password")
        .stderr_has("`TEST_IMAP_PASSWORD` is not set")
        .stderr_has("`export TEST_IMAP_PASSWORD=…`");
    assert!(!run.stderr.contains("SMTP_PASSWORD"), "{run}");
}
