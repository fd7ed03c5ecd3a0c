//! Reading mail over IMAP (the `imap` crate's protocol, over our own rustls stream so that the
//! same certificate trust applies as for sending): log in, say who we are where NetEase wants it,
//! find the Sent folder, file a copy of a sent message there. Every connection is bounded in
//! time and in what the server may send ([`super::imap_guard`]).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::{Deref, DerefMut};
use std::path::Path;

use rustls_pki_types::ServerName;

use super::connect::{self, Delivery, Failure, Protocol, Step, TIMEOUT};
use super::imap_guard::{Framed, Guard, TimedSocket};
use crate::config::{Security, Server};
use crate::text::Lang;
use crate::{tr, tr_in};

/// The connection, encrypted unless it goes to this computer.
pub enum Stream {
    Plain(TimedSocket),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TimedSocket>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// A logged-in IMAP session (the `imap` crate's, which it derefs to) and the bounds of its
/// connection.
pub struct Session {
    imap: imap::Session<Framed<Stream>>,
    guard: Guard,
    host: String,
    port: u16,
}

impl Deref for Session {
    type Target = imap::Session<Framed<Stream>>;
    fn deref(&self) -> &Self::Target {
        &self.imap
    }
}

impl DerefMut for Session {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.imap
    }
}

impl Session {
    /// Lets the next requests fetch whole messages (up to 64 MB each) rather than headers.
    pub fn allow_whole_messages(&self, allow: bool) {
        self.guard.allow_whole_messages(allow);
    }

    /// Drops what the server said unasked (EXISTS, EXPUNGE, FLAGS…): nothing here uses it,
    /// and kept it would grow with every answer.
    pub fn forget_unsolicited(&mut self) {
        drop(self.imap.take_all_unsolicited());
    }

    /// Why a request failed, in words: the bound the server broke (it sent nothing for too
    /// long, too much, or without end), else the error's own words.
    pub fn explain(&self, error: &imap::Error) -> String {
        match self.guard.stopped() {
            Some(stop) => stop.describe(crate::i18n::ui(), &self.host, self.port),
            None => without_secrets(&error.to_string()),
        }
    }
}

/// Connects, logs in with `password` and (for providers that need it) sends `ID`.
pub fn login(server: &Server, password: &str, case_root: &Path) -> Result<Session, Failure> {
    let addresses = connect::lookup(server, Protocol::Imap)?;
    let tcp = TcpStream::connect_timeout(&addresses[0], TIMEOUT)
        .or_else(|first| {
            addresses[1..]
                .iter()
                .find_map(|a| TcpStream::connect_timeout(a, TIMEOUT).ok())
                .ok_or(first)
        })
        .map_err(|e| connect::connect_failure(server, Protocol::Imap, &e))?;
    let guard = Guard::start();
    // The greeting (on a TLS port, the handshake before it) gets at most 20 s: a server that
    // says nothing is almost always one spoken to in the wrong security.
    let idle = guard.set_idle(GREETING);
    guard.set_idle(idle.min(GREETING));
    let socket = TimedSocket::new(tcp, guard.clone());
    let extra = connect::extra_roots(server, case_root)?;
    let (stream, greeted) = match server.security {
        Security::Tls => (tls(server, &extra, socket, &guard)?, false),
        Security::Starttls => {
            let socket = starttls(server, socket, &guard)?;
            (tls(server, &extra, socket, &guard)?, true)
        }
        Security::None => {
            if !connect::plaintext_allowed(server) {
                return Err(Failure::new(Step::Tls, Delivery::Permanent, |lang| {
                    tr_in!(
                        lang,
                        "refusing to log in without encryption to a server that is not this computer"
                    )
                }));
            }
            (Stream::Plain(socket), false)
        }
    };
    let mut client = imap::Client::new(Framed::new(stream, guard.clone()));
    if !greeted {
        let step = match server.security {
            Security::None => Step::Connect,
            _ => Step::Tls,
        };
        client
            .read_greeting()
            .map_err(|e| imap_failure(server, step, &e, &guard))?;
    }
    guard.set_idle(idle);
    let imap = client.login(&server.username, password).map_err(|(e, _)| {
        if !matches!(e, imap::Error::No(_) | imap::Error::Bad(_)) {
            // Not an answer to the password: a server that broke off, or a bound it broke.
            return imap_failure(server, Step::Login, &e, &guard);
        }
        let hint = server
            .provider
            .map(|p| p.password_hint())
            .unwrap_or_else(|| tr!("check `username` and the password your provider gives for mail programs (often an app password or authorisation code)"));
        let error = without_secrets(&e.to_string());
        Failure::new(Step::Login, Delivery::Permanent, |lang| {
            tr_in!(lang, "login was refused ({error})", error)
        })
        .hint(hint)
    })?;
    let mut session = Session {
        imap,
        guard,
        host: server.host.clone(),
        port: server.port,
    };
    if crate::mail::providers::needs_imap_id(server) {
        // 163/126 refuse SELECT from clients that do not say who they are ("Unsafe Login").
        let _ = session.run_command_and_check_ok(concat!(
            "ID (\"name\" \"consultpack\" \"version\" \"",
            env!("CARGO_PKG_VERSION"),
            "\")"
        ));
    }
    Ok(session)
}

