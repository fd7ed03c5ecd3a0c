//! The demo summary's pages as a reader's software sees them: the glyph boxes of
//! `pdftotext -bbox-layout`. Numbers keep their units, labels do not run into each other, lines
//! of text fill the measure, pages are filled; and every page is rendered to a PNG under
//! `target/summary-pages/` for a person to look at.

use std::path::Path;

use crate::{Test, tool};

/// A word and its box (points, origin top-left).
#[derive(Debug, Clone)]
struct Word {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    text: String,
}

/// A line of words as poppler groups them.
#[derive(Debug)]
struct Line {
    x1: f32,
    words: Vec<Word>,
}

/// A page: its size and its blocks of lines.
#[derive(Debug)]
struct Page {
    width: f32,
    height: f32,
    blocks: Vec<Vec<Line>>,
}

impl Page {
    fn words(&self) -> impl Iterator<Item = &Word> {
        self.blocks.iter().flatten().flat_map(|l| &l.words)
    }

    fn measure(&self) -> f32 {
        self.width - 2.0 * BODY_LEFT
    }

    fn body_bottom(&self) -> f32 {
        self.height - 52.0
    }
}

fn attribute(tag: &str, name: &str) -> f32 {
    let start = tag.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The pages of `pdf` from `pdftotext -bbox-layout`.
fn pages(pdf: &Path) -> Vec<Page> {
    let html = tool("pdftotext", &["-bbox-layout", pdf.to_str().unwrap(), "-"]);
    html.split("<page ")
        .skip(1)
        .map(|page| Page {
            width: attribute(page, "width"),
            height: attribute(page, "height"),
            blocks: page
                .split("<block ")
                .skip(1)
                .map(|block| {
                    block
                        .split("<line ")
                        .skip(1)
                        .map(|line| Line {
                            x1: attribute(line, "xMax"),
                            words: line
                                .split("<word ")
                                .skip(1)
                                .map(|word| {
                                    let text = &word[word.find('>').unwrap() + 1
                                        ..word.find("</word>").unwrap()];
                                    Word {
                                        x0: attribute(word, "xMin"),
                                        y0: attribute(word, "yMin"),
                                        x1: attribute(word, "xMax"),
                                        y1: attribute(word, "yMax"),
                                        text: unescape(text),
                                    }
                                })
                                .collect(),
                        })
                        .collect()
                })
                .collect(),
        })
        .collect()
}

/// The demo summary in `lang` without records, its pages, and its path: Chinese on A4, English
/// on US Letter (the paper of an English reader without a contact).
fn demo(lang: &str) -> (crate::Run, std::path::PathBuf, Vec<Page>) {
    let run = Test::demo()
        .args(["summary", "--no-records", "--lang", lang, "-o", "s.pdf"])
        .success();
    let pdf = run.dir.join("s.pdf");
    let pages = pages(&pdf);
    (run, pdf, pages)
}

/// Body edges, as the layout sets them: 54 pt side margins on any paper; the body from 58 pt
/// to 52 pt above the bottom.
const BODY_LEFT: f32 = 54.0;
const BODY_TOP: f32 = 58.0;

fn is_unit(word: &str) -> bool {
    const UNITS: &[&str] = &[
        "mm",
        "cm",
        "mg",
        "mL",
        "ng/mL",
        "IU/mL",
        "µmol/L",
        "mmol/L",
        "g/L",
        "U/L",
        "mg/dL",
        "g/dL",
        "%",
        "kg",
        "years",
        "days",
        "×10^9/L",
        "×10³/µL",
        "岁",
        "天",
    ];
    UNITS.iter().any(|unit| {
        word.starts_with(unit)
            && !word[unit.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
    })
}

/// Point 5: a number never ends a line whose next line starts with its unit ("5.5 / cm").
#[test]
fn numbers_keep_their_units_on_the_line() {
    for lang in ["zh", "en"] {
        let (_run, _, pages) = demo(lang);
        for (index, page) in pages.iter().enumerate() {
            for block in &page.blocks {
                for pair in block.windows(2) {
                    let (Some(last), Some(first)) = (pair[0].words.last(), pair[1].words.first())
                    else {
                        continue;
                    };
                    assert!(
                        !(last.text.ends_with(|c: char| c.is_ascii_digit())
                            && is_unit(&first.text)),
                        "{lang} page {}: `{}` | `{}`",
                        index + 1,
                        last.text,
                        first.text
                    );
                }
            }
        }
    }
}

/// Point 5: no label runs into another (timeline and chart labels, axis ticks, table text):
/// no two glyph boxes on a page overlap by more than a third of a line's height.
#[test]
fn no_two_words_overlap() {
    for lang in ["zh", "en"] {
        let (_run, _, pages) = demo(lang);
        for (index, page) in pages.iter().enumerate() {
            let words: Vec<&Word> = page.words().collect();
            for (i, a) in words.iter().enumerate() {
                for b in &words[i + 1..] {
                    let across = a.x1.min(b.x1) - a.x0.max(b.x0);
                    let down = a.y1.min(b.y1) - a.y0.max(b.y0);
                    let height = (a.y1 - a.y0).min(b.y1 - b.y0);
                    assert!(
                        !(across > 0.5 && down > height / 3.0),
                        "{lang} page {}: `{}` runs into `{}`",
                        index + 1,
                        a.text,
                        b.text
                    );
                }
            }
        }
    }
}

/// Point 5: in text set to the full measure, no line but a paragraph's last ends with a
/// quarter of the measure free before a Latin word or number.
#[test]
fn lines_of_mixed_text_fill_the_measure() {
    for lang in ["zh", "en"] {
        let (_run, _, pages) = demo(lang);
        for (index, page) in pages.iter().enumerate() {
            for block in &page.blocks {
                let (left, measure) = (BODY_LEFT, page.measure());
                let full = block.iter().any(|l| l.x1 > left + 0.9 * measure);
                if !full || block[0].words.first().is_none_or(|w| w.x0 > left + 20.0) {
                    continue;
                }
                for pair in block.windows(2) {
                    let next = pair[1].words.first().map_or("", |w| w.text.as_str());
                    assert!(
                        !(pair[0].x1 < left + 0.75 * measure
                            && next.starts_with(|c: char| c.is_ascii_alphanumeric())),
                        "{lang} page {}: a line ends at {} before `{next}`",
                        index + 1,
                        pair[0].x1
                    );
                }
            }
        }
    }
}

/// Point 4: no page is less than 40 % filled (from its glyph boxes), except the last page
/// before a section the template starts on a new page (the summary page, the key criteria) and
/// the document's last. The pages are also rendered to
/// PNG under target/summary-pages for a person to look at.
#[test]
fn pages_are_filled_and_rendered_for_a_look() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/summary-pages");
    std::fs::create_dir_all(&out).unwrap();
    for lang in ["zh", "en"] {
        let (_run, pdf, pages) = demo(lang);
        let mut last_of_section = vec![false; pages.len()];
        // The last page before a section the template starts on a new page: the page before
        // one whose first body word is such a section's heading.
        let fresh = ["Key", "主要评估一览", "In", "病情经过（家属叙述）"];
        for (index, page) in pages.iter().enumerate().skip(1) {
            let first = page
                .words()
                .filter(|w| w.y0 > BODY_TOP - 1.0 && w.y1 < page.body_bottom())
                .min_by(|a, b| a.y0.total_cmp(&b.y0));
            if first.is_some_and(|w| fresh.contains(&w.text.as_str())) {
                last_of_section[index - 1] = true;
            }
        }
        let last = pages.len() - 1;
        last_of_section[last] = true;
        for (index, page) in pages.iter().enumerate() {
            let body_bottom = page.body_bottom();
            let bottom = page
                .words()
                .filter(|w| w.y1 < body_bottom && w.y0 > BODY_TOP - 1.0)
                .map(|w| w.y1)
                .fold(BODY_TOP, f32::max);
            let fill = (bottom - BODY_TOP) / (body_bottom - BODY_TOP);
            assert!(
                fill >= 0.4 || last_of_section[index],
                "{lang} page {} is {:.0} % filled",
                index + 1,
                fill * 100.0
            );
        }
        let prefix = out.join(lang);
        tool(
            "pdftoppm",
            &[
                "-r",
                "60",
                "-png",
                pdf.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
    }
}
