//! Reads contact files and merges the family's entries over the shipped ones, field by field.

use chrono::NaiveDate;
use serde::Serialize;
use toml::Spanned;

use super::{
    Channel, Contact, ContactList, DEFAULT_FOLLOW_UP_DAYS, DEFAULT_SIZE_LIMIT_MB, Delivery,
    ImagingRequest, shipped, valid_email,
};
use crate::diagnostic::{Diagnostics, Location, SourceFile};
use crate::text::{Lang, Text};
use crate::toml_reader::{Reader, Table};
use crate::tr;

/// Where a contact's fields came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactSource {
    /// Shipped with consultpack.
    Shipped,
    /// Added by the family in contacts.toml.
    Family,
    /// Shipped, with fields overridden in contacts.toml.
    Merged,
}

/// The fields one file gives for one contact; absent fields are taken from the shipped entry.
#[derive(Debug, Clone, Default)]
struct ContactPatch {
    id: String,
    at: Option<Location>,
    institution: Option<Text>,
    departments: Option<Vec<Text>>,
    doctor: Option<Text>,
    title: Option<Text>,
    city: Option<Text>,
    country: Option<String>,
    language: Option<Lang>,
    channel: Option<Channel>,
    website: Option<String>,
    email: Option<String>,
    cc: Option<Vec<String>>,
    platform: Option<String>,
    imaging: Option<ImagingRequest>,
    size_limit_mb: Option<u32>,
    follow_up_days: Option<u32>,
    text_limit: Option<u32>,
    image_max_px: Option<u32>,
    image_max_kb: Option<u32>,
    notes: Option<Text>,
    needs_translation: Option<bool>,
    lab_units: Option<crate::lab::UnitSystem>,
    convention: Option<crate::gaps::Convention>,
    paper: Option<crate::document::Paper>,
    asks_first: Option<Vec<crate::gaps::Item>>,
    active: Option<bool>,
}

/// Loads the shipped list and merges the family's `contacts.toml` (if given) over it.
pub fn load(family: Option<&SourceFile>, today: NaiveDate) -> (ContactList, Diagnostics) {
    let mut diagnostics = Diagnostics::default();
    let mut merged: Vec<(ContactPatch, ContactSource)> = Vec::new();
    for source in shipped::files() {
        let (patches, d) = read_file(&source, today);
        diagnostics.extend(d);
        merged.extend(patches.into_iter().map(|p| (p, ContactSource::Shipped)));
    }
    if let Some(source) = family {
        let (patches, d) = read_file(source, today);
        diagnostics.extend(d);
        for patch in patches {
            match merged.iter_mut().find(|(m, _)| m.id == patch.id) {
                Some((base, origin)) => {
                    overlay(base, patch);
                    *origin = ContactSource::Merged;
                }
                None => merged.push((patch, ContactSource::Family)),
            }
        }
    }
    let mut contacts = Vec::new();
    let mut reader_for_errors = Diagnostics::default();
    for (patch, source) in merged {
        if let Some(contact) = finish(patch, source, &mut reader_for_errors) {
            contacts.push(contact);
        }
    }
    diagnostics.extend(reader_for_errors);
    contacts.sort_by(|a, b| a.id.cmp(&b.id));
    (ContactList { contacts }, diagnostics)
}

/// Contact ids name folders and files (with the patient id and a date, well under the 255
/// bytes a file name may have).
const MAX_ID_LEN: usize = 40;

