//! Reading a case folder from disk: the one place that lists records/ and reads the TOML files,
//! so that parsing and validation stay pure.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::case::{self, CaseInput, LoadedCase, RecordIndex, Refusal};
use crate::case_files::{self, TOML_LIMIT};
use crate::config::{self, Config};
use crate::contacts::{self, ContactList};
use crate::diagnostic::{Diagnostic, Diagnostics, Location, SourceFile};
use crate::error::{Error, Result};
use crate::templates::Template;
use crate::tr;

pub const CASE_FILE: &str = "case.toml";
pub const CONFIG_FILE: &str = "consultpack.toml";
pub const CONTACTS_FILE: &str = "contacts.toml";
pub const RECORDS_DIR: &str = "records";
pub const TEMPLATES_DIR: &str = "templates";
pub const REPLIES_DIR: &str = "replies";
/// Where packets and PDFs go unless told otherwise.
pub const OUT_DIR: &str = "out";
/// Where consultpack keeps its own state: the ledger, the sync position, the send lock.
pub const STATE_DIR: &str = ".consultpack";
/// The folders of a case that hold what the family wrote or what consultpack must keep:
/// nothing is ever built into them, and no contact may be named like them.
pub const OWN_FOLDERS: [&str; 4] = [RECORDS_DIR, TEMPLATES_DIR, REPLIES_DIR, STATE_DIR];

/// A case folder on disk.
#[derive(Debug, Clone)]
pub struct CaseFolder {
    root: PathBuf,
}

/// What records/ holds: the file listing, the sidecars, and problems with stray sidecars.
struct RecordListing {
    index: RecordIndex,
    sidecars: Vec<(PathBuf, SourceFile)>,
    diagnostics: Diagnostics,
}

/// Everything read from a case folder, with every problem found.
pub struct Loaded {
    pub case: Option<LoadedCase>,
    pub contacts: ContactList,
    pub config: Option<Config>,
    pub diagnostics: Diagnostics,
}

/// How deep records/ is walked: deeper is a loop of links, not a family's filing.
const MAX_DEPTH: usize = 12;

/// A path with symlinks resolved as far as it exists, and `..` taken as the file system takes
/// it (from where the path has got to), so that `records/../records/x`, `out/new/../../records`
/// and a link into records/ are all seen for what they are.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut current = PathBuf::new();
    for component in absolute.components() {
        match component {
            std::path::Component::ParentDir => {
                current.pop();
            }
            std::path::Component::CurDir => {}
            other => {
                current.push(other);
                if let Ok(real) = fs::canonicalize(&current) {
                    current = real;
                }
            }
        }
    }
    current
}

fn starts_as_pdf(path: &Path) -> bool {
    let mut head = [0u8; 5];
    case_files::open_regular(path)
        .and_then(|mut f| io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| &head == b"%PDF-")
}

/// Whether `dir` has a case.toml of any kind: one that is not a regular file is found here, and
/// refused with its name when read, rather than skipped.
fn holds_case_file(dir: &Path) -> bool {
    dir.join(CASE_FILE).symlink_metadata().is_ok()
}

impl CaseFolder {
    /// A case folder that must already hold a case.toml.
    pub fn open(root: &Path) -> Result<Self> {
        let folder = Self {
            root: root.to_path_buf(),
        };
        if !holds_case_file(root) {
            let shown = root.display().to_string();
            let init = if shown.ends_with(".toml") || shown == "." {
                "`consultpack init my-case`".to_string()
            } else {
                format!("`consultpack init {shown}`")
            };
            return Err(Error::user(
                tr!(
                    "no case file `{path}`",
                    path = folder.display(CASE_FILE).display()
                ),
                Some(tr!(
                    "give the folder that holds case.toml with --case DIR, or create a new case with {init}",
                    init
                )),
            ));
        }
        Ok(folder)
    }

