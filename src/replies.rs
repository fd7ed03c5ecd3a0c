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
use crate::ledger::{Answer, Ledger, MarkState, ReplyKind, What};
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
    /// The family's own addresses (lower case): the sender's, its Reply-To, the accounts'.
    pub own: Vec<String>,
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

    /// The family's own addresses, whose mail is never an answer.
    pub fn with_own<'a>(mut self, addresses: impl IntoIterator<Item = &'a str>) -> Self {
        self.own.extend(
            addresses
                .into_iter()
                .filter(|a| a.contains('@'))
                .map(str::to_lowercase),
        );
        self
    }

    /// Mail of our own: a message we sent (a `cc` to ourselves, a provider that files sent
    /// mail in the inbox), or one from the family's own address. Never a reply.
    pub fn is_ours(&self, headers: &Headers) -> bool {
        headers
            .message_id
            .as_ref()
            .is_some_and(|id| self.message_ids.contains_key(id))
            || headers
                .from
                .as_ref()
                .is_some_and(|from| self.own.contains(from))
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
    /// A header says a machine answered: Auto-Submitted other than `no`, X-Autoreply,
    /// X-Autorespond, Precedence auto_reply, X-Auto-Response-Suppress, or a provider's own
    /// marker ([`AUTOMATIC_HEADERS`]).
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
            || raw("Precedence").is_some_and(|v| v == "auto_reply")
            || raw("X-Autogenerated").is_some_and(|v| v.starts_with("reply"))
            || raw("X-Mailer").is_some_and(|v| v.contains("autoreply") || v.contains("auto-reply"))
            || AUTOMATIC_HEADERS
                .iter()
                .any(|name| raw(name).is_some_and(|v| !matches!(v.as_str(), "no" | "false" | "0")));
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

/// Headers that only auto-replies carry (any value but no/false/0): the standard ones and
/// those of Outlook/Exchange, Coremail (163, 126), QQ Mail and other providers.
const AUTOMATIC_HEADERS: &[&str] = &[
    "X-Autoreply",
    "X-Autorespond",
    "X-Auto-Response-Suppress",
    "X-Auto-Reply",
    "X-AutoReply-From",
    "X-Mail-Autoreply",
    "X-QQ-Autoreply",
    "X-Coremail-Autoreply",
];

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

/// A person's reply, or a machine's, as the headers tell: a possible bounce (a delivery
/// status report, or returned mail without one — confirmed by [`bounce`]), an auto-reply by
/// its headers. A subject that only reads like an auto-reply is decided by [`settle`], once the
/// message is matched and its text known. `None`: a report that is no answer at all (a read
/// receipt).
pub fn kind(headers: &Headers) -> Option<ReplyKind> {
    match headers.report.as_deref() {
        Some("delivery-status") => return Some(ReplyKind::Bounce),
        Some(_) => return None,
        None => {}
    }
    if headers.returned {
        Some(ReplyKind::Bounce)
    } else if headers.automatic {
        Some(ReplyKind::AutoReply)
    } else {
        Some(ReplyKind::Reply)
    }
}

/// The out-of-office phrase a subject holds, if any.
fn automatic_subject(headers: &Headers) -> Option<&'static str> {
    let subject = headers.subject.to_lowercase();
    AUTO_SUBJECTS
        .iter()
        .find(|phrase| subject.contains(*phrase))
        .copied()
}

/// Words only an out-of-office template says.
const TEMPLATE_PHRASES: &[&str] = &[
    "automatic reply",
    "auto-reply",
    "autoreply",
    "automatically generated",
    "this is an automated",
    "out of the office",
    "out of office",
    "i am away",
    "i am currently away",
    "i am on leave",
    "i am on vacation",
    "limited access to e-mail",
    "limited access to email",
    "when i return",
    "upon my return",
    "自动回复",
    "自動回覆",
    "本人正在休假",
    "我正在休假",
    "正在休假",
    "不在办公室",
    "回来后",
    "返回后",
    "假期结束后回复",
    "暂时无法回复",
];

/// How long an out-of-office template is at most, in characters of its own words.
const TEMPLATE_LENGTH: usize = 400;

