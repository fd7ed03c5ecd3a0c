//! The PDF writer, checked the way a reader's software sees the file: poppler (pdffonts,
//! pdftoppm, pdftotext, pdfimages) and qpdf, run on PDFs made from documents and records built
//! here. Calls the library directly; `scripts/test.sh` installs the tools.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime};
use consultpack::diagnostic::Diagnostics;
use consultpack::document::{Block, Document, Paper, Span, Table};
use consultpack::fonts::Fonts;
use consultpack::pdf::{self, AppendedRecord};
use consultpack::text::Lang;
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage, Rgba, RgbaImage};
use lopdf::{Object, Stream, dictionary};

use crate::tool;

static FONTS: LazyLock<Fonts> = LazyLock::new(Fonts::builtin);

fn created() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2021, 11, 8)
        .and_then(|d| d.and_hms_opt(9, 30, 0))
        .unwrap()
}

fn document(lang: Lang, blocks: Vec<Block>) -> Document {
    Document {
        title: "病例摘要 Case summary".into(),
        lang,
        paper: Paper::A4,
        running_header: "SYN-HCC-2021-0042 · 病例摘要".into(),
        records_follow: false,
        date: NaiveDate::from_ymd_opt(2021, 11, 8).unwrap(),
        blocks,
    }
}

fn heading(text: &str) -> Block {
    Block::Heading {
        level: 1,
        text: vec![Span::plain(text)],
    }
}

fn paragraph(spans: Vec<Span>) -> Block {
    Block::Paragraph(spans)
}

/// Renders `document` into `dir` and returns the file's path.
fn render(dir: &Path, name: &str, document: &Document) -> PathBuf {
    let rendered = pdf::render_summary(document, &FONTS, created()).unwrap();
    let path = dir.join(name);
    fs::write(&path, rendered.bytes).unwrap();
    path
}

fn page_count(path: &Path) -> usize {
    tool("pdfinfo", &[path.to_str().unwrap()])
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo reports the page count")
}

/// Renders every page with pdftoppm, which must report no error.
#[track_caller]
fn assert_every_page_renders(path: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    tool(
        "pdftoppm",
        &[
            "-r",
            "30",
            "-png",
            path.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), page_count(path));
}

fn text_of_page(path: &Path, page: usize) -> String {
    let page = page.to_string();
    tool(
        "pdftotext",
        &[
            "-f",
            &page,
            "-l",
            &page,
            "-enc",
            "UTF-8",
            path.to_str().unwrap(),
            "-",
        ],
    )
}

/// About 600 characters of mixed clinical Chinese with numbers, units and English.
const PARAGRAPH_600: &str = "陈先生，57 岁男性，1995 年首次发现慢性乙型肝炎病毒感染，2016 年 3 月诊断为代偿期肝硬化。\
    在每 6 个月一次的监测中，2018 年 9 月首次发现肝 S8 段结节，此后逐步演进：2019 年 6 月活检提示低级别异型增生结节，\
    2020 年 8 月再次活检提示高级别异型增生结节，至 2021 年 3 月病灶（19 mm）出现动脉期高强化伴廓清（LI-RADS 5 类）。\
    2021 年 5 月活检证实为早期高分化肝细胞癌。由于存在临床显著性门静脉高压（血小板 78 × 10^9/L，轻度食管静脉曲张），\
    且病灶位于膈顶下方包膜下，多学科团队选择常规经动脉化疗栓塞术（TACE）作为一线治疗，并作为肝移植评估期间的桥接治疗。\
    分别于 2021 年 7 月 6 日和 2021 年 8 月 26 日行 TACE。尽管如此，2021 年 10 月 12 日 MRI 显示病灶由 22 mm 增大至 28 mm，\
    边缘可见较厚的强化活性肿瘤，甲胎蛋白由 39 升至 112 ng/mL（参考值 <7.0），按 RECIST 1.1 评估为进展。\
    肝功能仍为 Child-Pugh A 级，胆红素缓慢上升。自 2019 年起口服富马酸丙酚替诺福韦 25 mg 每日一次，\
    HBV DNA 持续低于检测下限。患者体力状况良好（ECOG 0 分），目前半日工作，2016 年起戒酒。恳请就下一步治疗方案给予会诊意见。\
    另：患者对碘造影剂无过敏史，既往无消化道出血史，家族中无肝癌病史；如需补充检查，请告知。";

