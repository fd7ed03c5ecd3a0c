//! What happened to each message, derived from the ledger alone (pure). Events may come in any
//! order (two family members' merged copies) and twice; a message whose `sending` has no answer
//! is *unknown* — the program may have died while the server had it — never unsent.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Serialize, Serializer};

use crate::contacts::Contact;
use crate::ledger::{Answer, Event, FailedOutcome, Ledger, MarkState, ReplyKind, What};
use crate::packet::Pack;
use crate::text::Lang;
use crate::tr_in;

/// How a message ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        at: DateTime<Utc>,
        reply: String,
    },
    NotSent {
        reason: String,
    },
    /// Handed over (or about to be) and then no word: look in the Sent folder.
    Unknown {
        reason: Option<String>,
    },
}

/// One message we sent or tried to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub message_id: String,
    pub contact: String,
    pub packet_sha256: String,
    /// The packet's identity (what it sends), when the ledger recorded it.
    pub packet_identity: Option<String>,
    pub part: usize,
    pub of: usize,
    pub to: Vec<String>,
    pub subject: String,
    /// When the attempt began.
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    /// A follow-up of this earlier message (not a packet).
    pub followup_of: Option<String>,
}

/// Every message in the ledger, oldest first.
pub fn messages(ledger: &Ledger) -> Vec<Message> {
    let mut events: Vec<&Event> = ledger.events.iter().collect();
    events.sort_by_key(|e| e.at);
    let mut out: Vec<Message> = Vec::new();
    // Each message found by its Message-ID at once: a ledger of many sends stays quick.
    let mut index: HashMap<&str, usize> = HashMap::new();
    for event in &events {
        if let What::Sending(s) = &event.what {
            if index.contains_key(s.message_id.as_str()) {
                continue;
            }
            index.insert(&s.message_id, out.len());
            out.push(Message {
                message_id: s.message_id.clone(),
                contact: s.contact.clone(),
                packet_sha256: s.packet_sha256.clone(),
                packet_identity: s.packet_identity.clone(),
                part: s.part,
                of: s.of,
                to: s.to.clone(),
                subject: s.subject.clone(),
                at: event.at,
                outcome: Outcome::Unknown { reason: None },
                followup_of: s.followup_of.clone(),
            });
        }
    }
    // A sent event wins over a failure of the same message (a retry that got through).
    for event in &events {
        match &event.what {
            What::Sent(s) => {
                if let Some(&i) = index.get(s.message_id.as_str()) {
                    out[i].outcome = Outcome::Sent {
                        at: event.at,
                        reply: s.reply.clone(),
                    };
                }
            }
            What::Failed(f) => {
                if let Some(m) = index
                    .get(f.message_id.as_str())
                    .map(|&i| &mut out[i])
                    .filter(|m| !matches!(m.outcome, Outcome::Sent { .. }))
                {
                    m.outcome = match f.outcome {
                        FailedOutcome::NotSent => Outcome::NotSent {
                            reason: f.reason.clone(),
                        },
                        FailedOutcome::Unknown => Outcome::Unknown {
                            reason: Some(f.reason.clone()),
                        },
                    };
                }
            }
            _ => {}
        }
    }
    // The family confirmed by hand (`mark ID sent`) that what was unknown arrived: the first
    // such mark at or after the attempt.
    let mut marked: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    for event in &events {
        if let What::Mark(m) = &event.what
            && m.state == MarkState::Sent
        {
            marked.entry(&m.contact).or_default().push(event.at);
        }
    }
    for message in &mut out {
        if !matches!(message.outcome, Outcome::Unknown { .. }) {
            continue;
        }
        let times = marked
            .get(message.contact.as_str())
            .map_or(&[][..], Vec::as_slice);
        if let Some(&at) = times.get(times.partition_point(|t| *t < message.at)) {
            message.outcome = Outcome::Sent {
                at,
                reply: "confirmed by the family".to_string(),
            };
        }
    }
    out
}

impl Message {
    /// Which packet the message carried: its identity, or for a message recorded before
    /// identities were, its packet.json's SHA-256.
    pub fn packet_key(&self) -> &str {
        self.packet_identity
            .as_deref()
            .unwrap_or(&self.packet_sha256)
    }

