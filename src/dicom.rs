//! The DICOM index: which studies and series a case's imaging folders hold — study and series
//! date, modality, description, body part, image count — read from the files' headers only.
//!
//! DICOM never goes into an e-mail; the index tells a doctor what exists and how it will reach
//! them. Reading is guarded: dicom-object 0.10 allocates (and zero-fills) whatever length an
//! element declares before reading it, so a damaged 800-byte file could ask for 4 GB. Each file
//! is first walked token by token, and any declared length larger than what is left of the file
//! rejects it, as does nesting deeper than a real header has (the reader recurses), before the
//! real header read. A file that fails is a problem naming the file, never a stop.
//!
//! [`read_header`] reads one file (the effect); [`index`] groups headers into studies (pure).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use dicom_core::header::Header;
use dicom_dictionary_std::tags;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_object::{FileMetaTable, OpenFileOptions};
use dicom_parser::dataset::DataToken;
use dicom_parser::dataset::read::DataSetReader;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use serde::Serialize;

use crate::dicom_patient::DicomPatient;
use crate::tr;

/// Deflated Explicit VR Little Endian: the guard cannot walk it, the reader does not support it.
const DEFLATED: &str = "1.2.840.10008.1.2.1.99";
/// Media Storage Directory (a DICOMDIR): an index of the disc, not an image.
const DICOMDIR_CLASS: &str = "1.2.840.10008.1.3.10";
/// SOP classes whose "Storage" UIDs start here and that hold no pixel data (structured
/// reports, RT plans, waveforms…) are not truncated when PixelData is missing.
const NON_IMAGE_CLASS_PREFIXES: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.88.",   // structured reports
    "1.2.840.10008.5.1.4.1.1.481.5", // RT plan
    "1.2.840.10008.5.1.4.1.1.9.",    // waveforms
    "1.2.840.10008.5.1.4.1.1.104.",  // encapsulated documents
    "1.2.840.10008.5.1.4.1.1.11.",   // presentation states
    "1.2.840.10008.5.1.4.1.1.66",    // raw data, spatial registration
    "1.2.840.10008.5.1.4.1.1.67",
];

/// What one file's header says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileHeader {
    pub study_uid: Option<String>,
    pub study_date: Option<String>,
    pub study_description: Option<String>,
    pub series_uid: Option<String>,
    pub series_date: Option<String>,
    pub series_number: Option<String>,
    pub modality: Option<String>,
    pub series_description: Option<String>,
    pub body_part: Option<String>,
    /// Whose images these are.
    pub patient: DicomPatient,
    /// A DICOMDIR: counted apart from images.
    pub is_dicomdir: bool,
}

/// A study: every series under one StudyInstanceUID in a folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Study {
    /// The folder under records/ that holds it.
    pub folder: String,
    /// `YYYY-MM-DD` when the header's date is valid, else as written.
    pub date: Option<String>,
    pub description: Option<String>,
    pub modalities: Vec<String>,
    pub images: usize,
    /// Whose images, as the first file of the study says (each series is checked on its own).
    #[serde(skip_serializing_if = "DicomPatient::is_empty")]
    pub patient: DicomPatient,
    pub series: Vec<Series>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    pub number: Option<String>,
    pub date: Option<String>,
    pub modality: Option<String>,
    pub description: Option<String>,
    pub body_part: Option<String>,
    pub images: usize,
    /// Whose images, as the series' first file says.
    #[serde(skip)]
    pub patient: DicomPatient,
}

/// A file in a DICOM folder that could not be indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Relative to records/.
    pub path: PathBuf,
    pub reason: String,
}

