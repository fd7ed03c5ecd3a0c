//! `consultpack build`: every active contact's packet (or those named), in the form its channel
//! takes. The records are read and compressed once ([`RecordStore`]), the DICOM folders indexed
//! once, the portal packs' record PDFs written once per distinct set of inputs and one at a
//! time ([`portal::RecordPdfs`]: photos are decoded whole), each distinct summary laid out once
//! (contacts whose summaries say the same share it), each distinct page made into an image once
//! ([`pages`]); then each contact's packet is made in a staging folder and swapped into
//! `out/<contact>/` whole, a few contacts at a time.

mod email;
mod pages;
mod platform;
mod portal;

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use comfy_table::{Table, presets};
use indicatif::{ProgressBar, ProgressStyle};

use super::summary::{appended_record, load_fonts};
use super::{load_valid, print_diagnostics, print_stdout};
use crate::case::Case;
use crate::case::model::{Record, RecordKind};
use crate::cli::BuildArgs;
use crate::clinical::{self, Criterion};
use crate::config::{Config, Secret};
use crate::contacts::{Contact, Delivery};
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::dicom::CaseIndex;
use crate::error::{Error, Result};
use crate::folder::{CaseFolder, Loaded, RECORDS_DIR};
use crate::fonts::Fonts;
use crate::inputs::Inputs;
use crate::ledger::{self, Built, Event, What};
use crate::packet::cover::{self, CoverContext, CoverLetter, LetterView, MailboxView};
use crate::packet::store::{self, RecordStore};
use crate::packet::{self, FileEntry, PACKET_FILE, Pack, PacketJson, RecordFilter, names};
use crate::pdf;
use crate::summary::{self, SummaryInput};
use crate::templates::Template;
use crate::text::Lang;
use crate::tr;

/// What one contact's build produced, for the summary table and the ledger.
struct Outcome {
    contact: String,
    pack: Pack,
    files: usize,
    bytes: u64,
    /// E-mail packs: the largest message and the limit.
    encoded: Option<(u64, u64)>,
    parts: usize,
    packet_sha256: String,
}

/// Everything the contacts' builds share, made once.
struct Shared<'a> {
    folder: &'a CaseFolder,
    case: &'a Case,
    config: Option<&'a Config>,
    today: NaiveDate,
    created: NaiveDateTime,
    criteria: Vec<Criterion>,
    records_root: PathBuf,
    store: RecordStore,
    dicom: CaseIndex,
    split: bool,
    passphrase: Option<String>,
    /// How the packets were built, written into packet.json so `send` can rebuild alike.
    built_with: packet::BuiltWith,
    inputs_sha256: String,
    /// Each stored record's language, declared or detected (`packet::language`).
    languages: Vec<Option<Lang>>,
    /// Parsed once and shared: each face is 16 MB in memory.
    fonts: Fonts,
    summaries: Summaries,
    pages: pages::PageCache,
    record_pdfs: portal::RecordPdfs,
}

/// Each contact's summary PDF (without records), made once per distinct document.
#[derive(Default)]
struct Summaries {
    /// Each distinct document's PDF and what each of its pages shows, or why it could not be
    /// made.
    made: Vec<std::result::Result<(pdf::Rendered, Vec<crate::layout::Page>), Explained>>,
    /// By contact id: which of `made`, or why its document could not be made.
    of: std::collections::HashMap<String, std::result::Result<usize, Explained>>,
}

impl Summaries {
    /// Lays out and writes the summaries of `contacts`, each distinct document once, `workers`
    /// at a time.
    fn make(shared: &Shared, contacts: &[&Contact], workers: usize) -> Self {
        let mut documents: Vec<(Vec<u8>, crate::document::Document)> = Vec::new();
        let mut of = std::collections::HashMap::new();
        for contact in contacts {
            let index = shared.summary_document(contact).map(|document| {
                let key = serde_json::to_vec(&document).expect("a document serializes");
                match documents.iter().position(|(k, _)| *k == key) {
                    Some(index) => index,
                    None => {
                        documents.push((key, document));
                        documents.len() - 1
                    }
                }
            });
            of.insert(contact.id.clone(), index.map_err(|e| explained(&e)));
        }
        let made = crate::parallel::map(&documents, workers, |(_, document)| {
            pdf::render_with_pages(document, &shared.fonts, shared.created)
                .map_err(|e| explained(&e))
        });
        Self { made, of }
    }

