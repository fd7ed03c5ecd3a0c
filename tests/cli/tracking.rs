//! `sync`, `status`, `followup`, `mark` and `opinions` against the real IMAP server: replies
//! threaded, from the doctor's address, or only by the case token; auto-replies in Chinese and
//! English; a bounce; nothing counted twice, even when the server renumbers the mailbox.

use std::fs;
use std::path::Path;

use mail_parser::MessageParser;

use crate::mailserver::{Servers, Smtp, servers, unique_user};
use crate::{BIN, Run, TODAY, Test, tool};

fn ledger_events(dir: &Path, kind: &str) -> Vec<serde_json::Value> {
    fs::read_to_string(dir.join(".consultpack/ledger.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == kind)
        .collect()
}

fn message_id_sent_to(dir: &Path, contact: &str) -> String {
    ledger_events(dir, "sent")
        .iter()
        .find(|e| e["contact"] == contact)
        .unwrap_or_else(|| panic!("nothing sent to {contact}"))["message_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn status(dir: &Path, today: &str) -> serde_json::Value {
    let out = std::process::Command::new(BIN)
        .args(["status", "--json", "--case", dir.to_str().unwrap()])
        .env("CONSULTPACK_TODAY", today)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn row<'a>(status: &'a serde_json::Value, contact: &str) -> &'a serde_json::Value {
    status
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["contact"] == contact)
        .unwrap()
}

fn now_rfc2822() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

/// A demo case with five e-mail contacts, each with its own test mailbox, all sent to.
struct Scenario {
    test: Test,
    family: String,
    doctors: Vec<(String, String)>,
}

const EXTRA_CONTACTS: &str = r#"
[[contact]]
id = "dr-token"
institution = "Big Cancer Center"
language = "en"
channel = "email"
email = "TOKEN@example.org"

[[contact]]
id = "dr-bounce"
institution = "Old Address Hospital"
language = "en"
channel = "email"
email = "BOUNCE@example.org"

[[contact]]
id = "dr-ooo-zh"
institution = { zh = "休假医院", en = "Vacation Hospital" }
language = "zh"
channel = "email"
email = "OOO@example.org"
follow_up_days = 7
"#;

fn scenario(mail: &Servers) -> Scenario {
    let family = unique_user("fam");
    let doctors: Vec<(String, String)> = [
        "zhongshan-liver",
        "dr-demo-seattle",
        "dr-token",
        "dr-bounce",
        "dr-ooo-zh",
    ]
    .iter()
    .map(|c| (c.to_string(), format!("{}@example.org", unique_user("doc"))))
    .collect();
    let mut contacts = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-case/contacts.toml"),
    )
    .unwrap();
    contacts.push_str(EXTRA_CONTACTS);
    contacts = contacts
        .replace("liver-consult@example.org", &doctors[0].1)
        .replace("dr.demo@example.org", &doctors[1].1)
        .replace("TOKEN@example.org", &doctors[2].1)
        .replace("BOUNCE@example.org", &doctors[3].1)
        .replace("OOO@example.org", &doctors[4].1);
    let test = mail
        .case(&family, &doctors[0].1, Smtp::Tls)
        .write("contacts.toml", &contacts)
        .env("CONSULTPACK_SEND_PAUSE_MS", "0")
        .args([
            "send",
            "zhongshan-liver",
            "dr-demo-seattle",
            "dr-token",
            "dr-bounce",
            "dr-ooo-zh",
            "--yes",
        ]);
    let run = test.run();
    run.assert_code(0);
    Scenario {
        test,
        family,
        doctors,
    }
}

impl Scenario {
    fn dir(&self) -> &Path {
        self.test.path()
    }

    fn address(&self, contact: &str) -> &str {
        &self.doctors.iter().find(|(c, _)| c == contact).unwrap().1
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut command = std::process::Command::new(BIN);
        command
            .args(args)
            .current_dir(self.dir())
            .env("CONSULTPACK_TODAY", TODAY)
            .env("TEST_MAIL_PASSWORD", crate::mailserver::PASSWORD);
        let output = command.output().unwrap();
        Run::from_output(output, self.dir(), args)
    }
}

