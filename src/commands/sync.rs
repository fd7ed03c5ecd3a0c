//! `consultpack sync`: reads the family's inbox over IMAP for answers to what was sent.
//!
//! Only messages that arrived since the last sync are looked at, by UID, remembered per mailbox
//! with its UIDVALIDITY in `.consultpack/sync.json` (a changed UIDVALIDITY means the server
//! renumbered: everything is looked at again, and what the ledger already has is skipped, by
//! Message-ID). Headers are fetched first and matched here — no server-side SEARCH, which QQ and
//! 163 do badly — and only messages that answer a contact are fetched whole, with BODY.PEEK so
//! that nothing is marked read. Each is saved under `replies/<contact>/<date>_<n>/` and recorded
//! in the ledger as a reply, an auto-reply or a bounce.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use mail_parser::{MessageParser, MimeHeaders};
use serde::{Deserialize, Serialize};

use super::{load_valid, print_stdout};
use crate::contacts::Contact;
use crate::error::{Error, Result};
use crate::folder::{CaseFolder, REPLIES_DIR};
use crate::ledger::{self, Answer, Event, Reply, ReplyKind, What};
use crate::mail::imap;
use crate::packet::store;
use crate::private_file;
use crate::replies::{self, Headers, Ours};
use crate::{diagnostic, tr};

/// In `.consultpack/`.
const STATE_FILE: &str = "sync.json";
/// Messages fetched per round trip (headers only).
const BATCH: usize = 500;
/// The header block of each message, at most 1 MB of it (a server that sends more anyway is
/// stopped by the connection's bounds).
const HEADERS: &str = "(UID BODY.PEEK[HEADER]<0.1048576>)";
/// Sequence numbers whose UIDs are asked for at first, when listing what is new; each further
/// window is twice as large, up to [`MAX_WINDOW`].
const FIRST_WINDOW: u32 = 500;
const MAX_WINDOW: u32 = 20_000;
/// More new messages than this in one mailbox is not a family's inbox.
const MAX_NEW: usize = 2_000_000;

/// Where the last sync stopped, per mailbox.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SyncState {
    mailboxes: BTreeMap<String, MailboxState>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
struct MailboxState {
    uid_validity: u32,
    last_uid: u32,
}

/// What a sync found, for the summary line.
#[derive(Debug, Default)]
struct Found {
    looked_at: usize,
    replies: Vec<Recorded>,
    /// Replies recorded whose copy could not be written.
    unsaved: usize,
}

