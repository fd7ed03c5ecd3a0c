//! The page images of a build, each distinct page made once: pages are known by the SHA-256 of
//! the file they come from, their number and the image limits, so a record's pages serve every
//! platform contact with those limits, and contacts whose summary PDFs are the same bytes share
//! their summary's pages. Summaries that differ (each names its hospital on the first page)
//! still share the pages that show the same: such a page is made once and serves them all. The
//! pages are drawn in resource-limited children ([`page_images::render`]), as many at a time as
//! there are workers, a long file's pages split among several children.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::error::{Error, Result};
use crate::folder::{CaseFolder, RECORDS_DIR};
use crate::page_images::{self, Limits, PageImages, Pages};
use crate::tr;

/// A file whose pages a contact needs as images.
pub(super) struct Wanted<'a> {
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    pub file: File<'a>,
    /// How many pages it has, when known (a photo has one).
    pub pages: Option<usize>,
    pub limits: Limits,
    /// Pages (from 1) that show the same as a page of another wanted file (its SHA-256 and
    /// page), at the same limits: made once, there.
    pub same_as: HashMap<usize, (String, usize)>,
}

pub(super) enum File<'a> {
    /// A record: where it is, and its path under records/ for warnings.
    Record { path: PathBuf, original: PathBuf },
    /// A PDF made by this build (a summary).
    Made(&'a [u8]),
}

/// The pages made, by file and limits, until the build ends.
#[derive(Default)]
pub(super) struct PageCache {
    /// Holds the images until the build ends.
    _scratch: Option<tempfile::TempDir>,
    images: HashMap<(String, Limits), std::result::Result<PageImages, String>>,
    /// The records among the files, by SHA-256, for warnings.
    records: HashMap<String, PathBuf>,
    /// Page images made (each once, whoever gets it).
    pub made: usize,
}

impl PageCache {
    /// Makes every page of every wanted file once per set of limits, `workers` children at a
    /// time; `progress` is told the pages each child made.
    pub fn render(
        wanted: Vec<Wanted>,
        temp_parent: &Path,
        workers: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Self> {
        let mut distinct: Vec<Wanted> = Vec::new();
        for one in wanted {
            if !distinct
                .iter()
                .any(|d| d.sha256 == one.sha256 && d.limits == one.limits)
            {
                distinct.push(one);
            }
        }
        if distinct.is_empty() {
            return Ok(Self::default());
        }
        let scratch = tempfile::Builder::new()
            .prefix(&format!(
                ".consultpack-records-{}-pages-",
                std::process::id()
            ))
            .tempdir_in(temp_parent)
            .map_err(Error::io("create a temporary folder in", temp_parent))?;
        let mut records = HashMap::new();
        let mut sources = Vec::new();
        for one in &distinct {
            let path = match &one.file {
                File::Record { path, original } => {
                    records.insert(one.sha256.clone(), original.clone());
                    path.clone()
                }
                File::Made(bytes) => {
                    let path = scratch.path().join(format!("{}.pdf", one.sha256));
                    if !path.exists() {
                        crate::private_file::write(&path, bytes)?;
                    }
                    path
                }
            };
            sources.push(path);
        }
        let jobs = jobs(&distinct, workers);
        let done = crate::parallel::map(&jobs, workers, |&(index, pages)| {
            let one = &distinct[index];
            let stem = format!(
                "{}-{}-{}",
                &one.sha256[..16],
                one.limits.max_px,
                one.limits.max_bytes
            );
            let result =
                page_images::render(&sources[index], scratch.path(), &stem, one.limits, pages);
            if let Ok(images) = &result {
                progress(images.files.len() as u64);
            }
            result
        });
        // Each file's pages back together: those its children made, then those made elsewhere.
        let mut images: Vec<std::result::Result<PageImages, String>> = distinct
            .iter()
            .map(|_| {
                Ok(PageImages {
                    files: Vec::new(),
                    passed_through: 0,
                    blank: Vec::new(),
                })
            })
            .collect();
        for (&(index, _), result) in jobs.iter().zip(done) {
            match (&mut images[index], result) {
                (Ok(whole), Ok(part)) => {
                    whole.files.extend(part.files);
                    whole.passed_through += part.passed_through;
                    whole.blank.extend(part.blank);
                }
                (whole @ Ok(_), Err(why)) => *whole = Err(why),
                (Err(_), _) => {}
            }
        }
        let made = images
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|i| i.files.len())
            .sum();
        let find = |sha256: &str, limits: Limits| {
            distinct
                .iter()
                .position(|d| d.sha256 == sha256 && d.limits == limits)
        };
        let mut borrowed = Vec::new();
        for (index, one) in distinct.iter().enumerate() {
            for (&page, (sha256, theirs)) in &one.same_as {
                let found = match find(sha256, one.limits).map(|i| &images[i]) {
                    Some(Ok(there)) => there
                        .files
                        .iter()
                        .find(|(p, _)| p == theirs)
                        .map(|(_, path)| (page, path.clone()))
                        .ok_or_else(|| tr!("it has no pages")),
                    Some(Err(why)) => Err(why.clone()),
                    None => Err(tr!("it has no pages")),
                };
                borrowed.push((index, found));
            }
        }
        for (index, found) in borrowed {
            match (&mut images[index], found) {
                (Ok(whole), Ok(file)) => whole.files.push(file),
                (whole @ Ok(_), Err(why)) => *whole = Err(why),
                (Err(_), _) => {}
            }
        }
        let images = distinct
            .iter()
            .zip(images)
            .map(|(one, result)| {
                let result = result.and_then(|mut whole| {
                    if whole.files.is_empty() {
                        return Err(tr!("it has no pages"));
                    }
                    whole.files.sort();
                    whole.blank.sort();
                    Ok(whole)
                });
                ((one.sha256.clone(), one.limits), result)
            })
            .collect();
        Ok(Self {
            _scratch: Some(scratch),
            images,
            records,
            made,
        })
    }

