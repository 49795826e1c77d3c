//! Files as village and township offices really make them (issue 26): merged cells down a
//! group's rows, formulas in village cells, and the like. Each test makes its files, runs
//! the binary, and checks that every row is accounted for (in cleaned.xlsx or listed as
//! rejected) and what the findings and the audit trail say.

mod common;
use common::*;

use rust_xlsxwriter::{Format, Workbook, Worksheet};

/// A named pipe at `path` (a file that never ends, as a FIFO is to a reader).
fn mkfifo(path: &std::path::Path) {
    assert!(std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success());
}

/// A fresh folder with an empty `in/` for a village's files: (the folder, `in/`).
fn town() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    (tmp, input)
}

/// Run on `input` into `tmp/out`, requiring no error finding; the out folder.
fn run_without_errors(tmp: &tempfile::TempDir, input: &std::path::Path) -> std::path::PathBuf {
    let out = tmp.path().join("out");
    let r = run(&["run", p(input), "--out", p(&out), "--as-of", "2026-12-01"]);
    let errors = read_csv(&out.join("errors.csv"));
    assert!(
        errors[1..].iter().all(|e| e[6] != "error"),
        "{errors:?}\n{}",
        r.stderr
    );
    out
}

/// A worksheet of `wb` named `name` with `head` on its first row.
fn sheet<'a>(wb: &'a mut Workbook, name: &str, head: &[&str]) -> &'a mut Worksheet {
    let ws = wb.add_worksheet();
    ws.set_name(name).unwrap();
    put(ws, 0, head);
    ws
}

/// `cells` as texts on row `r` of `ws`, from column A.
fn put<S: AsRef<str>>(ws: &mut Worksheet, r: u32, cells: &[S]) {
    for (c, v) in cells.iter().enumerate() {
        ws.write_string(r, c as u16, v.as_ref()).unwrap();
    }
}

/// The rows of a CSV output as a spreadsheet program would show them once the leading
/// `'` that keeps a formula text is taken off.
fn cells_of(path: &std::path::Path) -> Vec<Vec<String>> {
    read_csv(path)
}

/// A cell that would be a formula in Excel or WPS is written with a leading `'` in every
/// CSV output; the workbooks keep the exact text.
#[test]
fn csv_outputs_never_carry_a_formula() {
    let (tmp, input) = town();
    let mut b = building("YH450103003466100", IDS[0], "未发现安全隐患");
    b[1] = "=HYPERLINK(\"http://x\",\"平安村\")".into();
    b[6] = "=cmd|' /C calc'!A0".into();
    b[11] = "+120".into();
    let mut c = building("YH450103003466101", IDS[1], "未发现安全隐患");
    c[4] = "@韦宝".into();
    write_table(&input.join("平安村房屋信息.csv"), &B_HEAD, &[b, c]);
    let out = tmp.path().join("out");
    run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    for name in ["errors.csv", "changes.csv", "tally.csv", "writeoffs.csv"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        for row in cells_of(&out.join(name)) {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{name}: {cell:?} in\n{text}"
                );
            }
        }
    }
    let errors = std::fs::read_to_string(out.join("errors.csv")).unwrap();
    assert!(errors.contains("'=cmd|' /C calc'!A0"), "{errors}");
    let changes = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    assert!(changes.contains("'+120,120"), "{changes}");
    let tally = std::fs::read_to_string(out.join("tally.csv")).unwrap();
    assert!(tally.contains("'=HYPERLINK("), "{tally}");
    // The workbook keeps the text exactly, as text.
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert!(
        cleaned
            .iter()
            .flatten()
            .any(|c| c == "=HYPERLINK(\"http://x\",\"平安村\")"),
        "{cleaned:?}"
    );
}

/// A sheet of houses as villages make it: 村 merged down every row, 组 merged down each
/// group's rows, a blank row between groups.
fn merged_village_sheet(path: &std::path::Path) {
    let mut wb = Workbook::new();
    let centre = Format::new().set_align(rust_xlsxwriter::FormatAlign::VerticalCenter);
    let ws = sheet(&mut wb, "房屋信息", &B_HEAD);
    // Rows 2–7: six houses; 村 merged over B2:B7, 组 over C2:C4 (1组) and C5:C7 (2组).
    for (k, id) in IDS.iter().enumerate() {
        let r = k as u32 + 1;
        let b = building(&format!("YH45010300346610{k}"), id, "未发现安全隐患");
        for (c, v) in b.iter().enumerate() {
            if c == 1 || c == 2 {
                continue;
            }
            ws.write_string(r, c as u16, v).unwrap();
        }
    }
    ws.merge_range(1, 1, 6, 1, "平安村", &centre).unwrap();
    ws.merge_range(1, 2, 3, 2, "1组", &centre).unwrap();
    ws.merge_range(4, 2, 6, 2, "2组", &centre).unwrap();
    wb.save(path).unwrap();
}

