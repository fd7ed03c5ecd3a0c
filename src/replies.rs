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
use crate::ledger::{Ledger, MarkState, ReplyKind, What};
use crate::tracking;

/// Mail services anyone can have an address at: their domain says nothing about who writes.
const PUBLIC_DOMAINS: &[&str] = &[
    "qq.com",
    "foxmail.com",
    "163.com",
    "126.com",
    "188.com",
    "yeah.net",
    "netease.com",
    "sina.com",
    "sina.cn",
    "sohu.com",
    "139.com",
    "189.cn",
    "wo.cn",
    "21cn.com",
    "tom.com",
    "aliyun.com",
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "outlook.cn",
    "hotmail.com",
    "live.com",
    "live.cn",
    "msn.com",
    "yahoo.com",
    "yahoo.com.cn",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "mail.com",
    "zoho.com",
    "yandex.com",
];

/// Whether anyone can have an address at `domain` (a public service or one of its
/// subdomains, such as vip.163.com).
fn public_domain(domain: &str) -> bool {
    PUBLIC_DOMAINS
        .iter()
        .any(|p| domain == *p || domain.ends_with(&format!(".{p}")))
}

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
    /// From the ledger (messages sent, and sends the family marked) and the contacts (their
    /// addresses and tokens).
    pub fn new(ledger: &Ledger, contacts: &[&Contact], patient_id: &str) -> Self {
        let messages = tracking::messages(ledger);
        let mut ours = Ours::default();
        for m in &messages {
            ours.message_ids
                .insert(m.message_id.clone(), m.contact.clone());
        }
        for contact in contacts {
            ours.tokens.push((
                crate::packet::case_token(patient_id, &contact.id),
                contact.id.clone(),
            ));
            let sent = messages
                .iter()
                .filter(|m| m.contact == contact.id)
                .map(|m| m.at);
            let marked = ledger.events.iter().filter_map(|e| match &e.what {
                What::Mark(m) if m.contact == contact.id && m.state == MarkState::Sent => {
                    m.date.and_hms_opt(0, 0, 0).map(|d| d.and_utc())
                }
                _ => None,
            });
            let Some(first) = sent.chain(marked).min() else {
                continue;
            };
            for address in contact.email.iter().chain(&contact.cc) {
                let address = address.to_lowercase();
                if let Some((_, domain)) = address.rsplit_once('@')
                    && !public_domain(domain)
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
    /// `multipart/report`: its `report-type` (`delivery-status`, `disposition-notification`).
    pub report: Option<String>,
    /// From a mail system (MAILER-DAEMON, postmaster) or titled like a returned message.
    pub returned: bool,
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
        let report = message
            .content_type()
            .filter(|ct| {
                ct.ctype().eq_ignore_ascii_case("multipart")
                    && ct
                        .subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            })
            .map(|ct| {
                ct.attribute("report-type")
                    .unwrap_or_default()
                    .to_ascii_lowercase()
            });
        let from_address = from
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_lowercase();
        let subject = subject(message);
        let lower = subject.to_lowercase();
        let returned = from_address.starts_with("mailer-daemon@")
            || from_address.starts_with("postmaster@")
            || RETURNED_SUBJECTS.iter().any(|s| lower.contains(s));
        Headers {
            message_id: message.message_id().map(str::to_string),
            answers,
            from: from.and_then(|a| a.address()).map(str::to_lowercase),
            from_name: from.and_then(|a| a.name()).map(str::to_string),
            subject,
            date: message
                .date()
                .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
            automatic,
            report,
            returned,
        }
    }
}

/// The subject as its sender wrote it. Many Chinese mail programs still send it as raw GBK
/// bytes, with no encoded word: read as UTF-8 that is all replacement characters. Such a
/// subject is read in the message's own charset, then as GB18030 (of which GBK is a part);
/// only if neither fits are replacement characters left.
fn subject(message: &Message<'_>) -> String {
    let parsed = message.subject().unwrap_or_default();
    let raw = message
        .headers()
        .iter()
        .find(|h| matches!(h.name, mail_parser::HeaderName::Subject))
        .and_then(|h| {
            message
                .raw_message()
                .get(h.offset_start as usize..h.offset_end as usize)
        });
    let Some(raw) = raw.filter(|r| std::str::from_utf8(r).is_err() && !contains(r, b"=?")) else {
        return parsed.to_string();
    };
    let unfolded: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    let declared = message
        .content_type()
        .and_then(|ct| ct.attribute("charset"));
    declared
        .into_iter()
        .chain(["gb18030"])
        .filter_map(|label| encoding_rs::Encoding::for_label(label.trim().as_bytes()))
        .find_map(|encoding| {
            encoding
                .decode_without_bom_handling_and_without_replacement(&unfolded)
                .map(|text| text.trim().to_string())
        })
        .unwrap_or_else(|| parsed.to_string())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Subjects of returned mail, from systems that send no delivery status report.
const RETURNED_SUBJECTS: &[&str] = &[
    "undeliverable",
    "undelivered mail",
    "delivery status notification (failure)",
    "mail delivery failed",
    "returned mail",
    "delivery failure",
    "系统退信",
    "退信",
    "投递失败",
    "邮件无法投递",
];

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
        // An address several contacts share (an international office) decides nothing.
        let mut by_address = ours
            .addresses
            .iter()
            .filter(|(a, _, first)| a == from && after(first));
        if let (Some((_, contact, _)), None) = (by_address.next(), by_address.next()) {
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

/// A person's reply, or a machine's: a possible bounce (a delivery status report, or returned
/// mail without one — confirmed by [`bounce`]), an auto-reply by its headers or subject.
/// `None`: a report that is no answer at all (a read receipt).
pub fn kind(headers: &Headers) -> Option<ReplyKind> {
    let subject = headers.subject.to_lowercase();
    match headers.report.as_deref() {
        Some("delivery-status") => return Some(ReplyKind::Bounce),
        Some(_) => return None,
        None => {}
    }
    if headers.returned {
        Some(ReplyKind::Bounce)
    } else if headers.automatic || AUTO_SUBJECTS.iter().any(|s| subject.contains(s)) {
        Some(ReplyKind::AutoReply)
    } else {
        Some(ReplyKind::Reply)
    }
}

/// What a returned message says: the address that failed, the Message-ID of the message it
/// returns, every address its text mentions, and whether delivery failed for good (a delivery
/// status report's `Action: failed`; a "delayed" report is not a bounce).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bounce {
    pub failed_address: Option<String>,
    pub original: Option<String>,
    pub mentioned: Vec<String>,
    pub failed: bool,
}

pub fn bounce(message: &Message<'_>) -> Bounce {
    let mut out = Bounce::default();
    let mut saw_action = false;
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
                out.original = out.original.or_else(|| m.message_id().map(str::to_string));
                None
            }
            _ => None,
        };
        let Some(text) = text else { continue };
        for line in text.lines() {
            let lower = line.trim().to_ascii_lowercase();
            if lower.starts_with("final-recipient:") || lower.starts_with("original-recipient:") {
                let value = line.split_once(';').map(|(_, v)| v).unwrap_or(line);
                out.failed_address = out
                    .failed_address
                    .or_else(|| Some(value.trim().trim_matches(['<', '>']).to_lowercase()));
            }
            if let Some(action) = lower.strip_prefix("action:") {
                saw_action = true;
                out.failed |= action.trim().starts_with("failed");
            }
            for word in line.split(|c: char| c.is_whitespace() || "<>()[];,\"'".contains(c)) {
                if word.contains('@') && word.contains('.') {
                    out.mentioned.push(word.trim_matches('.').to_lowercase());
                }
            }
        }
        if subtype == "rfc822-headers" || subtype == "rfc822" {
            let headers = Headers::parse(text.as_bytes());
            out.original = out.original.or(headers.message_id);
        }
    }
    // Returned mail without a status report is taken at its word.
    if !saw_action {
        out.failed = true;
    }
    out
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
    ];
    /// Lines of a quoted message's header block.
    const HEADER_LINES: &[&str] = &[
        "sent:",
        "to:",
        "subject:",
        "date:",
        "cc:",
        "发送时间",
        "收件人",
        "主题",
        "日期",
        "时间",
    ];
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        let lower = trimmed.to_lowercase();
        let wrote = (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (trimmed.starts_with('在')
                && (trimmed.ends_with("写道：") || trimmed.ends_with("写道:")));
        // "From:" / "发件人:" begin quoted mail only when a header block follows.
        let header_block = (lower.starts_with("from:") || trimmed.starts_with("发件人"))
            && lines[i + 1..].iter().take(3).any(|next| {
                let next = next.trim().to_lowercase();
                HEADER_LINES.iter().any(|h| next.starts_with(h))
            });
        if wrote || header_block || *line == "-- " || STARTS.iter().any(|s| lower.starts_with(s)) {
            break;
        }
        if trimmed.starts_with('>') {
            continue;
        }
        kept.push(*line);
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
        return fallback.to_string();
    }
    // File systems take 255 bytes: shorten the stem, keep the extension.
    const MAX_BYTES: usize = 180;
    if cleaned.len() <= MAX_BYTES {
        return cleaned;
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if ext.len() <= 10 && !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (cleaned.as_str(), String::new()),
    };
    let mut short = String::new();
    for c in stem.chars() {
        if short.len() + c.len_utf8() + ext.len() > MAX_BYTES {
            break;
        }
        short.push(c);
    }
    short + &ext
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_gbk_subjects_are_read_as_chinese() {
        let (gbk, _, _) = encoding_rs::GBK.encode("回复：会诊资料已收到 [CP-1A2B]");
        let block = |content_type: &str| {
            let mut block = b"From: dr@zs.example\r\nSubject: ".to_vec();
            block.extend_from_slice(&gbk);
            block.extend_from_slice(format!("\r\n{content_type}\r\n").as_bytes());
            block
        };
        // The message's own charset, and none at all (GB18030 then).
        for content_type in [
            "Content-Type: text/plain; charset=\"GBK\"",
            "Content-Type: text/plain",
        ] {
            let headers = Headers::parse(&block(content_type));
            assert_eq!(headers.subject, "回复：会诊资料已收到 [CP-1A2B]");
        }
        // A returned-mail subject in GBK is seen as one.
        let (bounce, _, _) = encoding_rs::GBK.encode("系统退信");
        let mut block = b"From: mx@example.cn\r\nSubject: ".to_vec();
        block.extend_from_slice(&bounce);
        block.extend_from_slice(b"\r\n\r\n");
        assert!(Headers::parse(&block).returned);
        // UTF-8 and encoded words are as before.
        let headers = Headers::parse("Subject: =?UTF-8?B?5Lya6K+K?= 意见\r\n\r\n".as_bytes());
        assert_eq!(headers.subject, "会诊 意见");
    }

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
        let k = |text: &str| kind(&headers(text));
        assert_eq!(
            k("Auto-Submitted: auto-replied\nSubject: Re: x\n\n"),
            Some(ReplyKind::AutoReply)
        );
        assert_eq!(
            k("Auto-Submitted: no\nSubject: Re: x\n\n"),
            Some(ReplyKind::Reply)
        );
        assert_eq!(
            k("Subject: =?UTF-8?B?6Ieq5Yqo5Zue5aSN77ya?= x\n\n"),
            Some(ReplyKind::AutoReply),
            "自动回复："
        );
        assert_eq!(
            k("Subject: Out of Office: back on Monday\n\n"),
            Some(ReplyKind::AutoReply)
        );
        assert_eq!(
            k(
                "Content-Type: multipart/report; report-type=delivery-status; boundary=b\nSubject: Undelivered\n\n"
            ),
            Some(ReplyKind::Bounce)
        );
        assert_eq!(
            k(
                "Content-Type: multipart/report; report-type=disposition-notification; boundary=b\nSubject: Read: x\n\n"
            ),
            None,
            "a read receipt is no answer"
        );
        assert_eq!(
            k("From: postmaster@hospital.cn\nSubject: 系统退信\n\n"),
            Some(ReplyKind::Bounce)
        );
    }

    #[test]
    fn a_delayed_delivery_report_is_not_a_bounce() {
        let report = |action: &str| {
            format!(
                "From: MAILER-DAEMON@mx.example.net\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"d\"\r\n\r\n--d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; dr@hospital.cn\r\nAction: {action}\r\n--d--\r\n"
            )
        };
        let delayed = report("delayed");
        let message = MessageParser::default().parse(delayed.as_bytes()).unwrap();
        assert!(!bounce(&message).failed);
        let failed = report("failed");
        let message = MessageParser::default().parse(failed.as_bytes()).unwrap();
        let b = bounce(&message);
        assert!(b.failed);
        assert_eq!(b.failed_address.as_deref(), Some("dr@hospital.cn"));
    }

    #[test]
    fn public_services_and_shared_addresses_decide_nothing() {
        assert!(
            public_domain("vip.163.com")
                && public_domain("qq.com")
                && !public_domain("zs-hospital.cn")
        );
        let mut shared = ours();
        let when: DateTime<Utc> = "2026-11-27T10:00:00Z".parse().unwrap();
        shared.addresses.push((
            "dr.li@zs-hospital.cn".into(),
            "zhongshan-transplant".into(),
            when,
        ));
        shared
            .domains
            .push(("zs-hospital.cn".into(), "zhongshan-transplant".into(), when));
        let sender = headers(
            "From: dr.li@zs-hospital.cn\nSubject: hello\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n\n",
        );
        assert_eq!(
            match_message(&sender, &shared),
            None,
            "two contacts share the address"
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
        let from_in_text = "From: the MRI, we think resection is possible.\nPlease come.";
        assert_eq!(
            strip_quoted(from_in_text),
            from_in_text,
            "not a header block"
        );
        let forwarded = "My view is below.\nFrom: Dr. Li\nSent: Monday\nTo: family\nSubject: x";
        assert_eq!(strip_quoted(forwarded), "My view is below.");
    }

    #[test]
    fn attachment_names_cannot_climb_out() {
        assert_eq!(safe_file_name("../../etc/passwd", "x"), "_.._etc_passwd");
        assert_eq!(safe_file_name("报告.pdf", "x"), "报告.pdf");
        assert_eq!(safe_file_name("", "attachment-1"), "attachment-1");
        let long = format!("{}.pdf", "会诊意见".repeat(40));
        let short = safe_file_name(&long, "x");
        assert!(short.len() <= 180 && short.ends_with(".pdf"), "{short}");
    }
}
