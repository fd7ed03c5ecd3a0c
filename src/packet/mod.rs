//! A contact's packet: what goes to one hospital or doctor, in the form their channel takes —
//! an e-mail bundle, a platform pack (haodf.com, internet hospitals, WeChat) or a portal pack
//! (US second-opinion intake).
//!
//! This module and its pure parts decide *what* a packet holds: file names ([`names`]), the
//! spreadsheets ([`tables`]), the manifest ([`manifest`]), the cover letter ([`cover`]), how
//! an e-mail bundle fits the contact's size limit ([`plan_parts`]), the paste-ready platform
//! text ([`fields`]) and the intake answers ([`intake`]). Reading records, writing zips and
//! folders are the effects beside them ([`store`], [`bundle`], [`output`]).

pub mod bundle;
pub mod cover;
pub mod fields;
pub mod intake;
pub mod language;
pub mod manifest;
pub mod names;
pub mod output;
pub mod sealed;
pub mod store;
pub mod tables;

use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::case::model::RecordKind;
use crate::contacts::{Channel, Contact};
use crate::mail::mime;
use crate::tr;

/// The three kinds of packet, by what the contact's channel takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pack {
    /// An e-mail with the summary and a zip bundle.
    Email,
    /// Paste-ready text and one image per page, for consultation platforms and WeChat.
    Platform,
    /// PDFs and intake answers, for upload forms; also what goes on paper (courier, in person).
    Portal,
}

impl Pack {
    pub fn for_channel(channel: Channel) -> Pack {
        match channel {
            Channel::Email => Pack::Email,
            Channel::Platform | Channel::Wechat | Channel::Phone => Pack::Platform,
            Channel::Portal | Channel::Courier | Channel::InPerson => Pack::Portal,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Pack::Email => "email",
            Pack::Platform => "platform",
            Pack::Portal => "portal",
        }
    }
}

/// Which records go into packets (`build --records …`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Only these kinds; empty means every kind.
    pub kinds: Vec<RecordKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl RecordFilter {
    pub fn keeps(&self, kind: RecordKind, date: crate::date::CaseDate) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && self.from.is_none_or(|from| date.day() >= from)
            && self.to.is_none_or(|to| date.day() <= to)
    }

    /// Parses one `--records` value: `kind=lab,imaging`, `from=2021-08-01` or `to=2021-12-31`.
    pub fn add(&mut self, spec: &str) -> Result<(), String> {
        use crate::toml_reader::Choice;
        let (key, value) = spec
            .split_once('=')
            .ok_or_else(|| tr!("`{spec}` is not `kind=…`, `from=DATE` or `to=DATE`", spec))?;
        let date = |v: &str| {
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map_err(|_| tr!("`{v}` is not a date like 2021-08-01", v))
        };
        match key.trim() {
            "kind" => {
                for word in value.split(',') {
                    let kind = RecordKind::parse_choice(word.trim()).ok_or_else(|| {
                        tr!(
                            "`{word}` is not a record kind (one of: {kinds})",
                            word,
                            kinds = RecordKind::canonical_names().join(", ")
                        )
                    })?;
                    self.kinds.push(kind);
                }
            }
            "from" => self.from = Some(date(value)?),
            "to" => self.to = Some(date(value)?),
            other => return Err(tr!("`{other}` is not `kind`, `from` or `to`", other)),
        }
        Ok(())
    }
}

/// A record as it goes into packets: measured once per build, named once per case.
#[derive(Debug, Clone, Serialize)]
pub struct RecordFile {
    /// Under records/, as the family named it.
    pub original: PathBuf,
    /// The ASCII name inside packets.
    pub name: String,
    pub kind: RecordKind,
    pub date: crate::date::CaseDate,
    pub title: crate::text::Text,
    pub bytes: u64,
    pub sha256: String,
    /// SHA-256 of the family's file as read (differs from `sha256` when a photo was scrubbed).
    pub source_sha256: String,
    /// Bytes it takes inside a zip (deflated or stored, whichever is smaller).
    pub zipped_bytes: u64,
    /// Pages of a PDF; 1 for an image.
    pub pages: Option<u32>,
    /// What was changed from the family's file on the way out, in the manifest's words
    /// ("metadata removed"); `None` when the bytes are the file's own.
    pub changed: Option<String>,
}

