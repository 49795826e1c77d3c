//! Hostile input: a workbook that inflates past the limit is refused with a finding while
//! the process stays far below the inflated size in memory.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use common::*;

/// A valid xlsx whose only sheet inflates to about `mb` MB of repeated cells.
fn bomb(path: &Path, mb: usize) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "房屋编码").unwrap();
    let buf = wb.save_to_buffer().unwrap();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(buf)).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..src.len() {
        let f = src.by_index_raw(i).unwrap();
        if f.name().unwrap() == "xl/worksheets/sheet1.xml" {
            continue;
        }
        out.raw_copy_file(f).unwrap();
    }
    let opts: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    out.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
    let cell = "<c t=\"inlineStr\"><is><t>本单元格内容重复出现用于测试解压后体积过大</t></is></c>";
    let row: String = format!("<row>{}</row>", cell.repeat(50));
    let mut written = 0;
    while written < mb << 20 {
        out.write_all(row.as_bytes()).unwrap();
        written += row.len();
    }
    out.write_all(b"</sheetData></worksheet>").unwrap();
    out.finish().unwrap();
}

#[test]
fn an_xlsx_inflating_past_the_limit_is_refused_with_low_memory() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("bomb.xlsx");
    bomb(&file, 128);
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size < 4 << 20, "the bomb is small on disk ({size} bytes)");
    let out = t.path().join("out");
    let args = ["run", p(&dir), "--out", p(&out), "--max-unzipped-mb", "16"];
    let (code, peak_kb) = peak(&args);
    assert_eq!(code, 1);
    let errs = read_csv(&out.join("errors.csv"));
    let f = errs
        .iter()
        .find(|r| r[0] == "bomb.xlsx")
        .expect("a finding for the bomb");
    assert_eq!(f[7], "F007");
    assert!(f[2].is_empty(), "file-level");
    assert!(f[8].contains("16 MB"), "{}", f[8]);
    // The baseline: the same run on a file holding no table, which writes every output
    // (they cost memory of their own: the Parquet writer's pool and buffers among them).
    let base_kb = outputs_baseline(t.path());
    match (peak_kb, base_kb) {
        (Some(kb), Some(base)) => {
            eprintln!(
                "peak RSS {kb} KB for a 128 MB inflated sheet; {base} KB on a file with no table"
            );
            assert!(
                kb < base + 16 * 1024,
                "reading the bomb cost {} KB over the baseline",
                kb.saturating_sub(base)
            );
            assert!(
                kb < 64 * 1024 + base / 2,
                "peak RSS {kb} KB is not far below 128 MB"
            );
        }
        _ => eprintln!("/usr/bin/time absent: peak memory not measured"),
    }
}

/// Exit status and peak RSS (KB, when /usr/bin/time is there) of a run of the binary.
fn peak(args: &[&str]) -> (i32, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return (run(args).code, None);
    }
    let o = Command::new(time)
        .arg("-f")
        .arg("PEAK_KB=%M")
        .arg(bin())
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let kb = err
        .lines()
        .find_map(|l| l.strip_prefix("PEAK_KB="))
        .and_then(|v| v.trim().parse().ok());
    (o.status.code().unwrap_or(-1), kb)
}

/// Make the sheet's local and central headers claim it inflates to 1000 bytes.
fn lie_about_size(path: &Path) {
    let mut b = std::fs::read(path).unwrap();
    let name = b"xl/worksheets/sheet1.xml";
    let places: Vec<usize> = b
        .windows(name.len())
        .enumerate()
        .filter(|(_, w)| *w == name)
        .map(|(i, _)| i)
        .collect();
    for at in places {
        if at >= 30 && b[at - 30..at - 26] == [0x50, 0x4b, 0x03, 0x04] {
            b[at - 30 + 22..at - 30 + 26].copy_from_slice(&1000u32.to_le_bytes());
        }
        if at >= 46 && b[at - 46..at - 42] == [0x50, 0x4b, 0x01, 0x02] {
            b[at - 46 + 24..at - 46 + 28].copy_from_slice(&1000u32.to_le_bytes());
        }
    }
    std::fs::write(path, b).unwrap();
}

#[test]
fn a_zip_lying_about_its_size_is_still_refused() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("liar.xlsx");
    bomb(&file, 64);
    lie_about_size(&file);
    let out = t.path().join("out");
    let (code, kb) = peak(&["run", p(&dir), "--out", p(&out), "--max-unzipped-mb", "16"]);
    assert_eq!(code, 1);
    let errs = read_csv(&out.join("errors.csv"));
    let f = errs
        .iter()
        .find(|r| r[0] == "liar.xlsx")
        .expect("a finding for the liar");
    assert_eq!(f[7], "F007", "{f:?}");
    if let (Some(kb), Some(base)) = (kb, outputs_baseline(t.path())) {
        eprintln!(
            "peak RSS {kb} KB for a sheet declaring 1000 bytes and inflating to 64 MB; {base} KB on a file with no table"
        );
        assert!(kb < base + 16 * 1024, "{kb} KB against {base} KB");
    }
}

