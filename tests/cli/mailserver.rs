//! The real SMTP and IMAP servers on 127.0.0.1 that scripts/test.sh starts (scripts/mailtest/),
//! as the tests see them: settings for a case's consultpack.toml, and what arrived.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::Test;

/// The password of every test user (`scripts/mailtest`): it must appear in no file or output.
pub const PASSWORD: &str = "testpass";

pub struct Servers {
    pub ca: PathBuf,
    pub smtp_port: u16,
    pub smtps_port: u16,
    pub imap_port: u16,
    pub imaps_port: u16,
    pub spool: PathBuf,
    pub maildir: PathBuf,
    pub dovecot_conf: PathBuf,
}

/// The servers, from the variables scripts/mailtest/start.sh writes to env.sh.
pub fn servers() -> Servers {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: run the tests with scripts/test.sh, which starts the mail servers (scripts/mailtest/start.sh) and sources their env.sh")
        })
    };
    let port = |name: &str| var(name).parse().unwrap();
    Servers {
        ca: var("MAILTEST_CA_CERT").into(),
        smtp_port: port("MAILTEST_SMTP_PORT"),
        smtps_port: port("MAILTEST_SMTPS_PORT"),
        imap_port: port("MAILTEST_IMAP_PORT"),
        imaps_port: port("MAILTEST_IMAPS_PORT"),
        spool: var("MAILTEST_SPOOL").into(),
        maildir: var("MAILTEST_MAILDIR_ROOT").into(),
        dovecot_conf: var("MAILTEST_DOVECOT_CONF").into(),
    }
}

/// A user name no other test uses (each gets its own mailbox).
pub fn unique_user(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}{}p{}",
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::process::id()
    )
}

/// How the case sends: SMTP on STARTTLS or implicit TLS, with or without the test CA.
#[derive(Clone, Copy)]
pub enum Smtp {
    Starttls,
    Tls,
}

impl Servers {
    /// consultpack.toml for a sender `user` (whose mailbox also receives the IMAP side).
    pub fn config(&self, user: &str, smtp: Smtp, trust_test_ca: bool) -> String {
        // IMAP follows SMTP's choice, so that both kinds of connection are exercised.
        let (port, security, imap_port) = match smtp {
            Smtp::Starttls => (self.smtp_port, "starttls", self.imap_port),
            Smtp::Tls => (self.smtps_port, "tls", self.imaps_port),
        };
        let ca = if trust_test_ca {
            "ca_file = \"test-ca.pem\"\n"
        } else {
            ""
        };
        format!(
            "[sender]\nname = \"李晓明\"\nemail = \"{user}@example.org\"\n\n\
             [smtp]\nhost = \"localhost\"\nport = {port}\nsecurity = \"{security}\"\nusername = \"{user}\"\npassword_env = \"TEST_MAIL_PASSWORD\"\n{ca}\n\
             [imap]\nhost = \"localhost\"\nport = {imap_port}\nsecurity = \"{security}\"\nusername = \"{user}\"\npassword_env = \"TEST_MAIL_PASSWORD\"\n{ca}"
        )
    }

    /// A demo case that sends as `sender` to `recipient` (zhongshan-liver's address), with the
    /// password in the environment.
    pub fn case(&self, sender: &str, recipient: &str, smtp: Smtp) -> Test {
        let test = Test::demo();
        fs::copy(&self.ca, test.path().join("test-ca.pem")).unwrap();
        test.write("consultpack.toml", &self.config(sender, smtp, true))
            .edit("contacts.toml", "liver-consult@example.org", recipient)
            .env("TEST_MAIL_PASSWORD", PASSWORD)
            .env("CONSULTPACK_RETRY_DELAYS_MS", "50,50")
    }

    /// Puts a message into `user`'s inbox the way a mail server does (Maildir: write into tmp/,
    /// then rename into new/), as if someone had written to the family.
    pub fn deliver(&self, user: &str, message: &str) {
        self.deliver_bytes(user, message.as_bytes());
    }

    /// [`Servers::deliver`] of a message that is not UTF-8 (raw GBK headers, say).
    pub fn deliver_bytes(&self, user: &str, message: &[u8]) {
        self.deliver_into(user, "", message);
    }

    /// Puts a message into one of `user`'s folders (Maildir++: `.Junk` is the folder Junk),
    /// as a provider's spam filter does.
    pub fn deliver_to_folder(&self, user: &str, folder: &str, message: &str) {
        self.deliver_into(user, &format!(".{folder}"), message.as_bytes());
    }

    fn deliver_into(&self, user: &str, folder: &str, message: &[u8]) {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let user_root = self.maildir.join(user.to_lowercase());
        if !user_root.exists() {
            fs::create_dir_all(&user_root).unwrap();
            std::os::unix::fs::chown(&user_root, Some(65534), Some(65534)).unwrap();
        }
        let root = user_root.join(folder);
        for sub in ["", "tmp", "new", "cur"] {
            let dir = root.join(sub);
            if !dir.exists() {
                fs::create_dir_all(&dir).unwrap();
                std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
            }
        }
        let name = format!(
            "{}.T{}P{}.test",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            std::process::id()
        );
        let tmp = root.join("tmp").join(&name);
        let mut crlf = Vec::with_capacity(message.len());
        for &byte in message {
            if byte == b'\n' && crlf.last() != Some(&b'\r') {
                crlf.push(b'\r');
            }
            crlf.push(byte);
        }
        fs::write(&tmp, crlf).unwrap();
        fs::rename(&tmp, root.join("new").join(&name)).unwrap();
    }

    /// Makes the server renumber `user`'s inbox (a new UIDVALIDITY), as servers sometimes do.
    pub fn renumber_inbox(&self, user: &str, uid_validity: u32) {
        let status = std::process::Command::new("doveadm")
            .args([
                "-c",
                self.dovecot_conf.to_str().unwrap(),
                "mailbox",
                "update",
                "-u",
                &user.to_lowercase(),
                "--uid-validity",
                &uid_validity.to_string(),
                "INBOX",
            ])
            .status()
            .unwrap();
        assert!(status.success(), "doveadm mailbox update failed");
    }

    /// Every message the SMTP server accepted for `recipient`, as received, oldest first.
    pub fn received(&self, recipient: &str) -> Vec<Vec<u8>> {
        let mut found = Vec::new();
        let Ok(entries) = fs::read_dir(&self.spool) else {
            return found;
        };
        let mut jsons: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        jsons.sort();
        for json in jsons {
            let Ok(text) = fs::read_to_string(&json) else {
                continue;
            };
            let envelope: serde_json::Value = serde_json::from_str(&text).unwrap();
            let to_them = envelope["rcpt_tos"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r.as_str().unwrap().eq_ignore_ascii_case(recipient));
            if to_them {
                found.push(fs::read(envelope["eml"].as_str().unwrap()).unwrap());
            }
        }
        found
    }
}
