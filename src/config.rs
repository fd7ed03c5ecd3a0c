//! consultpack.toml: who sends the packets and through which mail servers.
//!
//! Secrets never live in this file (it sits in the case folder, next to medical records that
//! get copied around): a password comes from an environment variable or a command's output,
//! and only the name of the variable or the command is written here.

use chrono::NaiveDate;
use serde::Serialize;
use toml::Spanned;

use crate::contacts::valid_email;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile};
use crate::mail::providers::{Provider, port_mismatch};
use crate::text::Lang;
use crate::toml_reader::{Choice, Reader, Table};
use crate::tr;

/// The sender's settings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Config {
    pub sender: Option<Sender>,
    pub smtp: Option<Server>,
    pub imap: Option<Server>,
    /// `ui = "zh"`: the interface language (read early, before this file is checked: see
    /// `interface_language` in lib.rs).
    pub ui: Option<Lang>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sender {
    pub name: String,
    pub email: String,
    pub reply_to: Option<String>,
}

/// How to reach a mail server.
#[derive(Debug, Clone, Serialize)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    pub password: Secret,
    /// A PEM file of extra trusted certificates (for a private or test CA), trusted besides the
    /// usual public roots.
    pub ca_file: Option<String>,
    /// The provider named with `provider = "…"`, for its habits and hints.
    #[serde(skip)]
    pub provider: Option<Provider>,
    /// IMAP: file a copy of each message sent in the Sent folder (off by default for providers
    /// that do it themselves).
    pub save_sent: bool,
}

/// Transport security. `None` is refused for anything but the local machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (SMTP 465, IMAP 993).
    Tls,
    /// Plain connection upgraded with STARTTLS (SMTP 587, IMAP 143).
    Starttls,
    /// No encryption: only allowed for 127.0.0.1 / localhost (tests).
    None,
}

impl Choice for Security {
    const CHOICES: &'static [(&'static str, Self)] = &[
        ("tls", Security::Tls),
        ("ssl", Security::Tls),
        ("starttls", Security::Starttls),
        ("none", Security::None),
    ];
}

/// Where a password comes from: the name of an environment variable or a command to run.
/// Its `Debug` never shows more than that, and the password itself is fetched only when a
/// connection is made.
#[derive(Clone, Serialize)]
pub enum Secret {
    Env(String),
    Command(Vec<String>),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Env(name) => write!(f, "Secret::Env({name})"),
            Secret::Command(argv) => write!(
                f,
                "Secret::Command({})",
                argv.first().map_or("", String::as_str)
            ),
        }
    }
}

impl Secret {
    /// The secret itself: the variable's value, or the command's first line of output. The
    /// error names the variable or the command, never a value.
    pub fn fetch(&self) -> Result<String, String> {
        let value = match self {
            Secret::Env(name) => std::env::var(name).map_err(|_| {
                tr!(
                    "the environment variable `{name}` is not set (set it in the terminal first)",
                    name
                )
            })?,
            Secret::Command(argv) => crate::password_command::first_line(argv)?,
        };
        if value.is_empty() {
            return Err(match self {
                Secret::Env(name) => tr!("the environment variable `{name}` is empty", name),
                Secret::Command(argv) => tr!(
                    "the password command `{program}` printed nothing",
                    program = argv.first().map_or("", String::as_str)
                ),
            });
        }
        Ok(value)
    }
}

/// Parses consultpack.toml.
pub fn parse(source: &SourceFile, today: NaiveDate) -> (Option<Config>, Diagnostics) {
    let mut reader = Reader::new(source, today);
    let Some(doc) = reader.parse() else {
        return (None, reader.diagnostics);
    };
    let mut root = Table::new("consultpack.toml", doc.get_ref(), 0..0);
    let ui = root
        .choice::<Lang>(&mut reader, "ui")
        .map(Spanned::into_inner);
    let sender = root.table(&mut reader, "sender").and_then(|mut t| {
        t.name = "[sender]".into();
        let name = t.required_string(&mut reader, "name", "\"Wang Xiaoli\"");
        let email = address(&mut reader, &mut t, "email", true);
        let reply_to = address(&mut reader, &mut t, "reply_to", false);
        if let Some(email) = email.as_deref().filter(|e| outlook_personal(e)) {
            reader.warning(
                t.span_of("email"),
                tr!(
                    "[sender]: `{address}` is an Outlook.com address, and Outlook.com no longer accepts passwords from mail programs (Microsoft retired basic authentication): consultpack cannot send from it",
                    address = email
                ),
                Some(tr!(
                    "send from another provider (QQ, 163, or Gmail with an app password); replies can still come to this address with reply_to = \"{address}\"",
                    address = email
                )),
            );
        }
        t.finish(&mut reader);
        Some(Sender {
            name: name?.into_inner(),
            email: email?,
            reply_to,
        })
    });
    let smtp = root
        .table(&mut reader, "smtp")
        .and_then(|t| server(&mut reader, t, "[smtp]"));
    let imap = root
        .table(&mut reader, "imap")
        .and_then(|t| server(&mut reader, t, "[imap]"));
    root.finish(&mut reader);
    let config = Config {
        sender,
        smtp,
        imap,
        ui,
    };
    let errors = reader.diagnostics.has_errors();
    (if errors { None } else { Some(config) }, reader.diagnostics)
}