    /// The case folder a command works on. Given `--case DIR`: that folder (or the folder of a
    /// `case.toml` named instead); a folder inside a case is pointed at its case. Without it:
    /// this folder or the nearest one above that holds a case.toml, as git finds its repository.
    pub fn locate(explicit: Option<&Path>) -> Result<Self> {
        let Some(given) = explicit else {
            let here =
                std::env::current_dir().map_err(Error::io("find", tr!("the current folder")))?;
            if let Some(root) = here.ancestors().find(|dir| holds_case_file(dir)) {
                let root = if root == here {
                    PathBuf::from(".")
                } else {
                    root.to_path_buf()
                };
                return Ok(Self { root });
            }
            return Err(Error::user(
                tr!("there is no case.toml here or in any folder above"),
                Some(tr!(
                    "run this inside a case folder, pass --case DIR, or create a case with `consultpack init my-case`"
                )),
            ));
        };
        if given.file_name().is_some_and(|n| n == CASE_FILE) && given.symlink_metadata().is_ok() {
            let parent = given
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            return Self::open(parent);
        }
        if holds_case_file(given) {
            return Self::open(given);
        }
        let absolute = std::fs::canonicalize(given).unwrap_or_else(|_| given.to_path_buf());
        if let Some(case) = absolute
            .ancestors()
            .skip(1)
            .find(|dir| holds_case_file(dir))
        {
            return Err(Error::user(
                tr!(
                    "`{given}` is inside the case folder `{case}`, not a case folder itself",
                    given = given.display(),
                    case = case.display()
                ),
                Some(tr!("use --case {case}", case = case.display())),
            ));
        }
        Self::open(given)
    }

    /// A folder the tool writes into inside the case (`out`, `replies`), refused when it is a
    /// link that leads outside the case folder: patient data must not land elsewhere unseen.
    pub fn output_dir(&self, name: &str) -> Result<PathBuf> {
        let dir = self.display(name);
        if dir.symlink_metadata().is_ok() && !self.holds(&dir) {
            return Err(Error::user(
                tr!(
                    "`{dir}` leads outside the case folder (to `{target}`)",
                    dir = dir.display(),
                    target = resolved(&dir).display()
                ),
                Some(tr!(
                    "make `{name}` an ordinary folder inside the case, or give the output with -o",
                    name
                )),
            ));
        }
        Ok(dir)
    }

    /// Whether `path`, with links resolved, lies inside the case folder.
    pub fn holds(&self, path: &Path) -> bool {
        resolved(path).starts_with(resolved(&self.root))
    }