    /// Lets go of what each page shows, once the page images are planned.
    fn forget_pages(&mut self) {
        for (_, pages) in self.made.iter_mut().flatten() {
            *pages = Vec::new();
        }
    }
}

/// An error's message and hint, to give again to each contact it concerns.
type Explained = (String, Option<String>);

fn explained(e: &Error) -> Explained {
    (e.to_string(), e.hint().map(str::to_string))
}

pub fn run(folder: &CaseFolder, args: &BuildArgs, today: NaiveDate) -> Result<()> {
    let loaded = load_valid(folder, today)?;
    build(folder, &loaded, args, today, true)
}

/// Builds the packets `args` asks for from a loaded, valid case; the table of packets goes to
/// standard output when `table` is set.
pub(super) fn build(
    folder: &CaseFolder,
    loaded: &Loaded,
    args: &BuildArgs,
    today: NaiveDate,
    show_table: bool,
) -> Result<()> {
    let started = std::time::Instant::now();
    let case = &loaded
        .case
        .as_ref()
        .ok_or_else(|| Error::user(tr!("the case could not be read"), None))?
        .case;
    let contacts = select_contacts(&loaded.contacts, &args.contacts)?;
    let mut filter = RecordFilter::default();
    for spec in &args.records {
        filter
            .add(spec)
            .map_err(|e| Error::user(tr!("--records {spec}: {e}", spec, e), None))?;
    }
    let passphrase = args.encrypt.then(|| passphrase(args)).transpose()?;
    let out_root = match args.out.clone() {
        Some(out) => out,
        None => folder.output_dir(crate::folder::OUT_DIR)?,
    };
    // Before anything is made: the ledger can record it, and no packet may go where the
    // family's files are.
    ledger::check_writable(folder.root())?;
    for contact in &contacts {
        let target = out_root.join(&contact.id);
        if let Some(dir) = folder.own_folder_holding(&target) {
            return Err(Error::user(
                tr!(
                    "will not build into `{path}`: it is inside the case's {dir}/ folder",
                    path = target.display(),
                    dir
                ),
                Some(tr!(
                    "give --out a folder of its own (for example the case's out/)"
                )),
            ));
        }
        packet::output::check_replaceable(&target)?;
    }
    if !out_root.exists() {
        crate::private_file::create_dir(&out_root)?;
    }
    packet::output::remove_stale(&out_root);

    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    let built_with = packet::BuiltWith {
        split: args.split,
        encrypt: args.encrypt,
        records: args.records.clone(),
        fonts: args.font.clone(),
    };
    // Packets that are current are left as they are: checking costs a `stat` per input file.
    let mut inputs = Inputs::scan(folder);
    let current = if args.force {
        Vec::new()
    } else {
        current_packets(
            &contacts,
            &out_root,
            case,
            today,
            &built_with,
            &mut inputs,
            workers,
        )
    };
    for (contact, _) in &current {
        eprintln!("{}", tr!("`{contact}`: up to date", contact = contact.id));
    }
    if !current.is_empty() {
        eprintln!(
            "{}",
            tr!(
                "nothing these packets are made from changed since they were built; `consultpack build --force` builds them again"
            )
        );
    }
    let every = contacts;
    let contacts: Vec<&Contact> = every
        .iter()
        .filter(|c| !current.iter().any(|(done, _)| done.id == c.id))
        .copied()
        .collect();
    if contacts.is_empty() {
        inputs.save();
        if show_table {
            let outcomes: Vec<Outcome> = current.into_iter().map(|(_, o)| o).collect();
            print_stdout(&table(&outcomes, &out_root))?;
        }
        return Ok(());
    }

    // Another patient's series stops the build before anything is written.
    let dicom = super::dicom_index(folder, case);
    super::refuse_foreign_dicom(folder, case, &dicom)?;

    let records_root = folder.path(RECORDS_DIR);
    let mut records: Vec<&Record> = case
        .records
        .iter()
        .filter(|r| r.kind != RecordKind::Dicom && filter.keeps(r.kind, r.date))
        .collect();
    records.sort_by(|a, b| (a.date, &a.path).cmp(&(b.date, &b.path)));
    let packet_names = names::packet_names(&case.records);
    let record_names: Vec<String> = records
        .iter()
        .map(|r| packet_names[&r.path].clone())
        .collect();

    let total_bytes: u64 = records
        .iter()
        .filter_map(|r| std::fs::metadata(records_root.join(&r.path)).ok())
        .map(|m| m.len())
        .sum();
    let bar = progress_bar(total_bytes, tr!("reading records"));
    let store = RecordStore::build(
        &records_root,
        &records,
        &record_names,
        &out_root,
        workers,
        &|b| bar.inc(b),
    )?;
    bar.finish_and_clear();
    // The store has read every record it holds: those need not be read again to hash them.
    for record in &store.records {
        let name = Path::new(RECORDS_DIR).join(&record.original);
        inputs.learn(&name.to_string_lossy(), &record.source_sha256);
    }
    inputs.hash_pending(workers);
    let inputs_sha256 = inputs.fingerprint().expect("every input is hashed");
    inputs.save();

    let mut warnings = super::dicom_warnings(folder, &dicom);
    for (path, reason) in &store.left_out {
        let shown = folder.display(RECORDS_DIR).join(path);
        warnings.push(
            Diagnostic::warning(tr!(
                "`{path}` was left out of every packet (its photo metadata could not be removed): {reason}",
                path = shown.display(),
                reason
            ))
            .at(Location::file(&shown))
            .hint(tr!(
                "open it and save it again (or scan it again), or leave it out with --records"
            )),
        );
    }

    let languages = record_languages(&records_root, &records);
    warnings.extend(chinese_records_found(&contacts, &records, &languages));

    let mut shared = Shared {
        languages,
        folder,
        case,
        config: loaded.config.as_ref(),
        today,
        created: today.and_hms_opt(0, 0, 0).expect("midnight exists"),
        criteria: clinical::evaluate(case, today),
        records_root,
        store,
        dicom,
        split: args.split,
        passphrase,
        inputs_sha256,
        built_with,
        fonts: load_fonts(&args.font)?,
        summaries: Summaries::default(),
        pages: pages::PageCache::default(),
        record_pdfs: portal::RecordPdfs::new(&out_root)?,
    };
    portal::make_record_pdfs(&shared, &contacts);
    shared.summaries = Summaries::make(&shared, &contacts, workers);
    shared.pages = make_page_images(&shared, &contacts, &out_root, workers)?;
    shared.summaries.forget_pages();
    warnings.extend(shared.pages.warnings(folder));

    let bar = progress_bar(contacts.len() as u64, tr!("building packets"));
    // The prefix is the word after the count, in the interface language.
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} {prefix}")
            .expect("valid template"),
    );
    bar.set_prefix(tr!("contacts"));
    let results = crate::parallel::map(&contacts, workers, |contact| {
        let result = build_contact(&shared, contact, &out_root.join(&contact.id));
        bar.inc(1);
        result
    });
    bar.finish_and_clear();

    if !shared.dicom.files.is_empty()
        && contacts.iter().any(|c| {
            matches!(
                c.imaging.as_ref().map(|i| i.delivery),
                Some(Delivery::Link | Delivery::Portal)
            )
        })
    {
        let path = out_root.join(imaging_zip_name(case));
        write_imaging_zip(&path, &shared.records_root, &shared.dicom.files)?;
        eprintln!(
            "{}",
            tr!(
                "build: DICOM for upload or a link: {path}",
                path = path.display()
            )
        );
    }

    let mut failures = Vec::new();
    let mut outcomes: Vec<Outcome> = current.into_iter().map(|(_, o)| o).collect();
    for (contact, result) in contacts.iter().zip(results) {
        match result {
            Ok((outcome, contact_warnings)) => {
                warnings.extend(contact_warnings);
                ledger::append(
                    folder.root(),
                    &Event {
                        at: chrono::Utc::now(),
                        what: What::Built(Built {
                            contact: outcome.contact.clone(),
                            pack: outcome.pack.name().to_string(),
                            date: today,
                            packet_sha256: outcome.packet_sha256.clone(),
                            files: outcome.files,
                            bytes: outcome.bytes,
                            encoded_bytes: outcome.encoded.map(|(e, _)| e),
                            parts: outcome.parts,
                            data_date: case.data_date(today),
                        }),
                    },
                )?;
                outcomes.push(outcome);
            }
            Err(e) => failures.push((contact.id.clone(), e)),
        }
    }
    print_diagnostics(&mut warnings);
    for (id, error) in &failures {
        eprintln!(
            "{} {}",
            crate::diagnostic::Severity::Error.label(),
            tr!("`{id}`: {error}", id, error)
        );
        if let Some(hint) = error.hint() {
            eprintln!("  = {} {hint}", crate::diagnostic::hint_label());
        }
    }
    if args.encrypt && outcomes.iter().any(|o| o.pack == Pack::Email) {
        eprintln!(
            "{}",
            tr!(
                "The e-mail zips are encrypted with AES-256. They open with {programs}; Windows Explorer, macOS Archive Utility and `unzip` cannot open them. Give the passphrase by phone or WeChat, never in an e-mail.",
                programs = packet::sealed::OPENS_WITH
            )
        );
    }
    if show_table && !outcomes.is_empty() {
        // In the order the contacts were asked for, up-to-date ones among them.
        outcomes.sort_by_key(|o| every.iter().position(|c| c.id == o.contact));
        print_stdout(&table(&outcomes, &out_root))?;
    }
    let built = contacts.len() - failures.len();
    let seconds = format!("{:.1}", started.elapsed().as_secs_f64());
    eprintln!(
        "{}",
        match shared.pages.made {
            0 => tr!("built {built} packet(s) in {seconds} s", built, seconds),
            pages => tr!(
                "built {built} packet(s) in {seconds} s ({pages} page image(s) made, each once)",
                built,
                seconds,
                pages
            ),
        }
    );
    match failures.len() {
        0 => Ok(()),
        n => Err(Error::user(
            tr!(
                "{n} of {total} packet(s) could not be built (see above); the others were",
                n,
                total = every.len()
            ),
            None,
        )),
    }
}

