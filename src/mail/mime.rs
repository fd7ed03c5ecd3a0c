//! The e-mail message as bytes (RFC 5322 + MIME), written by us rather than by a mail library
//! so that two things hold by construction:
//!
//! - its size is known *before* anything is read or sent: headers are text we compute, and every
//!   body is base64 in 76-character lines, whose length follows from the input length alone.
//!   `build` checks that size against the contact's limit; `send` writes exactly that many bytes.
//! - Chinese names show in every mail client: headers use RFC 2047 encoded words, and an
//!   attachment's name is given twice — RFC 2231 `filename*` (the standard) and an RFC 2047
//!   `name=` (what QQ Mail and Outlook read).
//!
//! Pure: attachments are read through a callback while writing.

use std::io::{self, Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Base64 body lines are this long (RFC 2045), each ended by CRLF.
const LINE: usize = 76;
/// Longest header line we write before folding (RFC 5322 recommends 78).
const FOLD_AT: usize = 76;

/// A name and address, e.g. `李晓明 <family@example.org>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

/// A file attached to the message; its bytes are read only while writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: &'static str,
    pub len: u64,
}

/// Everything a message is made of except the attachments' bytes.
#[derive(Debug, Clone)]
pub struct Message {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: String,
    /// Without the angle brackets: `random@sender-domain`.
    pub message_id: String,
    /// RFC 5322 date, e.g. `Fri, 27 Nov 2026 10:00:00 +0000` (always two-digit days, so that
    /// the length, and with it the message size, does not depend on the day).
    pub date: String,
    /// Message-IDs (without brackets) this message answers, oldest first; the last is the
    /// parent (`In-Reply-To`).
    pub references: Vec<String>,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

/// The content type for a file name's extension.
pub fn content_type(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// The length of `len` bytes as base64 in 76-character lines, each with its CRLF.
pub fn base64_len(len: u64) -> u64 {
    let encoded = len.div_ceil(3) * 4;
    encoded + 2 * encoded.div_ceil(LINE as u64)
}

impl Message {
    /// The boundary between parts: from the Message-ID, so the same message is the same bytes.
    /// `=_` never occurs in base64 text or in our headers' values.
    fn boundary(&self) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.message_id.as_bytes());
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("=_consultpack_{hex}")
    }

    /// The message headers and the text part, up to the first attachment.
    fn head(&self) -> String {
        let mut head = String::new();
        header(&mut head, "Date", &self.date);
        header(&mut head, "From", &mailbox(&self.from));
        if let Some(reply_to) = &self.reply_to {
            header(&mut head, "Reply-To", &mailbox(reply_to));
        }
        header(&mut head, "To", &mailboxes(&self.to));
        if !self.cc.is_empty() {
            header(&mut head, "Cc", &mailboxes(&self.cc));
        }
        header(&mut head, "Subject", &encode_words(&self.subject));
        header(&mut head, "Message-ID", &format!("<{}>", self.message_id));
        if let Some(parent) = self.references.last() {
            header(&mut head, "In-Reply-To", &format!("<{parent}>"));
            let all: Vec<String> = self.references.iter().map(|r| format!("<{r}>")).collect();
            header(&mut head, "References", &all.join(" "));
        }
        header(&mut head, "MIME-Version", "1.0");
        header(
            &mut head,
            "X-Mailer",
            concat!("consultpack ", env!("CARGO_PKG_VERSION")),
        );
        let boundary = self.boundary();
        header(
            &mut head,
            "Content-Type",
            &format!("multipart/mixed; boundary=\"{boundary}\""),
        );
        head.push_str("\r\n");
        head.push_str(&format!("--{boundary}\r\n"));
        head.push_str("Content-Type: text/plain; charset=utf-8\r\n");
        head.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
        head
    }

    /// An attachment's part headers, from its boundary line to the blank line.
    fn part_head(&self, attachment: &Attachment) -> String {
        let mut head = format!("\r\n--{}\r\n", self.boundary());
        let name = &attachment.file_name;
        let quoted_name = if name.is_ascii() && !name.contains(['"', '\\']) {
            name.clone()
        } else {
            encode_run(name)
        };
        header(
            &mut head,
            "Content-Type",
            &format!("{}; name=\"{quoted_name}\"", attachment.content_type),
        );
        header(
            &mut head,
            "Content-Disposition",
            &format!("attachment; {}", rfc2231_filename(&attachment.file_name)),
        );
        header(&mut head, "Content-Transfer-Encoding", "base64");
        head.push_str("\r\n");
        head
    }

    fn tail(&self) -> String {
        format!("\r\n--{}--\r\n", self.boundary())
    }