/// An Outlook.com personal address (outlook.com, hotmail.com, live.com, msn.com and their
/// national forms): no password login for mail programs any more.
fn outlook_personal(address: &str) -> bool {
    let domain = address
        .rsplit_once('@')
        .map_or("", |(_, d)| d)
        .to_ascii_lowercase();
    let (service, country) = domain.split_once('.').unwrap_or_default();
    matches!(service, "outlook" | "hotmail" | "live" | "msn")
        && matches!(
            country,
            "com"
                | "cn"
                | "com.cn"
                | "co.uk"
                | "fr"
                | "de"
                | "it"
                | "es"
                | "jp"
                | "co.jp"
                | "com.au"
                | "ca"
                | "nl"
                | "be"
                | "sg"
                | "com.hk"
                | "com.tw"
        )
}

fn address(
    reader: &mut Reader<'_>,
    t: &mut Table<'_, '_>,
    key: &'static str,
    required: bool,
) -> Option<String> {
    let value = if required {
        t.required_string(reader, key, "\"family@example.com\"")
    } else {
        t.string(reader, key)
    }?;
    if valid_email(value.get_ref().trim()) {
        Some(value.get_ref().trim().to_string())
    } else {
        reader.error(
            value.span(),
            tr!(
                "`{address}` is not a valid e-mail address",
                address = value.get_ref()
            ),
            Some(tr!("write only the address, like \"family@example.com\"")),
        );
        None
    }
}