/// Reads the header of one file, guarded against lengths the file cannot hold.
/// `Ok(None)`: not a DICOM file (no `DICM` at byte 128).
pub fn read_header(path: &Path) -> Result<Option<FileHeader>, String> {
    let mut file = crate::case_files::open_regular(path)
        .map_err(|e| tr!("it could not be opened ({e})", e))?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    let mut preamble = [0u8; 132];
    if size < 132 || file.read_exact(&mut preamble).is_err() || &preamble[128..] != b"DICM" {
        return Ok(None);
    }
    check_meta_group(&mut file, size)?;
    file.seek(SeekFrom::Start(128)).map_err(|e| e.to_string())?;
    let offset = Rc::new(Cell::new(128));
    let mut reader = Counting {
        inner: BufReader::new(file),
        read: offset.clone(),
    };
    let meta = FileMetaTable::from_reader(&mut reader)
        .map_err(|e| tr!("its file meta information is damaged ({e})", e))?;
    let transfer_syntax = meta.transfer_syntax().trim_end_matches('\0').to_string();
    let sop_class = meta
        .media_storage_sop_class_uid()
        .trim_end_matches('\0')
        .to_string();
    if transfer_syntax == DEFLATED {
        return Err(tr!(
            "it uses the deflated transfer syntax, which cannot be indexed"
        ));
    }
    let ts = TransferSyntaxRegistry
        .get(&transfer_syntax)
        .ok_or_else(|| {
            tr!(
                "its transfer syntax {transfer_syntax} is unknown",
                transfer_syntax
            )
        })?;
    let tokens = DataSetReader::new_with_ts(reader, ts).map_err(|e| e.to_string())?;
    guard(tokens, &offset, size, &sop_class)?;
    let object = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .map_err(|e| tr!("it could not be read as DICOM ({e})", e))?;
    let text = |tag| {
        object
            .element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_str().ok())
            .map(|s| {
                s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
                    .to_string()
            })
            .filter(|s| !s.is_empty())
    };
    Ok(Some(FileHeader {
        study_uid: text(tags::STUDY_INSTANCE_UID),
        study_date: text(tags::STUDY_DATE),
        study_description: text(tags::STUDY_DESCRIPTION),
        series_uid: text(tags::SERIES_INSTANCE_UID),
        series_date: text(tags::SERIES_DATE),
        series_number: text(tags::SERIES_NUMBER),
        modality: text(tags::MODALITY),
        series_description: text(tags::SERIES_DESCRIPTION),
        body_part: text(tags::BODY_PART_EXAMINED),
        patient: DicomPatient {
            name: text(tags::PATIENT_NAME),
            id: text(tags::PATIENT_ID),
            birth_date: text(tags::PATIENT_BIRTH_DATE).as_deref().map(date),
        },
        is_dicomdir: sop_class == DICOMDIR_CLASS,
    }))
}

/// The file meta group (0002,xxxx), element by element, before dicom-object reads it: it too
/// would allocate whatever length an element declares. Always explicit VR little endian.
fn check_meta_group(file: &mut File, size: u64) -> Result<(), String> {
    const LONG_VRS: &[&[u8; 2]] = &[
        b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV", b"SV", b"UV",
    ];
    let mut at = 132u64;
    file.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
    for _ in 0..200 {
        let mut head = [0u8; 8];
        if file.read_exact(&mut head).is_err() {
            return Ok(());
        }
        let group = u16::from_le_bytes([head[0], head[1]]);
        if group != 0x0002 {
            return Ok(());
        }
        let vr = [head[4], head[5]];
        let (len, header) = if LONG_VRS.contains(&&vr) {
            let mut long = [0u8; 4];
            file.read_exact(&mut long)
                .map_err(|_| tr!("its file meta information is cut off"))?;
            (u64::from(u32::from_le_bytes(long)), 12)
        } else {
            (u64::from(u16::from_le_bytes([head[6], head[7]])), 8)
        };
        let left = size.saturating_sub(at + header);
        if len > left {
            let element = format!("{:04X}", u16::from_le_bytes([head[2], head[3]]));
            return Err(tr!(
                "it is damaged: meta element (0002,{element}) declares {len} bytes but only {left} are left in the file",
                element,
                len,
                left
            ));
        }
        at += header + len;
        file.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
    }
    Err(tr!("its file meta information does not end"))
}

