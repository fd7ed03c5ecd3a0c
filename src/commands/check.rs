//! `consultpack check`: every problem in the case folder at once.

use chrono::NaiveDate;

use super::{add_cross_checks, print_diagnostics};
use crate::error::{Error, Result};
use crate::folder::CaseFolder;

pub fn run(folder: &CaseFolder, today: NaiveDate) -> Result<()> {
    let mut loaded = folder.load(today)?;
    add_cross_checks(&mut loaded, today);
    print_diagnostics(&mut loaded.diagnostics);
    let errors = loaded.diagnostics.error_count();
    let warnings = loaded.diagnostics.warning_count();
    let shown = folder.display(crate::folder::CASE_FILE);
    if errors > 0 {
        return Err(Error::Invalid { count: errors });
    }
    let case = loaded.case.as_ref().map(|c| &c.case);
    let records = case.map_or(0, |c| c.records.len());
    let labs = case.map_or(0, |c| c.labs.len());
    eprintln!(
        "check: `{}` is ready ({records} records, {labs} lab values, {} contacts); {warnings} warning(s)",
        shown.display(),
        loaded.contacts.contacts.len()
    );
    Ok(())
}
