#!/usr/bin/env python3
"""Make the synthetic records of examples/demo-case (run once; the outputs are committed).

Every document is fictional and stamped as such. Needs: pip install pillow img2pdf, and the
Noto Sans CJK font (Debian: fonts-noto-cjk) or assets/fonts/NotoSansCJKsc-Regular.otf.
"""
import io
import os
import sys
import zlib

import img2pdf
from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RECORDS = os.path.join(ROOT, "examples", "demo-case", "records")
FONT = os.path.join(ROOT, "assets", "fonts", "NotoSansCJKsc-Regular.otf")
STAMP = "SYNTHETIC DEMO RECORD — 演示用虚构资料，非真实病历"


def font(size):
    return ImageFont.truetype(FONT, size)


def page(title, subtitle, lines, size=(1240, 1754), table=None):
    """A white A4 page at 150 dpi with a heading, text lines and an optional table."""
    img = Image.new("L", size, 255)
    d = ImageDraw.Draw(img)
    d.text((90, 70), "演示大学附属医院  Demo University Hospital", font=font(30), fill=0)
    d.text((90, 130), title, font=font(44), fill=0)
    d.text((90, 195), subtitle, font=font(24), fill=60)
    d.line((90, 240, size[0] - 90, 240), fill=0, width=3)
    y = 270
    for line in lines:
        d.text((90, y), line, font=font(26), fill=0)
        y += 44
    if table:
        y += 10
        cols = [90, 420, 620, 800, 1000]
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                d.text((cols[c], y), str(cell), font=font(24), fill=0)
            y += 40
            if r == 0:
                d.line((90, y - 6, size[0] - 90, y - 6), fill=0, width=2)
    d.text((90, size[1] - 90), STAMP, font=font(22), fill=90)
    return img


def save_scanned_pdf(path, images):
    blobs = []
    for img in images:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=60, dpi=(150, 150))
        blobs.append(buf.getvalue())
    with open(path, "wb") as f:
        f.write(img2pdf.convert(blobs))


def lab_sheet(date, rows):
    header = [("项目 Test", "结果 Result", "单位 Unit", "参考范围 Range")]
    return page(
        "肝功能、凝血、血常规、肿瘤标志物",
        f"Liver panel, coagulation, blood count, tumour marker — 采样日期 collected {date}",
        ["患者 Patient: 李国强（虚构） DEMO-LGQ   性别 男   年龄 63"],
        table=[h for h in header] + rows,
    )


def photo(img, path, long_edge, orientation=None):
    """Saves a page as a phone photo: RGB, slightly grey paper, optional EXIF rotation."""
    rgb = Image.merge("RGB", [img.point(lambda v: int(v * 0.93) + 8)] * 3)
    scale = long_edge / max(rgb.size)
    rgb = rgb.resize((int(rgb.width * scale), int(rgb.height * scale)))
    exif = Image.Exif()
    exif[0x010F] = "DemoPhone"  # Make
    if orientation == 6:
        # Stored turned on its side, as phones do; EXIF orientation 6 says "rotate 90° CW to view".
        rgb = rgb.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    rgb.save(path, "JPEG", quality=82, exif=exif.tobytes())


