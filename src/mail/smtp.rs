//! Sending over SMTP (lettre's connection, step by step, so that every failure names its step):
//! connect (TLS from the first byte, or STARTTLS — required, never optional), log in, then hand
//! over a message whose bytes were made by [`super::mime`].

use std::net::Ipv4Addr;
use std::path::Path;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;

use super::connect::{self, Delivery, Failure, Protocol, Step, TIMEOUT};
use crate::config::{Security, Server};
use crate::{tr, tr_in};

/// A logged-in SMTP connection.
pub struct Session {
    connection: SmtpConnection,
}

/// Connects to the server and logs in with `password`.
pub fn login(server: &Server, password: &str, case_root: &Path) -> Result<Session, Failure> {
    let addresses = connect::lookup(server, Protocol::Smtp)?;
    let extra = connect::extra_roots(server, case_root)?;
    let tls = tls_parameters(server, &extra)?;
    // The greeting names no machine: a host name would tell the world who sends.
    let hello = ClientId::Ipv4(Ipv4Addr::LOCALHOST);
    let wrapper = (server.security == Security::Tls).then_some(&tls);
    let mut connection =
        SmtpConnection::connect(&addresses[..], Some(TIMEOUT), &hello, wrapper, None)
            .map_err(|e| classify(server, &e, Step::Connect))?;
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
        connection
            .starttls(&tls, &hello)
            .map_err(|e| classify(server, &e, Step::Tls))?;
    } else if server.security == Security::None && !connect::plaintext_allowed(server) {
        return Err(Failure::new(Step::Tls, Delivery::Permanent, |lang| {
            tr_in!(
                lang,
                "refusing to log in without encryption to a server that is not this computer"
            )
        }));
    }
    let credentials = Credentials::new(server.username.clone(), password.to_string());
    connection
        .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
        .map_err(|e| classify(server, &e, Step::Login))?;
    Ok(Session { connection })
}

impl Session {
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
        let mail = Mail::new(Some(address(from)?), Vec::new());
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
