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
use crate::folder::CaseFolder;
use crate::ledger::{self, Event, Reply, ReplyKind, What};
use crate::mail::imap;
use crate::packet::store;
use crate::private_file;
use crate::replies::{self, Headers, Ours};
use crate::tracking;

const STATE_FILE: &str = ".consultpack/sync.json";
pub const REPLIES_DIR: &str = "replies";
/// Messages fetched per round trip (headers only).
const BATCH: u32 = 500;
const MAILBOXES: &[&str] = &["INBOX"];

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
    replies: Vec<(String, ReplyKind)>,
}

pub fn run(folder: &CaseFolder, today: NaiveDate) -> Result<()> {
    let loaded = load_valid(folder, today)?;
    let case = &loaded.case.as_ref().expect("valid").case;
    let server = loaded.config.as_ref().and_then(|c| c.imap.as_ref()).ok_or_else(|| {
        Error::user(
            "consultpack.toml has no [imap] server to read replies from",
            Some("add [imap] with provider = \"qq\" (or host, port, security), username and password_env".to_string()),
        )
    })?;
    let password = server.password.fetch().map_err(|e| {
        Error::user(
            format!("the IMAP password: {e}"),
            Some("set it in this terminal (never in consultpack.toml)".to_string()),
        )
    })?;
    let ledger = ledger::read(folder.root())?;
    let messages = tracking::messages(&ledger);
    let contacts: Vec<&Contact> = loaded.contacts.contacts.iter().collect();
    let ours = Ours::new(&messages, &contacts, &case.patient.id);
    let mut known: HashSet<String> = ledger
        .events
        .iter()
        .filter_map(|e| match &e.what {
            What::Reply(r) => Some(r.message_id.clone()),
            _ => None,
        })
        .collect();
    let state_path = folder.path(STATE_FILE);
    let mut state: SyncState = std::fs::read(&state_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();

    let mut session = imap::login(server, &password, folder.root()).map_err(|f| Error::Mail {
        message: format!("IMAP {}:{}: {}", server.host, server.port, f.message),
        hint: f.hint.clone(),
    })?;
    let mut found = Found::default();
    for mailbox in MAILBOXES {
        let selected = session.examine(mailbox).map_err(|e| Error::Mail {
            message: format!("the mailbox `{mailbox}` could not be opened ({e})"),
            hint: None,
        })?;
        let validity = selected.uid_validity.unwrap_or(0);
        let next = selected.uid_next.unwrap_or(u32::MAX);
        let start = match state.mailboxes.get(*mailbox) {
            Some(s) if s.uid_validity == validity => s.last_uid + 1,
            Some(_) => {
                eprintln!(
                    "sync: `{mailbox}` was renumbered by the server (UIDVALIDITY changed); looking at every message again"
                );
                1
            }
            None => 1,
        };
        if selected.exists == 0 || start >= next {
            state.mailboxes.insert(
                mailbox.to_string(),
                MailboxState {
                    uid_validity: validity,
                    last_uid: next.saturating_sub(1).max(start.saturating_sub(1)),
                },
            );
            continue;
        }
        let bar = ProgressBar::new(u64::from(next - start));
        bar.set_style(
            ProgressStyle::with_template("sync {msg} {bar:30} {pos}/{len}")
                .expect("valid template"),
        );
        bar.set_message(mailbox.to_string());
        let mut from = start;
        let mut last_uid = start - 1;
        while from < next {
            let to = from.saturating_add(BATCH - 1).min(next - 1);
            let fetches = session
                .uid_fetch(format!("{from}:{to}"), "(UID BODY.PEEK[HEADER])")
                .map_err(|e| Error::Mail {
                    message: format!("reading `{mailbox}` failed ({e})"),
                    hint: None,
                })?;
            let mut batch: Vec<(u32, Vec<u8>)> = fetches
                .iter()
                .filter_map(|f| Some((f.uid?, f.header()?.to_vec())))
                .filter(|(uid, _)| *uid >= from)
                .collect();
            drop(fetches);
            batch.sort_by_key(|(uid, _)| *uid);
            for (uid, header) in batch {
                found.looked_at += 1;
                bar.inc(1);
                last_uid = last_uid.max(uid);
                let headers = Headers::parse(&header);
                let key = headers
                    .message_id
                    .clone()
                    .unwrap_or_else(|| format!("sha256:{}", store::sha256(&header)));
                if known.contains(&key) {
                    continue;
                }
                // A bounce names its message only inside: fetch it whole to match it.
                let matched = if headers.report {
                    None
                } else {
                    match replies::match_message(&headers, &ours) {
                        Some(m) => Some(m),
                        None => continue,
                    }
                };
                let full = fetch_whole(&mut session, uid)?;
                let Some(message) = MessageParser::default().parse(&full) else {
                    continue;
                };
                let kind = replies::kind(&headers);
                let (failed_address, matched) = if kind == ReplyKind::Bounce {
                    let (failed, original) = replies::bounce(&message);
                    let by_original = original
                        .as_ref()
                        .and_then(|id| ours.message_ids.get(id))
                        .map(|c| replies::Match {
                            contact: c.clone(),
                            by: "thread",
                        });
                    let by_address = failed
                        .as_ref()
                        .and_then(|a| ours.addresses.iter().find(|(x, _, _)| x == a))
                        .map(|(_, c, _)| replies::Match {
                            contact: c.clone(),
                            by: "sender",
                        });
                    (failed, by_original.or(by_address))
                } else {
                    (None, matched)
                };
                let Some(matched) = matched else { continue };
                let date = headers.date.unwrap_or_else(chrono::Utc::now);
                let saved = save(folder, &matched.contact, date.date_naive(), &full, &message)?;
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
                            saved: Some(saved),
                        }),
                    },
                )?;
                known.insert(key);
                found.replies.push((matched.contact, kind));
            }
            // Remember progress after every batch: an interrupted sync goes on from here.
            state.mailboxes.insert(
                mailbox.to_string(),
                MailboxState {
                    uid_validity: validity,
                    last_uid: last_uid.max(to),
                },
            );
            write_state(&state_path, &state)?;
            from = to + 1;
        }
        bar.finish_and_clear();
    }
    let _ = session.logout();
    write_state(&state_path, &state)?;
    let count = |kind: ReplyKind| found.replies.iter().filter(|(_, k)| *k == kind).count();
    let mut summary = format!(
        "sync: {} new message(s) looked at; {} reply(ies), {} auto-reply(ies), {} bounce(s)",
        found.looked_at,
        count(ReplyKind::Reply),
        count(ReplyKind::AutoReply),
        count(ReplyKind::Bounce)
    );
    for (contact, kind) in &found.replies {
        let kind = match kind {
            ReplyKind::Reply => "reply",
            ReplyKind::AutoReply => "auto-reply",
            ReplyKind::Bounce => "bounce",
        };
        summary.push_str(&format!("\n  {contact}: {kind}"));
    }
    print_stdout(&format!("{summary}\n"))
}