def text_pdf(path, title, lines):
    """A small text PDF (Helvetica, English) written by hand."""
    content = ["BT /F1 16 Tf 56 780 Td (%s) Tj ET" % title]
    y = 750
    for line in lines:
        content.append("BT /F1 10 Tf 56 %d Td (%s) Tj ET" % (y, line.replace("(", "\\(").replace(")", "\\)")))
        y -= 16
    stream = zlib.compress("\n".join(content).encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    with open(path, "wb") as f:
        f.write(out)


def main():
    for sub in ["imaging", "labs", "pathology", "procedures", "other"]:
        os.makedirs(os.path.join(RECORDS, sub), exist_ok=True)

    save_scanned_pdf(os.path.join(RECORDS, "imaging", "2021-06-18_mri-report.pdf"), [page(
        "上腹部增强MRI报告", "Contrast-enhanced MRI of the upper abdomen — 2021-06-18",
        ["检查所见：肝脏体积缩小，表面呈结节状，符合肝硬化表现。",
         "S8段见一结节，大小约 24 mm × 21 mm，动脉期明显高强化，",
         "门脉期及延迟期廓清，可见包膜样强化（LI-RADS 5）。",
         "门静脉主干及分支通畅，未见癌栓。脾稍大。未见腹水。",
         "诊断意见：1. 肝硬化；2. S8段结节，考虑肝细胞癌（LR-5），24 mm。",
         "Findings: cirrhotic liver; S8 nodule 24 mm, APHE, washout, capsule (LR-5).",
         "No portal vein thrombus. No ascites. Impression: HCC, S8, 24 mm."])])
    save_scanned_pdf(os.path.join(RECORDS, "imaging", "2021-08-10_ct-report.pdf"), [page(
        "上腹部增强CT报告", "Contrast-enhanced CT of the upper abdomen — 2021-08-10",
        ["TACE术后复查：S8段病灶内见碘油部分沉积，",
         "病灶边缘动脉期仍见强化，活性部分最大径约 26 mm，",
         "病灶整体约 28 mm，较2021-06-18增大。",
         "未见门静脉癌栓，未见肝外转移。",
         "Follow-up after TACE: partial lipiodol uptake; enhancing rim, viable 26 mm;",
         "whole lesion 28 mm, larger than on 2021-06-18. No PVTT, no extrahepatic spread."])])
    save_scanned_pdf(os.path.join(RECORDS, "imaging", "2021-10-15_mri-report.pdf"), [page(
        "上腹部增强MRI报告", "Contrast-enhanced MRI of the upper abdomen — 2021-10-15",
        ["两次TACE术后复查：S8段病灶约 34 mm，",
         "其中动脉期强化的活性部分最大径约 31 mm，较前进一步增大。",
         "肝内未见新发病灶。门静脉通畅。未见肝外转移。少量脾周积液？（无腹水）",
         "After two TACE sessions: S8 lesion 34 mm, viable (enhancing) part 31 mm, larger.",
         "No new intrahepatic lesion. Portal vein patent. No extrahepatic spread."])])

    for name, date, tace in [("2021-07-05_tace-1.pdf", "2021-07-05", "第一次 first"),
                             ("2021-08-27_tace-2.pdf", "2021-08-27", "第二次 second")]:
        save_scanned_pdf(os.path.join(RECORDS, "procedures", name), [page(
            "肝动脉化疗栓塞术（TACE）手术记录", f"TACE procedure note ({tace}) — {date}",
            ["术式：常规TACE（cTACE），经右股动脉，超选择至S8段供血动脉。",
             "造影：S8段见肿瘤染色，约 2.5 cm，未见动静脉瘘。",
             "用药：碘油 5–6 mL + 表柔比星 30 mg 乳剂，明胶海绵颗粒栓塞。",
             "术后：低热，对症处理后好转。",
             "Conventional TACE via right femoral artery, superselective to the S8 feeder.",
             "Tumour stain ~2.5 cm, no AV shunt. Lipiodol 5-6 mL + epirubicin 30 mg."])])

    lab_rows = {
        "2021-06-20": [("总胆红素 TBIL", "17.8", "µmol/L", "3.4-20.5"), ("白蛋白 ALB", "38.6", "g/L", "40-55"),
                       ("INR", "1.12", "", "0.8-1.2"), ("肌酐 Cr", "76", "µmol/L", "57-111"),
                       ("钠 Na", "140", "mmol/L", "137-147"), ("甲胎蛋白 AFP", "35.2", "ng/mL", "0-7"),
                       ("AST", "38", "U/L", "15-40"), ("ALT", "41", "U/L", "9-50"), ("血小板 PLT", "96", "10^9/L", "125-350")],
        "2021-08-20": [("总胆红素 TBIL", "20.52", "µmol/L", "3.4-20.5"), ("白蛋白 ALB", "35.0", "g/L", "40-55"),
                       ("INR", "1.20", "", "0.8-1.2"), ("肌酐 Cr", "80", "µmol/L", "57-111"),
                       ("钠 Na", "138", "mmol/L", "137-147"), ("甲胎蛋白 AFP", "62.4", "ng/mL", "0-7"),
                       ("AST", "46", "U/L", "15-40"), ("ALT", "44", "U/L", "9-50"), ("血小板 PLT", "88", "10^9/L", "125-350")],
        "2021-10-14": [("总胆红素 TBIL", "22.1", "µmol/L", "3.4-20.5"), ("白蛋白 ALB", "34.2", "g/L", "40-55"),
                       ("INR", "1.18", "", "0.8-1.2"), ("肌酐 Cr", "82", "µmol/L", "57-111"),
                       ("钠 Na", "137", "mmol/L", "137-147"), ("甲胎蛋白 AFP", "85.0", "ng/mL", "0-7"),
                       ("AST", "52", "U/L", "15-40"), ("ALT", "47", "U/L", "9-50"), ("血小板 PLT", "84", "10^9/L", "125-350")],
        "2021-11-10": [("Total bilirubin", "1.3", "mg/dL", "0.2-1.2"), ("Albumin", "3.4", "g/dL", "3.5-5.2"),
                       ("INR", "1.21", "", ""), ("Creatinine", "0.95", "mg/dL", "0.7-1.3"),
                       ("Sodium", "136", "mmol/L", "135-145"), ("AFP", "141", "ng/mL", "<8.1"),
                       ("AST", "55", "U/L", "10-40"), ("ALT", "49", "U/L", "7-56"), ("Platelets", "81", "10^9/L", "150-400")],
    }
    for date, rows in lab_rows.items():
        path = os.path.join(RECORDS, "labs", f"{date}_liver-panel.jpg")
        if date == "2021-11-10":
            # A full-size phone photo, stored sideways with EXIF orientation 6.
            photo(lab_sheet(date, rows), path, 4032, orientation=6)
        else:
            photo(lab_sheet(date, rows), path, 1400)

    text_pdf(os.path.join(RECORDS, "other", "2021-09-01_discharge-summary.pdf"),
             "Discharge summary (English translation) - SYNTHETIC DEMO",
             ["Patient: Li Guoqiang (fictional), DEMO-LGQ, male, born 1958-05-12.",
              "Admitted 2021-08-26 for the second TACE; discharged 2021-09-01.",
              "Diagnosis: hepatocellular carcinoma (S8) on hepatitis B cirrhosis, Child-Pugh A.",
              "Procedure: conventional TACE 2021-08-27 (lipiodol 5 mL, epirubicin 30 mg).",
              "Course: low-grade fever for two days; liver tests stable.",
              "Medications at discharge: tenofovir alafenamide 25 mg daily; propranolol 10 mg twice daily.",
              "Plan: contrast MRI in 6 weeks; AFP and liver panel monthly.",
              "This document is synthetic and was made for the consultpack demo."])
    with open(os.path.join(RECORDS, "other", "2021-09-01_discharge-summary.pdf.toml"), "w") as f:
        f.write('# Sidecar: describes the file next to it. 说明文件：描述同名资料。\n'
                'kind = "discharge"\ndate = 2021-09-01\n'
                'title = { zh = "出院小结（英文译本）", en = "Discharge summary (English translation)" }\n'
                'language = "en"\n')


if __name__ == "__main__":
    sys.exit(main())
