//! What the family's mail provider needs: servers, ports, security, and its habits (Sent folder
//! filled by itself or not, the IMAP `ID` command NetEase demands, what password it takes).
//! Sources: shared/reference/email-and-providers.md §5; every value can be overridden in
//! consultpack.toml.

use crate::config::Security;
use crate::toml_reader::Choice;
use crate::tr;

/// A known mail provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Qq,
    Netease163,
    Netease126,
    Gmail,
    Outlook,
    Icloud,
}

impl Choice for Provider {
    const CHOICES: &'static [(&'static str, Self)] = &[
        ("qq", Provider::Qq),
        ("163", Provider::Netease163),
        ("126", Provider::Netease126),
        ("gmail", Provider::Gmail),
        ("outlook", Provider::Outlook),
        ("icloud", Provider::Icloud),
        ("qq.com", Provider::Qq),
        ("163.com", Provider::Netease163),
        ("126.com", Provider::Netease126),
        ("hotmail", Provider::Outlook),
    ];
}

/// A server as a provider publishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
}

/// A provider's settings and habits.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub smtp: Endpoint,
    pub imap: Endpoint,
    /// The provider files mail sent over SMTP in Sent itself; an IMAP APPEND would duplicate it.
    pub files_sent_itself: bool,
    /// IMAP needs the `ID` command before SELECT ("Unsafe Login" otherwise).
    pub needs_imap_id: bool,
}

impl Provider {
    pub fn preset(self) -> Preset {
        let tls = Security::Tls;
        let starttls = Security::Starttls;
        let e = |host, port, security| Endpoint {
            host,
            port,
            security,
        };
        match self {
            Provider::Qq => Preset {
                smtp: e("smtp.qq.com", 465, tls),
                imap: e("imap.qq.com", 993, tls),
                files_sent_itself: false,
                needs_imap_id: false,
            },
            Provider::Netease163 => Preset {
                smtp: e("smtp.163.com", 465, tls),
                imap: e("imap.163.com", 993, tls),
                files_sent_itself: true,
                needs_imap_id: true,
            },
            Provider::Netease126 => Preset {
                smtp: e("smtp.126.com", 465, tls),
                imap: e("imap.126.com", 993, tls),
                files_sent_itself: true,
                needs_imap_id: true,
            },
            Provider::Gmail => Preset {
                smtp: e("smtp.gmail.com", 465, tls),
                imap: e("imap.gmail.com", 993, tls),
                files_sent_itself: true,
                needs_imap_id: false,
            },
            Provider::Outlook => Preset {
                smtp: e("smtp-mail.outlook.com", 587, starttls),
                imap: e("outlook.office365.com", 993, tls),
                files_sent_itself: true,
                needs_imap_id: false,
            },
            Provider::Icloud => Preset {
                smtp: e("smtp.mail.me.com", 587, starttls),
                imap: e("imap.mail.me.com", 993, tls),
                files_sent_itself: false,
                needs_imap_id: false,
            },
        }
    }

    /// What to tell the family when the login is refused.
    pub fn password_hint(self) -> String {
        match self {
            Provider::Qq => tr!(
                "QQ Mail takes a 16-letter authorisation code (授权码), not the QQ password: QQ邮箱 → 设置 → 账户 → 开启 IMAP/SMTP 服务 → 生成授权码"
            ),
            Provider::Netease163 => tr!(
                "163 Mail takes a client authorisation code (客户端授权密码), not the web password: 设置 → POP3/SMTP/IMAP → 开启服务 → 新增授权密码"
            ),
            Provider::Netease126 => tr!(
                "126 Mail takes a client authorisation code (客户端授权密码), not the web password: 设置 → POP3/SMTP/IMAP → 开启服务 → 新增授权密码"
            ),
            Provider::Gmail => tr!(
                "Gmail takes an app password (Google Account → Security → 2-Step Verification → App passwords), not the account password"
            ),
            Provider::Outlook => tr!(
                "Outlook.com personal accounts no longer accept passwords over SMTP/IMAP (Microsoft retired basic authentication); use another provider for sending, or a work account whose administrator allows SMTP AUTH"
            ),
            Provider::Icloud => tr!(
                "iCloud Mail takes an app-specific password (appleid.apple.com → Sign-In and Security → App-Specific Passwords); the IMAP user name is the part before @icloud.com"
            ),
        }
    }
}

/// The usual security of a well-known port, when it disagrees with the one chosen: 465 and 993
/// speak TLS from the first byte, 587 and 143 start plain and upgrade with STARTTLS.
pub fn port_mismatch(port: u16, security: Security) -> Option<Security> {
    match (port, security) {
        (465 | 993, Security::Starttls) => Some(Security::Tls),
        (587 | 143, Security::Tls) => Some(Security::Starttls),
        _ => None,
    }
}

/// Whether the IMAP server wants the `ID` command before SELECT: NetEase's (163, 126, yeah.net)
/// refuse clients that do not say who they are ("Unsafe Login"), whether or not `provider` is
/// set in consultpack.toml.
pub fn needs_imap_id(server: &crate::config::Server) -> bool {
    let host = server.host.to_ascii_lowercase();
    server.provider.is_some_and(|p| p.preset().needs_imap_id)
        || ["163.com", "126.com", "yeah.net", "188.com"]
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_use_the_ports_their_security_expects() {
        for (_, provider) in Provider::CHOICES {
            let preset = provider.preset();
            for endpoint in [preset.smtp, preset.imap] {
                assert_eq!(
                    port_mismatch(endpoint.port, endpoint.security),
                    None,
                    "{provider:?}"
                );
            }
        }
    }

    #[test]
    fn mismatched_ports_are_named() {
        assert_eq!(port_mismatch(465, Security::Starttls), Some(Security::Tls));
        assert_eq!(port_mismatch(587, Security::Tls), Some(Security::Starttls));
        assert_eq!(port_mismatch(2525, Security::Tls), None);
    }
}