#[test]
fn summary_fonts_are_embedded_and_subset_and_every_page_renders() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = vec![
        heading("一、病情摘要 Summary"),
        paragraph(vec![Span::plain(PARAGRAPH_600), Span::bold(" 粗体 Bold")]),
    ];
    let path = render(dir.path(), "summary.pdf", &document(Lang::Zh, blocks));
    let fonts = tool("pdffonts", &[path.to_str().unwrap()]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "regular and bold:\n{fonts}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            columns[columns.len() - 5..columns.len() - 2],
            ["yes", "yes", "yes"],
            "emb sub uni:\n{fonts}"
        );
        let (tag, _) = columns[0].split_once('+').expect("a subset tag");
        assert!(
            tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
            "{fonts}"
        );
    }
    assert!(fs::metadata(&path).unwrap().len() < 150_000);
    assert_every_page_renders(&path);
}

#[test]
fn a_600_character_chinese_paragraph_stays_inside_the_margins() {
    assert!(PARAGRAPH_600.chars().count() >= 600);
    let dir = tempfile::tempdir().unwrap();
    let path = render(
        dir.path(),
        "paragraph.pdf",
        &document(Lang::Zh, vec![paragraph(vec![Span::plain(PARAGRAPH_600)])]),
    );
    let bbox = tool(
        "pdftotext",
        &["-bbox", "-enc", "UTF-8", path.to_str().unwrap(), "-"],
    );
    let attribute = |tag: &str, name: &str| -> f32 {
        let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (left, right) = (54.0 - 0.5, 595.28 - 54.0 + 0.5);
    let mut words = 0;
    let mut text = String::new();
    for tag in bbox.split("<word").skip(1) {
        let (x_min, x_max) = (attribute(tag, "xMin"), attribute(tag, "xMax"));
        let (y_min, y_max) = (attribute(tag, "yMin"), attribute(tag, "yMax"));
        assert!(
            x_min >= left && x_max <= right,
            "outside the side margins: {tag}"
        );
        assert!(
            y_min >= 20.0 && y_max <= 841.89 - 20.0,
            "outside the page: {tag}"
        );
        let word = tag.split('>').nth(1).unwrap().split('<').next().unwrap();
        text.push_str(word);
        words += 1;
    }
    assert!(words > 20);
    // Every character of the paragraph is there, in order.
    let squeezed = |s: &str| {
        s.replace("&lt;", "<")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
    };
    assert!(squeezed(&text).contains(&squeezed(PARAGRAPH_600)), "{text}");
}

#[test]
fn a_table_longer_than_a_page_repeats_its_header_row() {
    let dir = tempfile::tempdir().unwrap();
    let table = Table {
        header: vec![
            vec![Span::plain("日期 Date")],
            vec![Span::plain("事件 Event")],
            vec![Span::plain("详情 Details")],
        ],
        rows: (1..=140)
            .map(|i| {
                vec![
                    vec![Span::plain(format!(
                        "2021-{:02}-{:02}",
                        i % 12 + 1,
                        i % 28 + 1
                    ))],
                    vec![Span::plain(format!("复查 {i}"))],
                    vec![Span::plain(
                        "超声：肝实质回声粗糙，肝表面呈结节状，脾长径 14 cm。甲胎蛋白 4.2 ng/mL。",
                    )],
                ]
            })
            .collect(),
        widths: None,
        compact: false,
    };
    let path = render(
        dir.path(),
        "table.pdf",
        &document(Lang::En, vec![Block::Table(table)]),
    );
    let pages = page_count(&path);
    assert!(pages >= 3, "{pages} pages");
    for page in 1..=pages {
        let text = text_of_page(&path, page);
        let header = text
            .find("日期 Date")
            .unwrap_or_else(|| panic!("page {page} lacks the header row:\n{text}"));
        let first_row = text.find("复查").unwrap();
        assert!(
            header < first_row,
            "page {page}: the header row comes first:\n{text}"
        );
        assert!(text.contains(&format!("page {page} of {pages}")), "{text}");
    }
}

#[test]
fn a_character_no_font_has_is_reported_by_name() {
    let document = document(
        Lang::Zh,
        vec![paragraph(vec![Span::plain("患者姓名：王क")])],
    );
    let rendered = pdf::render_summary(&document, &FONTS, created()).unwrap();
    let messages: Vec<&str> = rendered
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("क (U+0915)"), "{messages:?}");
}