/// What a message whose headers say "a person" is: a subject with an out-of-office phrase
/// (假期, 休假, 外出, "on leave" …) makes an auto-reply only when the message is not in our
/// thread, or its own words are a short template. Otherwise it is a reply, with a note saying
/// why it was not taken for an auto-reply. `text` is the message's own words.
pub fn settle(headers: &Headers, matched_by: &str, text: &str) -> (ReplyKind, Option<String>) {
    let Some(phrase) = automatic_subject(headers) else {
        return (ReplyKind::Reply, None);
    };
    let lower = text.to_lowercase();
    let template = text.chars().count() <= TEMPLATE_LENGTH
        && TEMPLATE_PHRASES.iter().any(|p| lower.contains(p));
    if matched_by != "thread" || template {
        return (ReplyKind::AutoReply, None);
    }
    (
        ReplyKind::Reply,
        Some(format!(
            "the subject has \"{phrase}\", as out-of-office replies do, but no header says a machine wrote it, it answers our e-mail in its thread and its text is no template: taken as a person's reply"
        )),
    )
}

/// Words that say only "received" ("已收到资料，会尽快安排", "we have received your records").
const ACKNOWLEDGEMENTS: &[&str] = &[
    "已收到",
    "收到资料",
    "收到您的",
    "收到你的",
    "资料收到",
    "会尽快",
    "尽快安排",
    "尽快回复",
    "稍后回复",
    "已转交",
    "已转给",
    "正在审阅",
    "正在处理",
    "received your",
    "have received",
    "has been received",
    "was received",
    "been forwarded",
    "forwarded to",
    "will get back",
    "will be in touch",
    "will contact you",
    "will review",
    "will be reviewed",
    "under review",
    "as soon as possible",
    "thank you for your",
    "thank you for sending",
];

/// Words of an opinion or a concrete next step: with them a reply is an answer.
const OPINIONS: &[&str] = &[
    "建议",
    "考虑",
    "认为",
    "意见",
    "可以手术",
    "手术",
    "移植",
    "治疗",
    "面诊",
    "来院",
    "门诊",
    "挂号",
    "预约",
    "不适合",
    "适合",
    "recommend",
    "suggest",
    "we think",
    "i think",
    "in our opinion",
    "in my opinion",
    "our view",
    "my view",
    "candidate",
    "eligible",
    "surgery",
    "resection",
    "transplant",
    "treatment",
    "appointment",
    "visit",
    "please come",
];

/// An acknowledgement is short (at most this many characters of its own words).
const ACKNOWLEDGEMENT_LENGTH: usize = 300;