fn fetch_whole(session: &mut imap::Session, uid: u32) -> Result<Vec<u8>> {
    let fetches = session
        .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
        .map_err(|e| Error::Mail {
            message: format!("reading message {uid} failed ({e})"),
            hint: None,
        })?;
    fetches
        .iter()
        .find_map(|f| f.body().map(<[u8]>::to_vec))
        .ok_or_else(|| Error::Mail {
            message: format!("the server sent no body for message {uid}"),
            hint: None,
        })
}

fn write_state(path: &Path, state: &SyncState) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.exists()) {
        private_file::create_dir(dir)?;
    }
    let mut text = serde_json::to_string_pretty(state).expect("state serializes");
    text.push('\n');
    private_file::write(path, text.as_bytes())
}

/// Saves a message under `replies/<contact>/<date>_<n>/`: the message as received, its text,
/// and its attachments. Returns the folder, relative to the case.
pub(super) fn save(
    folder: &CaseFolder,
    contact: &str,
    date: NaiveDate,
    raw: &[u8],
    message: &mail_parser::Message<'_>,
) -> Result<String> {
    let dir = new_reply_dir(folder, contact, date)?;
    let relative = dir
        .strip_prefix(folder.root())
        .unwrap_or(&dir)
        .to_string_lossy()
        .replace('\\', "/");
    private_file::write(&dir.join("message.eml"), raw)?;
    let text = message
        .body_text(0)
        .map(|t| t.into_owned())
        .or_else(|| message.body_html(0).map(|h| strip_tags(&h)))
        .unwrap_or_default();
    private_file::write(&dir.join("text.txt"), text.as_bytes())?;
    let mut taken = HashSet::new();
    for (i, attachment) in message.attachments().enumerate() {
        if attachment.is_message() {
            continue;
        }
        let fallback = format!("attachment-{}", i + 1);
        let mut name =
            replies::safe_file_name(attachment.attachment_name().unwrap_or(&fallback), &fallback);
        if matches!(name.as_str(), "message.eml" | "text.txt" | "notes.txt")
            || !taken.insert(name.clone())
        {
            name = format!("{}-{name}", i + 1);
            taken.insert(name.clone());
        }
        private_file::write(&dir.join(&name), attachment.contents())?;
    }
    Ok(relative)
}

/// A new folder `replies/<contact>/<date>_<n>/`, n one more than the day's last.
pub(super) fn new_reply_dir(
    folder: &CaseFolder,
    contact: &str,
    date: NaiveDate,
) -> Result<PathBuf> {
    let base = folder.path(REPLIES_DIR).join(contact);
    if !base.exists() {
        private_file::create_dir(&base)?;
    }
    let prefix = format!("{date}_");
    let taken = std::fs::read_dir(&base)
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
    let dir = base.join(format!("{date}_{}", taken + 1));
    private_file::create_dir(&dir)?;
    Ok(dir)
}

/// The text of an HTML-only message, roughly: tags out, line breaks kept.
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