/// Parses one file's `[[contact]]` entries; ids must be unique within the file.
fn read_file(source: &SourceFile, today: NaiveDate) -> (Vec<ContactPatch>, Diagnostics) {
    let mut reader = Reader::new(source, today);
    let Some(doc) = reader.parse() else {
        return (Vec::new(), reader.diagnostics);
    };
    let mut root = Table::new(source.path.display().to_string(), doc.get_ref(), 0..0);
    let mut patches: Vec<ContactPatch> = Vec::new();
    for mut t in root.tables(&mut reader, "contact") {
        if let Some(patch) = read_contact(&mut reader, &mut t) {
            if patches.iter().any(|p| p.id == patch.id) {
                let span = t.span_of("id");
                reader.error(
                    span,
                    tr!(
                        "contact id `{id}` appears twice in this file",
                        id = patch.id
                    ),
                    Some(tr!(
                        "each [[contact]] needs its own id; to change a shipped contact, use its id once"
                    )),
                );
            } else {
                patches.push(patch);
            }
        }
        t.finish(&mut reader);
    }
    root.finish(&mut reader);
    (patches, reader.diagnostics)
}

fn read_contact(reader: &mut Reader<'_>, t: &mut Table<'_, '_>) -> Option<ContactPatch> {
    let id = t.required_string(reader, "id", "\"zhongshan-liver\"")?;
    let id_ok = !id.get_ref().is_empty()
        && id.get_ref().len() <= MAX_ID_LEN
        && id
            .get_ref()
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        let mut shown: String = id.get_ref().chars().take(MAX_ID_LEN).collect();
        if shown.len() < id.get_ref().len() {
            shown.push('…');
        }
        reader.error(
            id.span(),
            tr!(
                "contact id `{shown}` may use only a–z, 0–9 and `-`, at most {max} of them",
                shown,
                max = MAX_ID_LEN
            ),
            Some(tr!("ids name folders and files, e.g. \"zhongshan-liver\"")),
        );
        return None;
    }
    if let Some(folder) = crate::folder::OWN_FOLDERS
        .iter()
        .chain(&[crate::folder::OUT_DIR])
        .find(|f| **f == id.get_ref())
    {
        reader.error(
            id.span(),
            tr!(
                "contact id `{id}` is the name of the case's own {folder}/ folder",
                id = id.get_ref(),
                folder
            ),
            Some(tr!(
                "a contact's packet goes into a folder named after its id: choose another id, e.g. \"{id}-team\"",
                id = id.get_ref()
            )),
        );
        return None;
    }
    t.name = format!("[[contact]] `{}`", id.get_ref());
    let at = Some(reader.source.locate(id.span()));
    let email = t.string(reader, "email").and_then(|e| {
        if valid_email(e.get_ref().trim()) {
            Some(e.get_ref().trim().to_string())
        } else {
            reader.error(
                e.span(),
                tr!(
                    "`{address}` is not a valid e-mail address",
                    address = e.get_ref()
                ),
                Some(tr!(
                    "write only the address, like \"dr.li@hospital.example.cn\" (no name, no spaces)"
                )),
            );
            None
        }
    });
    let cc = t.has("cc").then(|| {
        t.strings(reader, "cc")
            .into_iter()
            .filter_map(|e| {
                if valid_email(e.get_ref().trim()) {
                    Some(e.get_ref().trim().to_string())
                } else {
                    reader.error(
                        e.span(),
                        tr!(
                            "`{address}` in `cc` is not a valid e-mail address",
                            address = e.get_ref()
                        ),
                        Some(tr!(
                            "write only addresses, like cc = [\"secretary@hospital.example.cn\"]"
                        )),
                    );
                    None
                }
            })
            .collect()
    });
    let website = t.string(reader, "website").and_then(|w| {
        if w.get_ref().starts_with("https://") || w.get_ref().starts_with("http://") {
            Some(w.into_inner())
        } else {
            reader.error(
                w.span(),
                tr!(
                    "website `{website}` must start with https:// or http://",
                    website = w.get_ref()
                ),
                None,
            );
            None
        }
    });
    let imaging = t.table(reader, "imaging").map(|mut it| {
        it.name = tr!("`imaging` of {table}", table = t.name);
        let wants = it.text(reader, "wants").map(Spanned::into_inner);
        let delivery = it
            .choice(reader, "delivery")
            .map_or(Delivery::Unknown, Spanned::into_inner);
        it.finish(reader);
        ImagingRequest { wants, delivery }
    });
    let mut positive = |key: &'static str, t: &mut Table<'_, '_>, max: i64| {
        t.integer(reader, key)
            .and_then(|n| match u32::try_from(*n.get_ref()) {
                Ok(v) if v > 0 && i64::from(v) <= max => Some(v),
                _ => {
                    reader.error(
                        n.span(),
                        tr!("`{key}` must be a whole number from 1 to {max}", key, max),
                        None,
                    );
                    None
                }
            })
    };
    let size_limit_mb = positive("size_limit_mb", t, 1000);
    let follow_up_days = positive("follow_up_days", t, 365);
    let text_limit = positive("text_limit", t, 100_000);
    let image_max_px = positive("image_max_px", t, 20_000);
    let image_max_kb = positive("image_max_kb", t, 100_000);
    Some(ContactPatch {
        id: id.into_inner(),
        at,
        institution: t.text(reader, "institution").map(Spanned::into_inner),
        departments: t.has("departments").then(|| {
            t.texts(reader, "departments")
                .into_iter()
                .map(Spanned::into_inner)
                .collect()
        }),
        doctor: t.text(reader, "doctor").map(Spanned::into_inner),
        title: t.text(reader, "title").map(Spanned::into_inner),
        city: t.text(reader, "city").map(Spanned::into_inner),
        country: t.string(reader, "country").map(Spanned::into_inner),
        language: t.choice(reader, "language").map(Spanned::into_inner),
        channel: t.choice(reader, "channel").map(Spanned::into_inner),
        website,
        email,
        cc,
        platform: t.string(reader, "platform").map(Spanned::into_inner),
        imaging,
        size_limit_mb,
        follow_up_days,
        text_limit,
        image_max_px,
        image_max_kb,
        notes: t.text(reader, "notes").map(Spanned::into_inner),
        needs_translation: t.bool(reader, "needs_translation"),
        lab_units: t.choice(reader, "lab_units").map(Spanned::into_inner),
        convention: t.choice(reader, "convention").map(Spanned::into_inner),
        paper: t.choice(reader, "paper").map(Spanned::into_inner),
        asks_first: t.has("asks_first").then(|| t.choices(reader, "asks_first")),
        active: t.bool(reader, "active"),
    })
}