/// The peak memory of a run that reads next to nothing but writes every output: a folder
/// holding one file with no table in it.
fn outputs_baseline(dir: &Path) -> Option<u64> {
    let input = dir.join("baseline-in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("说明.csv"), "本文件没有表格\n").unwrap();
    let out = dir.join("baseline-out");
    let (code, kb) = peak(&["run", p(&input), "--out", p(&out)]);
    assert!(code <= 1, "the baseline run failed");
    assert!(
        out.join("summary.json").is_file(),
        "the baseline wrote its outputs"
    );
    kb
}

#[test]
fn encrypted_and_truncated_workbooks_name_what_to_do() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    // A valid workbook cut in half.
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "房屋编码").unwrap();
    let buf = wb.save_to_buffer().unwrap();
    std::fs::write(dir.join("half.xlsx"), &buf[..buf.len() / 2]).unwrap();
    // An OLE file with an EncryptedPackage stream name, as Excel writes password-protected xlsx.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(1024, 0);
    ole.extend(
        "EncryptedPackage"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes()),
    );
    std::fs::write(dir.join("locked.xlsx"), ole).unwrap();
    let out = t.path().join("out");
    assert_eq!(run(&["run", p(&dir), "--out", p(&out)]).code, 1);
    let errs = read_csv(&out.join("errors.csv"));
    let get = |f: &str| errs.iter().find(|r| r[0] == f).cloned().unwrap();
    let half = get("half.xlsx");
    assert_eq!(half[7], "F003");
    assert!(
        half[8].contains("xlsx"),
        "names the format expected: {}",
        half[8]
    );
    let locked = get("locked.xlsx");
    assert_eq!(locked[7], "F002");
    assert!(locked[9].contains("密码"), "{}", locked[9]);
}

#[test]
fn names_from_hostile_inputs_stay_inside_out() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir_all(dir.join("a..evil")).unwrap();
    let mut rows = vec![B_HEAD.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    let mut b = building("YH450103000000001", IDS[0], "未发现安全隐患");
    b[1] = "../../evil".into();
    rows.push(b);
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let refs2: Vec<&[&str]> = refs.iter().map(|r| r.as_slice()).collect();
    write_csv(&dir.join("CON.csv"), &refs2);
    write_csv(&dir.join("a..evil").join("CON.csv"), &refs2);
    let out = t.path().join("work").join("out");
    let o = run(&["run", p(&dir), "--out", p(&out)]);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    let mut names: Vec<String> = std::fs::read_dir(out.join("annotated"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.iter().all(|n| !n.contains("..")
            && !n.contains('/')
            && !n.to_uppercase().starts_with("CON.")),
        "{names:?}"
    );
    // Only the out folder was created beside it.
    let siblings: Vec<_> = std::fs::read_dir(t.path().join("work")).unwrap().collect();
    assert_eq!(siblings.len(), 1);
    assert!(!t.path().join("evil").exists());
}

#[test]
fn a_cell_longer_than_excel_allows_does_not_stop_the_outputs() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let mut b = building("YH450103000000001", IDS[0], "未发现安全隐患");
    b[3] = "长".repeat(40_000);
    let rows = [B_HEAD.iter().map(|s| s.to_string()).collect::<Vec<_>>(), b];
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let refs2: Vec<&[&str]> = refs.iter().map(|r| r.as_slice()).collect();
    write_csv(&dir.join("long.csv"), &refs2);
    let out = t.path().join("out");
    let o = run(&["run", p(&dir), "--out", p(&out)]);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    for f in ["cleaned.xlsx", "errors.xlsx", "annotated/long.批注.xlsx"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    // Only the manifest of what the run wrote stays (the next run replaces exactly that).
    assert_eq!(
        left,
        vec![".selfbuilt-manifest".to_string()],
        "scratch files left in --out"
    );
}

/// An xlsx whose sheet XML is `rows` (inline strings), the rest made by rust_xlsxwriter.
fn xlsx_with_sheet_xml(path: &Path, sheet_name: &str, rows: &str) {
    xlsx_with_sheet_parts(path, sheet_name, rows, "");
}

/// As `xlsx_with_sheet_xml`, with `after` (mergeCells …) after the sheet data.
fn xlsx_with_sheet_parts(path: &Path, sheet_name: &str, rows: &str, after: &str) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet()
        .set_name(sheet_name)
        .unwrap()
        .write_string(0, 0, "x")
        .unwrap();
    let buf = wb.save_to_buffer().unwrap();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(buf)).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..src.len() {
        let f = src.by_index_raw(i).unwrap();
        if f.name().unwrap() == "xl/worksheets/sheet1.xml" {
            continue;
        }
        out.raw_copy_file(f).unwrap();
    }
    let opts = zip::write::SimpleFileOptions::default();
    out.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    write!(out, r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData>{after}</worksheet>"#).unwrap();
    out.finish().unwrap();
}