/// How long the server may take to greet, or to answer the TLS handshake.
const GREETING: std::time::Duration = std::time::Duration::from_secs(20);

/// A server silent at the greeting or the TLS handshake: what it did, and the likely cause.
fn silent(server: &Server, stop: super::imap_guard::Stop) -> Failure {
    let tls_port = server.security == Security::Tls;
    Failure::new(Step::Tls, Delivery::Permanent, |lang| {
        let did = stop.describe(lang, &server.host, server.port);
        if tls_port {
            tr_in!(
                lang,
                "{did} in answer to the TLS handshake: this port most likely does not use TLS from the first byte (wrong security for this port)",
                did
            )
        } else {
            tr_in!(
                lang,
                "{did} instead of a greeting: this port most likely expects TLS from the first byte (wrong security for this port)",
                did
            )
        }
    })
    .hint(if tls_port {
        tr!("use security = \"starttls\" for this port (143), or port 993 with security = \"tls\"")
    } else {
        tr!("use security = \"tls\" and port 993")
    })
}

/// Reads the greeting and upgrades a plain connection with STARTTLS, before any password.
fn starttls(
    server: &Server,
    mut socket: TimedSocket,
    guard: &Guard,
) -> Result<TimedSocket, Failure> {
    let (host, port) = (&server.host, server.port);
    let failed = |what: &dyn Fn(Lang) -> String| {
        Failure::new(Step::Tls, Delivery::Permanent, what)
            .hint(tr!("use security = \"tls\" and port 993"))
    };
    let broke = |error: io::Error| match guard.stopped() {
        Some(stop) => stopped(server, Step::Tls, stop),
        None => failed(&|lang| {
            tr_in!(
                lang,
                "the IMAP server {host}:{port} broke the connection ({error})",
                host,
                port,
                error
            )
        }),
    };
    let greeting = socket.read_line().map_err(|error| match guard.stopped() {
        Some(stop @ super::imap_guard::Stop::Idle(_)) => silent(server, stop),
        Some(stop) => stopped(server, Step::Tls, stop),
        None => failed(&|lang| {
            tr_in!(
                lang,
                "the IMAP server {host}:{port} sent no greeting ({error})",
                host,
                port,
                error
            )
        }),
    })?;
    if !greeting.starts_with(b"* OK") {
        let greeting = String::from_utf8_lossy(&greeting);
        let greeting = greeting.trim();
        return Err(failed(&|lang| {
            tr_in!(
                lang,
                "the IMAP server {host}:{port} greeted with `{greeting}`",
                host,
                port,
                greeting
            )
        }));
    }
    socket.write_all(b"s1 STARTTLS\r\n").map_err(broke)?;
    loop {
        let line = socket.read_line().map_err(broke)?;
        if line.is_empty() {
            return Err(failed(&|lang| {
                tr_in!(
                    lang,
                    "the IMAP server {host}:{port} closed the connection at STARTTLS",
                    host,
                    port
                )
            }));
        }
        if let Some(status) = line.strip_prefix(b"s1 ") {
            if status.starts_with(b"OK") {
                return Ok(socket);
            }
            let answer = String::from_utf8_lossy(status);
            let answer = answer.trim();
            return Err(failed(&|lang| {
                tr_in!(
                    lang,
                    "the IMAP server {host}:{port} refused STARTTLS (`{answer}`)",
                    host,
                    port,
                    answer
                )
            }));
        }
    }
}

