//! The ledger: `.consultpack/ledger.jsonl`, one JSON event a line, appended and never rewritten.
//! It is the memory of what was built, sent and answered; `status` derives everything from it.
//!
//! Reading is pure ([`parse`]): a torn last line (power lost mid-write) or a line this version
//! does not understand is reported and skipped, never fatal; identical lines (two family
//! members' copies merged with git's `merge=union`) count once. Appending is the one effect
//! ([`append`]).

mod file;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::tr;

pub use file::{LEDGER_FILE, Lock, append, check_writable, lock, read, read_state, state_file};

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened (UTC, from the clock; not the `--today` date).
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub what: What,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum What {
    /// A contact's packet was built.
    Built(Built),
    /// A message is about to be handed to the mail server (written before connecting).
    Sending(Sending),
    /// The server accepted the message.
    Sent(Sent),
    /// The message was not sent, or it is not known whether it arrived.
    Failed(Failed),
    /// A message from a contact's side was found by `sync`: a reply, an auto-reply or a bounce.
    Reply(Reply),
    /// The family recorded what happened outside e-mail (a phone call, WeChat, a portal).
    Mark(Mark),
}

impl What {
    /// The contact the event is about.
    pub fn contact(&self) -> &str {
        match self {
            What::Built(e) => &e.contact,
            What::Sending(e) => &e.contact,
            What::Sent(e) => &e.contact,
            What::Failed(e) => &e.contact,
            What::Reply(e) => &e.contact,
            What::Mark(e) => &e.contact,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sending {
    pub contact: String,
    /// Our Message-ID, without angle brackets.
    pub message_id: String,
    /// The packet the message comes from (SHA-256 of its packet.json).
    pub packet_sha256: String,
    /// The packet's identity: the SHA-256 of what it sends ([`crate::packet::PacketJson::identity`]);
    /// a packet rebuilt with other settings but the same bytes keeps it. Absent in events
    /// written before it was recorded (then `packet_sha256` decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet_identity: Option<String>,
    pub part: usize,
    pub of: usize,
    pub to: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    pub subject: String,
    /// The message's size as sent.
    pub bytes: u64,
    /// A follow-up: the Message-ID of the message it follows up (it carries no packet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followup_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    pub contact: String,
    pub message_id: String,
    /// The server's reply to the message (usually its queue id).
    pub reply: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failed {
    pub contact: String,
    pub message_id: String,
    pub reason: String,
    /// `not-sent`: certainly not delivered; `unknown`: the connection broke after the message
    /// was handed over, so the server may have it.
    pub outcome: FailedOutcome,
}

/// A message that came back, as `sync` classified it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub contact: String,
    pub kind: ReplyKind,
    /// The message's own Message-ID, without brackets (to count it once).
    pub message_id: String,
    pub from: String,
    pub subject: String,
    /// The message's Date header.
    pub date: DateTime<Utc>,
    /// How it was tied to the contact: `thread`, `sender`, `domain` or `token`.
    pub matched_by: String,
    /// A bounce: the address that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_address: Option<String>,
    /// Where its text and attachments were saved, relative to the case folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<String>,
    /// A person's reply: whether it answers or only acknowledges (absent in events written
    /// before this was recorded: then it answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    /// Why it was classified as it was, when that is not plain (a reply whose subject reads
    /// like an out-of-office).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The folder it was found in, when not the inbox (the Junk folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<String>,
}

/// What a person's reply does: only acknowledges ("received, we will look"), or answers (an
/// opinion, an appointment, a question). Reminders go on after an acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    Acknowledged,
    Answered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReplyKind {
    Reply,
    AutoReply,
    Bounce,
}

/// What the family recorded with `consultpack mark`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub contact: String,
    pub state: MarkState,
    pub note: String,
    /// The day it happened (may be before the day it was recorded).
    pub date: NaiveDate,
    /// Files copied into replies/, relative to the case folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// What the doctor recommended (`mark --recommends`), for the opinions table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommends: Option<Recommendation>,
    /// The tests or records the doctor asked for (`mark --asks-for`), each as the family wrote it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asks_for: Vec<String>,
}

/// A doctor's recommendation as the family records it: the options a liver team weighs.
/// consultpack records it; it never recommends anything itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recommendation {
    ReTace,
    Ablation,
    Resection,
    TransplantEvaluation,
    SystemicTherapy,
    MoreTestsFirst,
    Other,
}

impl Recommendation {
    /// The recommendation in the reader's words.
    pub fn label(self, lang: crate::text::Lang) -> &'static str {
        match self {
            Recommendation::ReTace => lang.pick("再次TACE", "repeat TACE"),
            Recommendation::Ablation => lang.pick("消融", "ablation"),
            Recommendation::Resection => lang.pick("手术切除", "resection"),
            Recommendation::TransplantEvaluation => {
                lang.pick("肝移植评估", "transplant evaluation")
            }
            Recommendation::SystemicTherapy => lang.pick("系统治疗", "systemic therapy"),
            Recommendation::MoreTestsFirst => lang.pick("先做进一步检查", "more tests first"),
            Recommendation::Other => lang.pick("其他", "other"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarkState {
    Replied,
    /// They acknowledged receipt, without an answer yet (corrects a reply taken for an answer).
    Acknowledged,
    Declined,
    Appointment,
    Sent,
    NoReply,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailedOutcome {
    NotSent,
    Unknown,
}

/// A packet as built: enough for `send` to know whether what is on disk is what was built, and
/// for `status` to say when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Built {
    pub contact: String,
    /// `email`, `platform` or `portal`.
    pub pack: String,
    /// The date the packet is dated (the build's "today").
    pub date: NaiveDate,
    /// SHA-256 of the packet's `packet.json`, which lists every file with its own SHA-256.
    pub packet_sha256: String,
    /// Files in the packet folder, relative to it.
    pub files: usize,
    /// Bytes of every file in the packet folder.
    pub bytes: u64,
    /// For e-mail packets: the size of the message(s) as sent, encoding included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded_bytes: Option<u64>,
    /// Number of messages (parts) an e-mail packet is split into.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub parts: usize,
    /// The newest date of the case's data the packet holds (labs, imaging, treatments,
    /// assessments): what a doctor who answers it saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_date: Option<NaiveDate>,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// The most characters a subject (or a server's reply, a failure's reason, an address, a
/// Message-ID) keeps in the ledger; a family's note keeps [`NOTE_LIMIT`]. Mail from strangers
/// can carry a 10 MB subject: kept whole, it would slow every later `status`.
pub const FIELD_LIMIT: usize = 1_000;
pub const NOTE_LIMIT: usize = 20_000;
/// What ends a text that was cut.
const CUT: &str = "… (cut)";

/// `text`, at most `limit` characters: longer, its first ones and "… (cut)".
pub fn cut(text: &str, limit: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(limit) {
        None => text.into(),
        Some(_) => {
            let keep = limit.saturating_sub(CUT.chars().count());
            let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            format!("{}{CUT}", &text[..end]).into()
        }
    }
}

impl Event {
    /// The event with every text from outside (mail, servers, the family's notes) within its
    /// limit. Applied to what is written and to what is read, so that a ledger written before
    /// the limits, or by hand, is read as quickly.
    pub fn bounded(mut self) -> Event {
        let bound = |text: &mut String, limit: usize| {
            if let std::borrow::Cow::Owned(shorter) = cut(text, limit) {
                *text = shorter;
            }
        };
        match &mut self.what {
            What::Built(_) => {}
            What::Sending(e) => bound(&mut e.subject, FIELD_LIMIT),
            What::Sent(e) => bound(&mut e.reply, FIELD_LIMIT),
            What::Failed(e) => bound(&mut e.reason, FIELD_LIMIT),
            What::Reply(e) => {
                bound(&mut e.message_id, FIELD_LIMIT);
                bound(&mut e.from, FIELD_LIMIT);
                bound(&mut e.subject, FIELD_LIMIT);
                if let Some(address) = &mut e.failed_address {
                    bound(address, FIELD_LIMIT);
                }
                if let Some(note) = &mut e.note {
                    bound(note, FIELD_LIMIT);
                }
            }
            What::Mark(e) => {
                bound(&mut e.note, NOTE_LIMIT);
                for asked in &mut e.asks_for {
                    bound(asked, FIELD_LIMIT);
                }
            }
        }
        self
    }
}

/// A ledger line that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// 1-based line number.
    pub line: usize,
    /// Why, in the interface language.
    pub reason: String,
}

impl Skipped {
    /// The line as a warning says it: `ledger.jsonl:3: not a JSON event (…) (skipped)`.
    pub fn describe(&self) -> String {
        tr!(
            "{file}:{line}: {reason} (skipped)",
            file = LEDGER_FILE,
            line = self.line,
            reason = self.reason
        )
    }
}

/// The ledger's events in file order (duplicates removed) and the lines that were skipped.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub events: Vec<Event>,
    pub skipped: Vec<Skipped>,
}

impl Ledger {
    /// The most recent `built` event for a contact.
    pub fn last_built(&self, contact: &str) -> Option<&Built> {
        self.events
            .iter()
            .filter_map(|e| match &e.what {
                What::Built(b) if b.contact == contact => Some((e.at, b)),
                _ => None,
            })
            .max_by_key(|(at, _)| *at)
            .map(|(_, b)| b)
    }
}

/// Reads the ledger's text. Never fails: what cannot be read is listed in [`Ledger::skipped`].
pub fn parse(text: &str) -> Ledger {
    let mut ledger = Ledger::default();
    let mut seen = std::collections::HashSet::new();
    let ends_complete = text.is_empty() || text.ends_with('\n');
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len().saturating_sub(1);
    for (index, line) in lines.iter().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let number = index + 1;
        match serde_json::from_str::<Event>(line) {
            Ok(event) => {
                if seen.insert(line.to_string()) {
                    ledger.events.push(event.bounded());
                }
            }
            Err(e) => ledger.skipped.push(Skipped {
                line: number,
                reason: if index == last && !ends_complete {
                    tr!("the last line is incomplete (the write was interrupted)")
                } else if serde_json::from_str::<serde_json::Value>(line).is_ok() {
                    tr!("an event this version does not know ({error})", error = e)
                } else {
                    tr!("not a JSON event ({error})", error = e)
                },
            }),
        }
    }
    ledger
}

/// The line [`append`] writes for an event: JSON, no line break inside, every text within its
/// limit ([`Event::bounded`]).
pub fn line(event: &Event) -> String {
    let event = event.clone().bounded();
    let mut line = serde_json::to_string(&event).expect("events always serialize");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(contact: &str, at: &str, hash: &str) -> Event {
        Event {
            at: at.parse().unwrap(),
            what: What::Built(Built {
                contact: contact.into(),
                pack: "email".into(),
                date: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
                packet_sha256: hash.into(),
                files: 4,
                bytes: 1000,
                encoded_bytes: Some(1400),
                parts: 1,
                data_date: None,
            }),
        }
    }

    #[test]
    fn events_round_trip_one_line_each() {
        let event = built("zhongshan-liver", "2026-11-27T10:00:00Z", "ab");
        let text = line(&event);
        assert_eq!(text.matches('\n').count(), 1);
        assert!(
            text.starts_with(
                r#"{"at":"2026-11-27T10:00:00Z","event":"built","contact":"zhongshan-liver""#
            ),
            "{text}"
        );
        let ledger = parse(&text);
        assert_eq!(ledger.events, vec![event]);
        assert!(ledger.skipped.is_empty());
    }

    #[test]
    fn a_torn_last_line_is_reported_and_skipped() {
        let good = line(&built("a", "2026-11-27T10:00:00Z", "1"));
        let text = format!("{good}{}", &good[..good.len() / 2]);
        let ledger = parse(&text);
        assert_eq!(ledger.events.len(), 1);
        assert_eq!(ledger.skipped.len(), 1);
        assert_eq!(ledger.skipped[0].line, 2);
        assert!(ledger.skipped[0].reason.contains("interrupted"));
    }

    #[test]
    fn unknown_events_and_garbage_are_skipped_with_their_line() {
        let good = line(&built("a", "2026-11-27T10:00:00Z", "1"));
        let text = format!(
            "{{\"at\":\"2026-11-27T10:00:00Z\",\"event\":\"teleported\"}}\nnot json\n{good}"
        );
        let ledger = parse(&text);
        assert_eq!(ledger.events.len(), 1);
        let reasons: Vec<_> = ledger
            .skipped
            .iter()
            .map(|s| (s.line, s.reason.as_str()))
            .collect();
        assert_eq!(reasons[0].0, 1);
        assert!(reasons[0].1.contains("does not know"));
        assert_eq!(reasons[1].0, 2);
        assert!(reasons[1].1.contains("not a JSON event"));
    }

    #[test]
    fn long_texts_are_cut_when_written_and_when_read() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("回复回复回复回复回复回复", 10), "回复回… (cut)");
        assert_eq!(cut("回复回复回复回复回复回复", 10).chars().count(), 10);
        let reply = |subject: String| Event {
            at: "2026-11-28T10:00:00Z".parse().unwrap(),
            what: What::Reply(Reply {
                contact: "a".into(),
                kind: ReplyKind::Reply,
                message_id: "m@x".into(),
                from: "dr@x".into(),
                subject,
                date: "2026-11-28T09:00:00Z".parse().unwrap(),
                matched_by: "sender".into(),
                failed_address: None,
                saved: None,
                answer: None,
                note: None,
                mailbox: None,
            }),
        };
        let subject_of = |event: &Event| match &event.what {
            What::Reply(r) => r.subject.clone(),
            _ => unreachable!(),
        };
        let long = "回".repeat(3_000_000);
        let written = line(&reply(long.clone()));
        assert!(written.len() < 4_000, "{} bytes", written.len());
        // An old ledger, written before the limits, is cut as it is read.
        let old = format!("{}\n", serde_json::to_string(&reply(long)).unwrap());
        let ledger = parse(&old);
        let subject = subject_of(&ledger.events[0]);
        assert_eq!(subject.chars().count(), FIELD_LIMIT);
        assert!(subject.ends_with("… (cut)"));
        assert_eq!(parse(&written).events, ledger.events);
    }

    #[test]
    fn merged_copies_count_each_event_once_and_order_does_not_matter() {
        let older = line(&built("a", "2026-11-27T10:00:00Z", "old"));
        let newer = line(&built("a", "2026-11-28T10:00:00Z", "new"));
        let ledger = parse(&format!("{newer}{older}{newer}"));
        assert_eq!(ledger.events.len(), 2);
        assert_eq!(ledger.last_built("a").unwrap().packet_sha256, "new");
        assert!(ledger.last_built("b").is_none());
    }
}