/// Whether a person's reply only acknowledges (received, will look) or answers (an opinion,
/// an appointment, a question). `text` is the reply's own words, quoted history removed.
pub fn answer(text: &str) -> Answer {
    let lower = text.to_lowercase();
    let acknowledges = ACKNOWLEDGEMENTS.iter().any(|p| lower.contains(p));
    let opines = OPINIONS.iter().any(|p| lower.contains(p));
    if acknowledges && !opines && text.chars().count() <= ACKNOWLEDGEMENT_LENGTH {
        Answer::Acknowledged
    } else {
        Answer::Answered
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

/// A reply's own words: everything before the quoted history and the signature. Quoted
/// history begins at a separator line (QQ's `------------------ 原始邮件 ------------------`,
/// often with non-breaking spaces or a literal `&nbsp;`; Foxmail's `------------------
/// Original ------------------`; Outlook's `-----Original Message-----` or a line of
/// underscores; `Begin forwarded message:`), at an attribution line (Gmail and Apple Mail's
/// "On … wrote:", wrapped over up to three lines; "在 …写道：", "… 于2026年11月30日 写道："), or
/// at a quoted header block ("From: … Sent: …", "发件人: … 发送时间: … 收件人: …", as 163,
/// QQ and Outlook write it).
pub fn strip_quoted(text: &str) -> String {
    /// Lines of a quoted message's header block.
    const HEADER_LINES: &[&str] = &[
        "sent:",
        "to:",
        "subject:",
        "date:",
        "cc:",
        "发送时间",
        "发件时间",
        "收件人",
        "抄送",
        "主题",
        "日期",
        "时间",
    ];
    let lines: Vec<String> = text.lines().map(plain_line).collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        let lower = trimmed.to_lowercase();
        if attribution_ends(&lower) {
            // A wrapped attribution ("On Mon, 30 Nov 2026 at 10:00, Li <" / "x@qq.com> wrote:")
            // starts up to two lines above.
            let start = (i.saturating_sub(2)..i).find(|&j| {
                let first = lines[j].trim().to_lowercase();
                (first.starts_with("on ") || first.starts_with('在'))
                    && lines[j..i].iter().all(|l| !l.trim().is_empty())
            });
            if let Some(start) = start {
                kept.truncate(kept.len() - (i - start));
            }
            break;
        }
        // "From:" / "发件人:" begin quoted mail only when a header block follows.
        let header_block = (lower.starts_with("from:") || trimmed.starts_with("发件人"))
            && lines[i + 1..].iter().take(3).any(|next| {
                let next = next.trim().to_lowercase();
                HEADER_LINES.iter().any(|h| next.starts_with(h))
            });
        if header_block || line == "-- " || separator(&lower) {
            break;
        }
        if trimmed.starts_with('>') {
            kept.push("");
            continue;
        }
        kept.push(line);
    }
    kept.retain({
        // Lines quoted with ">" were kept as blanks so that a wrapped attribution counts
        // right; drop them now, with what they leave at the end.
        let mut previous_blank = false;
        move |l| {
            let blank = l.trim().is_empty();
            let keep = !(blank && previous_blank);
            previous_blank = blank;
            keep
        }
    });
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    kept.join("\n").trim().to_string()
}

/// A line as a person reads it: non-breaking spaces (also written out as `&nbsp;`, as QQ Mail's
/// plain text has them) as spaces, bold markers of a text rendering (`*From:*`) removed.
fn plain_line(line: &str) -> String {
    let line = line
        .replace("&nbsp;", " ")
        .replace(['\u{a0}', '\u{3000}'], " ");
    match line.trim_start().strip_prefix('*') {
        Some(rest) if rest.contains(":*") || rest.contains("：*") => {
            rest.replacen(":*", ":", 1).replacen("：*", "：", 1)
        }
        _ => line,
    }
}

/// Whether a line ends an attribution: "… wrote:", "…写道：".
fn attribution_ends(lower: &str) -> bool {
    lower.chars().count() < 300
        && (lower.ends_with("wrote:")
            || lower.ends_with("写道：")
            || lower.ends_with("写道:")
            || lower.ends_with("寫道："))
        && (lower.starts_with("on ")
            || lower.starts_with('在')
            || lower.contains('@')
            || lower.contains('于')
            || lower.contains("wrote:"))
}

/// Whether a line separates the reply from the message it quotes: a word between runs of
/// dashes ("原始邮件", "Original Message", "Original"), a line of underscores (Outlook), or
/// "Begin forwarded message:" (Apple Mail).
fn separator(lower: &str) -> bool {
    let rules = lower.chars().filter(|c| matches!(c, '-' | '_')).count();
    let words: String = lower
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '=' | ' ' | '\t'))
        .collect();
    (rules >= 4
        && matches!(
            words.as_str(),
            "原始邮件"
                | "原始郵件"
                | "邮件原件"
                | "转发邮件"
                | "originalmessage"
                | "original"
                | "forwardedmessage"
        ))
        || (words.is_empty() && lower.starts_with("__________"))
        || lower.starts_with("begin forwarded message")
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
            own: Vec::new(),
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
        // A subject alone decides nothing yet: `settle` does, with the thread and the text.
        let subject_only = headers("Subject: =?UTF-8?B?6Ieq5Yqo5Zue5aSN77ya?= x\n\n");
        assert_eq!(kind(&subject_only), Some(ReplyKind::Reply), "自动回复：");
        assert_eq!(
            settle(&subject_only, "sender", "我在休假").0,
            ReplyKind::AutoReply
        );
        for header in [
            "X-Auto-Response-Suppress: All",
            "X-Autoreply: yes",
            "Precedence: auto_reply",
            "X-Autogenerated: Reply",
        ] {
            assert_eq!(
                k(&format!("{header}\nSubject: Re: x\n\n")),
                Some(ReplyKind::AutoReply),
                "{header}"
            );
        }
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
    fn a_holiday_in_a_threaded_subject_is_a_person_unless_the_text_is_a_template() {
        let holiday = headers(
            "Subject: =?UTF-8?B?UmU6IOiCneeZjOS8muiviuWSqOivou+8iOaYpeiKguWBh+acn+WQjuWuieaOkumdouiviu+8iQ==?=\n\n",
        );
        assert!(holiday.subject.contains("假期"), "{}", holiday.subject);
        let (kind, note) = settle(
            &holiday,
            "thread",
            "李先生您好，春节假期后请带上所有影像资料来门诊。",
        );
        assert_eq!(kind, ReplyKind::Reply);
        assert!(note.unwrap().contains("假期"));
        assert_eq!(
            settle(&holiday, "thread", "本人正在休假，回来后回复。").0,
            ReplyKind::AutoReply,
            "a short template"
        );
        assert_eq!(
            settle(&holiday, "token", "春节假期后请来门诊。").0,
            ReplyKind::AutoReply,
            "not in our thread"
        );
        for leave in ["Re: x (on leave)", "回复：休假安排", "外出"] {
            let h = headers(&format!("Subject: {leave}\n\n"));
            assert_eq!(
                settle(&h, "thread", "Please come on the 5th.").0,
                ReplyKind::Reply
            );
        }
    }

    #[test]
    fn acknowledgements_are_told_from_answers() {
        for ack in [
            "已收到资料，会尽快安排",
            "您好，资料收到，我们会尽快回复。",
            "We have received your records and will get back to you.",
            "Your request was received and assigned to a liver surgeon.",
        ] {
            assert_eq!(answer(ack), Answer::Acknowledged, "{ack}");
        }
        for answered in [
            "资料已收到，建议尽快来院进行多学科会诊。",
            "Thank you. We think resection is possible; please book an appointment.",
            "春节假期后请带上所有影像资料来门诊。",
            "请问最近一次 CT 是哪天做的？",
        ] {
            assert_eq!(answer(answered), Answer::Answered, "{answered}");
        }
    }

    #[test]
    fn our_own_mail_is_never_an_answer() {
        let ours = ours().with_own(["Family@QQ.com", "not-an-address"]);
        let copy = headers("From: someone@else.org\nMessage-ID: <abc@family.example>\n\n");
        assert!(ours.is_ours(&copy), "a message we sent");
        let from_us = headers("From: 李晓明 <family@qq.com>\nMessage-ID: <x@qq.com>\n\n");
        assert!(ours.is_ours(&from_us), "from the family's address");
        let doctor = headers("From: dr.li@zs-hospital.cn\nMessage-ID: <r@zs>\n\n");
        assert!(!ours.is_ours(&doctor));
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
    fn quoted_history_of_every_common_mail_program_is_cut() {
        let own = "建议先做增强 MRI。";
        let cases = [
            // QQ Mail, with non-breaking spaces, and with them written out.
            "建议先做增强 MRI。\n\n------------------\u{a0}原始邮件\u{a0}------------------\n发件人: \"李晓明\"<family@qq.com>;\n发送时间: 2026年11月30日(星期一) 上午10:00\n收件人: \"专家\"<dr@zs.cn>;\n主题: 肝癌会诊咨询\n\n尊敬的专家：我父亲……",
            "建议先做增强 MRI。\n------------------&nbsp;原始邮件&nbsp;------------------\n尊敬的专家",
            // 163 / Foxmail.
            "建议先做增强 MRI。\n\n在 2026-11-30 10:00:00，\"李晓明\" <family@163.com> 写道：\n尊敬的专家",
            "建议先做增强 MRI。\n------------------ Original ------------------\nFrom: \"李晓明\"<family@qq.com>\n尊敬的专家",
            "建议先做增强 MRI。\n发件人：李晓明 <family@163.com>\n发送时间：2026-11-30\n收件人：dr@zs.cn\n尊敬的专家",
            // Outlook.
            "建议先做增强 MRI。\n\n________________________________\nFrom: 李晓明 <family@qq.com>\nSent: Monday, November 30, 2026 10:00 AM\nTo: Dr Li\n尊敬的专家",
            "建议先做增强 MRI。\n*From:* 李晓明 <family@qq.com>\n*Sent:* Monday\n*To:* Dr Li\n尊敬的专家",
            // Gmail, the attribution wrapped over two lines; in Chinese.
            "建议先做增强 MRI。\n\nOn Mon, 30 Nov 2026 at 10:00, 李晓明 <\nfamily@gmail.com> wrote:\n> 尊敬的专家",
            "建议先做增强 MRI。\n\n李晓明 <family@gmail.com> 于2026年11月30日周一 10:00写道：\n> 尊敬的专家",
            // Apple Mail.
            "建议先做增强 MRI。\n\nOn 30 Nov 2026, at 10:00, 李晓明 <family@icloud.com> wrote:\n\n尊敬的专家",
            "建议先做增强 MRI。\n\nBegin forwarded message:\n\nFrom: 李晓明",
        ];
        for text in cases {
            assert_eq!(strip_quoted(text), own, "{text}");
        }
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
