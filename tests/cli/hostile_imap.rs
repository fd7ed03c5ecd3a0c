//! `sync` against IMAP servers that misbehave (issue 25, points 5 and 6): a small scripted
//! server in a thread of the test, on 127.0.0.1, that answers like a real one except where a
//! test makes it send without end, announce a gigabyte, drip, fall silent, or report UIDs at
//! the top of their range. Whatever it does, `sync` ends, in bounded memory, with words that
//! name what the server did.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::{Run, Test};

/// One message of the scripted mailbox.
#[derive(Clone)]
struct Message {
    uid: u32,
    raw: Vec<u8>,
}

impl Message {
    fn header(&self) -> &[u8] {
        let end = self
            .raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(self.raw.len(), |p| p + 4);
        &self.raw[..end]
    }
}

/// What the scripted server reports on EXAMINE, and holds.
#[derive(Clone)]
struct Mailbox {
    uid_validity: u32,
    uid_next: u32,
    messages: Vec<Message>,
}

/// A test's change to the server's behaviour: given the command (`LOGIN …`, `UID FETCH …`),
/// it may answer in its own way (and return true) or leave it to the server.
type Hook = dyn Fn(&str, &str, &mut TcpStream) -> bool + Send + Sync;

/// The server: its port, and every command it was sent, per connection.
struct Scripted {
    port: u16,
    sessions: Arc<Mutex<Vec<Vec<String>>>>,
}

fn serve(
    mailbox: Mailbox,
    hook: impl Fn(&str, &str, &mut TcpStream) -> bool + Send + Sync + 'static,
) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sessions = Arc::new(Mutex::new(Vec::new()));
    let log = sessions.clone();
    let hook: Arc<Hook> = Arc::new(hook);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (mailbox, hook, log) = (mailbox.clone(), hook.clone(), log.clone());
            std::thread::spawn(move || converse(stream, &mailbox, &*hook, &log));
        }
    });
    Scripted { port, sessions }
}

fn converse(mut stream: TcpStream, mailbox: &Mailbox, hook: &Hook, log: &Mutex<Vec<Vec<String>>>) {
    let index = {
        let mut log = log.lock().unwrap();
        log.push(Vec::new());
        log.len() - 1
    };
    if hook("", "GREETING", &mut stream) {
        return;
    }
    let _ = stream.write_all(b"* OK [CAPABILITY IMAP4rev1] scripted server ready\r\n");
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end().to_string();
        log.lock().unwrap()[index].push(line.clone());
        let (tag, command) = line.split_once(' ').unwrap_or((&line, ""));
        if hook(tag, command, &mut stream) {
            return;
        }
        let upper = command.to_ascii_uppercase();
        let mut out = Vec::new();
        if upper.starts_with("EXAMINE") || upper.starts_with("SELECT") {
            out.extend_from_slice(
                format!(
                    "* {} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY {}]\r\n* OK [UIDNEXT {}]\r\n{tag} OK [READ-ONLY] done\r\n",
                    mailbox.messages.len(),
                    mailbox.uid_validity,
                    mailbox.uid_next
                )
                .as_bytes(),
            );
        } else if upper.starts_with("LOGOUT") {
            out.extend_from_slice(format!("* BYE bye\r\n{tag} OK done\r\n").as_bytes());
        } else if let Some(rest) = upper.strip_prefix("UID FETCH ") {
            let (set, query) = rest.split_once(' ').unwrap();
            let top = mailbox.messages.iter().map(|m| m.uid).max().unwrap_or(0);
            for (seq, m) in mailbox.messages.iter().enumerate() {
                if in_set(set, m.uid, top) {
                    out.extend(fetch_line(seq + 1, m, query));
                }
            }
            out.extend_from_slice(format!("{tag} OK done\r\n").as_bytes());
        } else if let Some(rest) = upper.strip_prefix("FETCH ") {
            let (set, query) = rest.split_once(' ').unwrap();
            let count = mailbox.messages.len() as u32;
            for (seq, m) in mailbox.messages.iter().enumerate() {
                if in_set(set, seq as u32 + 1, count) {
                    out.extend(fetch_line(seq + 1, m, query));
                }
            }
            out.extend_from_slice(format!("{tag} OK done\r\n").as_bytes());
        } else {
            out.extend_from_slice(format!("{tag} OK done\r\n").as_bytes());
        }
        if stream.write_all(&out).is_err() {
            return;
        }
    }
}