pub fn run(folder: &CaseFolder, today: NaiveDate) -> Result<()> {
    let loaded = load_valid(folder, today)?;
    let case = &loaded.case.as_ref().expect("valid").case;
    let server = loaded.config.as_ref().and_then(|c| c.imap.as_ref()).ok_or_else(|| {
        Error::user(
            tr!("consultpack.toml has no [imap] server to read replies from"),
            Some(tr!(
                "add [imap] with provider = \"qq\" (or host, port, security), username and password_env"
            )),
        )
    })?;
    let password = super::password(server, "IMAP")?;
    // One sync (or send, followup, mark) at a time: two at once would record every reply twice.
    let _lock = ledger::lock(folder.root())?;
    let ledger = ledger::read(folder.root())?;
    let contacts: Vec<&Contact> = loaded.contacts.contacts.iter().collect();
    let config = loaded.config.as_ref();
    let sender = config.and_then(|c| c.sender.as_ref());
    let own = sender
        .map(|s| s.email.as_str())
        .into_iter()
        .chain(sender.and_then(|s| s.reply_to.as_deref()))
        .chain(
            config
                .and_then(|c| c.smtp.as_ref())
                .map(|s| s.username.as_str()),
        )
        .chain([server.username.as_str()]);
    let ours = Ours::new(&ledger, &contacts, &case.patient.id).with_own(own);
    let mut known: HashSet<String> = ledger
        .events
        .iter()
        .filter_map(|e| match &e.what {
            What::Reply(r) => Some(r.message_id.clone()),
            _ => None,
        })
        .collect();
    let state_path = ledger::state_file(folder.root(), STATE_FILE, true)?;
    // A damaged position only means looking at everything again (what is known is skipped).
    let mut state: SyncState =
        ledger::read_state(folder.root(), STATE_FILE, crate::case_files::TOML_LIMIT)?
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();

    let mut session = imap::login(server, &password, folder.root()).map_err(|f| Error::Mail {
        message: tr!(
            "IMAP {host}:{port}: {problem}",
            host = server.host,
            port = server.port,
            problem = f.message
        ),
        hint: f.hint.clone(),
    })?;
    let mut found = Found::default();
    // The inbox, then the Junk folder: a doctor's first e-mail from an unknown address often
    // lands there.
    let junk = imap::junk_folder(&mut session);
    session.forget_unsolicited();
    let mailboxes: Vec<String> = std::iter::once("INBOX".to_string())
        .chain(junk.clone())
        .collect();
    for mailbox in &mailboxes {
        let mailbox = mailbox.as_str();
        let in_junk = junk.as_deref() == Some(mailbox);
        let selected = session.examine(mailbox);
        session.forget_unsolicited();
        let selected = selected.map_err(|error| Error::Mail {
            message: tr!(
                "the mailbox `{mailbox}` could not be opened ({error})",
                mailbox,
                error = session.explain(&error)
            ),
            hint: None,
        })?;
        let validity = selected.uid_validity.unwrap_or(0);
        let previous = state.mailboxes.get(mailbox).copied();
        let start = match previous {
            // UIDs are 32 bits: after the largest there can be no other (until the server
            // renumbers), so nothing is new; never round to 0 and read everything again.
            Some(s) if s.uid_validity == validity => s.last_uid.checked_add(1),
            Some(_) => {
                eprintln!(
                    "{}",
                    tr!(
                        "sync: `{mailbox}` was renumbered by the server (UIDVALIDITY changed); looking at every message again",
                        mailbox
                    )
                );
                Some(1)
            }
            None => Some(1),
        };
        let Some(start) = start else {
            continue;
        };
        let mut last_uid = start - 1;
        let uids = if selected.exists > 0 && selected.uid_next.is_none_or(|next| start < next) {
            new_uids(&mut session, mailbox, selected.exists, start)?
        } else {
            Vec::new()
        };
        if !uids.is_empty() {
            let bar = ProgressBar::new(uids.len() as u64);
            bar.set_style(
                ProgressStyle::with_template("{msg} {bar:30} {pos}/{len}").expect("valid template"),
            );
            bar.set_message(tr!("sync {mailbox}", mailbox));
            for batch in uids.chunks(BATCH) {
                let fetches = fetch(&mut session, true, &uid_set(batch), HEADERS, |error| {
                    tr!("reading `{mailbox}` failed ({error})", mailbox, error)
                })?;
                let mut headers: Vec<(u32, Vec<u8>)> = fetches
                    .iter()
                    .filter_map(|f| Some((f.uid?, f.header()?.to_vec())))
                    .filter(|(uid, _)| batch.binary_search(uid).is_ok())
                    .collect();
                drop(fetches);
                headers.sort_by_key(|(uid, _)| *uid);
                headers.dedup_by_key(|(uid, _)| *uid);
                for (uid, header) in headers {
                    found.looked_at += 1;
                    bar.inc(1);
                    let seen = Seen {
                        uid,
                        header: &header,
                        junk: in_junk.then_some(mailbox),
                    };
                    if let Some(reply) =
                        look_at(folder, &mut session, &ours, &mut known, &seen, &mut found)?
                    {
                        found.replies.push(reply);
                    }
                }
                // The server listed these and answered for them: what it did not send was
                // expunged meanwhile. Remember progress after every batch: an interrupted sync
                // goes on from here.
                last_uid = last_uid.max(*batch.last().expect("chunks are not empty"));
                state.mailboxes.insert(
                    mailbox.to_string(),
                    MailboxState {
                        uid_validity: validity,
                        last_uid,
                    },
                );
                write_state(&state_path, &state)?;
            }
            bar.finish_and_clear();
        }
        state.mailboxes.insert(
            mailbox.to_string(),
            MailboxState {
                uid_validity: validity,
                last_uid,
            },
        );
    }
    let _ = session.logout();
    write_state(&state_path, &state)?;
    if found.unsaved > 0 {
        eprintln!(
            "{}{}",
            diagnostic::Severity::Warning.label(),
            tr!(
                "{count} reply(ies) were recorded but could not be saved under replies/",
                count = found.unsaved
            )
        );
    }
    let count = |kind: ReplyKind| found.replies.iter().filter(|r| r.kind == kind).count();
    let mut summary = tr!(
        "sync: {messages} new message(s) looked at; {replies} reply(ies), {auto_replies} auto-reply(ies), {bounces} bounce(s)",
        messages = found.looked_at,
        replies = count(ReplyKind::Reply),
        auto_replies = count(ReplyKind::AutoReply),
        bounces = count(ReplyKind::Bounce)
    );
    for Recorded {
        contact,
        kind,
        answer,
        junk,
    } in &found.replies
    {
        let kind = match (kind, answer) {
            (ReplyKind::Reply, Some(Answer::Acknowledged)) => {
                tr!("reply (an acknowledgement: received, no answer yet)")
            }
            (ReplyKind::Reply, _) => tr!("reply"),
            (ReplyKind::AutoReply, _) => tr!("auto-reply"),
            (ReplyKind::Bounce, _) => tr!("bounce"),
        };
        summary.push_str(&format!("\n  {contact}: {kind}"));
        if let Some(mailbox) = junk {
            summary.push_str(&format!(
                " — {}",
                tr!(
                    "found in your `{mailbox}` (spam) folder: tell your mail it is not spam, so that the next one reaches the inbox",
                    mailbox
                )
            ));
        }
    }
    print_stdout(&format!("{summary}\n"))
}