#[test]
fn the_pdf_carries_title_language_date_and_outline() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, code) in [(Lang::Zh, "zh-CN"), (Lang::En, "en-US")] {
        let path = render(
            dir.path(),
            "meta.pdf",
            &document(lang, vec![heading("一、病情摘要")]),
        );
        let info = tool("pdfinfo", &[path.to_str().unwrap()]);
        assert!(
            info.contains("Title:           病例摘要 Case summary"),
            "{info}"
        );
        let pdf = lopdf::Document::load(&path).unwrap();
        let info = pdf
            .trailer
            .get(b"Info")
            .and_then(Object::as_reference)
            .unwrap();
        let created = pdf
            .get_dictionary(info)
            .unwrap()
            .get(b"CreationDate")
            .unwrap();
        assert_eq!(created.as_str().unwrap(), b"D:20211108093000");
        let catalog = pdf.catalog().unwrap();
        assert_eq!(
            catalog.get(b"Lang").unwrap().as_str().unwrap(),
            code.as_bytes()
        );
        assert_eq!(
            catalog.get(b"PageMode").unwrap().as_name().unwrap(),
            b"UseOutlines"
        );
    }
}

#[test]
fn the_same_document_and_date_give_the_same_bytes() {
    let document = document(
        Lang::En,
        vec![
            heading("Summary"),
            paragraph(vec![Span::plain(PARAGRAPH_600)]),
        ],
    );
    let first = pdf::render_summary(&document, &FONTS, created()).unwrap();
    let second = pdf::render_summary(&document, &FONTS, created()).unwrap();
    assert!(first.bytes == second.bytes);
}

// ----- appended records ---------------------------------------------------------------------

const RED: Rgb<u8> = Rgb([230, 20, 20]);
const BLUE: Rgb<u8> = Rgb([20, 20, 230]);

/// A JPEG stored `width` × `height`, red in its bottom-left quarter and blue elsewhere, with an
/// EXIF orientation. Orientation 6 (turn clockwise to view) brings that corner to the top left.
fn photo(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        if x < width / 2 && y >= height / 2 {
            RED
        } else {
            BLUE
        }
    });
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&image)
        .unwrap();
    // A minimal big-endian TIFF with one IFD entry: Orientation (0x0112), SHORT, count 1.
    let mut tiff = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0, 0, 0, 0, 0]);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(u16::try_from(tiff.len() + 2).unwrap().to_be_bytes());
    app1.extend(tiff);
    jpeg.splice(2..2, app1);
    jpeg
}

/// A two-page PDF of the kind other software writes: Helvetica, and the media box and
/// resources inherited from the page tree. `rotate` turns its pages.
fn foreign_pdf(lines: &[&str], rotate: i64) -> Vec<u8> {
    let mut pdf = lopdf::Document::with_version("1.5");
    let pages = pdf.new_object_id();
    let font = pdf.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    let kids: Vec<Object> = lines
        .iter()
        .map(|line| {
            let content = format!("BT /F1 14 Tf 72 700 Td ({line}) Tj ET");
            let content = pdf.add_object(Stream::new(dictionary! {}, content.into_bytes()));
            pdf.add_object(dictionary! { "Type" => "Page", "Parent" => pages, "Contents" => content, "Rotate" => rotate })
                .into()
        })
        .collect();
    let count = kids.len() as i64;
    pdf.objects.insert(
        pages,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        }),
    );
    let catalog = pdf.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    pdf.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    pdf.save_to(&mut bytes).unwrap();
    bytes
}