/// One FETCH response: the UID, and the header or the whole message if asked for.
fn fetch_line(seq: usize, m: &Message, query: &str) -> Vec<u8> {
    let mut out = format!("* {seq} FETCH (UID {}", m.uid).into_bytes();
    let part = if query.contains("BODY.PEEK[HEADER]") {
        Some(("BODY[HEADER]", m.header()))
    } else if query.contains("BODY.PEEK[]") {
        Some(("BODY[]", &m.raw[..]))
    } else {
        None
    };
    if let Some((name, bytes)) = part {
        out.extend_from_slice(format!(" {name} {{{}}}\r\n", bytes.len()).as_bytes());
        out.extend_from_slice(bytes);
    }
    out.extend_from_slice(b")\r\n");
    out
}

/// Whether `n` is in an IMAP sequence set (`1:5,7,9:*`), `*` being `top`.
fn in_set(set: &str, n: u32, top: u32) -> bool {
    let number = |s: &str| if s == "*" { top } else { s.parse().unwrap() };
    set.split(',').any(|part| match part.split_once(':') {
        Some((a, b)) => {
            let (a, b) = (number(a), number(b));
            a.min(b) <= n && n <= a.max(b)
        }
        None => number(part) == n,
    })
}

/// Writes `chunk` again and again until the client goes away.
fn without_end(stream: &mut TcpStream, start: &[u8], chunk: &[u8]) -> bool {
    if stream.write_all(start).is_ok() {
        while stream.write_all(chunk).is_ok() {}
    }
    true
}

/// A demo case whose `[imap]` is the scripted server.
fn case(server: &Scripted) -> Test {
    Test::demo()
        .write(
            "consultpack.toml",
            &format!(
                "[sender]\nname = \"Li\"\nemail = \"family@example.org\"\n\n\
                 [imap]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nusername = \"family\"\n\
                 password_env = \"TEST_MAIL_PASSWORD\"\n",
                server.port
            ),
        )
        .env("TEST_MAIL_PASSWORD", "secret-word")
}

fn plain_message(uid: u32) -> Message {
    Message {
        uid,
        raw: format!(
            "From: shop@example.net\r\nTo: family@example.org\r\nSubject: Sale {uid}\r\nMessage-ID: <m{uid}@example.net>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\nBuy now.\r\n"
        )
        .into_bytes(),
    }
}

fn mailbox(messages: Vec<Message>) -> Mailbox {
    let uid_next = messages
        .iter()
        .map(|m| m.uid)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    Mailbox {
        uid_validity: 7,
        uid_next,
        messages,
    }
}

/// Runs `sync`, killed after 60 s if it hangs; returns the run and its peak memory in KB.
fn sync(test: Test) -> (u64, Run) {
    test.deadline(60).args(["sync"]).run_measured()
}

/// No bound broken shows as "login was refused", nor leaks the password.
#[track_caller]
fn named(run: &Run, words: &str) {
    run.assert_code(3);
    run.stderr_has(words);
    assert!(!run.stderr.contains("login was refused"), "{run}");
    assert!(!run.stderr.contains("secret-word"), "{run}");
}

/// Point 5: a response line without end is stopped at 1 MB.
#[test]
fn an_endless_line_is_stopped() {
    let server = serve(mailbox(vec![plain_message(1)]), |_, command, stream| {
        command.contains("FETCH")
            && without_end(stream, b"* 1 FETCH (UID 1 BODY[HEADER] ", &[b'a'; 65536])
    });
    let (peak_kb, run) = sync(case(&server));
    named(&run, "sent a line longer than 1 MB without a line break");
    assert!(peak_kb < 200_000, "peak {peak_kb} KB");
}