/// The contacts named with `--contact` (even inactive ones), else every active contact.
fn select_contacts<'a>(
    list: &'a crate::contacts::ContactList,
    wanted: &[String],
) -> Result<Vec<&'a Contact>> {
    if wanted.is_empty() {
        let active: Vec<&Contact> = list.contacts.iter().filter(|c| c.active).collect();
        if active.is_empty() {
            return Err(Error::user(
                tr!("no active contact to build for"),
                Some(tr!(
                    "set `active = true` for a contact in contacts.toml, or name one with --contact"
                )),
            ));
        }
        return Ok(active);
    }
    let mut out = Vec::new();
    for id in wanted {
        let contact = list.get(id).map_err(|unknown| {
            Error::user(
                unknown.to_string(),
                Some(tr!("`consultpack contacts list` shows every id")),
            )
        })?;
        if !out.iter().any(|c: &&Contact| c.id == contact.id) {
            out.push(contact);
        }
    }
    Ok(out)
}

fn passphrase(args: &BuildArgs) -> Result<String> {
    let secret = match &args.passphrase_command {
        Some(command) => Secret::Command(vec!["sh".into(), "-c".into(), command.clone()]),
        None => Secret::Env(args.passphrase_env.clone()),
    };
    let value = secret.fetch().map_err(|e| {
        Error::user(
            tr!("--encrypt needs a passphrase: {e}", e),
            Some(tr!("set CONSULTPACK_ZIP_PASSPHRASE, or use --passphrase-env VAR or --passphrase-command CMD; send the passphrase by another channel")),
        )
    })?;
    if value.chars().count() < 8 {
        return Err(Error::user(
            tr!("the passphrase is shorter than 8 characters"),
            Some(tr!(
                "use a longer passphrase: the zip is only as safe as it"
            )),
        ));
    }
    Ok(value)
}

