//! Sending over SMTP (lettre's connection, step by step, so that every failure names its step):
//! connect (TLS from the first byte, or STARTTLS — required, never optional), log in, then hand
//! over a message whose bytes were made by [`super::mime`].

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailParameter};

use super::connect::{self, Delivery, Failure, Protocol, Step, TIMEOUT};
use crate::config::{Security, Server};
use crate::{tr, tr_in};

/// A logged-in SMTP connection.
pub struct Session {
    connection: SmtpConnection,
    /// The largest message the server takes, as its EHLO `SIZE` says (none given, or 0: no
    /// limit said).
    size_limit: Option<u64>,
}

/// Connects to the server and logs in with `password`.
pub fn login(server: &Server, password: &str, case_root: &Path) -> Result<Session, Failure> {
    let addresses = connect::lookup(server, Protocol::Smtp)?;
    let extra = connect::extra_roots(server, case_root)?;
    let tls = tls_parameters(server, &extra)?;
    // The greeting names no machine: a host name would tell the world who sends.
    let hello = ClientId::Ipv4(Ipv4Addr::LOCALHOST);
    let wrapper = (server.security == Security::Tls).then_some(&tls);
    // The greeting (on a TLS port, the handshake before it) gets a shorter wait than the
    // rest: a server that says nothing is almost always one spoken to in the wrong security.
    let wait = greeting_timeout();
    let mut connection = SmtpConnection::connect(&addresses[..], Some(wait), &hello, wrapper, None)
        .map_err(|e| {
            let step = match server.security {
                Security::Tls => Step::Tls,
                _ => Step::Connect,
            };
            silent(server, &e, step, wait).unwrap_or_else(|| classify(server, &e, Step::Connect))
        })?;
    if server.security == Security::Starttls {
        if !connection.can_starttls() {
            return Err(Failure::new(Step::Tls, Delivery::Permanent, |lang| {
                tr_in!(
                    lang,
                    "the server {host}:{port} does not offer STARTTLS, so the password would go unencrypted; nothing was sent",
                    host = server.host,
                    port = server.port
                )
            })
            .hint(tr!(
                "use security = \"tls\" with port 465, or the port your provider gives for STARTTLS (587)"
            )));
        }
        connection.starttls(&tls, &hello).map_err(|e| {
            silent(server, &e, Step::Tls, wait).unwrap_or_else(|| classify(server, &e, Step::Tls))
        })?;
    } else if server.security == Security::None && !connect::plaintext_allowed(server) {
        return Err(Failure::new(Step::Tls, Delivery::Permanent, |lang| {
            tr_in!(
                lang,
                "refusing to log in without encryption to a server that is not this computer"
            )
        }));
    }
    let _ = connection.set_timeout(Some(TIMEOUT));
    // lettre keeps no `SIZE` from the greeting it read: ask again, before logging in (a
    // server may forget a login at a later EHLO).
    let size_limit = connection
        .command(Ehlo::new(hello.clone()))
        .ok()
        .and_then(|reply| advertised_size(reply.message()));
    let credentials = Credentials::new(server.username.clone(), password.to_string());
    connection
        .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
        .map_err(|e| classify(server, &e, Step::Login))?;
    Ok(Session {
        connection,
        size_limit,
    })
}

/// The `SIZE` an EHLO reply advertises (RFC 1870), when it names a limit.
fn advertised_size<'a>(lines: impl Iterator<Item = &'a str>) -> Option<u64> {
    lines
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let keyword = words.next()?;
            keyword.eq_ignore_ascii_case("SIZE").then(|| words.next())?
        })
        .find_map(|n| n.parse::<u64>().ok())
        .filter(|&n| n > 0)
}

impl Session {
    /// The largest message the server said it takes (its `SIZE`), if it said.
    pub fn size_limit(&self) -> Option<u64> {
        self.size_limit
    }