fn xml_row(r: u32, cells: &[String]) -> String {
    let mut s = format!("<row r=\"{r}\">");
    for (c, v) in cells.iter().enumerate() {
        if v.is_empty() {
            continue;
        }
        let col = (b'A' + (c as u8 % 26)) as char;
        let col = if c >= 26 {
            format!("A{col}")
        } else {
            col.to_string()
        };
        s.push_str(&format!(
            "<c r=\"{col}{r}\" t=\"inlineStr\"><is><t>{v}</t></is></c>"
        ));
    }
    s + "</row>"
}

#[test]
fn a_row_number_given_twice_is_a_finding_not_a_silent_loss() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let head: Vec<String> = B_HEAD.iter().map(|s| s.to_string()).collect();
    let a = building("YH450103000000001", IDS[0], "未发现安全隐患");
    let mut b = building("YH450103000000002", IDS[1], "未发现安全隐患");
    b[4] = "黄英".into();
    let c = building("YH450103000000003", IDS[2], "未发现安全隐患");
    let rows = [
        xml_row(1, &head),
        xml_row(2, &a),
        xml_row(3, &b),
        xml_row(3, &c),
    ]
    .concat();
    xlsx_with_sheet_xml(&dir.join("平安村.xlsx"), "房屋信息", &rows);
    let out = t.path().join("out");
    let r = run(&["run", p(&dir), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let f = errors[1..]
        .iter()
        .find(|e| e[7] == "F014")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!((f[2].as_str(), f[6].as_str()), ("3", "error"), "{f:?}");
    assert!(
        f[8].contains("YH450103000000002"),
        "the overwritten value is named: {}",
        f[8]
    );
    // Row 2 is accepted; row 3 is rejected for a look, not lost.
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["tables"]["buildings"]["read"], 2, "{s}");
    assert_eq!(s["tables"]["buildings"]["rejected"], 1, "{s}");
}

#[test]
fn a_flood_of_findings_is_summed_up_and_every_row_still_rejected() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for i in 0..3000 {
        let mut b = building(
            &format!("YH45010300{i:07}"),
            IDS[i % IDS.len()],
            "未发现安全隐患",
        );
        b[10] = "很多层".into();
        rows.push(b);
    }
    write_table(&dir.join("平安村.csv"), &B_HEAD, &rows);
    let out = t.path().join("out");
    let r = run(&["run", p(&dir), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let floors: Vec<&Vec<String>> = errors[1..].iter().filter(|e| e[4] == "floors").collect();
    // 1,000 listed one by one, then one line for the other 2,000 with their rows.
    assert_eq!(floors.len(), 1001, "{}", floors.len());
    let summary = floors
        .iter()
        .find(|e| e[2].is_empty())
        .expect("a summary line");
    assert!(summary[8].contains("另有 2000 处"), "{}", summary[8]);
    assert!(summary[8].contains("1002-3001"), "{}", summary[8]);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["tables"]["buildings"]["rejected"], 3000, "{s}");
}

#[test]
fn a_sheet_named_like_the_instructions_that_holds_a_table_is_read() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let head: Vec<String> = B_HEAD.iter().map(|s| s.to_string()).collect();
    let a = building("YH450103000000001", IDS[0], "未发现安全隐患");
    let rows = [xml_row(1, &head), xml_row(2, &a)].concat();
    xlsx_with_sheet_xml(&dir.join("平安村.xlsx"), "说明", &rows);
    let out = t.path().join("out");
    let r = run(&["run", p(&dir), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["tables"]["buildings"]["accepted"], 1, "{s}");
}

