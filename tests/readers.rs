//! Readers that read: every file a spreadsheet program opens is read, or gets a finding
//! that says exactly what to do; the content decides the reader, not the file's name.

mod common;

use std::path::Path;

use common::*;

fn run_dir(dir: &Path) -> (i32, Vec<Vec<String>>, serde_json::Value) {
    let out = dir.parent().unwrap().join(format!(
        "{}-out",
        dir.file_name().unwrap().to_string_lossy()
    ));
    let r = run(&["run", p(dir), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert!(r.code <= 1, "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let s =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    (r.code, errors, s)
}

fn codes_of(errors: &[Vec<String>], file: &str) -> Vec<String> {
    errors[1..]
        .iter()
        .filter(|e| e[0] == file)
        .map(|e| e[7].clone())
        .collect()
}

#[test]
fn old_and_rare_formats_say_what_to_do() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    // An Excel 4.0 worksheet: its BOF record, then a few records.
    let mut biff4 = vec![0x09, 0x04, 0x06, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00];
    biff4.extend_from_slice(&[0x0A, 0x00, 0x00, 0x00]);
    std::fs::write(dir.join("老表.xls"), biff4).unwrap();
    std::fs::write(
        dir.join("平面.fods"),
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:mimetype="application/vnd.oasis.opendocument.spreadsheet"></office:document>"#,
    )
    .unwrap();
    let (code, errors, _) = run_dir(&dir);
    assert_eq!(code, 1);
    for f in ["老表.xls", "平面.fods"] {
        let e = errors[1..]
            .iter()
            .find(|e| e[0] == f)
            .unwrap_or_else(|| panic!("{f}: {errors:?}"));
        assert_eq!(e[7], "F016", "{e:?}");
        assert!(e[9].contains("另存为"), "{e:?}");
    }
}

#[test]
fn an_xls_named_xlsx_is_read_as_what_it_is() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/calamine-biff5_write.xls");
    std::fs::copy(&src, dir.join("改了扩展名.xlsx")).unwrap();
    let (_, errors, _) = run_dir(&dir);
    let codes = codes_of(&errors, "改了扩展名.xlsx");
    // Read (its sheet holds no survey table), not called encrypted or corrupt.
    assert!(
        !codes
            .iter()
            .any(|c| c == "F002" || c == "F003" || c == "F001"),
        "{codes:?}"
    );
    assert!(codes.iter().any(|c| c == "F005"), "{codes:?}");
}

#[test]
fn a_chart_sheet_is_passed_over_with_a_note_and_the_data_read() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    one_building_sheet(&mut wb);
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    chart.add_series().set_values("房屋信息!$K$2:$K$2");
    let cs = wb.add_chartsheet();
    cs.set_name("图表1").unwrap();
    cs.insert_chart(0, 0, &chart).unwrap();
    wb.save(dir.join("平安村.xlsx")).unwrap();
    let (code, errors, s) = run_dir(&dir);
    assert_eq!(code, 0, "{errors:?}");
    assert_eq!(s["tables"]["buildings"]["accepted"], 1, "{s}");
    let note = errors[1..]
        .iter()
        .find(|e| e[7] == "S008")
        .expect("a note on the chart sheet");
    assert_eq!((note[1].as_str(), note[6].as_str()), ("图表1", "warning"));
}

#[test]
fn a_csv_that_decodes_badly_names_its_encoding() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    // A UTF-8 header glued to GBK rows.
    let mut bytes = "房屋编码,户主姓名\n".as_bytes().to_vec();
    let (gbk, _, _) = encoding_rs::GBK.encode("YH450103000000001,韦宝\n");
    bytes.extend_from_slice(&gbk);
    std::fs::write(dir.join("拼接.csv"), bytes).unwrap();
    let (_, errors, _) = run_dir(&dir);
    let e = errors[1..]
        .iter()
        .find(|e| e[7] == "F017")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert!(
        e[8].contains("GB18030/GBK") || e[8].contains("UTF-8"),
        "{}",
        e[8]
    );
    assert!(e[9].contains("UTF-8"), "{}", e[9]);
}