/// A message as listed: its UID, its header block, and the Junk folder's name when it was
/// found there.
struct Seen<'a> {
    uid: u32,
    header: &'a [u8],
    junk: Option<&'a str>,
}

/// What a sync recorded about one message, for its summary.
#[derive(Debug)]
struct Recorded {
    contact: String,
    kind: ReplyKind,
    answer: Option<Answer>,
    /// Found in the Junk folder (its name as people read it).
    junk: Option<String>,
}

/// Looks at one message: whose answer it is (if anyone's), what kind, and records it.
fn look_at(
    folder: &CaseFolder,
    session: &mut imap::Session,
    ours: &Ours,
    known: &mut HashSet<String>,
    seen: &Seen<'_>,
    found: &mut Found,
) -> Result<Option<Recorded>> {
    let (uid, header) = (seen.uid, seen.header);
    let headers = Headers::parse(header);
    let key = headers
        .message_id
        .as_deref()
        .map(|id| ledger::cut(id, ledger::FIELD_LIMIT).into_owned())
        .unwrap_or_else(|| format!("sha256:{}", store::sha256(header)));
    if known.contains(&key) || ours.is_ours(&headers) {
        return Ok(None);
    }
    let Some(kind) = replies::kind(&headers) else {
        return Ok(None);
    };
    // A returned message names the message and address only inside: fetch it to tell.
    let matched = match kind {
        ReplyKind::Bounce => None,
        _ => match replies::match_message(&headers, ours) {
            Some(m) => Some(m),
            None => return Ok(None),
        },
    };
    let full = fetch_whole(session, uid)?;
    let Some(message) = MessageParser::default().parse(&full) else {
        return Ok(None);
    };
    let (failed_address, matched) = if kind == ReplyKind::Bounce {
        let bounce = replies::bounce(&message);
        if !bounce.failed {
            // Delivery only delayed: not an answer, and not a failure yet.
            return Ok(None);
        }
        let by_original = bounce
            .original
            .as_ref()
            .and_then(|id| ours.message_ids.get(id))
            .map(|c| replies::Match {
                contact: c.clone(),
                by: "thread",
            });
        let by_address = bounce
            .failed_address
            .iter()
            .chain(&bounce.mentioned)
            .find_map(|a| ours.addresses.iter().find(|(x, _, _)| x == a))
            .map(|(_, c, _)| replies::Match {
                contact: c.clone(),
                by: "sender",
            });
        let matched = by_original
            .or(by_address)
            .or_else(|| replies::match_message(&headers, ours));
        (bounce.failed_address, matched)
    } else {
        (None, matched)
    };
    let Some(matched) = matched else {
        return Ok(None);
    };
    let text = text_of(&message);
    let own_words = replies::strip_quoted(&text);
    let (kind, note) = match kind {
        ReplyKind::Reply => replies::settle(&headers, matched.by, &own_words),
        other => (other, None),
    };
    let answer = (kind == ReplyKind::Reply).then(|| replies::answer(&own_words));
    let date = headers.date.unwrap_or_else(chrono::Utc::now);
    let saved = match save(
        folder,
        &matched.contact,
        date.date_naive(),
        &full,
        &text,
        &message,
    ) {
        Ok(saved) => Some(saved),
        Err(e) => {
            // The reply still counts; only its copy on disk is missing.
            eprintln!(
                "{}{}",
                diagnostic::Severity::Warning.label(),
                tr!(
                    "a message from {from} could not be saved: {error}",
                    from = headers.from.clone().unwrap_or_default(),
                    error = e
                )
            );
            found.unsaved += 1;
            None
        }
    };
    ledger::append(
        folder.root(),
        &Event {
            at: chrono::Utc::now(),
            what: What::Reply(Reply {
                contact: matched.contact.clone(),
                kind,
                message_id: key.clone(),
                from: headers.from.clone().unwrap_or_default(),
                subject: headers.subject.clone(),
                date,
                matched_by: matched.by.to_string(),
                failed_address,
                saved,
                answer,
                note,
                mailbox: seen.junk.map(imap::mailbox_name),
            }),
        },
    )?;
    known.insert(key);
    Ok(Some(Recorded {
        contact: matched.contact,
        kind,
        answer,
        junk: seen.junk.map(imap::mailbox_name),
    }))
}