    /// Hands the message over: MAIL FROM, RCPT TO for each recipient, DATA. Returns the server's
    /// reply to the message (its queue id, usually).
    pub fn send(
        &mut self,
        server: &Server,
        from: &str,
        to: &[String],
        message: &[u8],
    ) -> Result<String, Failure> {
        let address = |a: &str| {
            a.parse::<Address>().map_err(|error| {
                Failure::new(Step::Transfer, Delivery::Permanent, |lang| {
                    tr_in!(
                        lang,
                        "`{address}` is not an address the server can take ({error})",
                        address = a,
                        error
                    )
                })
            })
        };
        // The size goes with MAIL FROM (RFC 1870), so that a server refuses a message too
        // large for it before the message is uploaded.
        let parameters = match self.size_limit {
            Some(_) => vec![MailParameter::Size(message.len())],
            None => Vec::new(),
        };
        let mail = Mail::new(Some(address(from)?), parameters);
        self.connection
            .command(mail)
            .map_err(|e| classify(server, &e, Step::Transfer))?;
        for recipient in to {
            self.connection
                .command(Rcpt::new(address(recipient)?, Vec::new()))
                .map_err(|e| classify(server, &e, Step::Transfer))?;
        }
        self.connection
            .command(Data)
            .map_err(|e| classify(server, &e, Step::Transfer))?;
        // The line break before the closing dot belongs to the terminator lettre adds: without
        // this, the server would store two more bytes than the message has.
        let message = message.strip_suffix(b"\r\n").unwrap_or(message);
        // A server may scan a large message for a while before it answers (RFC 5321 suggests
        // ten minutes); giving up sooner would leave its fate unknown for no reason.
        let _ = self
            .connection
            .set_timeout(Some(std::time::Duration::from_secs(600)));
        let reply = self.connection.message(message).map_err(|e| {
            let mut failure = classify(server, &e, Step::Transfer);
            if failure.code.is_none() {
                // The whole message went out and no answer came back: it may have arrived.
                let error = short(&e);
                failure = Failure::new(Step::Transfer, Delivery::Unknown, |lang| {
                    tr_in!(
                        lang,
                        "the connection broke after the message was handed over ({error}); the server may or may not have it",
                        error
                    )
                })
                .hint(connect::unknown_delivery_hint(server));
            }
            failure
        })?;
        Ok(reply.message().collect::<Vec<_>>().join(" "))
    }

    pub fn quit(mut self) {
        let _ = self.connection.quit();
    }
}