    /// Whether the message carried `packet`: the same bytes sent, whatever settings it was
    /// built with.
    pub fn carries(&self, packet: &PacketId) -> bool {
        self.packet_identity.as_deref() == Some(packet.identity.as_str())
            || self.packet_sha256 == packet.sha256
    }
}

/// A packet as the ledger knows it: its packet.json's SHA-256 and its identity (what it sends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketId {
    pub sha256: String,
    pub identity: String,
}

/// Whether part `part` of a packet may be sent to a contact now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartDecision {
    /// Never tried, or certainly not delivered.
    Send,
    /// Delivered `copies` times, first at `at`; only `--resend` sends it again.
    AlreadySent { at: DateTime<Utc>, copies: usize },
    /// An earlier attempt may have arrived; only `--resend` sends again.
    Unknown { at: DateTime<Utc> },
}

pub fn part_decision(
    messages: &[Message],
    contact: &str,
    packet: &PacketId,
    part: usize,
) -> PartDecision {
    let earlier = messages.iter().filter(|m| {
        m.contact == contact && m.carries(packet) && m.part == part && m.followup_of.is_none()
    });
    let mut sent: Option<(DateTime<Utc>, usize)> = None;
    let mut unknown = None;
    for m in earlier {
        match m.outcome {
            Outcome::Sent { at, .. } => {
                sent = Some(sent.map_or((at, 1), |(first, n)| (first.min(at), n + 1)));
            }
            Outcome::Unknown { .. } => unknown = Some(m.at),
            Outcome::NotSent { .. } => {}
        }
    }
    match (sent, unknown) {
        (Some((at, copies)), _) => PartDecision::AlreadySent { at, copies },
        (None, Some(at)) => PartDecision::Unknown { at },
        (None, None) => PartDecision::Send,
    }
}

/// Where things stand with a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    NotBuilt,
    Built,
    /// An attempt to send failed; nothing was sent.
    Failed,
    /// Sent or submitted; waiting for an answer.
    Sent,
    /// It is not known whether the message arrived.
    Unknown,
    AutoReply,
    Bounced,
    /// They wrote that the packet arrived, without an answer yet: reminders go on.
    Acknowledged,
    Replied,
    Declined,
    Appointment,
    /// The family gave up waiting.
    NoReply,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::NotBuilt => "not built",
            State::Built => "built",
            State::Failed => "failed",
            State::Sent => "sent",
            State::Unknown => "unknown",
            State::AutoReply => "auto-reply",
            State::Bounced => "bounced",
            State::Acknowledged => "acknowledged",
            State::Replied => "replied",
            State::Declined => "declined",
            State::Appointment => "appointment",
            State::NoReply => "no reply",
        }
    }
}

impl State {
    /// The state in the reader's language, for documents.
    pub fn label(self, lang: crate::text::Lang) -> &'static str {
        let zh = match self {
            State::NotBuilt => "未生成",
            State::Built => "已生成",
            State::Failed => "发送失败",
            State::Sent => "已发出",
            State::Unknown => "不确定是否送达",
            State::AutoReply => "自动回复",
            State::Bounced => "退信",
            State::Acknowledged => "已确认收到",
            State::Replied => "已回复",
            State::Declined => "不接诊",
            State::Appointment => "已预约",
            State::NoReply => "未回复",
        };
        lang.pick(zh, self.name())
    }
}

/// When and how the packet went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentInfo {
    pub date: NaiveDate,
    /// The packet sent (SHA-256 of its packet.json); `None` when the family marked it sent.
    pub packet_sha256: Option<String>,
    pub message_id: Option<String>,
}

/// The answer that decided the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyInfo {
    pub date: NaiveDate,
    pub from: String,
    pub subject: String,
    /// Recorded by the family with `mark` (`from` says "(marked)"), not received by e-mail.
    #[serde(skip)]
    pub marked: bool,
}

/// One row of `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactStatus {
    pub contact: String,
    pub institution: String,
    pub channel: String,
    pub language: String,
    pub state: State,
    pub built: Option<NaiveDate>,
    pub sent: Option<SentInfo>,
    /// The last follow-up that went out.
    pub followed_up: Option<NaiveDate>,
    /// Days since the packet went out, while waiting for an answer.
    pub days_waiting: Option<i64>,
    pub reply: Option<ReplyInfo>,
    /// The family's latest note (`mark --note`), or why a send failed.
    pub note: Option<String>,
    pub next_action: NextAction,
}