/// Merged cells in the data area take the merge's value in every row they cover, and the
/// audit trail says so; no row is rejected for a blank 村 and no 组 goes upstream blank.
#[test]
fn merged_data_cells_fill_every_row_they_cover() {
    let (tmp, input) = town();
    merged_village_sheet(&input.join("平安村房屋信息.xlsx"));
    let out = run_without_errors(&tmp, &input);
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(cleaned.len(), 7, "{cleaned:?}");
    let head = &cleaned[0];
    let v = head.iter().position(|h| h == "村（社区）").unwrap();
    let g = head.iter().position(|h| h == "组（屯）").unwrap();
    let groups: Vec<(&str, &str)> = cleaned[1..]
        .iter()
        .map(|r| (r[v].as_str(), r[g].as_str()))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("平安村", "1组"),
            ("平安村", "1组"),
            ("平安村", "1组"),
            ("平安村", "2组"),
            ("平安村", "2组"),
            ("平安村", "2组"),
        ]
    );
    // Every filled cell is in the audit trail: B3:B7, C3:C4 and C6:C7.
    let changes = read_csv(&out.join("changes.csv"));
    let mut filled: Vec<String> = changes[1..]
        .iter()
        .filter(|c| c[5].is_empty())
        .map(|c| c[3].clone())
        .collect();
    filled.sort();
    assert_eq!(
        filled,
        ["B3", "B4", "B5", "B6", "B7", "C3", "C4", "C6", "C7"],
        "{changes:?}"
    );
}

/// A hazard ledger that merges 房屋编码 down one building's hazard rows: each hazard row
/// belongs to that building.
#[test]
fn a_building_code_merged_down_its_hazards_belongs_to_each() {
    let (tmp, input) = town();
    let mut wb = Workbook::new();
    let ws = sheet(&mut wb, "房屋信息", &B_HEAD);
    put(
        ws,
        1,
        &building("YH450103000000001", IDS[0], "存在一定安全隐患"),
    );
    let ws = sheet(&mut wb, "隐患台账", &H_HEAD);
    for k in 0..3u32 {
        let h = hazard(
            &format!("YH450103000000001-0{}", k + 1),
            "YH450103000000001",
            "一般隐患",
            "未整治",
            "韦宝",
        );
        for (c, v) in h.iter().enumerate() {
            if c != 1 {
                ws.write_string(k + 1, c as u16, v).unwrap();
            }
        }
    }
    ws.merge_range(1, 1, 3, 1, "YH450103000000001", &Format::new())
        .unwrap();
    wb.save(input.join("平安村.xlsx")).unwrap();
    let out = tmp.path().join("out");
    run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    let errors = read_csv(&out.join("errors.csv"));
    assert!(errors[1..].iter().all(|e| e[6] != "error"), "{errors:?}");
    let hz = calamine_rows(&out.join("cleaned.xlsx"), "隐患台账");
    assert_eq!(hz.len(), 4, "{hz:?}");
    assert_eq!(
        hz[1..]
            .iter()
            .filter(|r| r.iter().any(|c| c == "YH450103000000001"))
            .count(),
        3
    );
}

/// One building workbook at `path` whose remark-free row holds `owner` as its owner.
fn building_book(path: &std::path::Path, owner: &str) {
    building_book_of(path, "YH450103003466100", owner)
}

/// `building_book` for the building with this code.
fn building_book_of(path: &std::path::Path, code: &str, owner: &str) {
    let mut b = building(code, IDS[0], "未发现安全隐患");
    b[4] = owner.to_string();
    let mut wb = Workbook::new();
    let ws = sheet(&mut wb, "房屋信息", &B_HEAD);
    put(ws, 1, &b);
    wb.save(path).unwrap();
}