/// Write a SpreadsheetML (Excel 2003 XML) workbook: a merged title, the header, the rows.
fn spreadsheet_ml(head: &[&str], rows: &[Vec<String>]) -> String {
    let cell = |v: &str| {
        let esc = v.replace('&', "&amp;").replace('<', "&lt;");
        format!(r#"<Cell><Data ss:Type="String">{esc}</Data></Cell>"#)
    };
    let row = |cells: Vec<String>| format!("<Row>{}</Row>\n", cells.join(""));
    let mut x = String::from(
        r#"<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
<Worksheet ss:Name="房屋信息"><Table>
<Row><Cell ss:MergeAcross="5"><Data ss:Type="String">平安村自建房排查表</Data></Cell></Row>
"#,
    );
    x += &row(head.iter().map(|h| cell(h)).collect());
    for r in rows {
        x += &row(r.iter().map(|v| cell(v)).collect());
    }
    x += "</Table></Worksheet></Workbook>\n";
    x
}

#[test]
fn excel_2003_xml_is_read_whatever_its_name_and_other_xml_is_left_alone() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let rows = vec![
        building("YH450103000000001", IDS[0], "未发现安全隐患"),
        building("YH450103000000002", IDS[1], "未发现安全隐患"),
    ];
    let ml = spreadsheet_ml(&B_HEAD, &rows);
    // Saved from Excel 2003 as "XML 表格", and exported by a web system under an .xls name.
    std::fs::write(dir.join("平安村.xml"), &ml).unwrap();
    let other = ml
        .replace("YH450103000000001", "YH450103000000003")
        .replace("YH450103000000002", "YH450103000000004");
    std::fs::write(dir.join("系统导出.xls"), other).unwrap();
    std::fs::write(dir.join("config.xml"), "<?xml version=\"1.0\"?><settings/>").unwrap();
    let (code, errors, s) = run_dir(&dir);
    assert_eq!(code, 0, "{errors:?}");
    assert_eq!(s["tables"]["buildings"]["accepted"], 4, "{s}");
    // Other XML is not read; a note says so (issue 26: every file not read is named).
    let config: Vec<&str> = errors[1..]
        .iter()
        .filter(|e| e[0] == "config.xml")
        .map(|e| e[7].as_str())
        .collect();
    assert_eq!(config, vec!["F018"], "{errors:?}");
    assert_eq!(s["files_read"], 2, "{s}");
}

#[test]
fn a_wps_et_workbook_is_read() {
    // WPS 表格 saves its own .et: an xls inside. SheetJS's fn.et, read like its fn.xls.
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    std::fs::copy(corpus.join("sheetjs-wps-fn.et"), dir.join("fn.et")).unwrap();
    std::fs::copy(corpus.join("sheetjs-wps-fn.xls"), dir.join("fn.xls")).unwrap();
    let (_, errors, s) = run_dir(&dir);
    let et = codes_of(&errors, "fn.et");
    assert_eq!(et, codes_of(&errors, "fn.xls"), "{errors:?}");
    assert!(!et.is_empty(), "{errors:?}");
    assert!(
        et.iter().all(|c| !c.starts_with('F') || c == "F005"),
        "{et:?}"
    );
    assert_eq!(s["files_read"], 2, "{s}");
}

#[test]
fn a_workbook_with_an_excel_4_macro_sheet_has_its_data_read() {
    use std::io::{Read, Write};
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let plain = t.path().join("plain.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    one_building_sheet(&mut wb);
    wb.add_worksheet().set_name("宏1").unwrap();
    wb.save(&plain).unwrap();
    // Make the second sheet an Excel 4.0 macro sheet, as Excel stores one in an .xlsm.
    let mut zin = zip::ZipArchive::new(std::fs::File::open(&plain).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(dir.join("带宏.xlsm")).unwrap());
    for i in 0..zin.len() {
        let mut e = zin.by_index(i).unwrap();
        let mut body = String::new();
        e.read_to_string(&mut body).unwrap();
        let name = match &*e.name().unwrap() {
            "xl/worksheets/sheet2.xml" => "xl/macrosheets/sheet1.xml".to_string(),
            n => n.to_string(),
        };
        let body = body
            .replace(
                r#"officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml""#,
                r#"office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml""#,
            )
            .replace(
                r#"/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml""#,
                r#"/xl/macrosheets/sheet1.xml" ContentType="application/vnd.ms-excel.macrosheet+xml""#,
            );
        zout.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(body.as_bytes()).unwrap();
    }
    zout.finish().unwrap();
    let (code, errors, s) = run_dir(&dir);
    assert_eq!(code, 0, "{errors:?}");
    assert_eq!(s["tables"]["buildings"]["accepted"], 1, "{s}");
    let note = errors[1..]
        .iter()
        .find(|e| e[7] == "S008")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(note[1], "宏1");
    assert!(note[8].contains("宏表"), "{note:?}");
}

#[test]
fn a_big5_csv_is_read_as_big5_and_says_so() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let text = "房屋編碼,戶主姓名,詳細地址\nYH450103000000001,陳大文,廣西壯族自治區南寧市興寧區\n";
    let (big5, _, _) = encoding_rs::BIG5.encode(text);
    std::fs::write(dir.join("繁體.csv"), big5).unwrap();
    let (_, errors, _) = run_dir(&dir);
    let e = errors[1..]
        .iter()
        .find(|e| e[7] == "F017")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert!(e[8].contains("Big5"), "{}", e[8]);
}