/// Sequences within sequences deeper than any real header nests them (a handful).
const MAX_NESTING: usize = 64;

/// Walks the data set's tokens, refusing any declared length larger than what is left of the
/// file before its value is read (the token reader reads a value only when asked for the next
/// token), and sequences nested deeper than [`MAX_NESTING`]; stops at the pixel data.
/// `offset` is how far into the file the tokens have read.
fn guard(
    tokens: impl Iterator<Item = Result<DataToken, dicom_parser::dataset::read::Error>>,
    offset: &Cell<u64>,
    size: u64,
    sop_class: &str,
) -> Result<(), String> {
    // The bytes left in the file when a length of `len` is more than they.
    let too_long = |len: Option<u32>| {
        let left = size.saturating_sub(offset.get());
        len.filter(|&len| u64::from(len) > left)
            .map(|len| (len, left))
    };
    let mut depth = 0usize;
    for token in tokens {
        let token = token.map_err(|e| tr!("it is damaged ({e})", e))?;
        // The real read builds nested sequences by recursion: a file nested thousands deep
        // would overflow the stack and take the whole program down.
        match token {
            DataToken::SequenceStart { .. } => depth += 1,
            DataToken::SequenceEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(tr!(
                "it is damaged: sequences nested more than {most} deep",
                most = MAX_NESTING
            ));
        }
        let problem = match token {
            DataToken::ElementHeader(header) if header.tag() == tags::PIXEL_DATA => {
                return match too_long(header.len.get()) {
                    Some((len, left)) => Err(tr!(
                        "it is truncated: the image data declares {len} bytes but only {left} are left in the file",
                        len,
                        left
                    )),
                    None => Ok(()),
                };
            }
            DataToken::PixelSequenceStart => return Ok(()),
            DataToken::ElementHeader(header) => too_long(header.len.get()).map(|(len, left)| {
                tr!(
                    "it is damaged: element {tag} declares {len} bytes but only {left} are left in the file",
                    tag = header.tag(),
                    len,
                    left
                )
            }),
            DataToken::SequenceStart { tag, len } => too_long(len.get()).map(|(len, left)| {
                tr!(
                    "it is damaged: sequence {tag} declares {len} bytes but only {left} are left in the file",
                    tag,
                    len,
                    left
                )
            }),
            DataToken::ItemStart { len } => too_long(len.get()).map(|(len, left)| {
                tr!(
                    "it is damaged: an item declares {len} bytes but only {left} are left in the file",
                    len,
                    left
                )
            }),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(problem);
        }
    }
    let image_class = !sop_class.is_empty()
        && sop_class != DICOMDIR_CLASS
        && !NON_IMAGE_CLASS_PREFIXES
            .iter()
            .any(|p| sop_class.starts_with(p));
    if image_class {
        return Err(tr!(
            "it is truncated or holds no image: the file ends before the image data"
        ));
    }
    Ok(())
}

/// A reader that counts the bytes taken from it (not those its buffer read ahead), so that the
/// offset of each token is known while the token reader owns it.
struct Counting<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// The DICOM of a whole case: its studies, the files that could not be read, and every file in
/// the DICOM folders (relative to records/), for the imaging zip.
#[derive(Debug, Clone, Default)]
pub struct CaseIndex {
    pub studies: Vec<Study>,
    pub problems: Vec<Problem>,
    pub files: Vec<PathBuf>,
    /// Folders the family declared another person's (`other_patient = true`): not indexed,
    /// not zipped, named in the manifest.
    pub left_out: Vec<PathBuf>,
}