/// The UIDs from `start` on that the mailbox holds, oldest first. Only what the server reports
/// is looked at — never every number up to UIDNEXT, which a server may put at 4294967295.
/// They are asked for by sequence number (UIDs rise with it), from the newest message back in
/// growing windows, until a window reaches below `start`: a sync with little new mail costs
/// one small request, and no answer is large.
fn new_uids(
    session: &mut imap::Session,
    mailbox: &str,
    exists: u32,
    start: u32,
) -> Result<Vec<u32>> {
    let mut uids = Vec::new();
    let (mut high, mut window) = (exists, FIRST_WINDOW);
    while high >= 1 {
        let low = high.saturating_sub(window - 1).max(1);
        let fetches = fetch(session, false, &format!("{low}:{high}"), "(UID)", |error| {
            tr!("reading `{mailbox}` failed ({error})", mailbox, error)
        })?;
        let listed: Vec<u32> = fetches.iter().filter_map(|f| f.uid).collect();
        uids.extend(listed.iter().filter(|&&uid| uid >= start));
        if uids.len() > MAX_NEW {
            return Err(Error::Mail {
                message: tr!(
                    "the server lists more than {most} new messages in `{mailbox}`; consultpack does not read a mailbox that large",
                    most = MAX_NEW,
                    mailbox
                ),
                hint: None,
            });
        }
        if low == 1 || listed.iter().any(|&uid| uid < start) {
            break;
        }
        high = low - 1;
        window = window.saturating_mul(2).min(MAX_WINDOW);
    }
    uids.sort_unstable();
    uids.dedup();
    Ok(uids)
}

