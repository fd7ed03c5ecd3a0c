//! The files under a case's `records/` folder, as listed once by the command layer, and the
//! rules for referring to them from case.toml.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// What is on disk under `records/`: every file and folder, relative, with forward slashes.
/// Built by `commands` (the only place that walks the disk) so that parsing stays pure.
#[derive(Debug, Clone, Default)]
pub struct RecordIndex {
    pub files: BTreeSet<PathBuf>,
    pub dirs: BTreeSet<PathBuf>,
    /// Files that exist but are not read, and why.
    pub unreadable: BTreeMap<PathBuf, Refusal>,
}

/// Why a file under records/ is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A link to `target`, outside the case folder (and links outside are not allowed).
    LinkOutside { target: PathBuf },
    /// A link to `target`, which does not exist.
    BrokenLink { target: PathBuf },
    /// A pipe, device or socket.
    NotRegular,
    /// It could not be opened (permissions).
    NoAccess,
}

/// Why a reference to a record cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceProblem {
    /// Absolute, or climbing out of records/ with `..`.
    OutsideRecords,
    Missing {
        nearest: Option<PathBuf>,
    },
    Refused(Refusal),
    /// A folder where a file is needed, or the other way round.
    WrongKind {
        is_dir: bool,
    },
}

impl RecordIndex {
    /// Checks a path written in case.toml; `want_dir` for DICOM folders.
    pub fn resolve(&self, written: &str, want_dir: bool) -> Result<PathBuf, ReferenceProblem> {
        let path = normalize(written).ok_or(ReferenceProblem::OutsideRecords)?;
        if let Some(refusal) = self.unreadable.get(&path) {
            return Err(ReferenceProblem::Refused(refusal.clone()));
        }
        match (
            self.files.contains(&path),
            self.dirs.contains(&path),
            want_dir,
        ) {
            (true, _, false) | (_, true, true) => Ok(path),
            (true, _, true) => Err(ReferenceProblem::WrongKind { is_dir: false }),
            (_, true, false) => Err(ReferenceProblem::WrongKind { is_dir: true }),
            _ => Err(ReferenceProblem::Missing {
                nearest: self.nearest(&path, want_dir),
            }),
        }
    }

    /// The existing path most like `path`, for a did-you-mean.
    fn nearest(&self, path: &Path, want_dir: bool) -> Option<PathBuf> {
        let pool = if want_dir { &self.dirs } else { &self.files };
        let wanted = path.to_string_lossy().to_lowercase();
        pool.iter()
            .map(|p| {
                (
                    strsim::jaro_winkler(&wanted, &p.to_string_lossy().to_lowercase()),
                    p,
                )
            })
            .filter(|(score, _)| *score > 0.85)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, p)| p.clone())
    }

    /// Files no record entry, sidecar or reference mentions (files inside a referenced folder
    /// count as mentioned).
    pub fn unmentioned<'a>(
        &'a self,
        mentioned: &'a BTreeSet<PathBuf>,
    ) -> impl Iterator<Item = &'a PathBuf> {
        self.files.iter().filter(move |f| {
            !mentioned.contains(*f)
                && !mentioned
                    .iter()
                    .any(|m| f.starts_with(m) && self.dirs.contains(m))
        })
    }
}

/// A relative path inside records/, or `None` if it would leave the folder.
pub fn normalize(written: &str) -> Option<PathBuf> {
    let written = written.trim().replace('\\', "/");
    let written = written.strip_prefix("records/").unwrap_or(&written);
    let mut out = PathBuf::new();
    for component in Path::new(written).components() {
        match component {
            Component::Normal(part) => out = join(&out, part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// `dir/name` with a forward slash on every system: a record is named the way case.toml names
/// it (`labs/x.pdf`), and so it appears in summaries, manifests and messages whichever system
/// built them (Windows opens `records\labs/x.pdf` as well).
pub fn join(dir: &Path, name: &std::ffi::OsStr) -> PathBuf {
    if dir.as_os_str().is_empty() {
        return PathBuf::from(name);
    }
    let mut path = dir.as_os_str().to_owned();
    path.push("/");
    path.push(name);
    PathBuf::from(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> RecordIndex {
        let mut index = RecordIndex::default();
        index.files.insert("labs/2021-08-20_liver.jpg".into());
        index.files.insert("imaging/disc1/IM0001".into());
        index.dirs.insert("imaging/disc1".into());
        index
    }

    /// The same on every system, Windows included: records are shown as case.toml names them.
    #[test]
    fn record_paths_are_joined_with_forward_slashes() {
        assert_eq!(
            normalize(r"records\labs\2021-08-20_liver.jpg")
                .unwrap()
                .to_str(),
            Some("labs/2021-08-20_liver.jpg")
        );
        assert_eq!(
            join(Path::new("imaging/disc1"), "IM0001".as_ref()).to_str(),
            Some("imaging/disc1/IM0001")
        );
    }

    #[test]
    fn resolves_existing_files_and_folders() {
        let index = index();
        assert_eq!(
            index.resolve("labs/2021-08-20_liver.jpg", false),
            Ok("labs/2021-08-20_liver.jpg".into())
        );
        assert_eq!(
            index.resolve("records/imaging/disc1/", true),
            Ok("imaging/disc1".into())
        );
    }

    #[test]
    fn refuses_paths_outside_records() {
        assert_eq!(
            index().resolve("../case.toml", false),
            Err(ReferenceProblem::OutsideRecords)
        );
        assert_eq!(
            index().resolve("/etc/passwd", false),
            Err(ReferenceProblem::OutsideRecords)
        );
    }

    #[test]
    fn suggests_the_nearest_file() {
        let problem = index()
            .resolve("labs/2021-08-20_livr.jpg", false)
            .unwrap_err();
        assert_eq!(
            problem,
            ReferenceProblem::Missing {
                nearest: Some("labs/2021-08-20_liver.jpg".into())
            }
        );
    }

    #[test]
    fn files_in_a_mentioned_folder_are_mentioned() {
        let index = index();
        let mentioned: BTreeSet<PathBuf> = [PathBuf::from("imaging/disc1")].into();
        let rest: Vec<_> = index.unmentioned(&mentioned).collect();
        assert_eq!(rest, vec![&PathBuf::from("labs/2021-08-20_liver.jpg")]);
    }
}