fn tls(
    server: &Server,
    extra: &[rustls_pki_types::CertificateDer<'static>],
    socket: TimedSocket,
    guard: &Guard,
) -> Result<Stream, Failure> {
    let name = ServerName::try_from(server.host.clone()).map_err(|_| {
        Failure::new(Step::Tls, Delivery::Permanent, |lang| {
            tr_in!(
                lang,
                "`{host}` is not a server name TLS can check",
                host = server.host
            )
        })
    })?;
    let connection =
        rustls::ClientConnection::new(connect::rustls_config(extra), name).map_err(|error| {
            Failure::new(Step::Tls, Delivery::Permanent, |lang| {
                tr_in!(lang, "TLS could not be set up ({error})", error)
            })
        })?;
    let mut stream = rustls::StreamOwned::new(connection, socket);
    // Handshake now, so that a certificate problem is reported as one.
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .map_err(|e| match guard.stopped() {
                Some(stop @ super::imap_guard::Stop::Idle(_)) => silent(server, stop),
                Some(stop) => stopped(server, Step::Tls, stop),
                None => connect::tls_failed(server, &e),
            })?;
    }
    Ok(Stream::Tls(Box::new(stream)))
}

/// The failure when a bound on the connection stopped it: the server's behaviour, named.
fn stopped(server: &Server, step: Step, stop: super::imap_guard::Stop) -> Failure {
    Failure::new(step, Delivery::Temporary, |lang| {
        stop.describe(lang, &server.host, server.port)
    })
}

fn imap_failure(server: &Server, step: Step, error: &imap::Error, guard: &Guard) -> Failure {
    if let Some(stop) = guard.stopped() {
        return stopped(server, step, stop);
    }
    if let Some(failure) = connect::tls_failure(server, error) {
        return failure;
    }
    let error = without_secrets(&error.to_string());
    Failure::new(step, Delivery::Temporary, |lang| {
        tr_in!(
            lang,
            "the IMAP server {host}:{port} failed ({error})",
            host = server.host,
            port = server.port,
            error
        )
    })
}

/// The Sent folder: the one marked `\Sent`, else one of the usual names.
pub fn sent_folder(session: &mut Session) -> Option<String> {
    special_folder(
        session,
        |a| matches!(a, imap_proto::NameAttribute::Sent),
        &[
            "Sent",
            "Sent Messages",
            "Sent Items",
            "INBOX.Sent",
            "已发送",
            "Sent Mail",
        ],
    )
}

/// The Junk (spam) folder: the one marked `\Junk` (RFC 6154), else the provider's name for
/// it (QQ and 163: 垃圾邮件; others Junk, Spam, Junk E-mail, Bulk Mail).
pub fn junk_folder(session: &mut Session) -> Option<String> {
    special_folder(
        session,
        |a| matches!(a, imap_proto::NameAttribute::Junk),
        &[
            "Junk",
            "Spam",
            "垃圾邮件",
            "垃圾箱",
            "Junk E-mail",
            "Junk Email",
            "Bulk Mail",
            "INBOX.Junk",
            "INBOX.Spam",
            "[Gmail]/Spam",
        ],
    )
}