    /// The pages of the file with this SHA-256 at these limits, or why there are none.
    pub fn pages(&self, sha256: &str, limits: Limits) -> std::result::Result<&PageImages, String> {
        match self.images.get(&(sha256.to_string(), limits)) {
            Some(Ok(images)) => Ok(images),
            Some(Err(why)) => Err(why.clone()),
            None => Err(tr!("it was not made into images")),
        }
    }

    /// The records whose pages could not be made, and the pages made without a picture that
    /// could not be drawn, as warnings (once per record or page, whatever the limits).
    pub fn warnings(&self, folder: &CaseFolder) -> Diagnostics {
        let mut problems: BTreeSet<(&PathBuf, Option<usize>, &String)> = BTreeSet::new();
        for ((sha256, _), result) in &self.images {
            let Some(original) = self.records.get(sha256) else {
                continue;
            };
            match result {
                Err(reason) => {
                    problems.insert((original, None, reason));
                }
                Ok(images) => problems.extend(
                    images
                        .blank
                        .iter()
                        .map(|(page, reason)| (original, Some(*page), reason)),
                ),
            }
        }
        let mut warned = BTreeSet::new();
        let mut out = Diagnostics::default();
        for (original, page, reason) in problems {
            if !warned.insert((original, page)) {
                continue;
            }
            let shown = folder.display(RECORDS_DIR).join(original);
            let message = match page {
                None => tr!(
                    "`{path}` was left out of the platform images: {reason}",
                    path = shown.display(),
                    reason
                ),
                Some(page) => tr!(
                    "`{path}`, page {page}: {reason}; its platform image is blank there",
                    path = shown.display(),
                    page,
                    reason
                ),
            };
            out.push(Diagnostic::warning(message).at(Location::file(&shown)));
        }
        out
    }
}

