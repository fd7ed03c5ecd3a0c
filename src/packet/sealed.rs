//! The e-mail that carries an encrypted bundle (`build --encrypt`). Everything about the
//! patient — the cover letter, the summary, the records, the tables — is inside the AES zip.
//! What a mail server, a shared inbox or a forwarded copy can read without the passphrase says
//! nothing about who the patient is or what they have: the subject and body give the case
//! token (to match the reply) and that an encrypted consultation packet is attached; the zip
//! is named by the token, and its entry names (readable without the passphrase in any AES zip)
//! carry dates and kinds of record only — no patient ID, no titles.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::RecordFile;
use super::names;
use crate::text::Lang;
use crate::toml_reader::Choice;

/// The programs that open AES-256 zips, as `build --encrypt` names them at its end.
pub const OPENS_WITH: &str = "7-Zip, Keka, WinRAR, Bandizip";

/// `(part, of)` of a split bundle.
pub type Part = Option<(usize, usize)>;

/// The subject: no name, no ID, no diagnosis.
pub fn subject(lang: Lang, token: &str, part: Part) -> String {
    let part = match (part, lang) {
        (Some((k, n)), Lang::Zh) => format!("（第 {k} 部分，共 {n} 部分）"),
        (Some((k, n)), Lang::En) => format!(" (part {k} of {n})"),
        (None, _) => String::new(),
    };
    match lang {
        Lang::Zh => format!("加密会诊资料{part} [{token}]"),
        Lang::En => format!("Encrypted consultation packet{part} [{token}]"),
    }
}

/// The body: that an encrypted packet is attached, how the passphrase comes, how to open it.
/// `doctor` is the recipient's name when the contact has one (it is theirs, not the patient's).
pub fn body(lang: Lang, token: &str, doctor: Option<&str>, part: Part) -> String {
    match lang {
        Lang::Zh => {
            let greeting =
                doctor.map_or("尊敬的医生：".to_string(), |d| format!("尊敬的{d}："));
            let part = part.map_or(String::new(), |(k, n)| {
                format!("（第 {k} 部分，共 {n} 部分）")
            });
            format!(
                "{greeting}\n\n\
                 附件是一份加密的会诊资料{part}（编号 {token}）。解压密码将另行通过电话或微信告知。\n\n\
                 压缩包采用 AES-256 加密，可用 7-Zip（Windows）、Keka（macOS）、WinRAR 或 Bandizip 打开；Windows 资源管理器、macOS 自带的“归档实用工具”和 unzip 无法打开。\n\n\
                 包内有致医生的信（cover-letter.txt，请先阅读）、病历摘要、病历资料，以及带校验值的清单。\n\n\
                 回复时请保留邮件标题中的编号 {token}。\n\n\
                 谢谢！\n"
            )
        }
        Lang::En => {
            let greeting = doctor.map_or("Dear colleagues,".to_string(), |d| format!("Dear {d},"));
            let part = part.map_or(String::new(), |(k, n)| format!(" (part {k} of {n})"));
            format!(
                "{greeting}\n\n\
                 Attached is an encrypted consultation packet{part}, case {token}. The passphrase follows by phone or WeChat.\n\n\
                 The zip is encrypted with AES-256: it opens with 7-Zip (Windows), Keka (macOS), WinRAR or Bandizip; Windows Explorer, macOS Archive Utility and unzip cannot open it.\n\n\
                 Inside are the cover letter (cover-letter.txt, please read first), the case summary, the records, and a manifest with checksums.\n\n\
                 Please keep {token} in the subject when you reply.\n\n\
                 With thanks\n"
            )
        }
    }
}

/// The zip's file name: the token and the date.
pub fn zip_name(token: &str, date: NaiveDate, part: Part) -> String {
    match part {
        Some((k, n)) => format!("{token}_{date}_part{k}of{n}.zip"),
        None => format!("{token}_{date}.zip"),
    }
}

/// The summary's name inside the zip.
pub fn summary_name(lang: Lang) -> String {
    format!("summary_{}.pdf", lang.code())
}

/// The records' names inside the zip, in the same order: `records/<date>_<kind>.<ext>`
/// (`-2`, `-3` for repeats). Titles stay in the encrypted manifest.
pub fn record_names(records: &[RecordFile]) -> Vec<String> {
    let mut taken = BTreeSet::new();
    records
        .iter()
        .map(|r| {
            let ext = r.name.rsplit_once('.').map(|(_, ext)| ext);
            let base = format!("{}_{}", r.date.in_file_name(), r.kind.name());
            format!("records/{}", names::unique(&base, ext, &mut taken))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::tests::{demo_case, today};

    #[test]
    fn what_is_readable_without_the_passphrase_names_no_patient_and_no_diagnosis() {
        let case = demo_case();
        let token = super::super::case_token(&case.patient.id, "zhongshan-liver");
        let mut readable = Vec::new();
        for lang in [Lang::Zh, Lang::En] {
            for part in [None, Some((2, 3))] {
                readable.push(subject(lang, &token, part));
                readable.push(body(lang, &token, Some("Dr. Demo"), part));
                readable.push(zip_name(&token, today(), part));
            }
            readable.push(summary_name(lang));
        }
        let store_like: Vec<RecordFile> = case
            .records
            .iter()
            .map(|r| RecordFile {
                original: r.path.clone(),
                name: format!("{}_{}.pdf", r.date.in_file_name(), r.title.best(Lang::En)),
                kind: r.kind,
                date: r.date,
                title: r.title.clone(),
                bytes: 0,
                sha256: String::new(),
                source_sha256: String::new(),
                zipped_bytes: 0,
                pages: None,
                changed: None,
            })
            .collect();
        let names = record_names(&store_like);
        assert_eq!(
            names.iter().collect::<BTreeSet<_>>().len(),
            names.len(),
            "unique"
        );
        readable.extend(names);
        let mut secrets = vec![
            case.patient.id.clone(),
            case.patient.name.best(Lang::Zh).to_string(),
            case.patient.name.best(Lang::En).to_string(),
            "HCC".into(),
            "carcinoma".into(),
            "肝细胞癌".into(),
            "肝癌".into(),
        ];
        secrets.extend(case.patient.id_number.clone());
        secrets.extend(
            case.records
                .iter()
                .map(|r| r.title.best(Lang::En).to_string()),
        );
        for text in &readable {
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                assert!(!text.contains(secret.as_str()), "`{secret}` in {text}");
            }
        }
    }
}