/// What the family should do next about a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextAction {
    Build,
    Send,
    /// Hand in a pack that is not e-mailed, then say so with `mark`.
    Submit {
        pack: Pack,
        contact: String,
    },
    /// Find out whether a message whose fate is unknown arrived.
    FindOut {
        contact: String,
    },
    CheckAddress,
    /// Waited long enough: a follow-up is due.
    FollowUp {
        days: i64,
    },
    /// Waiting, `quiet` of `of` days since the packet or the last follow-up.
    Wait {
        quiet: Option<i64>,
        of: u32,
    },
    ReadReply,
    PrepareAppointment,
    Nothing,
}

impl NextAction {
    /// The advice in `lang`: the interface's in the table, English in `--json`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            NextAction::Build => tr_in!(lang, "build"),
            NextAction::Send => tr_in!(lang, "send"),
            NextAction::Submit { pack, contact } => tr_in!(
                lang,
                "submit the {pack} pack, then `mark {contact} sent`",
                pack = pack.name(),
                contact
            ),
            NextAction::FindOut { contact } => tr_in!(
                lang,
                "find out whether it arrived (ask the hospital first); then `mark {contact} sent` if it did, `send {contact} --resend` if it did not",
                contact
            ),
            NextAction::CheckAddress => tr_in!(
                lang,
                "check the e-mail address in contacts.toml, then send again"
            ),
            NextAction::FollowUp { days } => {
                tr_in!(lang, "follow up: {days} days without reply", days)
            }
            NextAction::Wait {
                quiet: Some(quiet),
                of,
            } => tr_in!(lang, "wait ({quiet} of {of} days)", quiet, of),
            NextAction::Wait { quiet: None, .. } => tr_in!(lang, "wait"),
            NextAction::ReadReply => tr_in!(lang, "read the reply (`opinions`)"),
            NextAction::PrepareAppointment => tr_in!(lang, "prepare for the appointment"),
            NextAction::Nothing => "—".to_string(),
        }
    }
}

/// `--json` says it in English.
impl Serialize for NextAction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text(Lang::En))
    }
}

/// The status of each contact from the ledger, as of `today`.
pub fn status(ledger: &Ledger, contacts: &[&Contact], today: NaiveDate) -> Vec<ContactStatus> {
    let messages = messages(ledger);
    let by_id: HashMap<&str, &Message> = messages
        .iter()
        .map(|m| (m.message_id.as_str(), m))
        .collect();
    let mut events: Vec<&Event> = ledger.events.iter().collect();
    events.sort_by_key(|e| e.at);
    contacts
        .iter()
        .map(|contact| contact_status(contact, &events, &by_id, today))
        .collect()
}