    /// The exact size of the message [`Message::write`] writes.
    pub fn encoded_len(&self) -> u64 {
        // Each base64 body ends with CRLF; the boundary lines start with their own CRLF, which
        // is why a part's head begins with "\r\n" after the body's last line.
        let mut len = self.head().len() as u64 + base64_len(self.body.len() as u64);
        for attachment in &self.attachments {
            len += self.part_head(attachment).len() as u64 + base64_len(attachment.len);
        }
        len + self.tail().len() as u64
    }

    /// Writes the message, reading attachment `i` from `open(i)`. An attachment whose length
    /// differs from the one given is an error (the size promised would be wrong).
    pub fn write(
        &self,
        open: &mut dyn FnMut(usize) -> io::Result<Box<dyn Read>>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        out.write_all(self.head().as_bytes())?;
        write_base64(&mut self.body.as_bytes(), out)?;
        for (i, attachment) in self.attachments.iter().enumerate() {
            out.write_all(self.part_head(attachment).as_bytes())?;
            let written = write_base64(&mut open(i)?, out)?;
            if written != attachment.len {
                return Err(io::Error::other(format!(
                    "`{}` changed while the message was written ({} bytes, expected {})",
                    attachment.file_name, written, attachment.len
                )));
            }
        }
        out.write_all(self.tail().as_bytes())
    }
}

/// Streams `input` as base64 lines; returns the number of input bytes.
fn write_base64(input: &mut dyn Read, out: &mut dyn Write) -> io::Result<u64> {
    // 57 input bytes make one 76-character line; read whole lines' worth at a time.
    let mut chunk = vec![0u8; 57 * 1024];
    let mut total = 0u64;
    loop {
        let mut filled = 0;
        while filled < chunk.len() {
            match input.read(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled == 0 {
            return Ok(total);
        }
        total += filled as u64;
        let encoded = STANDARD.encode(&chunk[..filled]);
        let mut lines = String::with_capacity(encoded.len() + encoded.len() / LINE * 2 + 2);
        for line in encoded.as_bytes().chunks(LINE) {
            lines.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
            lines.push_str("\r\n");
        }
        out.write_all(lines.as_bytes())?;
        if filled < chunk.len() {
            return Ok(total);
        }
    }
}

/// Appends `name: value` with CRLF, folding long values at spaces.
fn header(out: &mut String, name: &str, value: &str) {
    let mut line_len = name.len() + 1;
    out.push_str(name);
    out.push(':');
    for word in value.split(' ') {
        if line_len + 1 + word.len() > FOLD_AT {
            out.push_str("\r\n");
            line_len = 0;
        }
        out.push(' ');
        out.push_str(word);
        line_len += 1 + word.len();
    }
    out.push_str("\r\n");
}

fn mailbox(mailbox: &Mailbox) -> String {
    match &mailbox.name {
        Some(name) if !name.trim().is_empty() => {
            let name = if name.is_ascii() {
                let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
                format!("\"{escaped}\"")
            } else {
                encode_words(name)
            };
            format!("{name} <{}>", mailbox.address)
        }
        _ => mailbox.address.clone(),
    }
}

fn mailboxes(list: &[Mailbox]) -> String {
    list.iter().map(mailbox).collect::<Vec<_>>().join(", ")
}

/// Text as it may stand in a header: words of printable ASCII as they are, runs of other words
/// as RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters (split between characters, never
/// inside one), separated by spaces where [`header`] may fold. A run keeps its inner spaces
/// inside the encoding, since the space between two encoded words is dropped when decoding.
pub fn encode_words(text: &str) -> String {
    let plain =
        |w: &str| w.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) && !w.contains("=?");
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    for word in text.split(' ') {
        if plain(word) {
            if !run.is_empty() {
                out.push(encode_run(&run.join(" ")));
                run.clear();
            }
            out.push(word.to_string());
        } else {
            run.push(word);
        }
    }
    if !run.is_empty() {
        out.push(encode_run(&run.join(" ")));
    }
    out.join(" ")
}

fn encode_run(text: &str) -> String {
    // 75 − len("=?UTF-8?B??=") = 63 base64 characters → at most 45 bytes of text per word.
    const MAX_BYTES: usize = 45;
    let mut words = Vec::new();
    let mut piece = String::new();
    for c in text.chars() {
        if piece.len() + c.len_utf8() > MAX_BYTES {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&piece)));
            piece.clear();
        }
        piece.push(c);
    }
    if !piece.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&piece)));
    }
    words.join(" ")
}