/// `packet.json`: what a packet holds and, for e-mail, exactly what `send` will send. Every
/// file is listed with its SHA-256, so the SHA-256 of this file identifies the packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PacketJson {
    pub format: String,
    pub contact: String,
    pub pack: Pack,
    pub language: String,
    pub patient: String,
    pub date: NaiveDate,
    /// For reply matching: `CP-XXXX`, stable per case and contact, in every subject.
    pub token: String,
    /// The contact's e-mail size limit (e-mail packs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_limit_bytes: Option<u64>,
    /// The messages `send` will send, in order (e-mail packs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessagePlan>,
    /// Every file of the packet folder except this one, relative to it.
    pub files: Vec<FileEntry>,
    /// The options it was built with, so that `send` rebuilds a stale packet alike.
    #[serde(default)]
    pub built_with: BuiltWith,
    /// The inputs fingerprint ([`crate::inputs`]): what the packet was made from (the case
    /// files, templates and every record, by content): when this changes, the packet is out of
    /// date. Not the packet's identity, which is the SHA-256 of this file.
    #[serde(default)]
    pub inputs_sha256: String,
}

impl PacketJson {
    /// The packet's identity: the SHA-256 of what would be sent — for an e-mail pack each
    /// part's subject, body and attachments (names and SHA-256s), for the other packs every
    /// file. Nothing else in packet.json counts: the build date, the inputs fingerprint (which
    /// covers consultpack.toml and contacts.toml) or the size limit change no byte that leaves,
    /// so a packet rebuilt after fixing a port is the same packet, and its parts already
    /// delivered are not sent again.
    pub fn identity(&self) -> String {
        let sha_of = |name: &str| {
            self.files
                .iter()
                .find(|f| f.file == name)
                .map_or("", |f| f.sha256.as_str())
        };
        let mut text = String::from("consultpack-identity/1\n");
        if self.messages.is_empty() {
            for f in &self.files {
                text.push_str(&format!("file {} {}\n", f.file, f.sha256));
            }
        }
        for m in &self.messages {
            text.push_str(&format!(
                "part {} of {}\nsubject {}\nbody {} {}\n",
                m.part,
                m.of,
                m.subject,
                m.body,
                sha_of(&m.body)
            ));
            for a in &m.attachments {
                text.push_str(&format!("attachment {} {}\n", a.file, a.sha256));
            }
        }
        store::sha256(text.as_bytes())
    }
}

/// The `build` options that shape a packet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuiltWith {
    pub split: bool,
    pub encrypt: bool,
    /// `--records` filters, as given.
    pub records: Vec<String>,
    /// `--font` files, as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fonts: Vec<PathBuf>,
}

pub const PACKET_FORMAT: &str = "consultpack-packet/1";
pub const PACKET_FILE: &str = "packet.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePlan {
    pub part: usize,
    pub of: usize,
    pub subject: String,
    /// The file holding the body text.
    pub body: String,
    pub attachments: Vec<FileEntry>,
    /// The size of the whole message as sent (base64 and MIME headers included).
    pub encoded_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// The case token of a contact: `CP-` and four hex digits from the patient and contact ids,
/// the same on every build, so that a reply can be matched by its subject.
pub fn case_token(patient_id: &str, contact_id: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{patient_id}\n{contact_id}").as_bytes());
    format!("CP-{:02X}{:02X}", digest[0], digest[1])
}

/// The largest e-mail a contact accepts, in bytes as sent (1 MB = 1,000,000 bytes, the smaller
/// reading of providers' "MB").
pub fn size_limit(contact: &Contact) -> u64 {
    u64::from(contact.size_limit_mb) * 1_000_000
}

/// Bytes a zip entry takes beyond its data, at most: local and central headers with the name
/// twice, AES and ZIP64 extra fields, a data descriptor.
pub fn zip_entry_overhead(name: &str) -> u64 {
    160 + 2 * name.len() as u64
}

