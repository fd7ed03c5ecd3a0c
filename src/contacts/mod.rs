//! The hospitals and doctors a packet can go to: the list shipped with the program, merged with
//! the family's own `contacts.toml` (their additions, real addresses and overrides).

mod parse;
mod shipped;

use serde::Serialize;

pub use parse::{ContactSource, load};

use crate::case::model::choice_enum;
use crate::text::{Lang, Text};
use crate::toml_reader::{Choice, did_you_mean};

choice_enum!(
    /// How a contact takes a request for a second opinion.
    Channel {
        Email = ["email"],
        Portal = ["portal"],
        Platform = ["platform"],
        Courier = ["courier"],
        InPerson = ["in-person"],
        Phone = ["phone"],
        Wechat = ["wechat"],
    }
);

choice_enum!(
    /// How a contact wants the DICOM images (never by e-mail).
    Delivery {
        Portal = ["portal"],
        Link = ["link"],
        Courier = ["courier"],
        Disc = ["disc"],
        InPerson = ["in-person"],
        Unknown = ["unknown"],
    }
);

/// What imaging a contact wants and how it should reach them.
#[derive(Debug, Clone, Serialize)]
pub struct ImagingRequest {
    pub wants: Option<Text>,
    pub delivery: Delivery,
}

/// One hospital team or doctor, after merging.
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub id: String,
    pub institution: Text,
    pub departments: Vec<Text>,
    pub doctor: Option<Text>,
    /// The doctor's title as letters greet them: `{ zh = "教授", en = "Professor" }`
    /// ("尊敬的范嘉教授"); without it a Chinese letter says 医生.
    pub title: Option<Text>,
    pub city: Option<Text>,
    /// ISO 3166 country code, e.g. `CN`, `US`.
    pub country: Option<String>,
    pub language: Lang,
    pub channel: Channel,
    pub website: Option<String>,
    pub email: Option<String>,
    /// Addresses that get a copy of every message to this contact (a secretary, a coordinator).
    pub cc: Vec<String>,
    /// The consultation platform for `channel = "platform"`, e.g. `haodf.com`.
    pub platform: Option<String>,
    pub imaging: Option<ImagingRequest>,
    /// The largest e-mail this contact's server accepts, in MB.
    pub size_limit_mb: u32,
    /// Days to wait for a reply before a follow-up is due.
    pub follow_up_days: u32,
    /// Platform packs: characters the longest text field (the case description) may have;
    /// `None` takes the platform's preset.
    pub text_limit: Option<u32>,
    /// Platform packs: the longest side of a page image in pixels (default 2000).
    pub image_max_px: Option<u32>,
    /// Platform packs: the largest page image in KB (default 1500).
    pub image_max_kb: Option<u32>,
    pub notes: Option<Text>,
    /// The team wants records in its own language (translated), not only the summary.
    pub needs_translation: bool,
    /// The units the team reads labs in; by default SI for Chinese, US conventional for
    /// English (`lab_units = "si" | "us"`).
    pub lab_units: crate::lab::UnitSystem,
    /// How the team works a case up, for what it asks for first (`convention =
    /// "cn-liver-surgery" | "us-transplant"`); by default from the country, else the language.
    pub convention: crate::gaps::Convention,
    /// The paper their summary and letters are laid out on (`paper = "letter" | "a4"`); by
    /// default US Letter for a contact in the US or Canada, A4 elsewhere, else by language.
    pub paper: crate::document::Paper,
    /// What the team asks for first, replacing its convention's list (`asks_first = ["icg-r15",
    /// "endoscopy"]`): each the case does not hold is listed as not available.
    pub asks_first: Option<Vec<crate::gaps::Item>>,
    /// Inactive contacts are listed but skipped by `build` without `--contact`.
    pub active: bool,
    pub source: ContactSource,
}

/// Default size limit: the smallest common provider limit (QQ Mail, 163: about 20–25 MB).
pub const DEFAULT_SIZE_LIMIT_MB: u32 = 20;
pub const DEFAULT_FOLLOW_UP_DAYS: u32 = 14;

/// The merged list, sorted by id.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContactList {
    pub contacts: Vec<Contact>,
}

/// A contact id that is not in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownContact {
    pub id: String,
    pub nearest: Option<String>,
}

impl std::fmt::Display for UnknownContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = &self.id;
        f.write_str(&match &self.nearest {
            Some(near) => crate::tr!(
                "no contact with id `{id}` (did you mean `{near}`?)",
                id,
                near
            ),
            None => crate::tr!("no contact with id `{id}`", id),
        })
    }
}

impl ContactList {
    pub fn get(&self, id: &str) -> Result<&Contact, UnknownContact> {
        self.contacts
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| UnknownContact {
                id: id.to_string(),
                nearest: did_you_mean(id, self.contacts.iter().map(|c| c.id.as_str()))
                    .map(str::to_string),
            })
    }

    /// The languages the active contacts read.
    pub fn languages(&self) -> Vec<Lang> {
        let mut langs: Vec<Lang> = self
            .contacts
            .iter()
            .filter(|c| c.active)
            .map(|c| c.language)
            .collect();
        langs.sort();
        langs.dedup();
        langs
    }
}

/// Whether an e-mail address is well formed enough to send to (RFC 5321 shape, no display
/// name). Deliberately strict: a typo caught here is a letter not lost.
pub fn valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(char::is_alphabetic) && tld.len() >= 2);
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses() {
        for good in ["dr.li@zs-hospital.sh.cn", "a+b@example.org", "x@医院.中国"] {
            assert!(valid_email(good), "{good}");
        }
        for bad in [
            "",
            "no-at.example.org",
            "a@b",
            "a@@b.org",
            "a b@c.org",
            "a@b..org",
            "a@-b.org",
            "Name <a@b.org>",
            ".a@b.org",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}