/// Indexes the DICOM folders (relative to `records_root`) of a case.
pub fn index_case(records_root: &Path, folders: &[PathBuf]) -> CaseIndex {
    let mut index = CaseIndex::default();
    for folder in folders {
        let mut files = Vec::new();
        list_files(&records_root.join(folder), folder, &mut files);
        files.sort();
        let mut headers = Vec::new();
        let mut not_dicom = Vec::new();
        for file in &files {
            match read_header(&records_root.join(file)) {
                Ok(Some(header)) => headers.push((file.clone(), header)),
                Ok(None) => not_dicom.push(file.clone()),
                Err(reason) => index.problems.push(Problem {
                    path: file.clone(),
                    reason,
                }),
            }
        }
        if let Some(first) = not_dicom.first() {
            index.problems.push(Problem {
                path: first.clone(),
                reason: tr!(
                    "{count} file(s) in `{folder}` are not DICOM (the first is shown); they go into the imaging zip as they are",
                    count = not_dicom.len(),
                    folder = folder.display()
                ),
            });
        }
        if headers.is_empty() && !files.is_empty() && not_dicom.len() == files.len() {
            index.problems.push(Problem {
                path: folder.clone(),
                reason: tr!("this DICOM folder holds no DICOM file"),
            });
        }
        index.studies.extend(self::index(folder, &headers));
        index.files.extend(files);
    }
    index
        .studies
        .sort_by(|a, b| (&a.date, &a.folder).cmp(&(&b.date, &b.folder)));
    index
}

fn list_files(dir: &Path, relative: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let rel = relative.join(&name);
        match entry.file_type() {
            Ok(t) if t.is_dir() => list_files(&entry.path(), &rel, out),
            Ok(t) if t.is_file() => out.push(rel),
            _ => {}
        }
    }
}