/// A FETCH (by UID, or by sequence number), what the server says unasked dropped, a failure
/// in words: `failed` is given what went wrong.
fn fetch(
    session: &mut imap::Session,
    by_uid: bool,
    set: &str,
    query: &str,
    failed: impl FnOnce(String) -> String,
) -> Result<::imap::types::Fetches> {
    let fetched = if by_uid {
        session.uid_fetch(set, query)
    } else {
        session.fetch(set, query)
    };
    session.forget_unsolicited();
    fetched.map_err(|error| Error::Mail {
        message: failed(session.explain(&error)),
        hint: Some(kept()),
    })
}

/// The hint of a sync stopped half-way: its position is saved after every batch.
fn kept() -> String {
    tr!("what was read so far is kept: `consultpack sync` again goes on from there")
}

/// A UID set for a request: runs of consecutive UIDs as `a:b`, the rest one by one.
fn uid_set(uids: &[u32]) -> String {
    let mut set = String::new();
    let mut i = 0;
    while i < uids.len() {
        let mut j = i;
        while j + 1 < uids.len() && uids[j + 1] == uids[j].wrapping_add(1) {
            j += 1;
        }
        if !set.is_empty() {
            set.push(',');
        }
        if i == j {
            set.push_str(&uids[i].to_string());
        } else {
            set.push_str(&format!("{}:{}", uids[i], uids[j]));
        }
        i = j + 1;
    }
    set
}

fn fetch_whole(session: &mut imap::Session, uid: u32) -> Result<Vec<u8>> {
    session.allow_whole_messages(true);
    let fetches = fetch(
        session,
        true,
        &uid.to_string(),
        "(UID BODY.PEEK[])",
        |error| tr!("reading message {uid} failed ({error})", uid, error),
    );
    session.allow_whole_messages(false);
    let fetches = fetches?;
    fetches
        .iter()
        .find_map(|f| f.body().map(<[u8]>::to_vec))
        .ok_or_else(|| Error::Mail {
            message: tr!("the server sent no body for message {uid}", uid),
            hint: None,
        })
}

/// Writes the position (`path` from [`ledger::state_file`]): a new file renamed over the old
/// one, so a link there is replaced, never followed.
fn write_state(path: &Path, state: &SyncState) -> Result<()> {
    let mut text = serde_json::to_string_pretty(state).expect("state serializes");
    text.push('\n');
    private_file::write(path, text.as_bytes())
}

/// A message's text: its plain part, else its HTML with the tags removed (by [`strip_tags`],
/// which keeps the line breaks that tell the reply from the history it quotes).
fn text_of(message: &mail_parser::Message<'_>) -> String {
    let first = message
        .text_body
        .first()
        .and_then(|&i| message.parts.get(i as usize));
    match first.map(|part| &part.body) {
        Some(mail_parser::PartType::Text(text)) => text.to_string(),
        Some(mail_parser::PartType::Html(html)) => strip_tags(html),
        _ => message
            .body_html(0)
            .map(|h| strip_tags(&h))
            .unwrap_or_default(),
    }
}

/// Saves a message under `replies/<contact>/<date>_<n>/`: the message as received, its text,
/// and its attachments. Returns the folder, relative to the case.
fn save(
    folder: &CaseFolder,
    contact: &str,
    date: NaiveDate,
    raw: &[u8],
    text: &str,
    message: &mail_parser::Message<'_>,
) -> Result<String> {
    let mut dir = ReplyDir::new(folder, contact, date)?;
    dir.write("message.eml", raw)?;
    dir.write("text.txt", text.as_bytes())?;
    for (i, attachment) in message.attachments().enumerate() {
        if attachment.is_message() {
            continue;
        }
        let fallback = format!("attachment-{}", i + 1);
        let name = attachment
            .attachment_name()
            .unwrap_or(&fallback)
            .to_string();
        dir.write(&name, attachment.contents())?;
    }
    Ok(dir.relative)
}

