//! The language a record is written in: as the family declared it (`language = "zh"` in its
//! sidecar), else Chinese when its title or the text layer of its first pages is in Chinese
//! characters — so that a Chinese report never reaches an English reader without a word.
//! Scans without a text layer and photos stay unknown: nothing is said about them.

use crate::case::model::Record;
use crate::text::Lang;

/// Pages read for the text layer: a report's language shows on its first page.
const PAGES_READ: usize = 3;
/// Decompressed content read per page at most (a hostile stream cannot inflate without end).
const PAGE_CONTENT_LIMIT: usize = 8 << 20;

/// The record's language: declared, else detected from its title or `pdf` (its bytes when it
/// is a PDF).
pub fn record_language(record: &Record, pdf: Option<&[u8]>) -> Option<Lang> {
    if record.language.is_some() {
        return record.language;
    }
    let title_in_chinese = record.title.get(Lang::En).is_some_and(is_chinese);
    (title_in_chinese || pdf.is_some_and(text_layer_is_chinese)).then_some(Lang::Zh)
}

/// Whether a PDF's first pages carry Chinese text. A PDF lopdf cannot read counts as unknown.
pub fn text_layer_is_chinese(pdf: &[u8]) -> bool {
    let Ok(document) = lopdf::Document::load_mem(pdf) else {
        return false;
    };
    let pages: Vec<u32> = document.get_pages().into_keys().take(PAGES_READ).collect();
    let text: String = document
        .extract_text_chunks_with_limit(&pages, PAGE_CONTENT_LIMIT)
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    is_chinese(&text)
}

/// Text mostly in Chinese: at least five ideographs, and more ideographs than Latin letters
/// (an English report that quotes a Chinese hospital name is English).
fn is_chinese(text: &str) -> bool {
    let ideographs = text
        .chars()
        .filter(|&c| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF))
        .count();
    let latin = text.chars().filter(char::is_ascii_alphabetic).count();
    ideographs >= 5 && ideographs > latin
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::RecordKind;
    use crate::text::Text;

    fn record(title: Text, language: Option<Lang>) -> Record {
        Record {
            path: "other/a.pdf".into(),
            kind: RecordKind::Other,
            date: chrono::NaiveDate::from_ymd_opt(2021, 9, 2).unwrap().into(),
            title,
            language,
            other_patient: false,
        }
    }

    #[test]
    fn chinese_is_told_from_the_title_or_the_text_layer() {
        assert_eq!(
            record_language(&record(Text::plain("出院记录（演示医院）"), None), None),
            Some(Lang::Zh)
        );
        let both = Text::both("出院记录", "Discharge record");
        assert_eq!(record_language(&record(both.clone(), None), None), None);
        assert_eq!(
            record_language(&record(both, Some(Lang::En)), None),
            Some(Lang::En),
            "declared wins"
        );
        assert!(is_chinese("出院记录：患者因肝癌入院"));
        assert!(!is_chinese(
            "Discharge summary, Demo University Hospital (演示大学)"
        ));
        assert!(!text_layer_is_chinese(b"not a pdf"));
    }
}