/// A JPEG of noise, which hardly compresses: at 1000 × 750 pixels it is about 1 MB, small
/// enough to be passed through. `seed` makes each one different.
fn noise_jpeg(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut pixels = Vec::with_capacity((width * height * 3) as usize + 8);
    while pixels.len() < (width * height * 3) as usize {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        pixels.extend(state.to_le_bytes());
    }
    pixels.truncate((width * height * 3) as usize);
    let image = RgbImage::from_raw(width, height, pixels).unwrap();
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&image)
        .unwrap();
    jpeg
}

/// A one-page PDF holding a scan, as a scanner writes it: the JPEG as the page's only image.
fn scanned_pdf(jpeg: Vec<u8>, width: u32, height: u32) -> Vec<u8> {
    let mut pdf = lopdf::Document::with_version("1.5");
    let pages = pdf.new_object_id();
    let image = pdf.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => i64::from(width),
            "Height" => i64::from(height),
            "ColorSpace" => "DeviceRGB",
            "BitsPerComponent" => 8,
            "Filter" => "DCTDecode",
        },
        jpeg,
    ));
    let content = pdf.add_object(Stream::new(
        dictionary! {},
        b"q 612 0 0 459 0 166 cm /Scan Do Q".to_vec(),
    ));
    let page = pdf.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Contents" => content,
        "Resources" => dictionary! { "XObject" => dictionary! { "Scan" => image } },
    });
    pdf.objects.insert(
        pages,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = pdf.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    pdf.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    pdf.save_to(&mut bytes).unwrap();
    bytes
}