fn build_contact(
    shared: &Shared,
    contact: &Contact,
    target: &Path,
) -> Result<(Outcome, Diagnostics)> {
    match Pack::for_channel(contact.channel) {
        Pack::Email => email::build(shared, contact, target),
        Pack::Platform => platform::build(shared, contact, target),
        Pack::Portal => portal::build(shared, contact, target),
    }
}

/// The page images the platform contacts need — every record's and their summaries' pages at
/// each contact's limits — each distinct page made once (a summary page that shows what a page
/// of another contact's summary shows is that page), with a progress bar on a terminal.
fn make_page_images(
    shared: &Shared,
    contacts: &[&Contact],
    temp_parent: &Path,
    workers: usize,
) -> Result<pages::PageCache> {
    let mut wanted = Vec::new();
    // Summary pages made so far: what each shows, in which summary, which page, at what limits.
    let mut shown: Vec<(
        &crate::layout::Page,
        String,
        usize,
        crate::page_images::Limits,
    )> = Vec::new();
    let mut summaries = std::collections::HashSet::new();
    for contact in contacts
        .iter()
        .filter(|c| Pack::for_channel(c.channel) == Pack::Platform)
    {
        let limits = platform::limits(contact);
        if let Some(Ok(index)) = shared.summaries.of.get(&contact.id)
            && let Ok((summary, laid_out)) = &shared.summaries.made[*index]
            && summaries.insert((*index, limits))
        {
            let sha256 = store::sha256(&summary.bytes);
            let mut same_as = std::collections::HashMap::new();
            for (n, page) in laid_out.iter().enumerate() {
                match shown.iter().find(|(p, _, _, l)| *p == page && *l == limits) {
                    Some((_, theirs, their_page, _)) => {
                        same_as.insert(n + 1, (theirs.clone(), *their_page));
                    }
                    None => shown.push((page, sha256.clone(), n + 1, limits)),
                }
            }
            wanted.push(pages::Wanted {
                sha256,
                file: pages::File::Made(&summary.bytes),
                pages: Some(summary.pages),
                limits,
                same_as,
            });
        }
        for record in &shared.store.records {
            wanted.push(pages::Wanted {
                sha256: record.source_sha256.clone(),
                file: pages::File::Record {
                    path: shared.records_root.join(&record.original),
                    original: record.original.clone(),
                },
                pages: record.pages.map(|p| p as usize),
                limits,
                same_as: std::collections::HashMap::new(),
            });
        }
    }
    let bar = ProgressBar::new(
        wanted
            .iter()
            .map(|w| (w.pages.unwrap_or(1) - w.same_as.len()) as u64)
            .sum(),
    );
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} {prefix}")
            .expect("valid template"),
    );
    bar.set_message(tr!("making page images"));
    bar.set_prefix(tr!("pages"));
    let cache = pages::PageCache::render(wanted, temp_parent, workers, &|n| bar.inc(n));
    bar.finish_and_clear();
    cache
}