/// Inputs that once ended the whole batch with exit 2 and nothing written: a file whose
/// Chinese name is 78 characters long, files and folders whose names begin with `-`.
/// Each is read, and the run writes every output.
#[test]
fn long_names_and_names_like_options_are_read_and_the_batch_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(input.join("-第二批")).unwrap();
    let long = format!(
        "{}.xlsx",
        "长塘镇平安村自建房安全隐患排查整治台账"
            .repeat(5)
            .chars()
            .take(78)
            .collect::<String>()
    );
    assert_eq!(long.chars().count(), 83);
    building_book(&input.join(&long), "韦宝");
    building_book(&input.join("-1.xlsx"), "黄英");
    building_book(&input.join("-第二批").join("-2.xlsx"), "李明");
    let out = tmp.path().join("out");
    let r = run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    // Only the duplicate code the three files share, no file unreadable.
    assert!(
        errors[1..].iter().all(|e| !e[7].starts_with('F')),
        "{errors:?}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["files_read"], 3, "{summary}");
    assert_eq!(summary["rows_read"], 3, "{summary}");
    let annotated: Vec<String> = std::fs::read_dir(out.join("annotated"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(annotated.len(), 3, "{annotated:?}");
    assert!(annotated.iter().all(|n| n.len() < 255), "{annotated:?}");
}

/// A cell's length is counted as spreadsheet programs count it (UTF-16 units): 32,767
/// characters fit and are kept whole; 16,384 characters from outside the Basic
/// Multilingual Plane do not fit and are cut with a finding, and the run writes every
/// output.
#[test]
fn cell_lengths_are_counted_as_spreadsheets_count_them() {
    let (tmp, input) = town();
    let fits = "房".repeat(32_767);
    let wide = "𠮷".repeat(16_384);
    let mut rows = Vec::new();
    for (k, remark) in [&fits, &wide].iter().enumerate() {
        let mut b = building(&format!("YH45010300346610{k}"), IDS[k], "未发现安全隐患");
        b[3] = remark.to_string();
        rows.push(b);
    }
    write_table(&input.join("平安村房屋信息.csv"), &B_HEAD, &rows);
    let out = tmp.path().join("out");
    let r = run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert!(out.join("cleaned.xlsx").exists(), "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let cut: Vec<&Vec<String>> = errors[1..].iter().filter(|e| e[7] == "C022").collect();
    assert_eq!(cut.len(), 1, "{errors:?}");
    assert_eq!(cut[0][3], "D3");
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert!(cleaned.iter().flatten().any(|c| *c == fits));
    let kept = cleaned
        .iter()
        .flatten()
        .find(|c| c.starts_with('𠮷'))
        .unwrap();
    assert!(kept.encode_utf16().count() <= 32_767 && kept.ends_with("（已截断）"));
}

/// Files as they arrive from WeChat: a zip of village workbooks, a rar, a Word document, Excel's "Unicode 文本" export (UTF-16,
/// tab-separated, `.txt`), a file with no extension, a workbook named like a lock file.
/// The spreadsheets are read wherever they are; everything else gets a note.
#[test]
fn archives_and_odd_files_are_read_or_noted() {
    use std::io::Write;
    let (tmp, input) = town();
    let books = tmp.path().join("books");
    std::fs::create_dir(&books).unwrap();
    building_book(&books.join("a.xlsx"), "韦宝");
    let book = std::fs::read(books.join("a.xlsx")).unwrap();
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(input.join("平安村.zip")).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("平安村房屋信息.xlsx", o).unwrap();
        z.write_all(&book).unwrap();
        z.start_file("说明.docx", o).unwrap();
        z.write_all(b"PK").unwrap();
        z.finish().unwrap();
    }
    std::fs::write(input.join("和睦村.rar"), b"Rar!\x1a\x07\x00").unwrap();
    std::fs::write(input.join("通知.docx"), b"PK\x03\x04").unwrap();
    // UTF-16LE with BOM, tab-separated: Excel's Unicode text.
    let mut rows = vec![B_HEAD.join("\t")];
    let mut b = building("YH450103003466101", IDS[1], "未发现安全隐患");
    b[1] = "和睦村".into();
    rows.push(b.join("\t"));
    let text = rows.join("\r\n") + "\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    std::fs::write(input.join("和睦村房屋信息.txt"), &utf16).unwrap();
    // Tab-separated GBK with no extension.
    let mut c = building("YH450103003466102", IDS[2], "未发现安全隐患");
    c[1] = "团结村".into();
    let text = format!("{}\r\n{}\r\n", B_HEAD.join("\t"), c.join("\t"));
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(input.join("团结村房屋信息"), &gbk).unwrap();
    // A whole workbook whose name begins with ~$.
    building_book_of(&input.join("~$新村.xlsx"), "YH450103003466103", "李明");

    let out = tmp.path().join("out");
    let r = run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    let errors = read_csv(&out.join("errors.csv"));
    let notes: Vec<(&str, &str)> = errors[1..]
        .iter()
        .filter(|e| e[7] == "F018")
        .map(|e| (e[0].as_str(), e[8].as_str()))
        .collect();
    assert_eq!(notes.len(), 3, "{notes:?}\n{}", r.stderr);
    assert!(notes
        .iter()
        .any(|(f, m)| *f == "和睦村.rar" && m.contains(".rar")));
    assert!(notes.iter().any(|(f, _)| *f == "通知.docx"));
    assert!(notes.iter().any(|(f, _)| *f == "平安村.zip/说明.docx"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // The zip's workbook, the .txt, the file with no extension, the ~$ workbook.
    assert_eq!(summary["files_read"], 4, "{summary}\n{errors:?}");
    assert_eq!(summary["files_unreadable"], 0, "{summary}");
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    let villages: std::collections::BTreeSet<&str> =
        cleaned[1..].iter().map(|r| r[1].as_str()).collect();
    assert!(
        villages.contains("和睦村") && villages.contains("团结村") && villages.contains("平安村"),
        "{cleaned:?}"
    );
    // The zip's workbook is named inside its archive.
    assert!(
        cleaned
            .iter()
            .any(|r| r.iter().any(|c| c == "平安村.zip/平安村房屋信息.xlsx")),
        "{cleaned:?}"
    );
    assert_eq!(cleaned.len(), 5, "{cleaned:?}");
}

/// A folder with no spreadsheet at all (only a rar) exits 2 saying so in Chinese, and the
/// outputs of the last finished run stay as they were. (A spreadsheet that cannot be read
/// is reported like any finding, so that its village hears of it.)
#[test]
fn no_readable_spreadsheet_exits_2_and_keeps_the_last_run() {
    let (tmp, input) = town();
    building_book(&input.join("平安村.xlsx"), "韦宝");
    let out = tmp.path().join("out");
    let r = run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert!(r.code < 2, "{}", r.stderr);
    let before = std::fs::read(out.join("cleaned.xlsx")).unwrap();
    std::fs::remove_file(input.join("平安村.xlsx")).unwrap();
    std::fs::write(input.join("平安村.rar"), b"Rar!\x1a\x07\x00").unwrap();
    let r = run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("没有找到任何表格"), "{}", r.stderr);
    assert!(r.stderr.contains("平安村.rar"), "{}", r.stderr);
    assert_eq!(std::fs::read(out.join("cleaned.xlsx")).unwrap(), before);
}

/// Reading as offices need it: `="450…"` (Excel's idiom for digits kept as text) is its
/// text, with an audit line; a hidden sheet is read with a note; an MHT web page named
/// .xls says what it is and how to convert it.
#[test]
fn text_idioms_hidden_sheets_and_web_pages() {
    let (tmp, input) = town();
    let mut b = building("YH450103003466100", IDS[0], "未发现安全隐患");
    b[5] = format!("=\"{}\"", IDS[0]);
    b[0] = "=\"YH450103003466100\"".into();
    write_table(&input.join("平安村房屋信息.csv"), &B_HEAD, &[b]);
    // A workbook whose second sheet, hidden, holds another house.
    let mut wb = Workbook::new();
    for (k, name) in ["房屋信息", "旧表"].iter().enumerate() {
        let ws = sheet(&mut wb, name, &B_HEAD);
        let mut r = building(
            &format!("YH45010300346620{k}"),
            IDS[k + 1],
            "未发现安全隐患",
        );
        r[1] = "和睦村".into();
        put(ws, 1, &r);
        if k == 1 {
            ws.set_hidden(true);
        }
    }
    wb.save(input.join("和睦村.xlsx")).unwrap();
    std::fs::write(
        input.join("团结村.xls"),
        "MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; boundary=\"----=_NextPart_01\"\r\n\r\n------=_NextPart_01\r\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    let errors = read_csv(&out.join("errors.csv"));
    let code_of = |file: &str, code: &str| {
        errors[1..]
            .iter()
            .find(|e| e[0] == file && e[7] == code)
            .unwrap_or_else(|| panic!("{file} {code}: {errors:?}"))
            .clone()
    };
    let hidden = code_of("和睦村.xlsx", "S009");
    assert_eq!(
        (hidden[1].as_str(), hidden[6].as_str()),
        ("旧表", "warning")
    );
    let mht = code_of("团结村.xls", "F008");
    assert!(mht[8].contains("MHT"), "{mht:?}");
    // No ID or code error on the CSV: the idiom is unwrapped, and the audit trail says so.
    assert!(
        errors[1..]
            .iter()
            .all(|e| e[0] != "平安村房屋信息.csv" || e[6] != "error"),
        "{errors:?}"
    );
    let changes = read_csv(&out.join("changes.csv"));
    assert!(
        changes[1..]
            .iter()
            .any(|c| c[4] == "owner_id" && c[5] == format!("'=\"{}\"", IDS[0]) && c[6] == IDS[0]),
        "{changes:?}"
    );
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(cleaned.len(), 4, "{cleaned:?}");
    assert!(cleaned.iter().any(|r| r[0] == "YH450103003466100"));
}

/// Side files are regular files under a limit: a pipe given as --aliases or as
/// --previous's round.jsonl is refused at once (never a hang), and a damaged round.jsonl
/// says in Chinese which line.
#[cfg(unix)]
#[test]
fn side_files_are_refused_when_they_are_pipes_or_damaged() {
    let (tmp, input) = town();
    building_book(&input.join("平安村.xlsx"), "韦宝");
    let fifo = tmp.path().join("learned.toml");
    mkfifo(&fifo);
    let out = tmp.path().join("out");
    let r = run(&["check", p(&input), "--aliases", p(&fifo)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("不是普通文件"), "{}", r.stderr);
    // A previous round whose round.jsonl is a pipe, then damaged.
    let prev = tmp.path().join("prev");
    std::fs::create_dir(&prev).unwrap();
    mkfifo(&prev.join("round.jsonl"));
    let r = run(&["run", p(&input), "--out", p(&out), "--previous", p(&prev)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("不是普通文件"), "{}", r.stderr);
    std::fs::remove_file(prev.join("round.jsonl")).unwrap();
    std::fs::write(prev.join("round.jsonl"), "{\"campaign\":").unwrap();
    let r = run(&["run", p(&input), "--out", p(&out), "--previous", p(&prev)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("第 1 行已损坏"), "{}", r.stderr);
    // Past the limit.
    std::fs::write(prev.join("round.jsonl"), vec![b' '; 2 << 20]).unwrap();
    let r = run(&[
        "run",
        p(&input),
        "--out",
        p(&out),
        "--previous",
        p(&prev),
        "--max-side-mb",
        "1",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--max-side-mb"), "{}", r.stderr);
}

/// A workbook holding several villages (its village column says so): each finding and
/// each return package follows the row's village, not the file's.
#[test]
fn findings_follow_the_rows_village() {
    let (tmp, input) = town();
    let mut rows = Vec::new();
    for (k, id) in IDS.iter().take(5).enumerate() {
        let mut b = building(&format!("YH45010300346610{k}"), id, "未发现安全隐患");
        if k >= 3 {
            b[1] = "和睦村".into();
        }
        rows.push(b);
    }
    // An error in a 和睦村 row, a warning in a 平安村 row.
    rows[4][9] = "一九九五".into();
    rows[0][6] = "1381234".into();
    write_table(&input.join("长塘镇汇总.csv"), &B_HEAD, &rows);
    let out = tmp.path().join("out");
    run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    let back = out.join("退回各村");
    let list =
        |v: &str| calamine_rows(&back.join(v).join(format!("{v}-问题清单.xlsx")), "问题清单");
    let hemu = list("和睦村");
    let pingan = list("平安村");
    let rows_of =
        |l: &Vec<Vec<String>>| -> Vec<String> { l[1..].iter().map(|r| r[2].clone()).collect() };
    assert_eq!(rows_of(&hemu), vec!["6"], "{hemu:?}");
    assert_eq!(rows_of(&pingan), vec!["2"], "{pingan:?}");
    // Each package holds the file's annotated copy.
    for v in ["和睦村", "平安村"] {
        assert!(back.join(v).join("长塘镇汇总.批注.xlsx").exists(), "{v}");
    }
    let xlsx = calamine_rows(&out.join("errors.xlsx"), "汇总");
    assert!(xlsx.iter().any(|r| r[0] == "和睦村"), "{xlsx:?}");
}

/// One sheet per 组 and a 汇总 repeating them: the rows are read once, from the 组 sheets,
/// with a note on the 汇总; no duplicate-code errors, no house counted twice.
#[test]
fn a_summary_sheet_repeating_the_group_sheets_is_read_once() {
    let (tmp, input) = town();
    let rows: Vec<Vec<String>> = IDS
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let mut b = building(&format!("YH45010300346610{k}"), id, "未发现安全隐患");
            b[2] = format!("{}组", k / 3 + 1);
            b
        })
        .collect();
    let mut wb = Workbook::new();
    for (name, part) in [
        ("汇总", &rows[..]),
        ("1组", &rows[..3]),
        ("2组", &rows[3..]),
    ] {
        let ws = sheet(&mut wb, name, &B_HEAD);
        for (r, row) in part.iter().enumerate() {
            put(ws, r as u32 + 1, row);
        }
    }
    wb.save(input.join("平安村.xlsx")).unwrap();
    let out = tmp.path().join("out");
    let r = run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let notes: Vec<&Vec<String>> = errors[1..].iter().filter(|e| e[7] == "S010").collect();
    assert_eq!(notes.len(), 1, "{errors:?}");
    assert_eq!(notes[0][1], "汇总");
    assert!(notes[0][8].contains("“1组”、“2组”"), "{:?}", notes[0]);
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(cleaned.len(), 7, "{cleaned:?}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["tables"]["buildings"]["accepted"], 6, "{summary}");
    assert_eq!(summary["tables"]["buildings"]["repeated"], 6, "{summary}");
}

/// Two tables in one sheet: the buildings, two blank rows, a 隐患台账 title, the hazards'
/// header and rows. Each block is read as its own table: no hazard read as a building,
/// no bogus write-off.
#[test]
fn two_tables_in_one_sheet_are_two_blocks() {
    let (tmp, input) = town();
    let mut wb = Workbook::new();
    let ws = sheet(&mut wb, "Sheet1", &B_HEAD);
    for k in 0..3u32 {
        let mut b = building(
            &format!("YH45010300346610{k}"),
            IDS[k as usize],
            if k == 0 {
                "存在一定安全隐患"
            } else {
                "未发现安全隐患"
            },
        );
        if k == 2 {
            // A weakly read option in the upper block: said once all the same.
            b[13] = "经营性".into();
            b[14] = "沙县小吃店".into();
        }
        put(ws, k + 1, &b);
    }
    // Rows 5–6 blank, the title on row 7, the hazards' header on row 8.
    ws.write_string(6, 0, "隐患台账").unwrap();
    put(ws, 7, &H_HEAD);
    for k in 0..2u32 {
        let h = hazard(
            &format!("YH450103003466100-0{}", k + 1),
            "YH450103003466100",
            "一般隐患",
            "未整治",
            "韦宝",
        );
        put(ws, 8 + k, &h);
    }
    wb.save(input.join("平安村.xlsx")).unwrap();
    let out = run_without_errors(&tmp, &input);
    assert_eq!(
        calamine_rows(&out.join("cleaned.xlsx"), "房屋信息").len(),
        4
    );
    let hz = calamine_rows(&out.join("cleaned.xlsx"), "隐患台账");
    assert_eq!(hz.len(), 3, "{hz:?}");
    assert!(hz[1..].iter().all(|r| r.iter().any(|c| c == "Sheet1")));
    let writeoffs = read_csv(&out.join("writeoffs.csv"));
    assert_eq!(writeoffs.len(), 1, "{writeoffs:?}");
    let errors = read_csv(&out.join("errors.csv"));
    assert!(
        errors[1..]
            .iter()
            .any(|e| e[7] == "C025" && e[5] == "沙县小吃店"),
        "{errors:?}"
    );
}

/// A minimal OpenDocument spreadsheet of one sheet: `rows` of text cells, where a cell
/// `("平安村", 3)` spans 3 rows down and the cells it covers are `("", 0)`.
fn ods_with_merges(path: &std::path::Path, sheet: &str, rows: &[Vec<(String, u32)>]) {
    use std::io::Write;
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    let mut body = String::new();
    for r in rows {
        body.push_str("<table:table-row>");
        for (v, span) in r {
            match span {
                0 => body.push_str("<table:covered-table-cell/>"),
                1 if v.is_empty() => body.push_str("<table:table-cell/>"),
                n => body.push_str(&format!(
                    "<table:table-cell office:value-type=\"string\"{}><text:p>{}</text:p></table:table-cell>",
                    if *n > 1 { format!(" table:number-rows-spanned=\"{n}\"") } else { String::new() },
                    esc(v)
                )),
            }
        }
        body.push_str("</table:table-row>");
    }
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body><office:spreadsheet><table:table table:name=\"{sheet}\">{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    );
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("META-INF/manifest.xml", stored).unwrap();
    z.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\"><manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>").unwrap();
    z.start_file("content.xml", stored).unwrap();
    z.write_all(content.as_bytes()).unwrap();
    z.finish().unwrap();
}

/// ODS records merges too: 村 merged down its houses' rows fills each of them.
#[test]
fn merged_data_cells_of_an_ods_fill_every_row_they_cover() {
    let (tmp, input) = town();
    let mut rows: Vec<Vec<(String, u32)>> =
        vec![B_HEAD.iter().map(|h| (h.to_string(), 1)).collect()];
    for (k, id) in IDS.iter().take(3).enumerate() {
        let b = building(&format!("YH45010300346610{k}"), id, "未发现安全隐患");
        rows.push(
            b.iter()
                .enumerate()
                .map(|(c, v)| match (c, k) {
                    (1, 0) => (v.clone(), 3),
                    (1, _) => (String::new(), 0),
                    _ => (v.clone(), 1),
                })
                .collect(),
        );
    }
    ods_with_merges(&input.join("平安村.ods"), "房屋信息", &rows);
    let out = run_without_errors(&tmp, &input);
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(cleaned.len(), 4, "{cleaned:?}");
    assert!(cleaned[1..].iter().all(|r| r[1] == "平安村"), "{cleaned:?}");
}

/// A table that starts beyond the columns read (`--max-columns`): its rows are not lost
/// silently, they are listed in one error that names the limit and its flag.
#[test]
fn rows_beyond_the_columns_read_are_listed() {
    let (tmp, input) = town();
    let mut wb = Workbook::new();
    let ws = sheet(&mut wb, "房屋信息", &B_HEAD);
    let b = building("YH450103003466100", IDS[0], "未发现安全隐患");
    put(ws, 1, &b);
    // Two more rows far to the right.
    for r in [2u32, 3] {
        ws.write_string(r, 600, "YH450103003466109").unwrap();
    }
    wb.save(input.join("平安村.xlsx")).unwrap();
    let out = tmp.path().join("out");
    run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    let errors = read_csv(&out.join("errors.csv"));
    let lost = errors[1..]
        .iter()
        .find(|e| e[7] == "S006" && e[6] == "error")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert!(lost[8].contains("第 3-4 行（共 2 行）"), "{lost:?}");
    assert!(lost[9].contains("--max-columns"), "{lost:?}");
}

/// A formula saved without its calculated value (a file written by a program that does
/// not calculate) is named at its cell, not just "为空".
#[test]
fn a_formula_without_its_value_is_named() {
    use std::io::{Read, Write};
    let (tmp, input) = town();
    let mut wb = Workbook::new();
    let ws = sheet(&mut wb, "房屋信息", &B_HEAD);
    let b = building("YH450103003466100", IDS[0], "未发现安全隐患");
    for (c, v) in b.iter().enumerate() {
        if c == 11 {
            ws.write_formula(1, c as u16, "=100+20").unwrap();
        } else {
            ws.write_string(1, c as u16, v).unwrap();
        }
    }
    let buf = wb.save_to_buffer().unwrap();
    // The same package with the formula's cached value taken out.
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(buf)).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(input.join("平安村.xlsx")).unwrap());
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(bytes).unwrap();
            let bare = xml.replace("</f><v>0</v>", "</f>");
            assert_ne!(bare, xml, "{xml}");
            bytes = bare.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
    let outdir = tmp.path().join("out");
    run(&[
        "run",
        p(&input),
        "--out",
        p(&outdir),
        "--as-of",
        "2026-12-01",
    ]);
    let errors = read_csv(&outdir.join("errors.csv"));
    let f = errors[1..]
        .iter()
        .find(|e| e[7] == "C026")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(f[3], "L2");
    assert!(f[8].contains("=100+20"), "{f:?}");
}

/// A CSV of `rows` houses whose addresses are `len` characters long (6,000 × 330 is
/// about 6 MB), each house its own code and address.
fn long_csv(path: &std::path::Path, rows: usize, len: usize) {
    let mut text = B_HEAD.join(",") + "\n";
    for k in 0..rows {
        let mut b = building(
            &format!("YH45010300{k:07}"),
            IDS[k % IDS.len()],
            "未发现安全隐患",
        );
        b[3] = format!("长塘镇平安村{k}号{}", "路".repeat(len));
        text.push_str(&b.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// A CSV is read streaming: a 6 MB file is read whole within a reader memory of 16 MB
/// (reading it at once took 32 MB), its lines broken by LF or by CR alone; one that the memory still cannot hold says so in its
/// own words — its size, the limit and the flag, not a word about blank formatting.
#[cfg(target_os = "linux")]
#[test]
fn a_csv_is_read_streaming_and_a_limit_names_its_flag() {
    let (tmp, input) = town();
    long_csv(&input.join("平安村.csv"), 6000, 330);
    // Read with 16 MB of reader memory into `out`: its summary.
    let read_in_16_mb = |out: &std::path::Path| -> serde_json::Value {
        let r = run(&[
            "run",
            p(&input),
            "--out",
            p(out),
            "--max-read-mb",
            "16",
            "--quiet",
        ]);
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
            .unwrap_or_else(|e| panic!("{e}: {}", r.stderr))
    };
    let summary = read_in_16_mb(&tmp.path().join("out"));
    assert_eq!(summary["tables"]["buildings"]["read"], 6000, "{summary}");
    assert_eq!(summary["files_unreadable"], 0, "{summary}");
    // Lines broken by CR alone, as old Mac programs write them: streamed all the same.
    let text = std::fs::read_to_string(input.join("平安村.csv")).unwrap();
    std::fs::write(input.join("平安村.csv"), text.replace('\n', "\r")).unwrap();
    let summary = read_in_16_mb(&tmp.path().join("out-cr"));
    assert_eq!(summary["tables"]["buildings"]["read"], 6000, "{summary}");
    let out = tmp.path().join("out2");
    run(&["run", p(&input), "--out", p(&out), "--max-read-mb", "1"]);
    let errors = read_csv(&out.join("errors.csv"));
    let f = errors[1..]
        .iter()
        .find(|e| e[7] == "F011")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert!(
        f[8].contains("6 MB 的 CSV") && f[8].contains("--max-read-mb"),
        "{f:?}"
    );
}

/// An ID and address copied onto 2,000 houses: each finding names ten of the others and
/// how many there are, never all of them (the list once made a 1.6 GB errors.csv).
#[test]
fn a_value_shared_by_thousands_of_rows_names_a_few_places() {
    let (tmp, input) = town();
    let rows: Vec<Vec<String>> = (0..2000)
        .map(|k| {
            let mut b = building(&format!("YH45010300{k:07}"), IDS[0], "未发现安全隐患");
            b[3] = "长塘镇平安村1组8号".into();
            b
        })
        .collect();
    write_table(&input.join("平安村.csv"), &B_HEAD, &rows);
    let out = tmp.path().join("out");
    run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    let errors = read_csv(&out.join("errors.csv"));
    let shared: Vec<&Vec<String>> = errors[1..].iter().filter(|e| e[7] == "B003").collect();
    assert_eq!(shared.len(), 2000);
    assert!(shared[0][8].contains("等，共 1999 处"), "{:?}", shared[0]);
    assert!(
        std::fs::metadata(out.join("errors.csv")).unwrap().len() < 5 << 20,
        "errors.csv stays small"
    );
}

/// `cells` as texts on row `r` of `ws`, from column `c0`.
fn put_at<S: AsRef<str>>(ws: &mut Worksheet, r: u32, c0: u16, cells: &[S]) {
    for (c, v) in cells.iter().enumerate() {
        if !v.as_ref().is_empty() {
            ws.write_string(r, c0 + c as u16, v.as_ref()).unwrap();
        }
    }
}

/// Two tables side by side, a blank column between them, titles above each: each is read
/// as its own table, every cell at its own place; a blank column inside one table does not
/// part it.
#[test]
fn tables_side_by_side_are_two_tables() {
    let (tmp, input) = town();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let right = B_HEAD.len() as u16 + 2;
    ws.write_string(0, 0, "房屋基本信息").unwrap();
    ws.write_string(0, right, "隐患台账").unwrap();
    put_at(ws, 1, 0, &B_HEAD);
    put_at(ws, 1, right, &H_HEAD);
    for k in 0..4u32 {
        let b = building(
            &format!("YH45010300346610{k}"),
            IDS[k as usize],
            if k == 0 {
                "存在一定安全隐患"
            } else {
                "未发现安全隐患"
            },
        );
        put_at(ws, k + 2, 0, &b);
    }
    for k in 0..2u32 {
        // Full-width digits, which cleaning changes: the change names its own cell.
        let h = hazard(
            &format!("YH４５0103003466100-0{}", k + 1),
            "YH450103003466100",
            "一般隐患",
            "未整治",
            "韦宝",
        );
        put_at(ws, k + 2, right, &h);
    }
    wb.save(input.join("平安村.xlsx")).unwrap();
    // Another village's buildings with one column emptied, header and all: one table.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let blank = 6; // 联系电话, not required
    let mut head: Vec<String> = B_HEAD.iter().map(|s| s.to_string()).collect();
    head[blank].clear();
    put_at(ws, 0, 0, &head);
    for k in 0..2u32 {
        let mut b = building(
            &format!("YH45010300346620{k}"),
            IDS[4 + k as usize],
            "未发现安全隐患",
        );
        b[blank].clear();
        put_at(ws, k + 1, 0, &b);
    }
    wb.save(input.join("团结村.xlsx")).unwrap();
    let out = run_without_errors(&tmp, &input);
    let bs = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(bs.len(), 1 + 4 + 2, "{bs:?}");
    let hz = calamine_rows(&out.join("cleaned.xlsx"), "隐患台账");
    assert_eq!(hz.len(), 3, "{hz:?}");
    // No hazard read as a building, no building code doubled, no bogus write-off.
    assert!(bs.iter().all(|r| !r.iter().any(|c| c.ends_with("-01"))));
    let writeoffs = read_csv(&out.join("writeoffs.csv"));
    assert_eq!(writeoffs.len(), 1, "{writeoffs:?}");
    assert_eq!(hz[1][15], "3");
    assert_eq!(hz[2][15], "4");
    let changes = read_csv(&out.join("changes.csv"));
    let cells: Vec<&str> = changes[1..]
        .iter()
        .filter(|c| c[4] == "hazard_code")
        .map(|c| c[3].as_str())
        .collect();
    assert_eq!(cells, ["X3", "X4"], "{changes:?}");
    // Said once, in words: how the sheet was read; the other village's sheet stays one.
    let errors = read_csv(&out.join("errors.csv"));
    let notes: Vec<&Vec<String>> = errors[1..].iter().filter(|e| e[7] == "S011").collect();
    assert_eq!(notes.len(), 1, "{errors:?}");
    assert_eq!(notes[0][0], "平安村.xlsx");
    assert!(
        notes[0][8].contains("V–W列为空列") && notes[0][8].contains("右边按“隐患台账”"),
        "{:?}",
        notes[0]
    );
}

/// Is process `pid` gone (or a zombie nobody needs to wait for)?
fn gone(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(true)
}

/// A reader child whose parent is killed dies with it. The child reads a CSV into a pipe
/// nobody empties, so it waits, alive, while its parent (a shell standing in for the run)
/// lives; once the parent is killed it is gone within seconds.
#[test]
#[cfg(target_os = "linux")]
fn the_reader_dies_with_its_parent() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("村.csv");
    let mut text = B_HEAD.join(",") + "\n";
    for k in 0..5000 {
        text += &building(&format!("YH4501030034{k:05}"), IDS[0], "未发现安全隐患").join(",");
        text += "\n";
    }
    std::fs::write(&csv, text).unwrap();
    let limits = r#"{"max_file_bytes":209715200,"max_unzipped_bytes":2500000000,"max_zip_ratio":100,"max_cells":25000000,"max_columns":512}"#;
    // The reader, its pid on stderr, started by the outer shell: `sleep` holds the pipe
    // and never reads it.
    let reader = tmp.path().join("reader.sh");
    std::fs::write(
        &reader,
        format!(
            "echo $$ >&2\nSELFBUILT_READER_PARENT=$PPID exec '{}' __read -- '{}' 村.csv '{limits}' 512 60\n",
            bin().display(),
            csv.display()
        ),
    )
    .unwrap();
    let script = format!("sh '{}' | sleep 20", reader.display());
    let mut parent = std::process::Command::new("sh")
        .args(["-c", &script])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(parent.stderr.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let child = line.trim().to_string();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        !gone(&child),
        "the reader should still be waiting on its pipe"
    );
    parent.kill().unwrap();
    parent.wait().unwrap();
    let t = std::time::Instant::now();
    while !gone(&child) && t.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let dead = gone(&child);
    if !dead {
        let _ = std::process::Command::new("kill")
            .args(["-9", &child])
            .status();
    }
    assert!(dead, "the reader outlived its parent");
}

/// Files taken away while the run is going (moved, deleted, a USB stick pulled): whatever
/// the moment, the batch ends with its outputs written, and every village file is either
/// read or named in a finding.
#[test]
fn inputs_moved_away_during_the_run_never_end_the_batch() {
    let (tmp, input) = town();
    let names: Vec<String> = (0..24).map(|k| format!("第{k}组.xlsx")).collect();
    for (k, n) in names.iter().enumerate() {
        building_book_of(&input.join(n), &format!("YH4501030034662{k:02}"), "韦宝");
    }
    let out = tmp.path().join("out");
    let mut child = std::process::Command::new(bin())
        .args(["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The files are moved once the run has listed them (its progress line says how many
    // it will read), whatever the machine's load: each is then an input that vanished.
    let stderr = child.stderr.take().unwrap();
    let (said, heard) = std::sync::mpsc::channel::<String>();
    let listener = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = said.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let listed = std::time::Instant::now();
    while listed.elapsed() < std::time::Duration::from_secs(60) {
        match heard.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(line) if line.ends_with("共 24 个") => break,
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    let away = tmp.path().join("away");
    std::fs::create_dir(&away).unwrap();
    for n in names.iter().skip(1).step_by(2) {
        std::fs::rename(input.join(n), away.join(n)).unwrap();
    }
    let status = child.wait().unwrap();
    let said_all = listener.join().unwrap();
    let code = status.code();
    assert!(matches!(code, Some(0) | Some(1)), "{code:?}\n{said_all}");
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    let errors = read_csv(&out.join("errors.csv"));
    for n in &names {
        let read = cleaned.iter().any(|r| r.iter().any(|c| c == n));
        let named = errors[1..].iter().any(|e| &e[0] == n);
        assert!(read || named, "{n}: neither read nor named\n{errors:?}");
    }
}

/// Text tables whatever they are named or encoded: a tab-separated GBK text saved as
/// `.xls` (what some programs' "export to Excel" writes), a UTF-16 LE CSV without a BOM
/// and a UTF-16 BE one with it. Each is read by its content, every row accepted, and no
/// file is said to be Big5 or unreadable.
#[test]
fn text_tables_are_read_by_content_whatever_their_name() {
    let (tmp, input) = town();
    let village = |k: usize, v: &str| {
        let mut b = building(&format!("YH45010300346630{k}"), IDS[k], "未发现安全隐患");
        b[1] = v.into();
        b
    };
    let text = format!(
        "{}\r\n{}\r\n",
        B_HEAD.join("\t"),
        village(0, "团结村").join("\t")
    );
    std::fs::write(input.join("团结村.xls"), encoding_rs::GBK.encode(&text).0).unwrap();
    let text = format!("{}\n{}\n", B_HEAD.join(","), village(1, "和睦村").join(","));
    let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    std::fs::write(input.join("和睦村.csv"), le).unwrap();
    let text = format!("{}\n{}\n", B_HEAD.join(","), village(2, "新村").join(","));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
    std::fs::write(input.join("新村.csv"), be).unwrap();
    let out = run_without_errors(&tmp, &input);
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    let villages: std::collections::BTreeSet<&str> =
        cleaned[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        villages,
        ["和睦村", "团结村", "新村"].into_iter().collect(),
        "{cleaned:?}"
    );
    let errors = read_csv(&out.join("errors.csv"));
    assert!(
        errors[1..]
            .iter()
            .all(|e| !e[8].contains("Big5") && !e[7].starts_with('F')),
        "{errors:?}"
    );
}

/// A previous round's round.jsonl that says it is 20 GB (a sparse file, nothing on disk)
/// is refused at once by its size, in Chinese, naming the flag; no memory is spent on it.
#[test]
fn a_huge_previous_round_is_refused_by_its_size() {
    let (tmp, input) = town();
    building_book(&input.join("平安村.xlsx"), "韦宝");
    let prev = tmp.path().join("prev");
    std::fs::create_dir(&prev).unwrap();
    std::fs::File::create(prev.join("round.jsonl"))
        .unwrap()
        .set_len(20 << 30)
        .unwrap();
    let out = tmp.path().join("out");
    let r = run(&["run", p(&input), "--out", p(&out), "--previous", p(&prev)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--max-side-mb"), "{}", r.stderr);
}