/// How an e-mail bundle is divided into messages that each fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartsPlan {
    /// Indices of the records in each part, in date order.
    pub parts: Vec<Vec<usize>>,
}

/// Why a bundle cannot go by e-mail as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Oversize {
    /// Everything together is over the limit and splitting was not asked for.
    Total { estimated: u64, limit: u64 },
    /// One record alone does not fit in a message, even split.
    Record {
        index: usize,
        estimated: u64,
        limit: u64,
    },
}

/// Divides records into parts whose messages stay under `limit`. `fixed_first` is what the
/// first message carries besides the records (the summary twice, body, headers, generated
/// files); `fixed_other` what every later one does. Without `split` everything must fit in one.
/// Records keep their date order; a part is closed when the next record would not fit.
pub fn plan_parts(
    records: &[RecordFile],
    fixed_first: u64,
    fixed_other: u64,
    limit: u64,
    split: bool,
) -> Result<PartsPlan, Oversize> {
    let entry = |r: &RecordFile| r.zipped_bytes + zip_entry_overhead(&r.name);
    // A zip's entries are base64-encoded once the zip is attached: encode the sum, not each.
    let message = |fixed: u64, zip: u64| fixed + mime::base64_len(zip);
    let total: u64 = records.iter().map(entry).sum();
    if !split {
        let estimated = message(fixed_first, total);
        return if estimated <= limit {
            Ok(PartsPlan {
                parts: vec![(0..records.len()).collect()],
            })
        } else {
            Err(Oversize::Total { estimated, limit })
        };
    }
    let mut parts: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = 0u64;
    for (index, record) in records.iter().enumerate() {
        let fixed = if parts.len() == 1 {
            fixed_first
        } else {
            fixed_other
        };
        let size = entry(record);
        if message(fixed, used + size) <= limit {
            used += size;
            parts.last_mut().expect("never empty").push(index);
            continue;
        }
        if message(fixed_other, size) > limit {
            return Err(Oversize::Record {
                index,
                estimated: message(fixed_other, size),
                limit,
            });
        }
        parts.push(vec![index]);
        used = size;
    }
    Ok(PartsPlan { parts })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::case::Case;
    use crate::contacts::ContactList;
    use crate::folder::CaseFolder;

    pub fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    pub fn demo_case() -> Case {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-case");
        let loaded = CaseFolder::open(&root).unwrap().load(today()).unwrap();
        loaded.case.expect("the demo case is valid").case
    }

    pub fn contacts() -> ContactList {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-case");
        CaseFolder::open(&root)
            .unwrap()
            .load(today())
            .unwrap()
            .contacts
    }

    #[test]
    fn a_packets_identity_is_what_it_sends_not_how_it_was_built() {
        let file = |name: &str, sha: &str| FileEntry {
            file: name.into(),
            bytes: 1,
            sha256: sha.into(),
        };
        let packet = PacketJson {
            format: PACKET_FORMAT.into(),
            contact: "c".into(),
            pack: Pack::Email,
            language: "zh".into(),
            patient: "p".into(),
            date: today(),
            token: "CP-0000".into(),
            size_limit_bytes: Some(15_000_000),
            messages: vec![MessagePlan {
                part: 1,
                of: 1,
                subject: "s".into(),
                body: "cover-letter.txt".into(),
                attachments: vec![file("a.zip", "A")],
                encoded_bytes: 10,
            }],
            files: vec![file("cover-letter.txt", "L"), file("a.zip", "A")],
            built_with: BuiltWith::default(),
            inputs_sha256: "settings-1".into(),
        };
        let mut rebuilt = packet.clone();
        rebuilt.inputs_sha256 = "settings-2".into();
        rebuilt.size_limit_bytes = Some(20_000_000);
        rebuilt.date = today().succ_opt().unwrap();
        assert_eq!(packet.identity(), rebuilt.identity());
        let mut letter = packet.clone();
        letter.files[0].sha256 = "L2".into();
        assert_ne!(packet.identity(), letter.identity(), "the body changed");
        let mut subject = packet.clone();
        subject.messages[0].subject = "s2".into();
        assert_ne!(packet.identity(), subject.identity());
        let mut attachment = packet.clone();
        attachment.messages[0].attachments[0].sha256 = "A2".into();
        assert_ne!(packet.identity(), attachment.identity());
    }

    fn record(name: &str, zipped: u64) -> RecordFile {
        RecordFile {
            original: name.into(),
            name: name.into(),
            kind: RecordKind::Lab,
            date: today().into(),
            title: crate::text::Text::plain("x"),
            bytes: zipped,
            sha256: String::new(),
            source_sha256: String::new(),
            zipped_bytes: zipped,
            pages: Some(1),
            changed: None,
        }
    }

    #[test]
    fn case_tokens_are_stable_and_differ_per_contact() {
        let a = case_token("DEMO-LGQ", "zhongshan-liver");
        assert_eq!(a, case_token("DEMO-LGQ", "zhongshan-liver"));
        assert_ne!(a, case_token("DEMO-LGQ", "uwmc-liver"));
        assert!(a.starts_with("CP-") && a.len() == 7 && a.is_ascii(), "{a}");
    }

    #[test]
    fn channels_map_to_packs() {
        assert_eq!(Pack::for_channel(Channel::Email), Pack::Email);
        assert_eq!(Pack::for_channel(Channel::Wechat), Pack::Platform);
        assert_eq!(Pack::for_channel(Channel::Courier), Pack::Portal);
    }

    #[test]
    fn a_bundle_that_fits_is_one_part() {
        let records = vec![record("a", 1000), record("b", 2000)];
        let plan = plan_parts(&records, 500, 400, 10_000, false).unwrap();
        assert_eq!(plan.parts, vec![vec![0, 1]]);
    }

    #[test]
    fn over_the_limit_without_split_says_by_how_much() {
        let records = vec![record("a", 6000), record("b", 6000)];
        let err = plan_parts(&records, 500, 400, 10_000, false).unwrap_err();
        let Oversize::Total { estimated, limit } = err else {
            panic!("{err:?}")
        };
        assert!(estimated > 16_000 && limit == 10_000, "{estimated}");
    }

    #[test]
    fn split_parts_each_fit_and_keep_date_order() {
        let records: Vec<RecordFile> = (0..10).map(|i| record(&format!("r{i}"), 3000)).collect();
        let limit = 10_000;
        let plan = plan_parts(&records, 2000, 800, limit, true).unwrap();
        assert!(plan.parts.len() > 1);
        let flat: Vec<usize> = plan.parts.iter().flatten().copied().collect();
        assert_eq!(flat, (0..10).collect::<Vec<_>>());
        for (i, part) in plan.parts.iter().enumerate() {
            let fixed = if i == 0 { 2000 } else { 800 };
            let zip: u64 = part
                .iter()
                .map(|&r| records[r].zipped_bytes + zip_entry_overhead(&records[r].name))
                .sum();
            assert!(fixed + mime::base64_len(zip) <= limit, "part {i}");
        }
    }

    #[test]
    fn a_record_too_large_for_any_message_is_named() {
        let records = vec![record("small", 100), record("huge", 50_000)];
        let err = plan_parts(&records, 500, 400, 10_000, true).unwrap_err();
        assert!(matches!(err, Oversize::Record { index: 1, .. }), "{err:?}");
    }

    #[test]
    fn record_filters() {
        let mut filter = RecordFilter::default();
        filter.add("kind=lab,imaging").unwrap();
        filter.add("from=2021-08-01").unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(filter.keeps(RecordKind::Lab, d("2021-08-20").into()));
        assert!(!filter.keeps(RecordKind::Lab, d("2021-06-20").into()));
        assert!(!filter.keeps(RecordKind::Procedure, d("2021-08-27").into()));
        assert!(
            filter
                .add("kind=xray")
                .unwrap_err()
                .contains("not a record kind")
        );
        assert!(filter.add("since=2021").is_err());
    }
}