impl Shared<'_> {
    /// The summary document for a contact (without records).
    fn summary_document(&self, contact: &Contact) -> Result<crate::document::Document> {
        let lang = contact.language;
        let template = self.folder.template(&summary::template_name(lang))?;
        summary::build(SummaryInput {
            case: self.case,
            contact: Some(contact),
            lang,
            today: self.today,
            template: &template,
            appended: &[],
            criteria: &self.criteria,
            dicom: &self.dicom.studies,
        })
        .map_err(template_error)
    }

    /// The summary PDF for a contact (without records), with its warnings, made once for
    /// every contact whose summary says the same ([`Summaries`]).
    fn summary(&self, contact: &Contact) -> Result<&pdf::Rendered> {
        let made = self
            .summaries
            .of
            .get(&contact.id)
            .expect("every contact built has its summary made first")
            .as_ref()
            .and_then(|&index| self.summaries.made[index].as_ref());
        made.map(|(rendered, _)| rendered)
            .map_err(|(message, hint)| Error::user(message.clone(), hint.clone()))
    }

    fn summary_name(&self, contact: &Contact) -> String {
        format!(
            "{}_{}_summary_{}.pdf",
            self.case.patient.id,
            self.today,
            contact.language.code()
        )
    }

    /// The cover letter for a contact with this letter's particulars.
    fn cover(&self, contact: &Contact, letter: LetterView) -> Result<CoverLetter> {
        let lang = contact.language;
        let template: Template = self.folder.template(&cover::template_name(lang))?;
        let mut case = summary::context::build(
            self.case,
            Some(contact),
            &self.criteria,
            lang,
            self.today,
            false,
        );
        case.headline = None;
        cover::render(&template, &CoverContext { case, letter }).map_err(template_error)
    }

    /// What the packet's texts say about the case, in one language.
    fn statement(&self, lang: Lang) -> crate::statement::Statement {
        crate::statement::build(self.case, &self.criteria, lang, self.today)
    }

    /// The records in Chinese that an English reader gets untranslated, one line each, by the
    /// names `name` gives them in this pack; nothing for Chinese readers.
    fn untranslated(&self, lang: Lang, name: impl Fn(usize) -> String) -> Vec<String> {
        if lang != Lang::En {
            return Vec::new();
        }
        self.store
            .records
            .iter()
            .enumerate()
            .filter(|(i, _)| self.languages.get(*i) == Some(&Some(Lang::Zh)))
            .map(|(i, r)| format!("{} — {} {}", name(i), r.title.best(lang), r.date))
            .collect()
    }

    /// The letter's particulars every pack shares.
    fn letter(&self, contact: &Contact, pack: Pack) -> LetterView {
        let (imaging_delivery, imaging_studies) =
            cover::imaging_delivery(contact, &self.dicom.studies, contact.language);
        let sender = self.config.and_then(|c| c.sender.as_ref());
        LetterView {
            pack: pack.name(),
            attachments: Vec::new(),
            imaging_delivery,
            imaging_studies,
            reply_to: sender.map(|s| MailboxView {
                name: s.name.clone(),
                email: s.reply_to.clone().unwrap_or_else(|| s.email.clone()),
            }),
            sender_name: sender.map(|s| s.name.clone()),
            part: None,
            contents: Vec::new(),
            untranslated: Vec::new(),
            encrypted: false,
        }
    }

    /// A page listing the DICOM studies, for contacts who get them on a disc or in person.
    fn imaging_index_pdf(&self, contact: &Contact, fonts: &Fonts) -> Result<Option<Vec<u8>>> {
        let delivery = contact.imaging.as_ref().map(|i| i.delivery);
        if self.dicom.studies.is_empty()
            || !matches!(
                delivery,
                Some(Delivery::InPerson | Delivery::Courier | Delivery::Disc)
            )
        {
            return Ok(None);
        }
        let lang = contact.language;
        let (sentence, _) = cover::imaging_delivery(contact, &self.dicom.studies, lang);
        let mut blocks = vec![
            crate::document::Block::Heading {
                level: 1,
                text: vec![crate::document::Span::plain(format!(
                    "{} · {}",
                    lang.pick("DICOM 影像索引", "DICOM index"),
                    self.case.patient.id
                ))],
            },
            crate::document::Block::Paragraph(vec![crate::document::Span::plain(sentence)]),
        ];
        blocks.extend(summary::blocks::dicom_index(&self.dicom.studies, lang));
        let document = crate::document::Document {
            title: format!(
                "{} {}",
                self.case.patient.id,
                lang.pick("DICOM 影像索引", "DICOM index")
            ),
            lang,
            paper: contact.paper,
            running_header: self.case.patient.id.clone(),
            records_follow: false,
            date: self.today,
            blocks,
        };
        Ok(Some(
            pdf::render_summary(&document, fonts, self.created)?.bytes,
        ))
    }

    fn record_header(&self, record_index: usize, contact: &Contact) -> pdf::AppendedRecord {
        let original = &self.store.records[record_index].original;
        let record = self
            .case
            .records
            .iter()
            .find(|r| &r.path == original)
            .expect("store records come from the case");
        let identifiers = summary::context::identifiers(self.case, Some(contact), contact.language);
        let name =
            packet::names::RecordNames::of(self.case, Some(Pack::for_channel(contact.channel)))
                .name(original);
        appended_record(self.folder, record, &name, &identifiers, contact.language)
    }
}

