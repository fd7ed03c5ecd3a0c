//! The one way a message to a contact is put together — packet parts, follow-ups, and the size
//! `build` promises — so that what is measured is what is sent.

use super::mime::{Attachment, Mailbox, Message, content_type};
use crate::config::Sender;
use crate::contacts::Contact;
use crate::packet::FileEntry;

/// What a message says, apart from who sends it to whom.
#[derive(Debug, Clone)]
pub struct Draft {
    pub subject: String,
    pub body: String,
    pub attachments: Vec<FileEntry>,
    /// Message-IDs it answers, oldest first.
    pub references: Vec<String>,
}

/// A message from `sender` to the contact (its `email`, copied to its `cc`), with this
/// Message-ID and date.
pub fn compose(
    sender: &Sender,
    contact: &Contact,
    to: &str,
    draft: Draft,
    message_id: String,
    date: String,
) -> Message {
    let plain = |address: &String| Mailbox {
        name: None,
        address: address.clone(),
    };
    Message {
        from: Mailbox {
            name: Some(sender.name.clone()),
            address: sender.email.clone(),
        },
        reply_to: sender.reply_to.as_ref().map(plain),
        to: vec![plain(&to.to_string())],
        cc: contact.cc.iter().map(plain).collect(),
        subject: draft.subject,
        message_id,
        date,
        references: draft.references,
        body: draft.body,
        attachments: draft
            .attachments
            .iter()
            .map(|a| Attachment {
                file_name: a.file.clone(),
                content_type: content_type(&a.file),
                len: a.bytes,
            })
            .collect(),
    }
}

/// A new Message-ID: 128 random bits @ the sender's domain (never this machine's name).
pub fn new_message_id(sender: &Sender) -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the system has a random source");
    format!("{}@{}", crate::packet::store::hex(&bytes), domain(sender))
}

/// Now, as an RFC 5322 date with a two-digit day (every date has the same length).
pub fn now() -> String {
    chrono::Local::now()
        .format("%a, %d %b %Y %H:%M:%S %z")
        .to_string()
}

/// The size the message will have when sent: Message-IDs and dates have fixed lengths, so
/// stand-ins of those lengths give the exact size.
pub fn encoded_len(sender: &Sender, contact: &Contact, to: &str, draft: Draft) -> u64 {
    let id = format!("{}@{}", "0".repeat(32), domain(sender));
    let references = draft.references.len();
    let draft = Draft {
        references: vec![id.clone(); references],
        ..draft
    };
    compose(
        sender,
        contact,
        to,
        draft,
        id,
        "Mon, 01 Jan 2024 00:00:00 +0000".into(),
    )
    .encoded_len()
}

fn domain(sender: &Sender) -> &str {
    sender
        .email
        .rsplit_once('@')
        .map_or("localhost", |(_, d)| d)
}