#[test]
fn cut_text_and_characters_xml_cannot_carry_are_findings_and_audit_lines() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let mut a = building("YH450103000000001", IDS[0], "未发现安全隐患");
    a[3] = "长".repeat(40_000);
    let mut b = building("YH450103000000002", IDS[1], "未发现安全隐患");
    b[4] = "黄\u{fffe}英\u{1}".into();
    write_table(&dir.join("平安村.csv"), &B_HEAD, &[a, b]);
    let out = t.path().join("out");
    let r = run(&["run", p(&dir), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let cut = errors[1..].iter().find(|e| e[7] == "C022").expect("a C022");
    assert_eq!((cut[3].as_str(), cut[6].as_str()), ("D2", "warning"));
    let changes = read_csv(&out.join("changes.csv"));
    let addr = changes
        .iter()
        .find(|c| c[3] == "D2")
        .expect("the cut in changes.csv");
    assert!(addr[6].ends_with("…（已截断）") && addr[6].chars().count() == 32_767);
    let owner = changes
        .iter()
        .find(|c| c[3] == "E3")
        .expect("the dropped characters in changes.csv");
    assert_eq!(owner[6], "黄英");
    // The cleaned workbook holds the clean value, and a strict reader opens it.
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(cleaned[2][4], "黄英");
}

#[test]
fn a_bomb_is_refused_by_its_ratio_with_default_flags() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    bomb(&dir.join("bomb.xlsx"), 200);
    let out = t.path().join("out");
    let (code, kb) = peak(&["run", p(&dir), "--out", p(&out)]);
    assert_eq!(code, 1);
    let errs = read_csv(&out.join("errors.csv"));
    let f = errs
        .iter()
        .find(|r| r[0] == "bomb.xlsx")
        .expect("a finding");
    assert_eq!(f[7], "F007");
    assert!(f[8].contains("倍"), "refused by its ratio: {}", f[8]);
    if let Some(kb) = kb {
        eprintln!("peak RSS {kb} KB for a 200 MB bomb");
        assert!(kb < 200 * 1024, "peak {kb} KB");
    }
}

#[test]
fn a_zip_with_two_parts_of_one_name_is_refused_naming_it() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("平安村.xlsx");
    let head: Vec<String> = B_HEAD.iter().map(|s| s.to_string()).collect();
    let a = building("YH450103000000001", IDS[0], "未发现安全隐患");
    xlsx_with_sheet_xml(
        &path,
        "房屋信息",
        &[xml_row(1, &head), xml_row(2, &a)].concat(),
    );
    // Append a second sheet1.xml by copying the archive with the part twice.
    let buf = std::fs::read(&path).unwrap();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(buf)).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..src.len() {
        out.raw_copy_file(src.by_index_raw(i).unwrap()).unwrap();
    }
    let dup = src.by_name("xl/worksheets/sheet1.xml").unwrap();
    out.raw_copy_file_rename(dup, "xl/worksheets/sheetX.xml")
        .unwrap();
    out.finish().unwrap();
    // The zip crate writes no two parts of one name: rename the copy in place (the name
    // has the same length, in the local header and the central directory alike).
    let mut bytes = std::fs::read(&path).unwrap();
    let from = b"xl/worksheets/sheetX.xml";
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i + from.len() - 5] = b'1';
        }
        i += 1;
    }
    std::fs::write(&path, &bytes).unwrap();
    let o = t.path().join("out");
    let r = run(&["run", p(&dir), "--out", p(&o)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let errs = read_csv(&o.join("errors.csv"));
    assert!(
        errs[1..]
            .iter()
            .any(|e| e[7] == "F003" && e[8].contains("同名")),
        "{errs:?}"
    );
}

#[test]
fn a_merge_over_the_whole_sheet_and_a_flood_of_merges_stay_small() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let head: Vec<String> = B_HEAD.iter().map(|s| s.to_string()).collect();
    let mut a = building("YH450103000000001", IDS[0], "未发现安全隐患");
    a[10] = "很多层".into(); // a finding, so the file gets an annotated copy
    let rows = [xml_row(1, &head), xml_row(2, &a)].concat();
    // One merge over the rest of the sheet, and 50,000 small ones in column Z onwards.
    let mut merges = String::from("<mergeCell ref=\"A30:XFD1048576\"/>");
    for i in 0..50_000u32 {
        merges.push_str(&format!("<mergeCell ref=\"Z{r}:AA{r}\"/>", r = i + 3));
    }
    let after = format!("<mergeCells count=\"50001\">{merges}</mergeCells>");
    xlsx_with_sheet_parts(&dir.join("平安村.xlsx"), "房屋信息", &rows, &after);
    let out = t.path().join("out");
    let (code, kb) = peak(&["run", p(&dir), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(code, 1);
    assert!(out.join("annotated/平安村.批注.xlsx").is_file());
    assert!(out.join("summary.json").is_file());
    if let Some(kb) = kb {
        eprintln!("peak RSS {kb} KB");
        assert!(kb < 400 * 1024, "peak {kb} KB");
    }
}