fn template_error(e: crate::templates::TemplateError) -> Error {
    Error::user(
        e.to_string(),
        Some(tr!(
            "fix the template, or delete the case's copy to use the shipped one"
        )),
    )
}

/// Lists every file under `dir` (relative, sorted) with its size and SHA-256, and writes
/// `packet.json`; returns the outcome's totals and the packet's SHA-256.
fn finish_packet(
    staging: &packet::output::Staging,
    shared: &Shared,
    mut json: PacketJson,
) -> Result<(usize, u64, String)> {
    json.built_with = shared.built_with.clone();
    json.inputs_sha256 = shared.inputs_sha256.clone();
    let mut files = Vec::new();
    collect(staging.path(), Path::new(""), &mut files)?;
    files.sort();
    let mut entries = Vec::new();
    let mut bytes = 0;
    for relative in files {
        let (len, sha256) = staging.sha256(&relative)?;
        bytes += len;
        entries.push(FileEntry {
            file: relative.to_string_lossy().replace('\\', "/"),
            bytes: len,
            sha256,
        });
    }
    json.files = entries;
    let mut text = serde_json::to_string_pretty(&json).expect("packet.json serializes");
    text.push('\n');
    staging.write(PACKET_FILE, text.as_bytes())?;
    Ok((
        json.files.len() + 1,
        bytes + text.len() as u64,
        store::sha256(text.as_bytes()),
    ))
}

