//! What came back, decided from the message alone (pure): which contact it answers and how we
//! know, whether a person wrote it or a machine (auto-reply, bounce), and the reply's own words
//! without the quoted history.
//!
//! Matching, strongest first: `In-Reply-To`/`References` naming a Message-ID we sent (thread);
//! the sender's address being the contact's (sender), or — for hospital domains, never public
//! mail services — the contact's domain (domain), after we first wrote to them; the case token
//! `[CP-XXXX]` in the subject (token).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mail_parser::{Message, MessageParser, MimeHeaders};

use crate::contacts::Contact;
use crate::ledger::ReplyKind;
use crate::tracking;

/// Mail services anyone can have an address at: their domain says nothing about who writes.
const PUBLIC_DOMAINS: &[&str] = &[
    "qq.com",
    "foxmail.com",
    "163.com",
    "126.com",
    "yeah.net",
    "sina.com",
    "sohu.com",
    "139.com",
    "aliyun.com",
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "example.org",
    "example.com",
];

/// What we know of the messages we sent, to match replies against.
#[derive(Debug, Clone, Default)]
pub struct Ours {
    /// Our Message-IDs → contact.
    pub message_ids: HashMap<String, String>,
    /// Case tokens (`CP-XXXX`) → contact.
    pub tokens: Vec<(String, String)>,
    /// Addresses (lower case) → contact, with when we first wrote to them.
    pub addresses: Vec<(String, String, DateTime<Utc>)>,
    /// Hospital domains → contact, with when we first wrote to them.
    pub domains: Vec<(String, String, DateTime<Utc>)>,
}

impl Ours {
    /// From the messages sent (the ledger) and the contacts (their addresses and tokens).
    pub fn new(messages: &[tracking::Message], contacts: &[&Contact], patient_id: &str) -> Self {
        let mut ours = Ours::default();
        for m in messages {
            ours.message_ids
                .insert(m.message_id.clone(), m.contact.clone());
        }
        for contact in contacts {
            ours.tokens.push((
                crate::packet::case_token(patient_id, &contact.id),
                contact.id.clone(),
            ));
            let Some(first) = messages
                .iter()
                .filter(|m| m.contact == contact.id)
                .map(|m| m.at)
                .min()
            else {
                continue;
            };
            for address in contact.email.iter().chain(&contact.cc) {
                let address = address.to_lowercase();
                if let Some((_, domain)) = address.rsplit_once('@')
                    && !PUBLIC_DOMAINS.contains(&domain)
                {
                    ours.domains
                        .push((domain.to_string(), contact.id.clone(), first));
                }
                ours.addresses.push((address, contact.id.clone(), first));
            }
        }
        ours
    }
}

/// The headers that decide a match, read from a message's header block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    pub message_id: Option<String>,
    /// In-Reply-To and References together.
    pub answers: Vec<String>,
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    /// Auto-Submitted other than `no`, X-Autoreply, X-Autorespond, Precedence auto_reply.
    pub automatic: bool,
    /// `multipart/report` (a delivery status notification).
    pub report: bool,
}

impl Headers {
    pub fn parse(header_block: &[u8]) -> Headers {
        match MessageParser::default().parse_headers(header_block) {
            Some(message) => Self::of(&message),
            None => Headers::default(),
        }
    }

    pub fn of(message: &Message<'_>) -> Headers {
        let list = |value: &mail_parser::HeaderValue<'_>| -> Vec<String> {
            if let Some(list) = value.as_text_list() {
                list.iter()
                    .map(|s| s.trim_matches(['<', '>']).to_string())
                    .collect()
            } else if let Some(text) = value.as_text() {
                text.split_whitespace()
                    .map(|s| s.trim_matches(['<', '>']).to_string())
                    .collect()
            } else {
                Vec::new()
            }
        };
        let mut answers = list(message.in_reply_to());
        answers.extend(list(message.references()));
        let from = message.from().and_then(|a| a.first());
        let raw = |name: &str| {
            message
                .header_raw(name)
                .map(|v| v.trim().to_ascii_lowercase())
        };
        let automatic = raw("Auto-Submitted").is_some_and(|v| !v.starts_with("no"))
            || raw("X-Autoreply").is_some_and(|v| v.starts_with("yes") || v.starts_with("true"))
            || raw("X-Autorespond").is_some()
            || raw("Precedence").is_some_and(|v| v == "auto_reply");
        let report = message.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        });
        Headers {
            message_id: message.message_id().map(str::to_string),
            answers,
            from: from.and_then(|a| a.address()).map(str::to_lowercase),
            from_name: from.and_then(|a| a.name()).map(str::to_string),
            subject: message.subject().unwrap_or_default().to_string(),
            date: message
                .date()
                .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
            automatic,
            report,
        }
    }
}

