//! `consultpack check`: every problem in the case folder at once.

use chrono::NaiveDate;

use super::{add_cross_checks, print_diagnostics};
use crate::clinical;
use crate::diagnostic::{Diagnostic, Location};
use crate::error::{Error, Result};
use crate::folder::{CaseFolder, Loaded};
use crate::summary::{self, SummaryInput};

pub fn run(folder: &CaseFolder, today: NaiveDate) -> Result<()> {
    let mut loaded = folder.load(today)?;
    add_cross_checks(&mut loaded, today);
    check_templates(folder, &mut loaded, today)?;
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

/// Renders the summary template of every language a contact reads, so that a mistake in the
/// case's own copy of a template shows now rather than when a packet is built.
fn check_templates(folder: &CaseFolder, loaded: &mut Loaded, today: NaiveDate) -> Result<()> {
    let Some(case) = &loaded.case else {
        return Ok(());
    };
    let criteria = clinical::evaluate(&case.case, today);
    for lang in loaded.contacts.languages() {
        let template = folder.template(&summary::template_name(lang))?;
        let input = SummaryInput {
            case: &case.case,
            contact: None,
            lang,
            today,
            template: &template,
            appended: &[],
            criteria: &criteria,
            dicom: &[],
        };
        if let Err(e) = summary::build(input) {
            let location = Location::file(&e.path);
            loaded.diagnostics.push(
                Diagnostic::error(e.to_string())
                    .at(location)
                    .hint("fix the template, or delete the case's copy to use the shipped one"),
            );
        }
    }
    Ok(())
}