fn contact_status(
    contact: &Contact,
    events: &[&Event],
    messages: &HashMap<&str, &Message>,
    today: NaiveDate,
) -> ContactStatus {
    // In the order things happened: a mark on the day it says, other events when recorded.
    let mut mine: Vec<&Event> = events
        .iter()
        .copied()
        .filter(|e| e.what.contact() == contact.id)
        .collect();
    mine.sort_by_key(|e| match &e.what {
        What::Mark(m) => (m.date, e.at),
        _ => (local_date(e.at), e.at),
    });
    let mut state = State::NotBuilt;
    let mut built = None;
    let mut sent: Option<SentInfo> = None;
    // Which packet `sent` is (its identity, or packet.json's SHA-256 for older events).
    let mut sent_packet: Option<String> = None;
    let mut followed_up = None;
    // The last acknowledgement: the wait for an answer starts again from it.
    let mut acknowledged: Option<NaiveDate> = None;
    let mut reply = None;
    let mut note = None;
    for event in mine {
        match &event.what {
            What::Built(b) => {
                built = Some(b.date);
                if matches!(state, State::NotBuilt | State::Failed) {
                    state = State::Built;
                }
            }
            What::Sending(s) => {
                let Some(message) = messages.get(s.message_id.as_str()) else {
                    continue;
                };
                if message.followup_of.is_some() {
                    if let Outcome::Sent { at, .. } = message.outcome {
                        followed_up = Some(local_date(at));
                    }
                    continue;
                }
                let info = |date| SentInfo {
                    date,
                    packet_sha256: Some(message.packet_sha256.clone()),
                    message_id: Some(message.message_id.clone()),
                };
                match &message.outcome {
                    Outcome::Sent { at, .. } => {
                        // A later part of the same packet keeps the date the packet went out.
                        let same_packet = sent_packet.as_deref() == Some(message.packet_key());
                        if !same_packet || message.part == 1 {
                            sent = Some(info(local_date(*at)));
                            sent_packet = Some(message.packet_key().to_string());
                        }
                        if !is_answered(state) && state != State::Failed {
                            state = State::Sent;
                        }
                    }
                    Outcome::Unknown { reason } => {
                        if !is_answered(state) {
                            state = State::Unknown;
                            sent = Some(info(local_date(message.at)));
                            sent_packet = Some(message.packet_key().to_string());
                            note = reason.clone();
                        }
                    }
                    Outcome::NotSent { reason } => {
                        // A part of the packet that went out was not sent: the packet is
                        // incomplete until it is.
                        let part_of_sent = sent_packet.as_deref() == Some(message.packet_key());
                        if matches!(state, State::NotBuilt | State::Built | State::Failed)
                            || (state == State::Sent && part_of_sent)
                        {
                            state = State::Failed;
                            note = Some(if message.of > 1 {
                                format!(
                                    "part {} of {} was not sent: {reason}",
                                    message.part, message.of
                                )
                            } else {
                                reason.clone()
                            });
                        }
                    }
                }
            }
            What::Reply(r) => {
                let (new, counts) = match (r.kind, r.answer) {
                    (ReplyKind::Reply, Some(Answer::Acknowledged)) => {
                        acknowledged = Some(local_date(r.date));
                        (State::Acknowledged, !is_answered(state))
                    }
                    (ReplyKind::Reply, _) => (State::Replied, true),
                    (ReplyKind::AutoReply, _) => (State::AutoReply, !is_answered(state)),
                    (ReplyKind::Bounce, _) => (State::Bounced, !is_answered(state)),
                };
                if counts {
                    state = new;
                    reply = Some(ReplyInfo {
                        date: local_date(r.date),
                        from: r.from.clone(),
                        subject: r.subject.clone(),
                        marked: false,
                    });
                    if let Some(address) = &r.failed_address {
                        note = Some(format!("bounced: {address}"));
                    }
                }
            }
            What::Mark(m) => {
                if !m.note.is_empty() {
                    note = Some(m.note.clone());
                }
                match m.state {
                    MarkState::Sent => {
                        if sent.is_none() || state == State::Unknown || !is_answered(state) {
                            sent = Some(SentInfo {
                                date: m.date,
                                packet_sha256: None,
                                message_id: None,
                            });
                            sent_packet = None;
                        }
                        // Marking sent does not undo an answer already recorded.
                        if !is_answered(state) {
                            state = State::Sent;
                        }
                    }
                    MarkState::Replied => {
                        reply = Some(ReplyInfo {
                            date: m.date,
                            from: "(marked)".into(),
                            subject: m.note.clone(),
                            marked: true,
                        });
                        state = State::Replied;
                    }
                    MarkState::Acknowledged => {
                        acknowledged = Some(m.date);
                        reply = Some(ReplyInfo {
                            date: m.date,
                            from: "(marked)".into(),
                            subject: m.note.clone(),
                            marked: true,
                        });
                        state = State::Acknowledged;
                    }
                    MarkState::Declined => state = State::Declined,
                    MarkState::Appointment => state = State::Appointment,
                    MarkState::NoReply => state = State::NoReply,
                }
            }
            What::Sent(_) | What::Failed(_) => {}
        }
    }
    let waiting = matches!(
        state,
        State::Sent | State::AutoReply | State::Unknown | State::Acknowledged
    );
    // A send recorded after the `--today` date being used counts as today.
    let days_since = |date: NaiveDate| (today - date).num_days().max(0);
    let days_waiting = sent
        .as_ref()
        .filter(|_| waiting)
        .map(|s| days_since(s.date));
    // A follow-up, or an acknowledgement, restarts the clock for the next one.
    let quiet_days = sent.as_ref().filter(|_| waiting).map(|s| {
        let since = [followed_up, acknowledged].into_iter().flatten().max();
        days_since(since.map_or(s.date, |f| f.max(s.date)))
    });
    let pack = Pack::for_channel(contact.channel);
    let next_action = match state {
        State::NotBuilt => NextAction::Build,
        State::Built | State::Failed if pack == Pack::Email => NextAction::Send,
        State::Built | State::Failed => NextAction::Submit {
            pack,
            contact: contact.id.clone(),
        },
        State::Unknown => NextAction::FindOut {
            contact: contact.id.clone(),
        },
        State::Bounced => NextAction::CheckAddress,
        State::Sent | State::AutoReply | State::Acknowledged => match (days_waiting, quiet_days) {
            (Some(days), Some(quiet)) if quiet >= i64::from(contact.follow_up_days) => {
                NextAction::FollowUp { days }
            }
            (_, quiet) => NextAction::Wait {
                quiet,
                of: contact.follow_up_days,
            },
        },
        State::Replied => NextAction::ReadReply,
        State::Appointment => NextAction::PrepareAppointment,
        State::Declined | State::NoReply => NextAction::Nothing,
    };
    ContactStatus {
        contact: contact.id.clone(),
        institution: contact.institution.best(contact.language).to_string(),
        channel: contact.channel.to_string(),
        language: contact.language.code().to_string(),
        state,
        built,
        sent,
        followed_up,
        days_waiting,
        reply,
        note,
        next_action,
    }
}