#[test]
fn sync_finds_replies_auto_replies_and_bounces_once_each() {
    let mail = servers();
    let s = scenario(&mail);
    let family = &s.family;
    let zs_id = message_id_sent_to(s.dir(), "zhongshan-liver");
    let bounce_id = message_id_sent_to(s.dir(), "dr-bounce");
    let token = {
        let packet: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(s.dir().join("out/dr-token/packet.json")).unwrap(),
        )
        .unwrap();
        packet["token"].as_str().unwrap().to_string()
    };
    let date = now_rfc2822();

    // 1. Threaded on our Message-ID, from a colleague's address, with an attachment and the
    //    quoted history underneath.
    mail.deliver(family, &format!(
        "From: Colleague <colleague@zs-hospital.example>\nTo: {family}@example.org\nSubject: Re: 肝癌会诊咨询\nDate: {date}\nMessage-ID: <r1@zs-hospital.example>\nIn-Reply-To: <{zs_id}>\nReferences: <{zs_id}>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\n资料已收到，建议尽快来院进行多学科会诊。\nWe think a transplant evaluation is reasonable.\n\n在 2026年11月27日，李晓明 写道：\n> 尊敬的各位专家 our questions follow\n--b1\nContent-Type: application/pdf; name=\"opinion.pdf\"\nContent-Disposition: attachment; filename=\"opinion.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjcKJSBzeW50aGV0aWMgb3BpbmlvbgolJUVPRgo=\n--b1--\n"
    ));
    // 2. An English out-of-office, then a real reply from the doctor's own address, no threading.
    let seattle = s.address("dr-demo-seattle");
    mail.deliver(family, &format!(
        "From: Dr Demo <{seattle}>\nTo: {family}@example.org\nSubject: Out of Office: back on Monday\nDate: {date}\nMessage-ID: <ooo-en@example.org>\nAuto-Submitted: auto-replied\n\nI am away until Monday.\n"
    ));
    mail.deliver(family, &format!(
        "From: Dr Demo <{seattle}>\nTo: {family}@example.org\nSubject: Your father's records\nDate: {date}\nMessage-ID: <r2@example.org>\n\nThank you for the complete summary.\nPlease schedule a video visit with our clinic.\n\nOn Mon, 30 Nov 2026, Li wrote:\n> Dear Dr. Demo\n"
    ));
    // 3. Only the case token ties this one to its contact.
    mail.deliver(family, &format!(
        "From: Intake Office <intake@bigcenter.example>\nTo: {family}@example.org\nSubject: RE: Case [{token}] received\nDate: {date}\nMessage-ID: <r3@bigcenter.example>\n\nYour request was received and assigned to a liver surgeon.\n"
    ));
    // 4. A Chinese auto-reply.
    let ooo = s.address("dr-ooo-zh");
    mail.deliver(family, &format!(
        "From: {ooo}\nTo: {family}@example.org\nSubject: =?UTF-8?B?6Ieq5Yqo5Zue5aSN77ya5pys5Lq65q2j5Zyo5LyR5YGH?=\nDate: {date}\nMessage-ID: <ooo-zh@example.org>\nX-Autoreply: yes\n\n本人正在休假，回来后回复。\n"
    ));
    // 5. A delivery status notification for the old address.
    let bad = s.address("dr-bounce");
    mail.deliver(family, &format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: {family}@example.org\nSubject: Undelivered Mail Returned to Sender\nDate: {date}\nMessage-ID: <dsn1@mx.example.net>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"d1\"\n\n--d1\nContent-Type: text/plain\n\nYour message could not be delivered.\n--d1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; {bad}\nAction: failed\nStatus: 5.1.1\n--d1\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{bounce_id}>\nSubject: Second opinion request\n--d1--\n"
    ));
    // 6. Unrelated mail is left alone.
    mail.deliver(family, &format!(
        "From: shop@example.net\nTo: {family}@example.org\nSubject: Sale\nDate: {date}\nMessage-ID: <spam@example.net>\n\nBuy now.\n"
    ));

    let run = s.run(&["sync"]);
    run.assert_code(0);
    run.stdout_has("3 reply(ies), 2 auto-reply(ies), 1 bounce(s)");
    let st = status(s.dir(), TODAY);
    assert_eq!(row(&st, "zhongshan-liver")["state"], "replied");
    assert_eq!(
        row(&st, "dr-demo-seattle")["state"],
        "replied",
        "a person's answer after the out-of-office"
    );
    assert_eq!(
        row(&st, "dr-token")["state"],
        "acknowledged",
        "received and assigned: no answer yet"
    );
    assert_eq!(row(&st, "dr-ooo-zh")["state"], "auto-reply");
    assert_eq!(row(&st, "dr-bounce")["state"], "bounced");
    assert!(
        row(&st, "dr-bounce")["note"]
            .as_str()
            .unwrap()
            .contains(&bad.to_lowercase())
    );
    let replies = ledger_events(s.dir(), "reply");
    let by = |contact: &str, kind: &str| {
        replies
            .iter()
            .find(|r| r["contact"] == contact && r["kind"] == kind)
            .unwrap()["matched_by"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(by("zhongshan-liver", "reply"), "thread");
    assert_eq!(by("dr-demo-seattle", "reply"), "sender");
    assert_eq!(by("dr-token", "reply"), "token");

    // The reply's text and attachment are saved, readable by the owner only.
    let saved = s.dir().join(
        replies
            .iter()
            .find(|r| r["contact"] == "zhongshan-liver")
            .unwrap()["saved"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        fs::read(saved.join("opinion.pdf")).unwrap(),
        b"%PDF-1.7\n% synthetic opinion\n%%EOF\n"
    );
    assert!(
        fs::read_to_string(saved.join("text.txt"))
            .unwrap()
            .contains("资料已收到")
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&saved).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(
        fs::metadata(saved.join("opinion.pdf"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    // Again: nothing new.
    let again = s.run(&["sync"]);
    again.stdout_has("0 new message(s)");
    assert_eq!(ledger_events(s.dir(), "reply").len(), replies.len());
    // The server renumbers the inbox: everything is looked at again, nothing counted twice.
    mail.renumber_inbox(family, 777_000 + std::process::id() % 1000);
    let renumbered = s.run(&["sync"]);
    renumbered.assert_code(0);
    renumbered.stderr_has("renumbered");
    assert_eq!(
        ledger_events(s.dir(), "reply").len(),
        replies.len(),
        "{renumbered}"
    );

    // Follow-up: later, the one still waiting is due; the follow-up answers the original.
    let later = "2027-02-01";
    let due = std::process::Command::new(BIN)
        .args(["followup"])
        .current_dir(s.dir())
        .env("CONSULTPACK_TODAY", later)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&due.stdout);
    assert!(
        listed.contains("dr-ooo-zh") && !listed.contains("zhongshan-liver"),
        "{listed}"
    );
    assert!(
        row(&status(s.dir(), later), "dr-ooo-zh")["next_action"]
            .as_str()
            .unwrap()
            .starts_with("follow up")
    );
    let original = message_id_sent_to(s.dir(), "dr-ooo-zh");
    let send_followup = || {
        std::process::Command::new(BIN)
            .args(["followup", "--send", "dr-ooo-zh", "--yes"])
            .current_dir(s.dir())
            .env("CONSULTPACK_TODAY", later)
            .env("TEST_MAIL_PASSWORD", crate::mailserver::PASSWORD)
            .output()
            .unwrap()
    };
    let sent = send_followup();
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let received = mail.received(ooo);
    assert_eq!(received.len(), 2, "the packet, then the follow-up");
    let followup = MessageParser::default().parse(&received[1]).unwrap();
    assert_eq!(followup.in_reply_to().as_text(), Some(original.as_str()));
    assert!(
        followup.subject().unwrap().starts_with("Re: "),
        "{:?}",
        followup.subject()
    );
    assert!(
        followup.body_text(0).unwrap().contains("至今已"),
        "the Chinese template"
    );
    let sendings = ledger_events(s.dir(), "sending");
    assert_eq!(sendings.last().unwrap()["followup_of"], original.as_str());
    let twice = send_followup();
    assert!(
        !twice.status.success(),
        "a second follow-up right away is refused"
    );
    assert!(String::from_utf8_lossy(&twice.stderr).contains("already went out"));
    assert_eq!(mail.received(ooo).len(), 2);

    // The comparison: each reply's own words, without the quoted history.
    let opinions = s.run(&["opinions", "--lang", "en", "-o", "opinions.pdf"]);
    opinions.assert_code(0);
    let text = tool(
        "pdftotext",
        &[
            "-enc",
            "UTF-8",
            s.dir().join("opinions.pdf").to_str().unwrap(),
            "-",
        ],
    );
    let flat: String = text.split_whitespace().collect();
    for sentence in [
        "资料已收到，建议尽快来院进行多学科会诊。",
        "Thankyouforthecompletesummary.",
        "Yourrequestwasreceived",
    ] {
        assert!(flat.contains(sentence), "{sentence} in\n{text}");
    }
    assert!(
        !flat.contains("ourquestionsfollow") && !flat.contains("DearDr.Demo"),
        "no quoted history:\n{text}"
    );
    assert!(text.contains("opinion.pdf"), "attachments are listed");
}

#[test]
fn marks_record_what_happened_outside_e_mail() {
    let test = Test::demo();
    let photo = test.path().join("wechat.jpg");
    fs::write(&photo, b"\xFF\xD8\xFF not really a photo").unwrap();
    let test = test.args([
        "mark",
        "ehbh-liver",
        "sent",
        "--note",
        "submitted on haodf.com",
        "--date",
        "2026-11-20",
    ]);
    test.run().assert_code(0);
    let test = test.args_vec(vec![
        "mark".into(),
        "ehbh-liver".into(),
        "replied".into(),
        "--note".into(),
        "Dr. Wang: come for a CT review; ablation may be possible".into(),
        "--file".into(),
        photo.display().to_string(),
    ]);
    test.run().assert_code(0);
    let st = status(test.path(), TODAY);
    let ehbh = row(&st, "ehbh-liver");
    assert_eq!(ehbh["state"], "replied");
    assert_eq!(ehbh["sent"]["date"], "2026-11-20");
    let marks = ledger_events(test.path(), "mark");
    let copied = test.path().join(marks[1]["files"][0].as_str().unwrap());
    assert_eq!(fs::read(copied).unwrap(), fs::read(&photo).unwrap());
    let run = test.args(["opinions", "-o", "o.pdf"]).success();
    let text = tool(
        "pdftotext",
        &[
            "-enc",
            "UTF-8",
            run.dir.join("o.pdf").to_str().unwrap(),
            "-",
        ],
    );
    assert!(text.contains("ablation may be possible"), "{text}");
    // A date in the future and an unknown contact change nothing.
    let before = fs::read_to_string(run.dir.join(".consultpack/ledger.jsonl")).unwrap();
    Test::demo()
        .args(["mark", "ehbh-livr", "sent"])
        .failure(1)
        .stderr_has("did you mean `ehbh-liver`");
    let future = std::process::Command::new(BIN)
        .args(["mark", "ehbh-liver", "sent", "--date", "2030-01-01"])
        .current_dir(&run.dir)
        .env("CONSULTPACK_TODAY", TODAY)
        .output()
        .unwrap();
    assert!(!future.status.success());
    assert_eq!(
        fs::read_to_string(run.dir.join(".consultpack/ledger.jsonl")).unwrap(),
        before
    );
}

#[test]
fn status_reads_a_thousand_events_in_any_order_correctly() {
    let test = Test::demo();
    let mut lines = Vec::new();
    // 250 rounds for the demo's four e-mail and platform contacts: built, sending, sent; some
    // failed; the last round of zhongshan unknown.
    let contacts = [
        "zhongshan-liver",
        "dr-demo-seattle",
        "ehbh-liver",
        "uwmc-liver",
    ];
    for round in 0..250 {
        for (i, contact) in contacts.iter().enumerate() {
            let at = format!(
                "2026-{:02}-{:02}T{:02}:00:00Z",
                1 + round / 28 % 10,
                1 + round % 28,
                i
            );
            let line = match (round % 3, *contact) {
                (_, "ehbh-liver") => format!(
                    r#"{{"at":"{at}","event":"mark","contact":"{contact}","state":"sent","note":"round {round}","date":"2026-01-01"}}"#
                ),
                (0, _) => format!(
                    r#"{{"at":"{at}","event":"built","contact":"{contact}","pack":"email","date":"2026-01-01","packet_sha256":"p{round}","files":4,"bytes":1}}"#
                ),
                (1, _) => format!(
                    r#"{{"at":"{at}","event":"sending","contact":"{contact}","message_id":"m{round}-{i}@x","packet_sha256":"p{round}","part":1,"of":1,"to":["a@b.org"],"subject":"s","bytes":1}}"#
                ),
                _ => format!(
                    r#"{{"at":"{at}","event":"sent","contact":"{contact}","message_id":"m{}-{i}@x","reply":"ok"}}"#,
                    round - 1
                ),
            };
            lines.push(line);
        }
    }
    assert_eq!(lines.len(), 1000);
    lines.push(r#"{"at":"2026-11-01T00:00:00Z","event":"sending","contact":"zhongshan-liver","message_id":"last@x","packet_sha256":"p249","part":1,"of":1,"to":["a@b.org"],"subject":"s","bytes":1}"#.to_string());
    // Merged copies: reversed order and duplicates change nothing.
    let mut merged: Vec<String> = lines.iter().rev().cloned().collect();
    merged.extend(lines.iter().take(100).cloned());
    fs::create_dir_all(test.path().join(".consultpack")).unwrap();
    fs::write(
        test.path().join(".consultpack/ledger.jsonl"),
        merged.join("\n") + "\n",
    )
    .unwrap();
    let st = status(test.path(), TODAY);
    assert_eq!(
        row(&st, "zhongshan-liver")["state"],
        "unknown",
        "the last sending has no answer"
    );
    assert_eq!(row(&st, "dr-demo-seattle")["state"], "sent");
    assert_eq!(row(&st, "dr-demo-seattle")["sent"]["packet_sha256"], "p247");
    assert_eq!(row(&st, "ehbh-liver")["state"], "sent");
    assert_eq!(row(&st, "ehbh-liver")["note"], "round 249");
    assert_eq!(row(&st, "fuscc-liver")["state"], "not-built");
}

#[test]
fn status_and_mark_speak_chinese_while_the_json_stays_english() {
    let test = Test::demo().env("LANG", "zh_CN.UTF-8").args([
        "mark",
        "ehbh-liver",
        "replied",
        "--note",
        "王医生电话回复",
        "--date",
        "2026-11-20",
    ]);
    test.run().assert_code(0);
    let table = test.args(["status"]).run();
    table.assert_code(0);
    table
        .stdout_has("联系人")
        .stdout_has("下一步")
        .stdout_has("已回复")
        .stdout_has("2026-11-20（手动记录）：王医生电话回复")
        .stdout_has("阅读回复（`opinions`）");
    assert!(!table.stdout.contains("replied"), "{table}");
    let json = Test::demo()
        .env("LANG", "zh_CN.UTF-8")
        .args(["status", "--json"])
        .success();
    json.stdout_has("\"state\": \"not-built\"")
        .stdout_has("\"next_action\": \"build\"");
    // Without a terminal to confirm on, nothing is sent, and the family is told why in Chinese.
    Test::demo()
        .env("LANG", "zh_CN.UTF-8")
        .args(["send", "zhongshan-liver"])
        .failure(1)
        .stderr_has("没有可以确认的终端")
        .stderr_has("提示：");
}

/// Issue 25, point 7: a reply whose subject is raw GBK (no encoded word), as many Chinese mail
/// programs send it, is recorded in Chinese, not as replacement characters.
#[test]
fn a_raw_gbk_subject_is_read_as_chinese() {
    let mail = servers();
    let family = unique_user("gbk");
    let doctor = format!("{}@zs-hospital.example", unique_user("doc"));
    let test = mail.case(&family, &doctor, Smtp::Starttls).args([
        "mark",
        "zhongshan-liver",
        "sent",
        "--note",
        "by hand",
    ]);
    test.run().assert_code(0);
    let (subject, _, _) = encoding_rs::GBK.encode("回复：肝癌会诊资料已收到");
    let mut message = format!(
        "From: Dr Li <{doctor}>\nTo: {family}@example.org\nDate: Tue, 01 Dec 2026 09:00:00 +0800\nMessage-ID: <gbk1@zs-hospital.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=GBK\nSubject: "
    )
    .into_bytes();
    message.extend_from_slice(&subject);
    message.extend_from_slice(b"\n\n");
    message.extend_from_slice(&encoding_rs::GBK.encode("请尽快来院。\n").0);
    mail.deliver_bytes(&family, &message);
    let run = test.args(["sync"]).success();
    run.stdout_has("1 reply(ies)");
    let replies = ledger_events(&run.dir, "reply");
    assert_eq!(replies[0]["subject"], "回复：肝癌会诊资料已收到", "{run}");
}

/// A case that sent its packet to zhongshan-liver at `doctor` (a hospital domain), with the
/// family's mailbox `family`.
fn sent_case(mail: &Servers, family: &str, doctor: &str) -> Test {
    let test = mail
        .case(family, doctor, Smtp::Tls)
        .args(["send", "zhongshan-liver", "--yes"]);
    test.run().assert_code(0);
    test
}

fn run_in(dir: &Path, today: &str, args: &[&str]) -> Run {
    let output = std::process::Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("CONSULTPACK_TODAY", today)
        .env("TEST_MAIL_PASSWORD", crate::mailserver::PASSWORD)
        .env("CONSULTPACK_RETRY_DELAYS_MS", "50,50")
        .output()
        .unwrap();
    Run::from_output(output, dir, args)
}

/// Issue 21, point 3: `followup`, `sync` and `mark` take the lock `send` takes; two syncs
/// started together record a reply once.
#[test]
fn followup_sync_and_mark_take_the_case_lock() {
    use std::os::unix::io::AsRawFd;
    let mail = servers();
    let family = unique_user("lock");
    let doctor = format!("{}@zs-hospital.example", unique_user("doc"));
    let test = sent_case(&mail, &family, &doctor);
    let dir = test.path();
    let id = message_id_sent_to(dir, "zhongshan-liver");
    mail.deliver(&family, &format!(
        "From: Dr Li <{doctor}>\nTo: {family}@example.org\nSubject: Re: x\nDate: {}\nMessage-ID: <lock1@zs-hospital.example>\nIn-Reply-To: <{id}>\n\n建议来院面诊。\n",
        now_rfc2822()
    ));
    let ledger_before = fs::read_to_string(dir.join(".consultpack/ledger.jsonl")).unwrap();
    {
        let lock = fs::OpenOptions::new()
            .write(true)
            .open(dir.join(".consultpack/lock"))
            .unwrap();
        // SAFETY: flock on a descriptor this test owns.
        assert_eq!(
            unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
            0
        );
        for args in [
            &["sync"][..],
            &["mark", "zhongshan-liver", "replied", "--note", "phone"],
            &["followup", "--send", "zhongshan-liver", "--yes"],
        ] {
            let run = run_in(dir, "2027-03-01", args);
            run.assert_code(1);
            run.stderr_has("another consultpack command");
        }
        assert_eq!(
            fs::read_to_string(dir.join(".consultpack/ledger.jsonl")).unwrap(),
            ledger_before,
            "nothing was recorded while another command held the case"
        );
        assert_eq!(mail.received(&doctor).len(), 1, "no follow-up went out");
    }
    // Two syncs at once: one reads, the other waits its turn or is told to; the reply is
    // recorded once.
    let spawn = || {
        std::process::Command::new(BIN)
            .arg("sync")
            .current_dir(dir)
            .env("CONSULTPACK_TODAY", TODAY)
            .env("TEST_MAIL_PASSWORD", crate::mailserver::PASSWORD)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    a.wait().unwrap();
    b.wait().unwrap();
    run_in(dir, TODAY, &["sync"]).assert_code(0);
    assert_eq!(ledger_events(dir, "reply").len(), 1);
}

/// Issue 21, point 4: a copy of our own packet in the inbox (a `cc` to ourselves, a provider
/// that files sent mail there) and mail from the family's own address are never replies.
#[test]
fn our_own_mail_in_the_inbox_is_never_a_reply() {
    let mail = servers();
    let family = unique_user("own");
    let doctor = format!("{}@example.org", unique_user("doc"));
    let test = mail
        .case(&family, &doctor, Smtp::Tls)
        .edit(
            "contacts.toml",
            "channel = \"email\"",
            &format!("channel = \"email\"\ncc = [\"{family}@example.org\"]"),
        )
        .args(["send", "zhongshan-liver", "--yes"]);
    test.run().assert_code(0);
    assert_eq!(mail.received(&format!("{family}@example.org")).len(), 1);
    // The provider's own copy of what was sent, under another Message-ID.
    mail.deliver(&family, &format!(
        "From: 李晓明 <{family}@example.org>\nTo: {doctor}\nSubject: 肝癌会诊咨询 [CP-0000]\nDate: {}\nMessage-ID: <copy1@example.org>\n\n尊敬的专家\n",
        now_rfc2822()
    ));
    let run = run_in(test.path(), TODAY, &["sync"]);
    run.assert_code(0);
    run.stdout_has("2 new message(s) looked at; 0 reply(ies)");
    assert!(ledger_events(test.path(), "reply").is_empty(), "{run}");
    assert_eq!(
        row(&status(test.path(), TODAY), "zhongshan-liver")["state"],
        "sent"
    );
}

/// Issue 21, points 5 and 6: a threaded human reply whose subject mentions a holiday is a
/// reply (with a note); a template from the doctor's address with 休假 is an auto-reply; "已收到
/// 资料，会尽快安排" acknowledges without answering, and reminders go on after it.
#[test]
fn holidays_in_subjects_and_acknowledgements_are_read_right() {
    let mail = servers();
    let family = unique_user("ack");
    let doctor = format!("{}@zs-hospital.example", unique_user("doc"));
    let test = sent_case(&mail, &family, &doctor);
    let dir = test.path().to_path_buf();
    let id = message_id_sent_to(&dir, "zhongshan-liver");
    let date = now_rfc2822();
    mail.deliver(&family, &format!(
        "From: Dr Li <{doctor}>\nTo: {family}@example.org\nSubject: =?UTF-8?B?5YWz5LqO5oKo55qE6YKu5Lu277yI5LyR5YGH77yJ?=\nDate: {date}\nMessage-ID: <ooo@zs-hospital.example>\n\n本人正在休假，回来后回复。\n"
    ));
    mail.deliver(&family, &format!(
        "From: Dr Li <{doctor}>\nTo: {family}@example.org\nSubject: =?UTF-8?B?UmU6IOiCneeZjOS8muiviuWSqOivou+8iOaYpeiKguWBh+acn+WQjuWuieaOkumdouiviu+8iQ==?=\nDate: {date}\nMessage-ID: <ack1@zs-hospital.example>\nIn-Reply-To: <{id}>\nContent-Type: text/plain; charset=utf-8\n\n已收到资料，会尽快安排\n\n在 2026年12月1日，李晓明 写道：\n> 尊敬的专家\n"
    ));
    let run = run_in(&dir, TODAY, &["sync"]);
    run.assert_code(0);
    run.stdout_has("1 reply(ies), 1 auto-reply(ies)")
        .stdout_has("acknowledgement");
    let replies = ledger_events(&dir, "reply");
    let ack = replies.iter().find(|r| r["kind"] == "reply").unwrap();
    assert_eq!(ack["answer"], "acknowledged");
    assert!(ack["note"].as_str().unwrap().contains("假期"), "{ack:#}");
    assert!(replies.iter().any(|r| r["kind"] == "auto-reply"));
    let st = status(&dir, TODAY);
    assert_eq!(row(&st, "zhongshan-liver")["state"], "acknowledged");
    // Reminders go on: the expected reply time after the acknowledgement, a follow-up is due
    // and is sent (not refused as "already answered").
    let later = "2027-03-01";
    let due = run_in(&dir, later, &["followup"]);
    due.stdout_has("zhongshan-liver");
    run_in(
        &dir,
        later,
        &["followup", "--send", "zhongshan-liver", "--yes"],
    )
    .assert_code(0);
    assert_eq!(mail.received(&doctor).len(), 2, "the packet and a reminder");
    // The family corrects the reading either way.
    run_in(
        &dir,
        later,
        &[
            "mark",
            "zhongshan-liver",
            "replied",
            "--note",
            "an answer after all",
        ],
    )
    .assert_code(0);
    assert_eq!(
        row(&status(&dir, later), "zhongshan-liver")["state"],
        "replied"
    );
    run_in(
        &dir,
        later,
        &[
            "mark",
            "zhongshan-liver",
            "acknowledged",
            "--note",
            "only received",
        ],
    )
    .assert_code(0);
    assert_eq!(
        row(&status(&dir, later), "zhongshan-liver")["state"],
        "acknowledged"
    );
}

/// Issue 21, point 7: QQ Mail's HTML reply — `原始邮件` between runs of dashes with `&nbsp;`,
/// then a 发件人/发送时间/收件人 block — shows only the doctor's words in `opinions`.
#[test]
fn qq_quoted_history_never_reaches_the_opinions() {
    let mail = servers();
    let family = unique_user("qq");
    let doctor = format!("{}@zs-hospital.example", unique_user("doc"));
    let test = sent_case(&mail, &family, &doctor);
    let dir = test.path().to_path_buf();
    let id = message_id_sent_to(&dir, "zhongshan-liver");
    mail.deliver(&family, &format!(
        "From: Dr Li <{doctor}>\nTo: {family}@example.org\nSubject: =?UTF-8?B?5Zue5aSN77ya6IKd55mM5Lya6K+K5ZKo6K+i?=\nDate: {}\nMessage-ID: <qq1@zs-hospital.example>\nIn-Reply-To: <{id}>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<div>建议先做增强MRI，再决定是否手术。</div><div><br></div><div>------------------&nbsp;原始邮件&nbsp;------------------</div><div><b>发件人:</b>&nbsp;\"李晓明\"&lt;{family}@example.org&gt;;</div><div><b>发送时间:</b>&nbsp;2026年11月30日(星期一) 上午10:00</div><div><b>收件人:</b>&nbsp;\"专家\"&lt;{doctor}&gt;;</div><div><b>主题:</b>&nbsp;肝癌会诊咨询</div><div><br></div>尊敬的专家：我父亲的病历如下，恳请指导。\n",
        now_rfc2822()
    ));
    run_in(&dir, TODAY, &["sync"]).assert_code(0);
    run_in(&dir, TODAY, &["opinions", "--lang", "en", "-o", "o.pdf"]).assert_code(0);
    let text = tool(
        "pdftotext",
        &["-enc", "UTF-8", dir.join("o.pdf").to_str().unwrap(), "-"],
    );
    let flat: String = text.split_whitespace().collect();
    assert!(flat.contains("建议先做增强MRI，再决定是否手术。"), "{text}");
    assert!(
        !flat.contains("恳请指导") && !flat.contains("原始邮件") && !flat.contains("发件人"),
        "the family's own letter is not the doctor's words:\n{text}"
    );
}

/// Issue 21, point 8: a reply the provider filed as spam is found in the Junk folder, and
/// `sync` says where it was.
#[test]
fn a_reply_in_the_junk_folder_is_found_and_said_so() {
    let mail = servers();
    let family = unique_user("junk");
    let doctor = format!("{}@zs-hospital.example", unique_user("doc"));
    let test = sent_case(&mail, &family, &doctor);
    let dir = test.path().to_path_buf();
    let id = message_id_sent_to(&dir, "zhongshan-liver");
    mail.deliver_to_folder(&family, "Junk", &format!(
        "From: Dr Li <{doctor}>\nTo: {family}@example.org\nSubject: Re: x\nDate: {}\nMessage-ID: <junk1@zs-hospital.example>\nIn-Reply-To: <{id}>\n\n建议来院面诊。\n",
        now_rfc2822()
    ));
    let run = run_in(&dir, TODAY, &["sync"]);
    run.assert_code(0);
    run.stdout_has("1 reply(ies)")
        .stdout_has("found in your `Junk` (spam) folder");
    let replies = ledger_events(&dir, "reply");
    assert_eq!(replies[0]["mailbox"], "Junk");
    assert_eq!(
        row(&status(&dir, TODAY), "zhongshan-liver")["state"],
        "replied"
    );
    // Again: nothing new, in either folder.
    run_in(&dir, TODAY, &["sync"]).stdout_has("0 new message(s)");
    assert_eq!(ledger_events(&dir, "reply").len(), 1);
}

/// Issue 21, point 12: the first follow-up waits the contact's expected reply time unless
/// `--now`; a follow-up to an address that bounced is refused with the bounce's words.
#[test]
fn a_first_follow_up_waits_and_a_bounced_address_gets_none() {
    let mail = servers();
    let family = unique_user("wait");
    let doctor = format!("{}@zs-hospital.example", unique_user("doc"));
    let test = sent_case(&mail, &family, &doctor);
    let dir = test.path().to_path_buf();
    let soon = run_in(
        &dir,
        TODAY,
        &["followup", "--send", "zhongshan-liver", "--yes"],
    );
    soon.assert_code(1);
    soon.stderr_has("a first follow-up waits their expected reply time of 10 days")
        .stderr_has("--now");
    assert_eq!(mail.received(&doctor).len(), 1);
    run_in(
        &dir,
        TODAY,
        &["followup", "--send", "zhongshan-liver", "--yes", "--now"],
    )
    .assert_code(0);
    assert_eq!(mail.received(&doctor).len(), 2);

    let id = message_id_sent_to(&dir, "zhongshan-liver");
    mail.deliver(&family, &format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.zs-hospital.example>\nTo: {family}@example.org\nSubject: Undelivered Mail Returned to Sender\nDate: {}\nMessage-ID: <dsn-wait@mx.example>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"d1\"\n\n--d1\nContent-Type: text/plain\n\nYour message could not be delivered.\n--d1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.zs-hospital.example\n\nFinal-Recipient: rfc822; {doctor}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <{doctor}>: mailbox unavailable\n--d1\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{id}>\n--d1--\n",
        now_rfc2822()
    ));
    run_in(&dir, TODAY, &["sync"]).stdout_has("1 bounce(s)");
    let refused = run_in(
        &dir,
        "2027-03-01",
        &["followup", "--send", "zhongshan-liver", "--yes", "--force"],
    );
    refused.assert_code(1);
    refused
        .stderr_has("bounced")
        .stderr_has("550 5.1.1")
        .stderr_has("mailbox unavailable");
    assert_eq!(
        mail.received(&doctor).len(),
        2,
        "no follow-up to a dead address"
    );
}