/// Which contact a message answers, and how that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub contact: String,
    pub by: &'static str,
}

pub fn match_message(headers: &Headers, ours: &Ours) -> Option<Match> {
    if let Some(contact) = headers
        .answers
        .iter()
        .find_map(|id| ours.message_ids.get(id))
    {
        return Some(Match {
            contact: contact.clone(),
            by: "thread",
        });
    }
    // Dates come from other machines' clocks and have whole seconds: an hour's leeway.
    let after = |first: &DateTime<Utc>| {
        headers
            .date
            .is_none_or(|d| d >= *first - chrono::Duration::hours(1))
    };
    if let Some(from) = &headers.from {
        if let Some((_, contact, _)) = ours
            .addresses
            .iter()
            .find(|(a, _, first)| a == from && after(first))
        {
            return Some(Match {
                contact: contact.clone(),
                by: "sender",
            });
        }
        let domain = from.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        let mut by_domain = ours
            .domains
            .iter()
            .filter(|(d, _, first)| d == domain && after(first));
        if let (Some((_, contact, _)), None) = (by_domain.next(), by_domain.next()) {
            return Some(Match {
                contact: contact.clone(),
                by: "domain",
            });
        }
    }
    let subject = headers.subject.to_ascii_uppercase();
    ours.tokens
        .iter()
        .find(|(token, _)| {
            subject.contains(&format!("[{token}]")) || subject.contains(token.as_str())
        })
        .map(|(_, contact)| Match {
            contact: contact.clone(),
            by: "token",
        })
}

/// Subjects of out-of-office replies, in the languages the family's contacts write.
const AUTO_SUBJECTS: &[&str] = &[
    "out of office",
    "out of the office",
    "automatic reply",
    "auto-reply",
    "autoreply",
    "auto reply",
    "away from",
    "on vacation",
    "on leave",
    "自动回复",
    "自動回覆",
    "休假",
    "不在办公室",
    "外出",
    "假期",
];

/// A person's reply, or a machine's: auto-replies by their headers or subject.
pub fn kind(headers: &Headers) -> ReplyKind {
    let subject = headers.subject.to_lowercase();
    if headers.report {
        ReplyKind::Bounce
    } else if headers.automatic || AUTO_SUBJECTS.iter().any(|s| subject.contains(s)) {
        ReplyKind::AutoReply
    } else {
        ReplyKind::Reply
    }
}

/// A bounce's failed address and the Message-ID of the message it returns, from the delivery
/// status part (`Final-Recipient`) and the returned headers.
pub fn bounce(message: &Message<'_>) -> (Option<String>, Option<String>) {
    let mut failed = None;
    let mut original = None;
    for part in message.parts.iter() {
        let ct = part.content_type();
        let subtype = ct
            .and_then(|c| c.subtype())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let text = match &part.body {
            mail_parser::PartType::Text(t) => Some(t.to_string()),
            mail_parser::PartType::Binary(b) | mail_parser::PartType::InlineBinary(b) => {
                Some(String::from_utf8_lossy(b).into_owned())
            }
            mail_parser::PartType::Message(m) => {
                original = original.or_else(|| m.message_id().map(str::to_string));
                None
            }
            _ => None,
        };
        let Some(text) = text else { continue };
        if subtype == "delivery-status" || text.contains("Final-Recipient") {
            for line in text.lines() {
                let lower = line.to_ascii_lowercase();
                if lower.starts_with("final-recipient:") || lower.starts_with("original-recipient:")
                {
                    let value = line.split_once(';').map(|(_, v)| v).unwrap_or(line);
                    failed = failed
                        .or_else(|| Some(value.trim().trim_matches(['<', '>']).to_lowercase()));
                }
            }
        }
        if subtype == "rfc822-headers" || subtype == "rfc822" {
            let headers = Headers::parse(text.as_bytes());
            original = original.or(headers.message_id);
        }
    }
    (failed, original)
}

/// A reply's own words: everything before the quoted history and the signature.
pub fn strip_quoted(text: &str) -> String {
    const STARTS: &[&str] = &[
        "-----original message-----",
        "----- original message -----",
        "------------------ 原始邮件 ------------------",
        "------------------原始邮件------------------",
        "-------- 原始邮件 --------",
        "________________________________",
        "-----邮件原件-----",
        "发件人:",
        "发件人：",
        "from: ",
        "-- ",
    ];
    let mut kept = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        let lower = trimmed.to_lowercase();
        let wrote = (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (trimmed.starts_with('在')
                && (trimmed.ends_with("写道：") || trimmed.ends_with("写道:")));
        if wrote || STARTS.iter().any(|s| lower.starts_with(s) || line == "-- ") {
            break;
        }
        if trimmed.starts_with('>') {
            continue;
        }
        kept.push(line);
    }
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    kept.join("\n").trim().to_string()
}