/// How long the server may take to greet, and to answer the TLS handshake: 20 s
/// (`CONSULTPACK_SMTP_GREETING_MS` changes it; the tests make it short).
fn greeting_timeout() -> Duration {
    std::env::var("CONSULTPACK_SMTP_GREETING_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(20), Duration::from_millis)
}

/// A server that accepted the connection and then said nothing in time: at `Step::Connect` no
/// greeting (this port expects TLS from the first byte), at `Step::Tls` no answer to the TLS
/// handshake (this port expects plain SMTP and STARTTLS). Named with the likely cause, and not
/// retried: waiting again would not change the port's security.
fn silent(
    server: &Server,
    error: &lettre::transport::smtp::Error,
    step: Step,
    wait: Duration,
) -> Option<Failure> {
    let io = io_error(error)?;
    if !matches!(
        io.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ) || error.to_string().starts_with("Connection error")
    {
        return None;
    }
    let (host, port, seconds) = (&server.host, server.port, wait.as_secs_f32());
    let failure = match (step, server.security) {
        (Step::Tls, Security::Tls) => Failure::new(step, Delivery::Permanent, |lang| {
            tr_in!(
                lang,
                "the server {host}:{port} accepted the connection but did not answer the TLS handshake within {seconds} s: this port most likely does not use TLS from the first byte (wrong security for this port); nothing was sent",
                host,
                port,
                seconds
            )
        })
        .hint(tr!(
            "use security = \"starttls\" for this port (587 or 25), or port 465 with security = \"tls\""
        )),
        (Step::Tls, _) => Failure::new(step, Delivery::Permanent, |lang| {
            tr_in!(
                lang,
                "the server {host}:{port} did not finish the STARTTLS handshake within {seconds} s; nothing was sent",
                host,
                port,
                seconds
            )
        })
        .hint(tr!(
            "check `port` and `security` in consultpack.toml (SMTP: 465 with tls, 587 with starttls)"
        )),
        _ => Failure::new(step, Delivery::Permanent, |lang| {
            tr_in!(
                lang,
                "the server {host}:{port} accepted the connection but sent no greeting within {seconds} s: this port most likely expects TLS from the first byte (wrong security for this port); nothing was sent",
                host,
                port,
                seconds
            )
        })
        .hint(tr!(
            "use security = \"tls\" for this port (465), or port 587 with security = \"starttls\""
        )),
    };
    Some(failure)
}

fn tls_parameters(
    server: &Server,
    extra: &[rustls_pki_types::CertificateDer<'static>],
) -> Result<TlsParameters, Failure> {
    let mut builder = TlsParameters::builder(server.host.clone());
    for cert in extra {
        let certificate = Certificate::from_der(cert.to_vec()).map_err(|error| {
            Failure::new(Step::Tls, Delivery::Permanent, |lang| {
                tr_in!(
                    lang,
                    "`ca_file` holds a certificate that cannot be used ({error})",
                    error
                )
            })
        })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build_rustls().map_err(|error| {
        Failure::new(Step::Tls, Delivery::Permanent, |lang| {
            tr_in!(lang, "TLS could not be set up ({error})", error)
        })
    })
}

/// lettre's error, in words, with the step it happened at and whether the message may have
/// arrived (never, unless the caller knows the message was complete).
fn classify(server: &Server, error: &lettre::transport::smtp::Error, step: Step) -> Failure {
    if let Some(failure) = connect::tls_failure(server, error) {
        return failure;
    }
    if let Some(code) = error.status() {
        let code_number: u16 = code.to_string().parse().unwrap_or(0);
        let words = short(error);
        let (delivery, hint) = match (step, code_number) {
            (Step::Login, 535 | 534 | 530) => (
                Delivery::Permanent,
                server
                    .provider
                    .map(|p| p.password_hint())
                    .unwrap_or_else(|| tr!("check `username` and the password your provider gives for mail programs (often an app password or authorisation code, not the web password)")),
            ),
            (_, 552) => (
                Delivery::Permanent,
                tr!("the message is larger than the server takes: `consultpack build --split` sends it in parts"),
            ),
            (_, 550 | 551 | 553) => (
                Delivery::Permanent,
                tr!("check the contact's e-mail address in contacts.toml"),
            ),
            (_, 554) => (
                Delivery::Permanent,
                tr!("the server refused the message (sometimes as spam); try again later or from another account"),
            ),
            _ if error.is_transient() => (Delivery::Temporary, tr!("the server asked to try again later")),
            _ => (Delivery::Permanent, tr!("the server refused; its words are above")),
        };
        let failure = Failure::new(step, delivery, |lang| match step {
            Step::Login => tr_in!(lang, "login was refused: {words}", words),
            _ => tr_in!(lang, "the server refused the message: {words}", words),
        });
        return Failure {
            code: Some(code_number),
            ..failure.hint(hint)
        };
    }
    if let (Step::Connect, Some(io)) = (step, io_error(error)) {
        return connect::connect_failure(server, Protocol::Smtp, io);
    }
    let (host, port, words) = (&server.host, server.port, short(error));
    Failure::new(step, Delivery::Temporary, |lang| {
        if error.is_timeout() {
            tr_in!(
                lang,
                "the server {host}:{port} did not answer in time",
                host,
                port
            )
        } else {
            tr_in!(
                lang,
                "the connection to {host}:{port} broke ({error})",
                host,
                port,
                error = words
            )
        }
    })
}

fn io_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        current = e.source();
    }
    None
}

/// The error's words without lettre's prefixes.
fn short(error: &lettre::transport::smtp::Error) -> String {
    let text = error.to_string();
    for prefix in ["permanent error ", "transient error "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_size_is_read_from_its_ehlo_reply() {
        let reply = [
            "localhost",
            "PIPELINING",
            "SIZE 52428800",
            "AUTH PLAIN LOGIN",
        ];
        assert_eq!(advertised_size(reply.into_iter()), Some(52_428_800));
        assert_eq!(
            advertised_size(["x", "size 0"].into_iter()),
            None,
            "0: no limit"
        );
        assert_eq!(advertised_size(["x", "SIZE"].into_iter()), None);
        assert_eq!(advertised_size(["x", "8BITMIME"].into_iter()), None);
    }
}