fn png_with_transparency() -> Vec<u8> {
    let image = RgbaImage::from_fn(300, 120, |x, _| {
        if x < 150 {
            Rgba([20, 120, 20, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

fn record(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    header_line: &str,
    bookmark_title: &str,
) -> AppendedRecord {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    AppendedRecord {
        path,
        header_line: header_line.into(),
        bookmark_title: bookmark_title.into(),
    }
}

/// Appends `records` to `summary`, writing the packet straight to a file at `path` as the
/// command does, and returns the warnings.
fn append(summary: &[u8], records: &[AppendedRecord], path: &Path) -> Diagnostics {
    let mut out = BufWriter::new(fs::File::create(path).unwrap());
    let warnings = pdf::append_records(summary, records, Paper::A4, &FONTS, &mut out).unwrap();
    out.flush().unwrap();
    warnings
}

fn is_red(pixel: &Rgb<u8>) -> bool {
    pixel[0] > 150 && pixel[2] < 100
}

fn is_blue(pixel: &Rgb<u8>) -> bool {
    pixel[2] > 150 && pixel[0] < 100
}

#[test]
fn records_are_appended_with_header_lines_bookmarks_and_their_images_intact() {
    let dir = tempfile::tempdir().unwrap();
    let summary = document(
        Lang::Zh,
        vec![
            heading("一、病情摘要"),
            paragraph(vec![Span::plain("见附件。")]),
        ],
    );
    let summary = pdf::render_summary(&summary, &FONTS, created()).unwrap();
    let small_photo = photo(300, 200, 6);
    let records = vec![
        record(
            dir.path(),
            "lab.pdf",
            &foreign_pdf(&["Liver panel ALT 98 U/L", "Second page of the report"], 0),
            "2021-08-20 · lab · 肝功能 Liver panel",
            "2021-08-20 肝功能 Liver panel",
        ),
        record(
            dir.path(),
            "turned.pdf",
            &foreign_pdf(&["Pathology report, scanned sideways"], 90),
            "2021-05-20 · pathology · 病理报告",
            "2021-05-20 病理 Pathology",
        ),
        record(
            dir.path(),
            "scan.jpg",
            &small_photo,
            "2021-10-12 · imaging · MRI 报告",
            "2021-10-12 MRI",
        ),
        record(
            dir.path(),
            "phone.jpg",
            &photo(2400, 1600, 6),
            "2021-10-13 · photo · 手机拍照 Phone photo",
            "2021-10-13 Phone photo",
        ),
        record(
            dir.path(),
            "chart.png",
            &png_with_transparency(),
            "2021-10-14 · lab · AFP 曲线",
            "2021-10-14 AFP chart",
        ),
        record(
            dir.path(),
            "notes.txt",
            b"plain text notes",
            "2021-10-15 · notes",
            "Notes",
        ),
    ];
    let path = dir.path().join("packet.pdf");
    let warnings = append(&summary.bytes, &records, &path);
    let file = path.to_str().unwrap();

    // The text file is skipped with a warning naming it; everything else is there.
    let warnings: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("notes.txt") && warnings[0].contains("not a PDF, JPEG or PNG"),
        "{warnings:?}"
    );
    let pages = page_count(&path);
    assert_eq!(pages, 1 + 2 + 1 + 3);
    tool("qpdf", &["--check", file]);
    assert_every_page_renders(&path);

    // Merged pages keep their text; each record's first page carries its header line.
    let page2 = text_of_page(&path, 2);
    assert!(
        page2.contains("Liver panel ALT 98 U/L") && page2.contains("肝功能 Liver panel"),
        "{page2}"
    );
    assert!(text_of_page(&path, 3).contains("Second page of the report"));
    let turned = text_of_page(&path, 4);
    assert!(
        turned.contains("Pathology report, scanned sideways") && turned.contains("病理报告"),
        "{turned}"
    );
    assert!(text_of_page(&path, 5).contains("MRI 报告"));

    // Images: the small JPEG's image data byte for byte, the phone photo upright at 1800 px, the PNG flat.
    let listing = tool("pdfimages", &["-list", file]);
    let images: Vec<Vec<&str>> = listing
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let sizes: Vec<(&str, &str, &str, &str)> =
        images.iter().map(|c| (c[0], c[3], c[4], c[8])).collect();
    assert_eq!(
        sizes,
        [
            ("5", "300", "200", "jpeg"),
            ("6", "1200", "1800", "jpeg"),
            ("7", "300", "120", "image")
        ],
        "{listing}"
    );
    let extracted = dir.path().join("extracted");
    tool(
        "pdfimages",
        &[
            "-j",
            "-f",
            "5",
            "-l",
            "6",
            file,
            extracted.to_str().unwrap(),
        ],
    );
    // Passed through byte for byte less its EXIF segment (a phone's GPS position must not
    // travel in the PDF); its orientation went into the placement.
    let app1 = 2 + usize::from(u16::from_be_bytes([small_photo[4], small_photo[5]]));
    let without_exif = [&small_photo[..2], &small_photo[2 + app1..]].concat();
    assert!(
        fs::read(dir.path().join("extracted-000.jpg")).unwrap() == without_exif,
        "the small JPEG is passed through without its metadata"
    );
    let upright = image::open(dir.path().join("extracted-001.jpg"))
        .unwrap()
        .to_rgb8();
    assert!(
        is_red(upright.get_pixel(30, 30)) && is_blue(upright.get_pixel(1170, 30)),
        "the photo is turned upright"
    );

    // The passed-through photo is turned upright by its placement: render its page and look.
    let rendered = dir.path().join("page5");
    tool(
        "pdftoppm",
        &[
            "-r",
            "72",
            "-f",
            "5",
            "-l",
            "5",
            "-png",
            "-singlefile",
            file,
            rendered.to_str().unwrap(),
        ],
    );
    let page = image::open(dir.path().join("page5.png")).unwrap().to_rgb8();
    assert!(
        page.width() < page.height(),
        "a portrait photo gets a portrait page"
    );
    let row = 60;
    let inked: Vec<u32> = (0..page.width())
        .filter(|&x| page.get_pixel(x, row)[1] < 200)
        .collect();
    let (left, right) = (inked[0], inked[inked.len() - 1]);
    assert!(
        is_red(page.get_pixel(left + 5, row)) && is_blue(page.get_pixel(right - 5, row)),
        "{left}..{right}"
    );

    // Bookmarks: the summary's title with its sections, then one per record.
    let outlines: serde_json::Value =
        serde_json::from_str(&tool("qpdf", &["--json", "--json-key=outlines", file])).unwrap();
    let entries = outlines["outlines"].as_array().unwrap();
    let titles: Vec<&str> = entries
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "病例摘要 Case summary",
            "2021-08-20 肝功能 Liver panel",
            "2021-05-20 病理 Pathology",
            "2021-10-12 MRI",
            "2021-10-13 Phone photo",
            "2021-10-14 AFP chart"
        ]
    );
    assert_eq!(entries[0]["kids"][0]["title"], "一、病情摘要");
    let targets: Vec<u64> = entries
        .iter()
        .map(|e| e["destpageposfrom1"].as_u64().unwrap())
        .collect();
    assert_eq!(targets, [1, 2, 4, 5, 6, 7]);
}

/// A packet far larger than one record is written record by record (the command's peak memory
/// stays flat as records are added; measured by hand, not here) and is still one valid PDF.
#[test]
fn forty_large_records_make_one_valid_packet() {
    let dir = tempfile::tempdir().unwrap();
    let summary = document(Lang::En, vec![heading("Summary")]);
    let summary = pdf::render_summary(&summary, &FONTS, created()).unwrap();
    let (width, height) = (1000, 750);
    // A few different photos are enough, and encoding is slow in a debug build.
    let photos: Vec<Vec<u8>> = (0..4).map(|seed| noise_jpeg(width, height, seed)).collect();
    for photo in &photos {
        assert!(
            (800_000..1_500_000).contains(&photo.len()),
            "about 1 MB, and passed through: {} bytes",
            photo.len()
        );
    }
    let records: Vec<AppendedRecord> = (0..40)
        .map(|i| {
            let photo = photos[i % photos.len()].clone();
            // Every fourth record is a scanned PDF, the rest photos.
            let (name, bytes) = if i % 4 == 0 {
                (format!("scan-{i}.pdf"), scanned_pdf(photo, width, height))
            } else {
                (format!("photo-{i}.jpg"), photo)
            };
            record(
                dir.path(),
                &name,
                &bytes,
                &format!("2022-01-01 · record {i}"),
                &format!("Record {i}"),
            )
        })
        .collect();

    let path = dir.path().join("packet.pdf");
    let warnings = append(&summary.bytes, &records, &path);
    assert!(warnings.is_empty(), "{warnings:?}");
    let file = path.to_str().unwrap();
    tool("qpdf", &["--check", file]);
    let pages = page_count(&path);
    assert_eq!(pages, 1 + 40);
    assert!(
        text_of_page(&path, pages).contains("2022-01-01 · record 39"),
        "the last record has its header line"
    );
    let images = tool("pdfimages", &["-list", file]);
    let images: Vec<Vec<&str>> = images
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(images.len(), 40);
    assert!(
        images
            .iter()
            .all(|c| (c[3], c[4], c[8]) == ("1000", "750", "jpeg")),
        "{images:?}"
    );
    let outlines: serde_json::Value =
        serde_json::from_str(&tool("qpdf", &["--json", "--json-key=outlines", file])).unwrap();
    let entries = outlines["outlines"].as_array().unwrap();
    assert_eq!(entries.len(), 1 + 40);
    assert_eq!(entries[40]["title"], "Record 39");
    assert_eq!(entries[40]["destpageposfrom1"], 41);

    let again = dir.path().join("again.pdf");
    append(&summary.bytes, &records, &again);
    assert!(
        fs::read(&path).unwrap() == fs::read(&again).unwrap(),
        "the same records give the same bytes"
    );
}
