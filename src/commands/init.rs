//! `consultpack init DIR`: a new case folder with annotated files and the records/ folders.

use std::path::Path;

use crate::error::{Error, Result};
use crate::folder::{CASE_FILE, CONFIG_FILE, CONTACTS_FILE, RECORDS_DIR};
use crate::private_file;
use crate::tr;

const CASE_TEMPLATE: &str = include_str!("../../assets/init/case.toml");
const CONFIG_TEMPLATE: &str = include_str!("../../assets/init/consultpack.toml");
const CONTACTS_TEMPLATE: &str = include_str!("../../assets/init/contacts.toml");

/// Two family members' copies of the ledger merge line by line in git: it is only ever appended
/// to, and readers count identical lines once.
const GITATTRIBUTES: &str = "# consultpack: the ledger is append-only; keep both sides' lines when merging\n.consultpack/ledger.jsonl merge=union\n";

/// The sub-folders of records/, one per kind of document.
pub const RECORD_FOLDERS: &[&str] = &["imaging", "labs", "pathology", "procedures", "other"];

pub fn run(dir: &Path) -> Result<()> {
    // Refuse before writing anything: nothing the family wrote is ever overwritten.
    for name in [CASE_FILE, CONFIG_FILE, CONTACTS_FILE] {
        let path = dir.join(name);
        if path.exists() {
            return Err(Error::user(
                tr!(
                    "`{path}` already exists; nothing was changed",
                    path = path.display()
                ),
                Some(tr!(
                    "init creates a new case; edit the existing files, or choose another folder"
                )),
            ));
        }
    }
    private_file::create_dir(dir)?;
    for folder in RECORD_FOLDERS {
        private_file::create_dir(&dir.join(RECORDS_DIR).join(folder))?;
    }
    private_file::write(&dir.join(CONFIG_FILE), CONFIG_TEMPLATE.as_bytes())?;
    private_file::write(&dir.join(CONTACTS_FILE), CONTACTS_TEMPLATE.as_bytes())?;
    if !dir.join(".gitattributes").exists() {
        private_file::write(&dir.join(".gitattributes"), GITATTRIBUTES.as_bytes())?;
    }
    // case.toml last: its presence marks a finished init.
    private_file::write(&dir.join(CASE_FILE), CASE_TEMPLATE.as_bytes())?;
    eprintln!(
        "{}",
        tr!(
            "created case folder `{dir}`\nnext: fill in `{case}` (every field is explained there), put documents into `{records}/`,\n      then run `consultpack check --case {dir}`",
            dir = dir.display(),
            case = dir.join(CASE_FILE).display(),
            records = dir.join(RECORDS_DIR).display()
        )
    );
    Ok(())
}