/// Point 5: a literal announced as nearly a gigabyte is refused when announced.
#[test]
fn a_huge_literal_is_refused_when_announced() {
    let server = serve(mailbox(vec![plain_message(1)]), |_, command, stream| {
        command.contains("FETCH")
            && without_end(
                stream,
                b"* 1 FETCH (UID 1 BODY[HEADER] {999999999}\r\n",
                &[b'a'; 65536],
            )
    });
    let (peak_kb, run) = sync(case(&server));
    named(
        &run,
        "announced 999999999 bytes for one message part, more than the 1 MB read",
    );
    assert!(peak_kb < 200_000, "peak {peak_kb} KB");
}

/// Point 5: a UIDNEXT at the top of the range costs nothing: only the UIDs the server has are
/// fetched, not every number up to UIDNEXT.
#[test]
fn a_uidnext_at_the_top_fetches_only_what_exists() {
    let mut box_ = mailbox(vec![plain_message(7)]);
    box_.uid_next = u32::MAX;
    let server = serve(box_, |_, _, _| false);
    let (_, run) = sync(case(&server));
    run.assert_code(0);
    run.stdout_has("1 new message(s) looked at");
    let sessions = server.sessions.lock().unwrap();
    let fetches = sessions[0].iter().filter(|c| c.contains("FETCH")).count();
    assert!(fetches <= 3, "{fetches} FETCH requests: {:?}", sessions[0]);
}

/// Point 5: a server that sends one byte at a time, slowly, is stopped at the overall deadline.
#[test]
fn a_dripping_server_is_stopped_at_the_deadline() {
    let server = serve(mailbox(vec![plain_message(1)]), |_, command, stream| {
        if !command.starts_with("LOGIN") {
            return false;
        }
        for _ in 0..600 {
            if stream.write_all(b"*").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        true
    });
    let test = case(&server)
        .env("CONSULTPACK_IMAP_IDLE_MS", "1000")
        .env("CONSULTPACK_IMAP_DEADLINE_MS", "1500");
    let (_, run) = sync(test);
    named(
        &run,
        "had not finished after 1.5 s (it sends too slowly, or without end)",
    );
}

/// Point 5: a server that never answers the login is named as silent, not as refusing.
#[test]
fn a_silent_server_is_named_silent() {
    let server = serve(mailbox(vec![]), |_, command, stream| {
        if command.starts_with("LOGIN") {
            // Keep the connection open, say nothing.
            let mut byte = [0u8];
            let _ = std::io::Read::read(stream, &mut byte);
            return true;
        }
        false
    });
    let test = case(&server).env("CONSULTPACK_IMAP_IDLE_MS", "500");
    let (_, run) = sync(test);
    named(&run, "sent nothing for 0.5 s");
}

/// Point 6: a UID of 4294967295 is remembered as it is; the next sync does not wrap round and
/// read the whole mailbox again.
#[test]
fn the_largest_uid_does_not_wrap() {
    let mut box_ = mailbox(vec![plain_message(5), plain_message(u32::MAX)]);
    box_.uid_next = u32::MAX;
    let server = serve(box_, |_, _, _| false);
    let test = case(&server).deadline(60).args(["sync"]);
    let run = test.run();
    run.assert_code(0);
    run.stdout_has("2 new message(s) looked at");
    let state = std::fs::read_to_string(test.path().join(".consultpack/sync.json")).unwrap();
    assert!(state.contains("4294967295"), "{state}");
    let run = test.run();
    run.assert_code(0);
    run.stdout_has("0 new message(s) looked at");
    let sessions = server.sessions.lock().unwrap();
    assert!(
        !sessions[1].iter().any(|c| c.contains("BODY.PEEK")),
        "nothing fetched again: {:?}",
        sessions[1]
    );
}