/// Groups file headers (with their paths relative to records/, inside `folder`) into studies,
/// by study UID, then series UID; sorted by date. Files without a study UID form one study.
pub fn index(folder: &Path, files: &[(PathBuf, FileHeader)]) -> Vec<Study> {
    let mut studies: BTreeMap<Option<&str>, Vec<&FileHeader>> = BTreeMap::new();
    for (_, header) in files.iter().filter(|(_, h)| !h.is_dicomdir) {
        studies
            .entry(header.study_uid.as_deref())
            .or_default()
            .push(header);
    }
    let mut out: Vec<Study> = studies
        .into_values()
        .map(|headers| {
            let mut series: BTreeMap<Option<&str>, Vec<&FileHeader>> = BTreeMap::new();
            for h in &headers {
                series.entry(h.series_uid.as_deref()).or_default().push(h);
            }
            let first = headers[0];
            let mut series: Vec<Series> = series
                .into_values()
                .map(|files| {
                    let h = files[0];
                    Series {
                        number: h.series_number.clone(),
                        date: h
                            .series_date
                            .as_deref()
                            .or(h.study_date.as_deref())
                            .map(date),
                        modality: h.modality.clone(),
                        description: h.series_description.clone(),
                        body_part: h.body_part.clone(),
                        images: files.len(),
                        patient: h.patient.clone(),
                    }
                })
                .collect();
            series.sort_by_key(|s| {
                (
                    s.number.as_deref().and_then(|n| n.parse::<i64>().ok()),
                    s.description.clone(),
                )
            });
            let mut modalities: Vec<String> =
                series.iter().filter_map(|s| s.modality.clone()).collect();
            modalities.sort();
            modalities.dedup();
            Study {
                folder: folder.display().to_string(),
                date: first.study_date.as_deref().map(date),
                description: first.study_description.clone(),
                modalities,
                images: headers.len(),
                patient: first.patient.clone(),
                series,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.date, &a.description).cmp(&(&b.date, &b.description)));
    out
}

/// `20211015` → `2021-10-15`; anything else as written.
fn date(raw: &str) -> String {
    let raw = raw.trim();
    match chrono::NaiveDate::parse_from_str(raw, "%Y%m%d") {
        Ok(d) => d.to_string(),
        Err(_) => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(study: &str, series: &str, number: &str, modality: &str) -> FileHeader {
        FileHeader {
            study_uid: Some(study.into()),
            study_date: Some("20211015".into()),
            study_description: Some("MRI liver".into()),
            series_uid: Some(series.into()),
            series_number: Some(number.into()),
            modality: Some(modality.into()),
            series_description: Some(format!("series {number}")),
            ..Default::default()
        }
    }

    #[test]
    fn files_group_into_studies_and_series() {
        let files = vec![
            ("mri/1".into(), header("1.2", "1.2.1", "2", "MR")),
            ("mri/2".into(), header("1.2", "1.2.1", "2", "MR")),
            ("mri/3".into(), header("1.2", "1.2.2", "10", "MR")),
            (
                "mri/DICOMDIR".into(),
                FileHeader {
                    is_dicomdir: true,
                    ..Default::default()
                },
            ),
        ];
        let studies = index(Path::new("mri"), &files);
        assert_eq!(studies.len(), 1);
        let study = &studies[0];
        assert_eq!(study.date.as_deref(), Some("2021-10-15"));
        assert_eq!(study.images, 3, "the DICOMDIR is not an image");
        assert_eq!(study.modalities, vec!["MR"]);
        let counts: Vec<(Option<&str>, usize)> = study
            .series
            .iter()
            .map(|s| (s.number.as_deref(), s.images))
            .collect();
        assert_eq!(
            counts,
            vec![(Some("2"), 2), (Some("10"), 1)],
            "by series number"
        );
    }

    fn fixture(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
    }

    #[test]
    fn the_demo_series_is_indexed_from_its_headers() {
        let root = fixture("examples/demo-case/records");
        let index = index_case(&root, &[PathBuf::from("imaging/2021-10-15_mri-dicom")]);
        assert!(index.problems.is_empty(), "{:?}", index.problems);
        assert_eq!(index.files.len(), 6);
        assert_eq!(index.studies.len(), 1);
        let study = &index.studies[0];
        assert_eq!(study.date.as_deref(), Some("2021-10-15"));
        assert_eq!(study.modalities, vec!["MR"]);
        assert_eq!(study.images, 6);
        let series: Vec<(Option<&str>, usize)> = study
            .series
            .iter()
            .map(|s| (s.description.as_deref(), s.images))
            .collect();
        assert_eq!(
            series,
            vec![
                (Some("T1 动脉期 arterial phase"), 3),
                (Some("T1 门脉期 portal venous phase"), 3)
            ]
        );
    }

    #[test]
    fn damaged_files_are_rejected_with_a_reason() {
        let huge = read_header(&fixture("tests/fixtures/dicom/huge-length.dcm")).unwrap_err();
        assert!(huge.contains("declares 4294967280 bytes"), "{huge}");
        let truncated = read_header(&fixture("tests/fixtures/dicom/truncated.dcm")).unwrap_err();
        assert!(truncated.contains("truncated"), "{truncated}");
        assert_eq!(
            read_header(&fixture("tests/fixtures/dicom/not-dicom.txt")),
            Ok(None)
        );
    }

    #[test]
    fn a_damaged_meta_group_is_rejected_before_it_is_read() {
        let mut bytes = std::fs::read(fixture(
            "examples/demo-case/records/imaging/2021-10-15_mri-dicom/S3I1.dcm",
        ))
        .unwrap();
        // (0002,0001) File Meta Information Version is OB: tag, "OB", 2 reserved, 4-byte length.
        let at = bytes
            .windows(6)
            .position(|w| w == b"\x02\x00\x01\x00OB")
            .unwrap();
        bytes[at + 8..at + 12].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.dcm");
        std::fs::write(&path, bytes).unwrap();
        let problem = read_header(&path).unwrap_err();
        assert!(
            problem.contains("meta element (0002,0001) declares 4294967280 bytes"),
            "{problem}"
        );
    }

    #[test]
    fn a_file_that_is_not_dicom_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("autorun.inf");
        std::fs::write(&path, "[autorun]\nopen=viewer.exe\n").unwrap();
        assert_eq!(read_header(&path), Ok(None));
    }
}