/// An xlsx input's annotated copy is the village's own workbook plus the marks: its column
/// widths, merges and every unmarked cell's style as they were; a marked cell keeps its
/// number format (text stays text), font and border and only gains a fill; its note holds
/// the finding.
#[test]
fn an_annotated_xlsx_keeps_the_villages_widths_formats_and_merges() {
    use std::io::Read;
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("房屋信息").unwrap();
    let bold = rust_xlsxwriter::Format::new()
        .set_bold()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let text = rust_xlsxwriter::Format::new()
        .set_num_format("@")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    ws.merge_range(0, 0, 0, 6, "平安村自建房排查表", &bold)
        .unwrap();
    for (c, h) in B_HEAD.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold).unwrap();
        ws.set_column_width(c as u16, 9.0 + c as f64).unwrap();
    }
    let mut bad = building("YH450103000000001", "450103196708158644", "未发现安全隐患");
    bad[6] = "13812345678".into();
    for (r, row) in [building("YH450103000000002", IDS[1], "未发现安全隐患"), bad]
        .iter()
        .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            ws.write_string_with_format(2 + r as u32, c as u16, v, &text)
                .unwrap();
        }
    }
    wb.save(dir.join("平安村.xlsx")).unwrap();
    let (code, errors, _) = run_dir(&dir);
    assert_eq!(code, 1, "{errors:?}");
    let c008 = errors[1..]
        .iter()
        .find(|e| e[7] == "C008")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(c008[3], "F4");
    let copy = dir
        .parent()
        .unwrap()
        .join("in-out/annotated/平安村.批注.xlsx");
    let part = |path: &Path, name: &str| -> String {
        let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut s = String::new();
        z.by_name(name)
            .unwrap_or_else(|_| panic!("{name}"))
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let src = dir.join("平安村.xlsx");
    let (a, b) = (
        part(&src, "xl/worksheets/sheet1.xml"),
        part(&copy, "xl/worksheets/sheet1.xml"),
    );
    let between = |s: &str, open: &str, close: &str| -> String {
        let i = s.find(open).unwrap_or_else(|| panic!("{open} in {s}"));
        let j = s[i..].find(close).unwrap() + i;
        s[i..j].to_string()
    };
    assert_eq!(
        between(&a, "<cols>", "</cols>"),
        between(&b, "<cols>", "</cols>")
    );
    assert_eq!(
        between(&a, "<mergeCells", "</mergeCells>"),
        between(&b, "<mergeCells", "</mergeCells>")
    );
    // Each cell's style, by reference.
    let styles_of = |s: &str| -> std::collections::BTreeMap<String, String> {
        let re = regex::Regex::new(r#"<c r="([A-Z]+\d+)"([^>]*)"#).unwrap();
        let s_re = regex::Regex::new(r#"s="(\d+)""#).unwrap();
        re.captures_iter(s)
            .map(|c| {
                let st = s_re
                    .captures(&c[2])
                    .map(|x| x[1].to_string())
                    .unwrap_or_else(|| "0".into());
                (c[1].to_string(), st)
            })
            .collect()
    };
    let (sa, sb) = (styles_of(&a), styles_of(&b));
    for (cell, st) in &sa {
        if cell != "F4" {
            assert_eq!(sb.get(cell), Some(st), "{cell}");
        }
    }
    let xfs = |path: &Path| -> Vec<String> {
        let styles = part(path, "xl/styles.xml");
        let cell_xfs = between(&styles, "<cellXfs", "</cellXfs>");
        regex::Regex::new(r"<xf [^>]*>")
            .unwrap()
            .find_iter(&cell_xfs)
            .map(|m| m.as_str().to_string())
            .collect()
    };
    let (xa, xb) = (xfs(&src), xfs(&copy));
    let get = |xf: &str, k: &str| -> String {
        regex::Regex::new(&format!(r#"{k}="(\d+)""#))
            .unwrap()
            .captures(xf)
            .map(|c| c[1].to_string())
            .unwrap_or_else(|| "0".into())
    };
    let old = &xa[sa["F4"].parse::<usize>().unwrap()];
    let new = &xb[sb["F4"].parse::<usize>().unwrap()];
    for k in ["numFmtId", "fontId", "borderId"] {
        assert_eq!(get(old, k), get(new, k), "{k}: {old} vs {new}");
    }
    // rust_xlsxwriter stores "@" as a custom format.
    assert_ne!(get(old, "numFmtId"), "0", "text format: {old}");
    assert_ne!(get(old, "fillId"), get(new, "fillId"));
    // The note, and the 问题清单 sheet at the end.
    let notes = part(&copy, "xl/selfbuilt_comments1.xml");
    assert!(
        notes.contains(r#"ref="F4""#) && notes.contains("C008"),
        "{notes}"
    );
    let book = part(&copy, "xl/workbook.xml");
    assert!(book.contains("问题清单"), "{book}");
    let list = calamine_rows(&copy, "问题清单");
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[1][3], "F4");
}

#[test]
fn gnumerics_pretty_printed_ods_is_read() {
    // Written by Gnumeric's ssconvert from ten demo rows: its content.xml is indented, which
    // the ODS reader refuses; the tool reads a compacted copy.
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    std::fs::copy(
        corpus.join("gnumeric-pretty-printed.ods"),
        dir.join("白沙村.ods"),
    )
    .unwrap();
    let (_, errors, s) = run_dir(&dir);
    assert!(
        !codes_of(&errors, "白沙村.ods")
            .iter()
            .any(|c| c.starts_with('F')),
        "{errors:?}"
    );
    assert_eq!(s["tables"]["buildings"]["read"], 10, "{s}");
}