/// `filename*=UTF-8''…` (RFC 2231, percent-encoded, one parameter — the continuation form
/// `filename*0*` confuses QQ Mail) or a plain quoted `filename` for ASCII names.
fn rfc2231_filename(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ')
    {
        return format!("filename=\"{name}\"");
    }
    let mut encoded = String::from("filename*=UTF-8''");
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(attachments: Vec<Attachment>) -> Message {
        Message {
            from: Mailbox {
                name: Some("李晓明".into()),
                address: "family@example.org".into(),
            },
            reply_to: None,
            to: vec![Mailbox {
                name: None,
                address: "dr@example.org".into(),
            }],
            cc: vec![],
            subject: "第二意见咨询 Second opinion request [CP-7F3A]".into(),
            message_id: "0123456789abcdef@example.org".into(),
            date: "Fri, 27 Nov 2026 10:00:00 +0000".into(),
            references: vec![],
            body: "您好，\n附件是病历摘要。\n".repeat(20),
            attachments,
        }
    }

    fn written(message: &Message, contents: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        message
            .write(
                &mut |i| Ok(Box::new(io::Cursor::new(contents[i].clone())) as Box<dyn Read>),
                &mut out,
            )
            .unwrap();
        out
    }

    #[test]
    fn the_size_is_known_before_writing() {
        for sizes in [
            vec![],
            vec![0],
            vec![1, 2, 3],
            vec![57, 58, 59 * 1024 + 1, 200_000],
        ] {
            let contents: Vec<Vec<u8>> = sizes
                .iter()
                .map(|&n| (0..n).map(|i| (i * 7 % 251) as u8).collect())
                .collect();
            let attachments = contents
                .iter()
                .enumerate()
                .map(|(i, c)| Attachment {
                    file_name: format!("病历摘要-{i}.pdf"),
                    content_type: "application/pdf",
                    len: c.len() as u64,
                })
                .collect();
            let message = message(attachments);
            let bytes = written(&message, &contents);
            assert_eq!(bytes.len() as u64, message.encoded_len(), "{sizes:?}");
        }
    }

    #[test]
    fn base64_lengths() {
        assert_eq!(base64_len(0), 0);
        assert_eq!(base64_len(1), 6);
        assert_eq!(base64_len(57), 78);
        assert_eq!(base64_len(58), 78 + 6);
    }

    #[test]
    fn chinese_names_are_encoded_both_ways_and_lines_stay_short() {
        let message = message(vec![Attachment {
            file_name: "2021-06-18 磁共振报告（增强）.pdf".into(),
            content_type: "application/pdf",
            len: 3,
        }]);
        let text = String::from_utf8(written(&message, &[b"abc".to_vec()])).unwrap();
        assert!(text.is_ascii(), "every byte of the message is ASCII");
        assert!(
            text.contains("filename*=UTF-8''2021-06-18%20%E7%A3%81"),
            "{text}"
        );
        assert!(text.contains("name=\"=?UTF-8?B?"), "{text}");
        assert!(text.contains("From: =?UTF-8?B?5p2O5pmT5piO?= <family@example.org>"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 998, "no line over the SMTP limit");
        }
        for line in text.split("\r\n").filter(|l| l.starts_with("Subject")) {
            assert!(line.len() <= 78, "{line}");
        }
        // A mail reader gets the name back from either parameter.
        let parsed = mail_parser::MessageParser::default()
            .parse(text.as_bytes())
            .unwrap();
        let attachment = parsed.attachments().next().unwrap();
        use mail_parser::MimeHeaders;
        assert_eq!(
            attachment.attachment_name(),
            Some("2021-06-18 磁共振报告（增强）.pdf")
        );
        assert_eq!(
            attachment.content_type().unwrap().attribute("name"),
            Some("2021-06-18 磁共振报告（增强）.pdf")
        );
        let without_2231 = text.replace("filename*=UTF-8''", "x-ignored=");
        let parsed = mail_parser::MessageParser::default()
            .parse(without_2231.as_bytes())
            .unwrap();
        assert_eq!(
            parsed.attachments().next().unwrap().attachment_name(),
            Some("2021-06-18 磁共振报告（增强）.pdf"),
            "a reader that only knows name= (QQ Mail, Outlook) still shows it"
        );
        // The RFC 2047 words decode back to the name.
        let words: String = text
            .split("name=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .split(' ')
            .map(|w| {
                let b64 = w.trim_start_matches("=?UTF-8?B?").trim_end_matches("?=");
                String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap()
            })
            .collect();
        assert_eq!(words, "2021-06-18 磁共振报告（增强）.pdf");
    }

    #[test]
    fn replies_carry_the_thread() {
        let mut reply = message(vec![]);
        reply.references = vec!["first@example.org".into(), "second@example.org".into()];
        let text = String::from_utf8(written(&reply, &[])).unwrap();
        assert!(text.contains("In-Reply-To: <second@example.org>\r\n"));
        assert!(text.contains("References: <first@example.org> <second@example.org>\r\n"));
    }

    #[test]
    fn an_attachment_that_changed_is_an_error() {
        let message = message(vec![Attachment {
            file_name: "a.pdf".into(),
            content_type: "application/pdf",
            len: 10,
        }]);
        let mut out = Vec::new();
        let result = message.write(
            &mut |_| Ok(Box::new(io::Cursor::new(vec![1u8; 9])) as Box<dyn Read>),
            &mut out,
        );
        assert!(result.unwrap_err().to_string().contains("changed"));
    }
}