    /// Which of the case's own folders ([`OWN_FOLDERS`]) `path` is in or is, links resolved.
    pub fn own_folder_holding(&self, path: &Path) -> Option<&'static str> {
        let (target, root) = (resolved(path), resolved(&self.root));
        OWN_FOLDERS
            .into_iter()
            .find(|dir| target.starts_with(root.join(dir)))
    }

    /// Refuses an output path that would destroy what the family wrote: anything under
    /// records/, templates/, replies/ or .consultpack/, a file consultpack reads, something that is not a
    /// regular file (a device, a pipe, a folder), or — without `force` — an existing file that
    /// is not a PDF.
    pub fn check_output(&self, output: &Path, force: bool) -> Result<()> {
        let refuse = |why: String| {
            Err(Error::user(
                tr!(
                    "will not write to `{path}`: {why}",
                    path = output.display(),
                    why
                ),
                Some(tr!(
                    "choose another file name with -o, for example out/summary.pdf"
                )),
            ))
        };
        if let Some(dir) = self.own_folder_holding(output) {
            return refuse(tr!("it is inside the case's {dir}/ folder", dir));
        }
        let (target, root) = (resolved(output), resolved(&self.root));
        if [CASE_FILE, CONTACTS_FILE, CONFIG_FILE]
            .iter()
            .any(|f| target == root.join(f))
        {
            return refuse(tr!("it is one of the case's own files"));
        }
        match fs::metadata(output) {
            Ok(meta) if !meta.is_file() => refuse(tr!("it is not a regular file")),
            Ok(_) if !force && !starts_as_pdf(output) => Err(Error::user(
                tr!(
                    "`{path}` exists and is not a PDF; nothing was written",
                    path = output.display()
                ),
                Some(tr!("choose another name, or add --force to replace it")),
            )),
            _ => Ok(()),
        }
    }

    /// The date the case says it is to be read as of (`as_of = 2021-11-15` at the top of
    /// case.toml), so that a demo or an archived case reads the same on any day.
    pub fn as_of(&self) -> Option<NaiveDate> {
        match self.top_level("as_of")? {
            toml::Value::Datetime(dt) => {
                let d = dt.date?;
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
            }
            toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
            _ => None,
        }
    }

    /// Whether case.toml says `allow_links_outside = true`: records and templates may then be
    /// links to files outside the case folder (otherwise such links are refused).
    pub fn links_outside_allowed(&self) -> bool {
        matches!(
            self.top_level("allow_links_outside"),
            Some(toml::Value::Boolean(true))
        )
    }

    /// A top-level value of case.toml, read before (and apart from) the case itself: only the
    /// lines before the first table header are parsed, which is where TOML puts such keys.
    fn top_level(&self, key: &str) -> Option<toml::Value> {
        let bytes = case_files::read_capped(&self.path(CASE_FILE), case_files::TOML_LIMIT).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let head_end = text
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .find(|&i| text[i..].trim_start_matches([' ', '\t']).starts_with('['))
            .unwrap_or(text.len());
        let mut value: toml::Table = text[..head_end].parse().ok()?;
        value.remove(key)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A path inside the folder, for reading and writing.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// A path inside the folder as shown to the user (no leading `./`).
    pub fn display(&self, relative: &str) -> PathBuf {
        let joined = self.root.join(relative);
        joined
            .strip_prefix(".")
            .map(Path::to_path_buf)
            .unwrap_or(joined)
    }

    /// A text file of the case folder, at most `limit` bytes; `None` when it does not exist.
    fn read_source(&self, relative: &str, limit: u64) -> Result<Option<SourceFile>> {
        match case_files::read_capped(&self.path(relative), limit) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Ok(Some(SourceFile::new(self.display(relative), text))),
                Err(_) => Err(Error::user(
                    tr!(
                        "`{path}` is not UTF-8 text",
                        path = self.display(relative).display()
                    ),
                    Some(tr!(
                        "save the file as UTF-8 (every modern editor can; in Notepad choose \"UTF-8\")"
                    )),
                )),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("read", self.display(relative))(e)),
        }
    }

    /// The case's own copy of a template (in `<case>/templates/`), else the shipped one.
    pub fn template(&self, name: &str) -> Result<Template> {
        let relative = format!("{TEMPLATES_DIR}/{name}");
        let path = self.path(&relative);
        if path.symlink_metadata().is_ok() && !self.holds(&path) && !self.links_outside_allowed() {
            return Err(Error::user(
                tr!(
                    "the template `{template}` is a link to `{target}`, outside the case folder",
                    template = self.display(&relative).display(),
                    target = resolved(&path).display()
                ),
                Some(tr!(
                    "copy the template into templates/, or add `allow_links_outside = true` at the top of case.toml"
                )),
            ));
        }
        match self.read_source(&relative, case_files::TEMPLATE_LIMIT)? {
            Some(source) => Ok(Template {
                name: name.to_string(),
                path: source.path,
                text: source.text,
            }),
            None => Template::builtin(name)
                .ok_or_else(|| Error::user(tr!("no template `{name}`", name), None)),
        }
    }

    /// Reads and validates the case, the contacts and the sender settings.
    pub fn load(&self, today: NaiveDate) -> Result<Loaded> {
        let case_source = self.read_source(CASE_FILE, TOML_LIMIT)?.ok_or_else(|| {
            Error::user(
                tr!(
                    "no case file `{path}`",
                    path = self.display(CASE_FILE).display()
                ),
                None,
            )
        })?;
        let RecordListing {
            index,
            sidecars,
            mut diagnostics,
        } = self.index_records()?;
        let (case, case_diagnostics) = case::parse(&CaseInput {
            case_toml: &case_source,
            sidecars: &sidecars,
            records: &index,
            today,
        });
        diagnostics.extend(case_diagnostics);

        diagnostics.extend(self.check_permissions());
        let family_contacts = self.read_source(CONTACTS_FILE, TOML_LIMIT)?;
        let (contacts, contact_diagnostics) = contacts::load(family_contacts.as_ref(), today);
        diagnostics.extend(contact_diagnostics);

        let config = match self.read_source(CONFIG_FILE, TOML_LIMIT)? {
            Some(source) => {
                // Never quoted in messages: a password may be written there despite the rules.
                let source = source.unquoted();
                let (config, config_diagnostics) = config::parse(&source, today);
                diagnostics.extend(config_diagnostics);
                config
            }
            None => None,
        };
        Ok(Loaded {
            case,
            contacts,
            config,
            diagnostics,
        })
    }

    /// Warns when the case folder or out/ can be read by other users of the machine: both hold
    /// patient data. Their permissions are the family's to set; nothing is changed here.
    fn check_permissions(&self) -> Diagnostics {
        let mut diagnostics = Diagnostics::default();
        // A made-up case (the demo, checked out with the usual permissions) holds no one's data.
        if matches!(
            self.top_level("synthetic"),
            Some(toml::Value::Boolean(true))
        ) {
            return diagnostics;
        }
        #[cfg(unix)]
        for (dir, shown) in [
            (self.root.clone(), self.root.display().to_string()),
            (
                self.path(OUT_DIR),
                self.display(OUT_DIR).display().to_string(),
            ),
        ] {
            use std::os::unix::fs::PermissionsExt;
            let Ok(meta) = fs::metadata(&dir) else {
                continue;
            };
            if meta.is_dir() && meta.permissions().mode() & 0o077 != 0 {
                diagnostics.push(
                    Diagnostic::warning(tr!(
                        "`{shown}` can be opened by other users of this computer (mode {mode}); it holds patient data",
                        shown,
                        mode = format!("{:o}", meta.permissions().mode() & 0o777)
                    ))
                    .hint(tr!("make it private: chmod 700 '{shown}'", shown)),
                );
            }
        }
        // Windows: a folder is private to its user under the user's profile (C:\Users\<name>),
        // whose permissions Windows sets so; elsewhere (D:\, a shared folder) others may read.
        #[cfg(windows)]
        if let Some(profile) = std::env::var_os("USERPROFILE").map(|p| resolved(Path::new(&p)))
            && !resolved(&self.root).starts_with(&profile)
        {
            let shown = self.root.display().to_string();
            diagnostics.push(
                Diagnostic::warning(tr!(
                    "`{shown}` is outside your user folder (`{profile}`), where Windows may let other users of this computer open it; it holds patient data",
                    shown,
                    profile = profile.display()
                ))
                .hint(tr!(
                    "move the case folder into your user folder (Documents, say), which only you can open"
                )),
            );
        }
        diagnostics
    }

    /// Lists records/: files, folders, unreadable files, and sidecars (`X.toml` next to `X`).
    fn index_records(&self) -> Result<RecordListing> {
        let mut index = RecordIndex::default();
        let mut sidecars = Vec::new();
        let mut diagnostics = Diagnostics::default();
        let root = self.path(RECORDS_DIR);
        if !root.is_dir() {
            return Ok(RecordListing {
                index,
                sidecars,
                diagnostics,
            });
        }
        let mut stack = vec![PathBuf::new()];
        let mut toml_files = Vec::new();
        let links_outside = self.links_outside_allowed();
        let case_root = resolved(&self.root);
        if !links_outside && !resolved(&root).starts_with(&case_root) {
            let shown = self.display(RECORDS_DIR);
            diagnostics.push(
                Diagnostic::warning(tr!(
                    "`{dir}` leads outside the case folder (to `{target}`); nothing in it is used",
                    dir = shown.display(),
                    target = resolved(&root).display()
                ))
                .at(Location::file(&shown))
                .hint(tr!(
                    "make records/ an ordinary folder inside the case, or add `allow_links_outside = true` at the top of case.toml"
                )),
            );
            return Ok(RecordListing {
                index,
                sidecars,
                diagnostics,
            });
        }
        // Folders listed so far, by identity (device and inode; on Windows the resolved path):
        // links between folders cannot make the walk go round, however they are arranged.
        let mut listed = std::collections::HashSet::new();
        // Folders reached through a link are listed after the real ones, so that a file has
        // its real path whenever it has one.
        let mut linked: Vec<PathBuf> = Vec::new();
        while let Some(relative) = stack.pop().or_else(|| linked.pop()) {
            if relative.components().count() > MAX_DEPTH {
                continue;
            }
            let dir = root.join(&relative);
            if let Some(identity) = folder_identity(&dir)
                && !listed.insert(identity)
            {
                continue;
            }
            let entries = fs::read_dir(&dir).map_err(Error::io("list", &dir))?;
            for entry in entries {
                let entry = entry.map_err(Error::io("list", &dir))?;
                let name = entry.file_name();
                if name.to_string_lossy().starts_with('.') {
                    continue;
                }
                let rel = case::records::join(&relative, &name);
                let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
                if is_link && !links_outside && !resolved(&entry.path()).starts_with(&case_root) {
                    let target = resolved(&entry.path());
                    index
                        .unreadable
                        .insert(rel.clone(), Refusal::LinkOutside { target });
                    index.files.insert(rel);
                    continue;
                }
                // Links followed: a link to a folder is a folder, unless it leads back up.
                let is_dir = fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
                if is_dir && is_link && resolved(&dir).starts_with(resolved(&entry.path())) {
                    continue;
                }
                if is_dir {
                    index.dirs.insert(rel.clone());
                    if is_link {
                        linked.push(rel);
                    } else {
                        stack.push(rel);
                    }
                } else if rel.extension().is_some_and(|e| e == "toml") {
                    toml_files.push(rel);
                } else if is_link && fs::metadata(entry.path()).is_err() {
                    let target = fs::read_link(entry.path()).unwrap_or_default();
                    index
                        .unreadable
                        .insert(rel.clone(), Refusal::BrokenLink { target });
                    index.files.insert(rel);
                } else if !case_files::is_regular(&entry.path()) {
                    index.unreadable.insert(rel.clone(), Refusal::NotRegular);
                    index.files.insert(rel);
                } else {
                    if case_files::open_regular(&entry.path()).is_err() {
                        index.unreadable.insert(rel.clone(), Refusal::NoAccess);
                    }
                    index.files.insert(rel);
                }
            }
        }
        toml_files.sort();
        for rel in toml_files {
            let described = rel.with_extension("");
            let shown = self.display(RECORDS_DIR).join(&rel);
            if !index.files.contains(&described) && !index.dirs.contains(&described) {
                diagnostics.push(
                    Diagnostic::warning(tr!(
                        "sidecar `{sidecar}` describes `{file}`, which does not exist",
                        sidecar = shown.display(),
                        file = described.display()
                    ))
                    .at(Location::file(&shown))
                    .hint(tr!(
                        "a sidecar is named after its file plus .toml, e.g. `report.pdf.toml` next to `report.pdf`"
                    )),
                );
                continue;
            }
            let path = root.join(&rel);
            let bytes =
                case_files::read_capped(&path, TOML_LIMIT).map_err(Error::io("read", &path))?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Error::user(
                    tr!("`{path}` is not UTF-8 text", path = shown.display()),
                    None,
                )
            })?;
            sidecars.push((described, SourceFile::new(shown, text)));
        }
        Ok(RecordListing {
            index,
            sidecars,
            diagnostics,
        })
    }
}

/// What tells two folders apart however they are reached: device and inode.
#[cfg(unix)]
fn folder_identity(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(dir).ok()?;
    Some((meta.dev(), meta.ino()))
}

/// What tells two folders apart however they are reached: the path with every link and
/// junction resolved.
#[cfg(windows)]
fn folder_identity(dir: &Path) -> Option<PathBuf> {
    fs::canonicalize(dir).ok()
}