fn collect(root: &Path, relative: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let dir = root.join(relative);
    for entry in std::fs::read_dir(&dir).map_err(Error::io("list", &dir))? {
        let entry = entry.map_err(Error::io("list", &dir))?;
        let rel = relative.join(entry.file_name());
        if entry
            .file_type()
            .map_err(Error::io("inspect", entry.path()))?
            .is_dir()
        {
            collect(root, &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

/// Each record's language: declared, else detected from its title or, for a PDF of at most
/// 64 MB, its text layer (records are untrusted: lopdf reads them with a content limit).
fn record_languages(records_root: &Path, records: &[&Record]) -> Vec<Option<Lang>> {
    const PDF_READ_LIMIT: u64 = 64_000_000;
    records
        .iter()
        .map(|record| {
            let is_pdf = record
                .path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
            let bytes = (record.language.is_none() && is_pdf)
                .then(|| {
                    crate::case_files::read_capped(&records_root.join(&record.path), PDF_READ_LIMIT)
                        .ok()
                })
                .flatten();
            packet::language::record_language(record, bytes.as_deref())
        })
        .collect()
}

/// Records found to be in Chinese (no `language` written) while English readers who need
/// translations are built for: one warning naming them, since `check` cannot see it.
fn chinese_records_found(
    contacts: &[&Contact],
    records: &[&Record],
    languages: &[Option<Lang>],
) -> Diagnostics {
    let mut out = Diagnostics::default();
    let readers: Vec<&str> = contacts
        .iter()
        .filter(|c| c.needs_translation && c.language == Lang::En)
        .map(|c| c.id.as_str())
        .collect();
    let found: Vec<String> = records
        .iter()
        .zip(languages)
        .filter(|(r, l)| r.language.is_none() && **l == Some(Lang::Zh))
        .map(|(r, _)| format!("records/{}", r.path.display()))
        .collect();
    if !readers.is_empty() && !found.is_empty() {
        out.push(
            crate::diagnostic::Diagnostic::warning(tr!(
                "{readers} need records in English; {count} record(s) without `language` are in Chinese by their text or title: {records}",
                readers = readers.join(", "),
                count = found.len(),
                records = found.join(", ")
            ))
            .hint(tr!(
                "their cover letters and intake answers say so; write language = \"zh\" in each record's sidecar, and put an English translation beside it if you have one"
            )),
        );
    }
    out
}

/// The inputs fingerprint of the case as it is now (see [`crate::inputs`]): records whose size,
/// times and inode are as cached are not read.
pub(super) fn inputs_fingerprint(folder: &CaseFolder) -> String {
    let mut inputs = Inputs::scan(folder);
    inputs.hash_pending(2);
    let fingerprint = inputs.fingerprint().expect("every input is hashed");
    inputs.save();
    fingerprint
}

/// The contacts whose packet in `out_root` is current, with its row for the table: built for
/// `today` with the same options, every file of it still there at its size, and made from
/// inputs with the fingerprint they have now. Reads no record the hash cache knows, renders
/// nothing. Encrypted packets are never current (the passphrase may differ, and is not kept).
fn current_packets<'a>(
    contacts: &[&'a Contact],
    out_root: &Path,
    case: &Case,
    today: NaiveDate,
    built_with: &packet::BuiltWith,
    inputs: &mut Inputs,
    workers: usize,
) -> Vec<(&'a Contact, Outcome)> {
    if built_with.encrypt {
        return Vec::new();
    }
    let has_dicom = case.records.iter().any(|r| r.kind == RecordKind::Dicom);
    let imaging_zip = out_root.join(imaging_zip_name(case));
    let candidates: Vec<(&Contact, PacketJson, Vec<u8>)> = contacts
        .iter()
        .filter_map(|&contact| {
            let dir = out_root.join(&contact.id);
            let bytes = crate::case_files::read_capped(
                &dir.join(PACKET_FILE),
                crate::case_files::TOML_LIMIT,
            )
            .ok()?;
            let json: PacketJson = serde_json::from_slice(&bytes).ok()?;
            let needs_zip = has_dicom
                && matches!(
                    contact.imaging.as_ref().map(|i| i.delivery),
                    Some(Delivery::Link | Delivery::Portal)
                );
            let whole = json.files.iter().all(|f| {
                std::fs::metadata(dir.join(&f.file))
                    .is_ok_and(|m| m.is_file() && m.len() == f.bytes)
            });
            (json.format == packet::PACKET_FORMAT
                && json.contact == contact.id
                && json.pack == Pack::for_channel(contact.channel)
                && json.date == today
                && json.built_with == *built_with
                && whole
                && (!needs_zip || imaging_zip.is_file()))
            .then_some((contact, json, bytes))
        })
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    inputs.hash_pending(workers);
    let fingerprint = inputs.fingerprint().expect("every input is hashed");
    candidates
        .into_iter()
        .filter(|(_, json, _)| json.inputs_sha256 == fingerprint)
        .map(|(contact, json, bytes)| (contact, Outcome::of_packet(&json, &bytes)))
        .collect()
}

impl Outcome {
    /// The table row of a packet built earlier, from its `packet.json`.
    fn of_packet(json: &PacketJson, bytes: &[u8]) -> Outcome {
        Outcome {
            contact: json.contact.clone(),
            pack: json.pack,
            files: json.files.len() + 1,
            bytes: json.files.iter().map(|f| f.bytes).sum::<u64>() + bytes.len() as u64,
            encoded: json.size_limit_bytes.map(|limit| {
                let largest = json.messages.iter().map(|m| m.encoded_bytes).max();
                (largest.unwrap_or(0), limit)
            }),
            parts: json.messages.len().max(1),
            packet_sha256: store::sha256(bytes),
        }
    }
}

fn imaging_zip_name(case: &Case) -> String {
    format!("imaging_{}.zip", case.patient.id)
}

/// The DICOM folders as one stored (not deflated) zip: images do not compress, and a stored
/// zip opens fast on any machine.
fn write_imaging_zip(path: &Path, records_root: &Path, files: &[PathBuf]) -> Result<()> {
    crate::private_file::write_with(path, |out| {
        let mut zip = zip::ZipWriter::new_stream(out);
        for file in files {
            let source = records_root.join(file);
            let len = std::fs::metadata(&source)
                .map_err(Error::io("read", &source))?
                .len();
            let options = packet::bundle::private_entry()
                .compression_method(zip::CompressionMethod::Stored)
                .last_modified_time(packet::bundle::entry_time(None))
                .large_file(len >= u64::from(u32::MAX));
            let name = file.to_string_lossy().replace('\\', "/");
            zip.start_file(name, options)
                .map_err(store::zip_error(path))?;
            let mut input =
                crate::case_files::open_regular(&source).map_err(Error::io("read", &source))?;
            std::io::copy(&mut input, &mut zip).map_err(Error::io("write", path))?;
        }
        zip.finish().map_err(store::zip_error(path))?;
        Ok(())
    })
}

fn progress_bar(len: u64, message: String) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes}")
            .expect("valid template"),
    );
    bar.set_message(message);
    bar
}

fn table(outcomes: &[Outcome], out_root: &Path) -> String {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING);
    table.set_header([
        tr!("contact"),
        tr!("pack"),
        tr!("files"),
        tr!("size"),
        tr!("e-mail size / limit"),
        tr!("folder"),
    ]);
    for o in outcomes {
        let encoded = match o.encoded {
            Some((encoded, limit)) => {
                let (encoded, limit) = (cover::human_size(encoded), cover::human_size(limit));
                if o.parts > 1 {
                    tr!(
                        "{encoded} / {limit} (largest of {parts} parts)",
                        encoded,
                        limit,
                        parts = o.parts
                    )
                } else {
                    format!("{encoded} / {limit}")
                }
            }
            None => "—".to_string(),
        };
        table.add_row([
            o.contact.clone(),
            o.pack.name().to_string(),
            o.files.to_string(),
            cover::human_size(o.bytes),
            encoded,
            out_root.join(&o.contact).display().to_string(),
        ]);
    }
    format!("{table}\n")
}