/// The day a moment falls on where the family is (days waiting are counted in local days).
fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono::Local).date_naive()
}

/// A person answered: later auto-replies and bounces do not undo that.
fn is_answered(state: State) -> bool {
    matches!(state, State::Replied | State::Declined | State::Appointment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Failed, Sending, Sent, line, parse};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn sending(id: &str, when: &str) -> Event {
        Event {
            at: at(when),
            what: What::Sending(Sending {
                contact: "c".into(),
                message_id: id.into(),
                packet_sha256: "p".into(),
                packet_identity: None,
                part: 1,
                of: 1,
                to: vec!["dr@example.org".into()],
                cc: vec![],
                subject: "s".into(),
                bytes: 10,
                followup_of: None,
            }),
        }
    }

    fn text(events: &[Event]) -> String {
        events.iter().map(line).collect()
    }

    #[test]
    fn a_sending_without_an_answer_is_unknown_and_blocks_a_plain_resend() {
        let ledger = parse(&text(&[sending("m1", "2026-11-27T10:00:00Z")]));
        let messages = messages(&ledger);
        assert_eq!(messages[0].outcome, Outcome::Unknown { reason: None });
        let packet = |sha256: &str| PacketId {
            sha256: sha256.into(),
            identity: "i".into(),
        };
        assert!(matches!(
            part_decision(&messages, "c", &packet("p"), 1),
            PartDecision::Unknown { .. }
        ));
        assert_eq!(
            part_decision(&messages, "c", &packet("other"), 1),
            PartDecision::Send
        );
    }

    #[test]
    fn out_of_order_and_duplicated_events_give_the_same_story() {
        let events = [
            sending("m1", "2026-11-27T10:00:00Z"),
            Event {
                at: at("2026-11-27T10:00:05Z"),
                what: What::Failed(Failed {
                    contact: "c".into(),
                    message_id: "m1".into(),
                    reason: "451".into(),
                    outcome: FailedOutcome::NotSent,
                }),
            },
            sending("m2", "2026-11-27T11:00:00Z"),
            Event {
                at: at("2026-11-27T11:00:02Z"),
                what: What::Sent(Sent {
                    contact: "c".into(),
                    message_id: "m2".into(),
                    reply: "OK queued".into(),
                }),
            },
        ];
        let forward = messages(&parse(&text(&events)));
        let mut reversed_events = events.to_vec();
        reversed_events.reverse();
        reversed_events.push(events[0].clone());
        let reversed = messages(&parse(&text(&reversed_events)));
        assert_eq!(forward, reversed);
        assert!(matches!(forward[0].outcome, Outcome::NotSent { .. }));
        assert!(matches!(forward[1].outcome, Outcome::Sent { .. }));
        let packet = PacketId {
            sha256: "p".into(),
            identity: "i".into(),
        };
        assert!(matches!(
            part_decision(&forward, "c", &packet, 1),
            PartDecision::AlreadySent { copies: 1, .. }
        ));
    }

    fn lines(lines: &[&str]) -> Ledger {
        parse(&(lines.join("\n") + "\n"))
    }

    fn zhongshan_status(ledger: &Ledger, today: &str) -> ContactStatus {
        let contacts = crate::packet::tests::contacts();
        let contact = contacts.get("zhongshan-liver").unwrap();
        status(ledger, &[contact], today.parse().unwrap()).remove(0)
    }

    const SENDING: &str = r#"{"at":"2026-11-01T10:00:00Z","event":"sending","contact":"zhongshan-liver","message_id":"p1@x","packet_sha256":"P","part":1,"of":2,"to":["a@b.org"],"subject":"s","bytes":1}"#;
    const SENT: &str = r#"{"at":"2026-11-01T10:00:05Z","event":"sent","contact":"zhongshan-liver","message_id":"p1@x","reply":"ok"}"#;

    #[test]
    fn a_part_that_failed_after_the_first_went_out_leaves_the_packet_failed() {
        let ledger = lines(&[
            SENDING,
            SENT,
            r#"{"at":"2026-11-01T10:01:00Z","event":"sending","contact":"zhongshan-liver","message_id":"p2@x","packet_sha256":"P","part":2,"of":2,"to":["a@b.org"],"subject":"s","bytes":1}"#,
            r#"{"at":"2026-11-01T10:01:05Z","event":"failed","contact":"zhongshan-liver","message_id":"p2@x","reason":"552 too large","outcome":"not-sent"}"#,
        ]);
        let row = zhongshan_status(&ledger, "2026-11-20");
        assert_eq!(row.state, State::Failed);
        assert!(row.note.unwrap().contains("part 2 of 2 was not sent"));
    }

    #[test]
    fn a_follow_up_restarts_the_clock_for_the_next() {
        let followup = r#"{"at":"2026-11-20T10:00:00Z","event":"sending","contact":"zhongshan-liver","message_id":"f1@x","packet_sha256":"P","part":1,"of":1,"to":["a@b.org"],"subject":"Re: s","bytes":1,"followup_of":"p1@x"}"#;
        let followup_sent = r#"{"at":"2026-11-20T10:00:05Z","event":"sent","contact":"zhongshan-liver","message_id":"f1@x","reply":"ok"}"#;
        let before = zhongshan_status(&lines(&[SENDING, SENT]), "2026-11-21");
        assert_eq!(before.next_action, NextAction::FollowUp { days: 20 });
        let after = zhongshan_status(
            &lines(&[SENDING, SENT, followup, followup_sent]),
            "2026-11-21",
        );
        let wait = after.next_action.text(Lang::En);
        assert!(wait.starts_with("wait (1 of"), "{wait}");
        assert_eq!(
            after.days_waiting,
            Some(20),
            "days waiting still count from the packet"
        );
    }

    #[test]
    fn marks_count_on_their_date_and_never_undo_an_answer() {
        // Recorded in the wrong order: the answer (30th) typed before the submission (20th).
        let ledger = lines(&[
            r#"{"at":"2026-11-30T09:00:00Z","event":"mark","contact":"zhongshan-liver","state":"replied","note":"phone call","date":"2026-11-30"}"#,
            r#"{"at":"2026-11-30T09:05:00Z","event":"mark","contact":"zhongshan-liver","state":"sent","note":"","date":"2026-11-20"}"#,
        ]);
        let row = zhongshan_status(&ledger, "2026-12-01");
        assert_eq!(row.state, State::Replied);
        // And a `mark sent` after an unknown send confirms it.
        let ledger = lines(&[
            SENDING,
            r#"{"at":"2026-11-02T09:00:00Z","event":"mark","contact":"zhongshan-liver","state":"sent","note":"they confirmed by phone","date":"2026-11-02"}"#,
        ]);
        assert!(matches!(messages(&ledger)[0].outcome, Outcome::Sent { .. }));
        assert_eq!(zhongshan_status(&ledger, "2026-11-03").state, State::Sent);
    }
}