/// `CONSULTPACK_SMTP_PASSWORD`: what environment variables are called, and app passwords and
/// authorisation codes (lower-case letters) are not.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn server(reader: &mut Reader<'_>, mut t: Table<'_, '_>, name: &str) -> Option<Server> {
    t.name = name.to_string();
    if t.has("password") {
        let span = t.span_of("password");
        t.get("password");
        // The line itself is not shown: it holds the password.
        let location = reader.source.locate(span).without_source_line();
        reader.diagnostics.push(
            Diagnostic::error(tr!(
                "passwords must not be written in consultpack.toml ({table})",
                table = name
            ))
            .at(location)
            .hint(tr!(
                "delete the line and use password_env = \"CONSULTPACK_SMTP_PASSWORD\" (set that variable) or password_command = [\"pass\", \"show\", \"mail\"]"
            )),
        );
    }
    let smtp = name == "[smtp]";
    let provider = t
        .choice::<Provider>(reader, "provider")
        .map(Spanned::into_inner);
    let preset = provider.map(|p| {
        let preset = p.preset();
        (
            if smtp { preset.smtp } else { preset.imap },
            preset.files_sent_itself,
        )
    });
    let host = match (t.has("host"), preset) {
        (false, Some((endpoint, _))) => Some(endpoint.host.to_string()),
        _ => t
            .required_string(
                reader,
                "host",
                if smtp {
                    "\"smtp.qq.com\""
                } else {
                    "\"imap.qq.com\""
                },
            )
            .map(Spanned::into_inner),
    };
    let port = t
        .integer(reader, "port")
        .and_then(|p| match u16::try_from(*p.get_ref()) {
            Ok(port) if port > 0 => Some(Spanned::new(p.span(), port)),
            _ => {
                reader.error(p.span(), tr!("`port` must be between 1 and 65535"), None);
                None
            }
        });
    let security = match (t.has("security"), preset) {
        (false, Some((endpoint, _))) => Some(endpoint.security),
        _ => t
            .required_choice::<Security>(reader, "security")
            .map(Spanned::into_inner),
    };
    let username = t.required_string(reader, "username", "\"family@example.com\"");
    let env = t.string(reader, "password_env");
    let command = t.strings(reader, "password_command");
    let ca_file = t.string(reader, "ca_file").map(Spanned::into_inner);
    let save_sent = if smtp {
        None
    } else {
        t.bool(reader, "save_sent")
    };
    let password = match (env, command.is_empty()) {
        // A variable's name, not the password itself (an app password pasted here must not be
        // used, nor echoed back in a message).
        (Some(env), true) if !is_variable_name(env.get_ref()) => {
            reader.diagnostics.push(
                Diagnostic::error(tr!(
                    "`password_env` in {table} must be the name of an environment variable (capital letters, digits and _), not the password",
                    table = name
                ))
                .at(reader.source.locate(env.span()).without_source_line())
                .hint(tr!(
                    "write password_env = \"CONSULTPACK_SMTP_PASSWORD\" and put the password into that variable in the terminal"
                )),
            );
            None
        }
        (Some(env), true) => Some(Secret::Env(env.into_inner())),
        (None, false) => Some(Secret::Command(
            command.into_iter().map(Spanned::into_inner).collect(),
        )),
        (Some(env), false) => {
            reader.error(
                env.span(),
                tr!(
                    "{table} gives both `password_env` and `password_command`",
                    table = name
                ),
                Some(tr!("keep one of them")),
            );
            None
        }
        (None, true) => {
            reader.error(
                t.span.clone(),
                tr!("{table} says nothing about the password", table = name),
                Some(tr!(
                    "add password_env = \"CONSULTPACK_SMTP_PASSWORD\" or password_command = [\"...\"]"
                )),
            );
            None
        }
    };
    let host = host?;
    let security = security?;
    if security == Security::None && !matches!(host.as_str(), "127.0.0.1" | "localhost" | "::1") {
        let span = t.span_of("security");
        reader.error(
            span,
            tr!(
                "{table}: security = \"none\" would send the password and records unencrypted to `{host}`",
                table = name,
                host
            ),
            Some(tr!(
                "use \"tls\" (port 465/993) or \"starttls\" (587/143)"
            )),
        );
    }
    let port = match (port, preset) {
        (Some(port), _) => {
            if let Some(expected) = port_mismatch(*port.get_ref(), security) {
                reader.warning(
                    port.span(),
                    tr!(
                        "{table}: port {port} is for security = \"{expected}\", but security is \"{security}\"",
                        table = name,
                        port = port.get_ref(),
                        expected = expected.name(),
                        security = security.name()
                    ),
                    Some(tr!(
                        "set security = \"{expected}\", or the port that goes with \"{security}\" ({port})",
                        expected = expected.name(),
                        security = security.name(),
                        port = match (smtp, security) {
                            (true, Security::Tls) => "465",
                            (true, _) => "587",
                            (false, Security::Tls) => "993",
                            (false, _) => "143",
                        }
                    )),
                );
            }
            *port.get_ref()
        }
        (None, Some((endpoint, _))) if !t.has("security") => endpoint.port,
        (None, _) => match (smtp, security) {
            (true, Security::Tls) => 465,
            (true, _) => 587,
            (false, Security::Tls) => 993,
            (false, _) => 143,
        },
    };
    t.finish(reader);
    Some(Server {
        host,
        port,
        security,
        username: username?.into_inner(),
        password: password?,
        ca_file,
        provider,
        save_sent: save_sent.unwrap_or_else(|| !preset.is_some_and(|(_, itself)| itself)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn a_password_in_the_file_is_refused() {
        let source = SourceFile::new(
            "consultpack.toml",
            "[smtp]\nhost = \"smtp.qq.com\"\nsecurity = \"tls\"\nusername = \"a@qq.com\"\npassword = \"hunter2\"\n",
        );
        let (config, diagnostics) = parse(&source, today());
        assert!(config.is_none());
        let first = diagnostics.iter().next().unwrap();
        assert!(first.message.contains("passwords must not be written"));
        assert_eq!(first.location.as_ref().unwrap().line, 5);
        let mut rendered = Vec::new();
        diagnostics.render(&mut rendered).unwrap();
        assert!(
            !String::from_utf8(rendered).unwrap().contains("hunter2"),
            "the password is never echoed"
        );
    }

    #[test]
    fn a_provider_fills_the_servers_and_each_value_can_be_overridden() {
        let source = SourceFile::new(
            "consultpack.toml",
            "[smtp]\nprovider = \"qq\"\nusername = \"a@qq.com\"\npassword_env = \"X\"\n\n[imap]\nprovider = \"163\"\nport = 994\nusername = \"a@163.com\"\npassword_env = \"Y\"\n",
        );
        let (config, diagnostics) = parse(&source, today());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let config = config.unwrap();
        let smtp = config.smtp.unwrap();
        assert_eq!(
            (smtp.host.as_str(), smtp.port, smtp.security),
            ("smtp.qq.com", 465, Security::Tls)
        );
        let imap = config.imap.unwrap();
        assert_eq!((imap.host.as_str(), imap.port), ("imap.163.com", 994));
        assert!(!imap.save_sent, "163 files sent mail itself");
    }

    #[test]
    fn a_port_that_does_not_go_with_its_security_is_a_warning_naming_the_fix() {
        let source = SourceFile::new(
            "consultpack.toml",
            "[smtp]\nhost = \"smtp.qq.com\"\nport = 465\nsecurity = \"starttls\"\nusername = \"a@qq.com\"\npassword_env = \"X\"\n",
        );
        let (config, diagnostics) = parse(&source, today());
        assert!(config.is_some(), "a warning, not an error");
        let warning = diagnostics.iter().next().unwrap();
        assert_eq!(warning.location.as_ref().unwrap().line, 3);
        assert!(
            warning
                .message
                .contains("port 465 is for security = \"tls\""),
            "{}",
            warning.message
        );
        assert!(warning.hint.as_ref().unwrap().contains("587"));
    }

    #[test]
    fn netease_hosts_get_the_imap_id_and_outlook_senders_a_warning() {
        let source = SourceFile::new(
            "consultpack.toml",
            "[sender]\nname = \"x\"\nemail = \"family@Hotmail.com\"\n\n[imap]\nhost = \"imap.163.com\"\nport = 993\nsecurity = \"tls\"\nusername = \"a@163.com\"\npassword_env = \"Y\"\n",
        );
        let (config, diagnostics) = parse(&source, today());
        let config = config.expect("a warning, not an error");
        assert!(crate::mail::providers::needs_imap_id(
            config.imap.as_ref().unwrap()
        ));
        let warning = diagnostics.iter().next().unwrap();
        assert_eq!(warning.location.as_ref().unwrap().line, 3);
        assert!(
            warning.message.contains("Outlook.com"),
            "{}",
            warning.message
        );
        for (address, outlook) in [
            ("a@outlook.com", true),
            ("a@live.cn", true),
            ("a@msn.com", true),
            ("a@qq.com", false),
            ("a@outlook.hospital.cn", false),
        ] {
            assert_eq!(outlook_personal(address), outlook, "{address}");
        }
        let qq = SourceFile::new(
            "consultpack.toml",
            "[imap]\nprovider = \"qq\"\nusername = \"a@qq.com\"\npassword_env = \"Y\"\n",
        );
        let imap = parse(&qq, today()).0.unwrap().imap.unwrap();
        assert!(!crate::mail::providers::needs_imap_id(&imap));
    }

    #[test]
    fn the_interface_language_is_zh_or_en() {
        let source = SourceFile::new("consultpack.toml", "ui = \"zh\"\n");
        let (config, diagnostics) = parse(&source, today());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(config.unwrap().ui, Some(Lang::Zh));
        let source = SourceFile::new("consultpack.toml", "# settings\nui = \"klingon\"\n");
        let (config, diagnostics) = parse(&source, today());
        assert!(config.is_none());
        let error = diagnostics.iter().next().unwrap();
        assert_eq!(
            error.message,
            "`ui` in consultpack.toml has an unknown value `klingon`"
        );
        assert_eq!(error.location.as_ref().unwrap().line, 2);
        assert!(error.hint.as_ref().unwrap().contains("`zh`, `en`"));
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let secret = Secret::Command(vec!["pass".into(), "show".into(), "mail/qq".into()]);
        assert_eq!(format!("{secret:?}"), "Secret::Command(pass)");
    }

    #[test]
    fn plain_connections_only_to_localhost() {
        let source = SourceFile::new(
            "consultpack.toml",
            "[smtp]\nhost = \"smtp.qq.com\"\nsecurity = \"none\"\nusername = \"a@qq.com\"\npassword_env = \"X\"\n",
        );
        let (_, diagnostics) = parse(&source, today());
        assert!(
            diagnostics
                .iter()
                .any(|d| d.message.contains("unencrypted"))
        );
        let local = SourceFile::new(
            "consultpack.toml",
            "[smtp]\nhost = \"127.0.0.1\"\nport = 2525\nsecurity = \"none\"\nusername = \"a\"\npassword_env = \"X\"\n",
        );
        let (config, diagnostics) = parse(&local, today());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(config.unwrap().smtp.unwrap().port, 2525);
    }
}