/// Lays the family's fields over a shipped entry.
fn overlay(base: &mut ContactPatch, patch: ContactPatch) {
    macro_rules! take {
        ($($field:ident),+) => { $( if patch.$field.is_some() { base.$field = patch.$field; } )+ };
    }
    take!(
        institution,
        departments,
        doctor,
        title,
        city,
        country,
        language,
        channel,
        website,
        email,
        cc,
        platform,
        imaging,
        size_limit_mb,
        follow_up_days,
        text_limit,
        image_max_px,
        image_max_kb,
        notes,
        needs_translation,
        lab_units,
        convention,
        paper,
        asks_first,
        active
    );
    base.at = patch.at.or(base.at.take());
}

/// Checks that a merged entry is complete and consistent.
fn finish(
    patch: ContactPatch,
    source: ContactSource,
    diagnostics: &mut Diagnostics,
) -> Option<Contact> {
    let at = patch.at.clone();
    let mut fail = |message: String, hint: String| {
        let mut d = crate::diagnostic::Diagnostic::error(message).hint(hint);
        d.location = at.clone();
        diagnostics.push(d);
    };
    let (Some(institution), Some(language), Some(channel)) =
        (patch.institution.clone(), patch.language, patch.channel)
    else {
        fail(
            tr!(
                "contact `{id}` needs `institution`, `language` and `channel`",
                id = patch.id
            ),
            tr!("a new contact (an id not in `consultpack contacts list`) must give all three"),
        );
        return None;
    };
    if !institution.has(language) {
        let id = &patch.id;
        let message = match language {
            Lang::Zh => tr!(
                "contact `{id}` reads Chinese but its `institution` has no Chinese text",
                id
            ),
            Lang::En => tr!(
                "contact `{id}` reads English but its `institution` has no English text",
                id
            ),
        };
        fail(
            message,
            tr!("write the institution as {{ zh = \"...\", en = \"...\" }}"),
        );
    }
    let convention = patch
        .convention
        .unwrap_or(crate::gaps::Convention::of_reader(
            language,
            patch.country.as_deref(),
        ));
    let paper = patch.paper.unwrap_or(crate::document::Paper::of_reader(
        language,
        patch.country.as_deref(),
    ));
    Some(Contact {
        id: patch.id,
        institution,
        departments: patch.departments.unwrap_or_default(),
        doctor: patch.doctor,
        title: patch.title,
        city: patch.city,
        country: patch.country,
        language,
        channel,
        website: patch.website,
        email: patch.email,
        cc: patch.cc.unwrap_or_default(),
        platform: patch.platform,
        imaging: patch.imaging,
        size_limit_mb: patch.size_limit_mb.unwrap_or(DEFAULT_SIZE_LIMIT_MB),
        follow_up_days: patch.follow_up_days.unwrap_or(DEFAULT_FOLLOW_UP_DAYS),
        text_limit: patch.text_limit,
        image_max_px: patch.image_max_px,
        image_max_kb: patch.image_max_kb,
        notes: patch.notes,
        needs_translation: patch.needs_translation.unwrap_or(false),
        lab_units: patch
            .lab_units
            .unwrap_or(crate::lab::UnitSystem::for_language(language)),
        convention,
        paper,
        asks_first: patch.asks_first,
        active: patch.active.unwrap_or(true),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn the_shipped_list_loads_cleanly() {
        let (list, diagnostics) = load(None, today());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert!(list.contacts.len() >= 8);
        assert!(
            list.contacts.iter().all(|c| c.email.is_none()),
            "no invented addresses"
        );
        assert!(list.get("zhongshan-liver").is_ok());
    }

    #[test]
    fn family_entries_override_fields_and_add_contacts() {
        let family = SourceFile::new(
            "contacts.toml",
            "[[contact]]\nid = \"zhongshan-liver\"\nemail = \"dr.li@example.org\"\nchannel = \"email\"\n\n[[contact]]\nid = \"dr-chen\"\ninstitution = \"Dr. Chen's clinic\"\nlanguage = \"en\"\nchannel = \"email\"\nemail = \"chen@example.org\"\n",
        );
        let (list, diagnostics) = load(Some(&family), today());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let zs = list.get("zhongshan-liver").unwrap();
        assert_eq!(zs.email.as_deref(), Some("dr.li@example.org"));
        assert_eq!(zs.language, Lang::Zh, "untouched fields stay");
        assert_eq!(zs.source, ContactSource::Merged);
        assert_eq!(list.get("dr-chen").unwrap().source, ContactSource::Family);
    }

    #[test]
    fn bad_addresses_and_duplicate_ids_are_errors() {
        let family = SourceFile::new(
            "contacts.toml",
            "[[contact]]\nid = \"dr-a\"\ninstitution = \"A\"\nlanguage = \"en\"\nchannel = \"email\"\nemail = \"not an address\"\n\n[[contact]]\nid = \"dr-a\"\n",
        );
        let (_, diagnostics) = load(Some(&family), today());
        let messages: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.message.clone(), d.location.as_ref().map(|l| l.line)))
            .collect();
        assert!(
            messages.contains(&(
                "`not an address` is not a valid e-mail address".into(),
                Some(6)
            )),
            "{messages:?}"
        );
        assert!(
            messages.contains(&(
                "contact id `dr-a` appears twice in this file".into(),
                Some(9)
            )),
            "{messages:?}"
        );
    }

    #[test]
    fn unknown_ids_suggest_the_nearest() {
        let (list, _) = load(None, today());
        let err = list.get("zhongshan-livr").unwrap_err();
        assert_eq!(err.nearest.as_deref(), Some("zhongshan-liver"));
    }
}