/// The folder with the special-use attribute `marked`, else the first of `names` (as people
/// read them) the server has. The name returned is the server's own (modified UTF-7), for
/// SELECT.
fn special_folder(
    session: &mut Session,
    marked: impl Fn(&imap_proto::NameAttribute<'_>) -> bool,
    names: &[&str],
) -> Option<String> {
    let listed = session.list(Some(""), Some("*")).ok()?;
    let listed: Vec<(String, bool)> = listed
        .iter()
        .map(|n| (n.name().to_string(), n.attributes().iter().any(&marked)))
        .collect();
    if let Some((name, _)) = listed.iter().find(|(_, marked)| *marked) {
        return Some(name.clone());
    }
    names.iter().find_map(|wanted| {
        listed
            .iter()
            .find(|(n, _)| mailbox_name(n).eq_ignore_ascii_case(wanted))
            .map(|(n, _)| n.clone())
    })
}

/// A mailbox name as people read it: IMAP's modified UTF-7 (RFC 3501 5.1.3: `&…-` holds
/// UTF-16 in base64 with `,` for `/`; `&-` is `&`) decoded. A name that is not valid stays as
/// it is.
pub fn mailbox_name(raw: &str) -> String {
    fn decode(run: &str) -> Option<String> {
        let mut bits = 0u32;
        let mut count = 0;
        let mut units = Vec::new();
        for c in run.chars() {
            let value = match c {
                'A'..='Z' => c as u32 - 'A' as u32,
                'a'..='z' => c as u32 - 'a' as u32 + 26,
                '0'..='9' => c as u32 - '0' as u32 + 52,
                '+' => 62,
                ',' => 63,
                _ => return None,
            };
            bits = (bits << 6) | value;
            count += 6;
            if count >= 16 {
                count -= 16;
                units.push((bits >> count) as u16);
                bits &= (1 << count) - 1;
            }
        }
        String::from_utf16(&units).ok()
    }
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('-').map(|e| start + e) else {
            return raw.to_string();
        };
        let run = &rest[start + 1..end];
        if run.is_empty() {
            out.push('&');
        } else {
            match decode(run) {
                Some(text) => out.push_str(&text),
                None => return raw.to_string(),
            }
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Files `message` in the Sent folder, marked as read.
pub fn append_sent(session: &mut Session, message: &[u8]) -> Result<String, Failure> {
    let folder = sent_folder(session).ok_or_else(|| {
        Failure::new(Step::Transfer, Delivery::Permanent, |lang| {
            tr_in!(lang, "the mailbox has no Sent folder")
        })
    })?;
    let filed = session
        .append(&folder, message)
        .flag(imap::types::Flag::Seen)
        .finish();
    filed.map_err(|error| {
        let error = session.explain(&error);
        Failure::new(Step::Transfer, Delivery::Temporary, |lang| {
            tr_in!(
                lang,
                "the copy could not be filed in `{folder}` ({error})",
                folder,
                error
            )
        })
    })?;
    Ok(folder)
}

/// An IMAP error's words with anything after `LOGIN` cut off (some servers echo the command).
fn without_secrets(text: &str) -> String {
    match text.find("LOGIN") {
        Some(at) => format!("{}LOGIN …", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailbox_names_in_modified_utf7_are_read() {
        assert_eq!(mailbox_name("&V4NXPpCuTvY-"), "垃圾邮件");
        assert_eq!(mailbox_name("&XfJT0ZAB-"), "已发送");
        assert_eq!(mailbox_name("Junk"), "Junk");
        assert_eq!(mailbox_name("Tom &- Jerry"), "Tom & Jerry");
        assert_eq!(mailbox_name("broken &***-"), "broken &***-");
    }
}