/// The children to run: for each file (by index), the pages one child makes — its own, not those
/// made for another file. A file's pages are split so that the jobs keep `workers` busy (about
/// two jobs' worth of pages per worker); a file's last job runs to its end, whatever page count
/// it claimed. Longest first.
fn jobs(files: &[Wanted], workers: usize) -> Vec<(usize, Pages)> {
    let own = |file: &Wanted| {
        let pages = file.pages.unwrap_or(1).max(1);
        (1..=pages)
            .filter(|p| !file.same_as.contains_key(p))
            .collect::<Vec<usize>>()
    };
    let total: usize = files.iter().map(|f| own(f).len()).sum();
    let per_job = total.div_ceil(2 * workers.max(1)).max(1);
    let mut jobs = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let pages = own(file);
        let last_page = file.pages.unwrap_or(1).max(1);
        // Runs of consecutive pages, each cut into pieces of at most `per_job`.
        let mut start = 0;
        while start < pages.len() {
            let mut end = start + 1;
            while end < pages.len() && pages[end] == pages[end - 1] + 1 && end - start < per_job {
                end += 1;
            }
            let (first, last) = (pages[start], pages[end - 1]);
            let last = (last < last_page).then_some(last);
            jobs.push((index, Pages { first, last }));
            start = end;
        }
    }
    let length = |&(index, pages): &(usize, Pages)| match pages.last {
        Some(last) => last + 1 - pages.first,
        None => files[index].pages.unwrap_or(1).max(pages.first) + 1 - pages.first,
    };
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&j| (std::cmp::Reverse(length(&jobs[j])), j));
    order.into_iter().map(|j| jobs[j]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(pages: Option<usize>) -> Wanted<'static> {
        Wanted {
            sha256: String::new(),
            file: File::Made(&[]),
            pages,
            limits: Limits::default(),
            same_as: HashMap::new(),
        }
    }

    #[test]
    fn long_files_are_split_among_children_and_every_page_is_asked_for_once() {
        let files = [file(Some(12)), file(Some(1)), file(None), file(Some(3))];
        let jobs = jobs(&files, 2);
        // 17 pages for 2 workers: at most 5 pages a child.
        for (index, expected) in [(0, 12), (1, 1), (2, 1), (3, 3)] {
            let mut mine: Vec<Pages> = jobs
                .iter()
                .filter(|(i, _)| *i == index)
                .map(|(_, p)| *p)
                .collect();
            mine.sort_by_key(|p| p.first);
            assert_eq!(mine[0].first, 1);
            assert_eq!(
                mine.last().unwrap().last,
                None,
                "the last job runs to the end"
            );
            for pair in mine.windows(2) {
                assert_eq!(pair[0].last.map(|l| l + 1), Some(pair[1].first));
            }
            let asked: usize = mine
                .iter()
                .map(|p| p.last.unwrap_or(expected) + 1 - p.first)
                .sum();
            assert_eq!(asked, expected);
        }
        assert_eq!(jobs.iter().filter(|(i, _)| *i == 0).count(), 3);
        assert_eq!(jobs[0].0, 0, "the longest job goes first");
    }

    #[test]
    fn pages_made_for_another_file_are_not_asked_for() {
        let mut summary = file(Some(8));
        for page in 2..=8 {
            summary.same_as.insert(page, ("other".into(), page));
        }
        let mut middle = file(Some(5));
        middle.same_as.insert(3, ("other".into(), 3));
        let jobs = jobs(&[summary, middle], 1);
        let mut asked: Vec<(usize, Pages)> = jobs.clone();
        asked.sort_by_key(|(i, p)| (*i, p.first));
        assert_eq!(
            asked,
            vec![
                (
                    0,
                    Pages {
                        first: 1,
                        last: Some(1)
                    }
                ),
                (
                    1,
                    Pages {
                        first: 1,
                        last: Some(2)
                    }
                ),
                (
                    1,
                    Pages {
                        first: 4,
                        last: None
                    }
                ),
            ]
        );
    }
}