/// A new folder `replies/<contact>/<date>_<n>/` (n one more than the day's last, never one that
/// exists) whose files get safe, distinct names.
pub(super) struct ReplyDir {
    path: PathBuf,
    /// Relative to the case folder.
    pub relative: String,
    taken: HashSet<String>,
}

impl ReplyDir {
    pub fn new(folder: &CaseFolder, contact: &str, date: NaiveDate) -> Result<Self> {
        let base = folder.output_dir(REPLIES_DIR)?.join(contact);
        if !base.exists() {
            private_file::create_dir(&base)?;
        }
        let prefix = format!("{date}_");
        let mut n = std::fs::read_dir(&base)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| {
                        e.file_name()
                            .to_string_lossy()
                            .strip_prefix(&prefix)
                            .and_then(|n| n.parse::<u32>().ok())
                    })
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        // Another command may take the same number at the same moment: take the next.
        let path = loop {
            n += 1;
            let path = base.join(format!("{date}_{n}"));
            match std::fs::create_dir(&path) {
                Ok(()) => break path,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io("create folder", &path)(e)),
            }
        };
        private_file::restrict_dir(&path)?;
        let relative = path
            .strip_prefix(folder.root())
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        Ok(Self {
            path,
            relative,
            taken: HashSet::new(),
        })
    }

    /// Writes a file under a safe name, distinct from the others in the folder; returns its
    /// path relative to the case folder.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<String> {
        let safe = self.name(name);
        private_file::write(&self.path.join(&safe), bytes)?;
        Ok(format!("{}/{safe}", self.relative))
    }

    /// Copies a file in, in pieces, like [`ReplyDir::write`].
    pub fn copy(&mut self, source: &Path) -> Result<String> {
        let safe = self.name(&source.file_name().unwrap_or_default().to_string_lossy());
        private_file::write_with(&self.path.join(&safe), |out| {
            let mut input =
                crate::case_files::open_regular(source).map_err(Error::io("read", source))?;
            std::io::copy(&mut input, out).map_err(Error::io("copy", source))?;
            Ok(())
        })?;
        Ok(format!("{}/{safe}", self.relative))
    }

    fn name(&mut self, wanted: &str) -> String {
        let mut safe = replies::safe_file_name(wanted, "file");
        let mut n = 1;
        while !self.taken.insert(safe.to_lowercase()) {
            n += 1;
            safe = format!("{n}-{}", replies::safe_file_name(wanted, "file"));
        }
        safe
    }
}

/// The text of an HTML-only message, roughly: tags out, a line break for each line break and
/// block (`<br>`, `<div>`, `<p>` …), so that quoted history (QQ Mail's `<div>原始邮件</div>`)
/// starts on a line of its own.
fn strip_tags(html: &str) -> String {
    const BLOCKS: &[&str] = &[
        "br",
        "div",
        "p",
        "tr",
        "li",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "table",
        "hr",
    ];
    let mut out = String::new();
    let mut tag: Option<String> = None;
    for c in html.chars() {
        match (&mut tag, c) {
            (None, '<') => tag = Some(String::new()),
            (Some(name), '>') => {
                let name = name
                    .trim_start_matches('/')
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if BLOCKS.contains(&name.as_str()) && !out.ends_with('\n') {
                    out.push('\n');
                }
                tag = None;
            }
            (Some(name), c) => name.push(c),
            (None, '\r') => {}
            (None, '\n') => out.push(' '),
            (None, c) => out.push(c),
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_join_runs_and_reach_the_largest_uid_without_wrapping() {
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(uid_set(&[9]), "9");
        assert_eq!(
            uid_set(&[4_294_967_294, 4_294_967_295]),
            "4294967294:4294967295"
        );
        assert_eq!(uid_set(&[0, 4_294_967_295]), "0,4294967295");
    }
}