/// An attachment's name made safe as a file name: no folders, no control characters.
pub fn safe_file_name(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        fallback.to_string()
    } else {
        cleaned.chars().take(120).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours() -> Ours {
        let when: DateTime<Utc> = "2026-11-27T10:00:00Z".parse().unwrap();
        Ours {
            message_ids: [(
                "abc@family.example".to_string(),
                "zhongshan-liver".to_string(),
            )]
            .into(),
            tokens: vec![("CP-1A2B".into(), "uwmc-liver".into())],
            addresses: vec![(
                "dr.li@zs-hospital.cn".into(),
                "zhongshan-liver".into(),
                when,
            )],
            domains: vec![("zs-hospital.cn".into(), "zhongshan-liver".into(), when)],
        }
    }

    fn headers(text: &str) -> Headers {
        Headers::parse(text.replace('\n', "\r\n").as_bytes())
    }

    #[test]
    fn threads_senders_domains_and_tokens_match_in_that_order() {
        let threaded = headers(
            "From: someone@else.org\nIn-Reply-To: <abc@family.example>\nSubject: Re: x\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n\n",
        );
        assert_eq!(match_message(&threaded, &ours()).unwrap().by, "thread");
        let sender = headers(
            "From: Dr Li <Dr.Li@zs-hospital.cn>\nSubject: about your father\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n\n",
        );
        assert_eq!(
            match_message(&sender, &ours()),
            Some(Match {
                contact: "zhongshan-liver".into(),
                by: "sender"
            })
        );
        let colleague = headers(
            "From: secretary@zs-hospital.cn\nSubject: appointment\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n\n",
        );
        assert_eq!(match_message(&colleague, &ours()).unwrap().by, "domain");
        let before = headers(
            "From: dr.li@zs-hospital.cn\nSubject: newsletter\nDate: Mon, 01 Jan 2024 10:00:00 +0000\n\n",
        );
        assert_eq!(
            match_message(&before, &ours()),
            None,
            "mail from before we wrote is not a reply"
        );
        let token = headers(
            "From: intake@uw.example.edu\nSubject: RE: Second opinion request [cp-1a2b]\n\n",
        );
        assert_eq!(
            match_message(&token, &ours()),
            Some(Match {
                contact: "uwmc-liver".into(),
                by: "token"
            })
        );
        let stranger = headers("From: spam@example.net\nSubject: offer\n\n");
        assert_eq!(match_message(&stranger, &ours()), None);
    }

    #[test]
    fn machines_are_told_from_people() {
        assert_eq!(
            kind(&headers("Auto-Submitted: auto-replied\nSubject: Re: x\n\n")),
            ReplyKind::AutoReply
        );
        assert_eq!(
            kind(&headers("Auto-Submitted: no\nSubject: Re: x\n\n")),
            ReplyKind::Reply
        );
        assert_eq!(
            kind(&headers("Subject: =?UTF-8?B?6Ieq5Yqo5Zue5aSN77ya?= x\n\n")),
            ReplyKind::AutoReply,
            "自动回复："
        );
        assert_eq!(
            kind(&headers("Subject: Out of Office: back on Monday\n\n")),
            ReplyKind::AutoReply
        );
        assert_eq!(
            kind(&headers(
                "Content-Type: multipart/report; report-type=delivery-status; boundary=b\nSubject: Undelivered\n\n"
            )),
            ReplyKind::Bounce
        );
    }

    #[test]
    fn quoted_history_and_signatures_are_stripped() {
        let english = "Thank you for the records.\nWe suggest a multidisciplinary review.\n\nOn Mon, 30 Nov 2026, Li wrote:\n> Dear doctor\n> our questions";
        assert_eq!(
            strip_quoted(english),
            "Thank you for the records.\nWe suggest a multidisciplinary review."
        );
        let chinese = "您好，资料已收到。\n建议来院面诊。\n\n------------------ 原始邮件 ------------------\n发件人: 李晓明\n尊敬的专家";
        assert_eq!(strip_quoted(chinese), "您好，资料已收到。\n建议来院面诊。");
        let outlook = "See below.\n-----Original Message-----\nFrom: x";
        assert_eq!(strip_quoted(outlook), "See below.");
        let signature = "Fine.\n-- \nDr. Demo";
        assert_eq!(strip_quoted(signature), "Fine.");
    }

    #[test]
    fn attachment_names_cannot_climb_out() {
        assert_eq!(safe_file_name("../../etc/passwd", "x"), "_.._etc_passwd");
        assert_eq!(safe_file_name("报告.pdf", "x"), "报告.pdf");
        assert_eq!(safe_file_name("", "attachment-1"), "attachment-1");
    }
}
