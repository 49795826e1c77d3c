//! Workbooks through calamine: xlsx/xlsm (streamed cell by cell so that limits apply
//! while reading, hidden parts and macro sheets handled), xls, xlsb and ods; cells to raw
//! values, merges, the sheets that hold data.

use std::io::Read;
use std::path::Path;

use calamine::{Data, DataRef, Reader};
use chrono::NaiveDate;

use super::findings::*;
use super::*;
use crate::finding::Finding;

/// A part the archive's index does not list, hidden behind another of the same name: the
/// zip crate keeps one entry per name, so a second part of one name shows only as a local
/// header (signature PK\x03\x04) in the bytes between the listed parts. Returns the
/// hidden part's name.
pub(crate) fn hidden_part(
    path: &Path,
    spans: &mut [(u64, u64)],
    cd_start: u64,
    names: &[String],
) -> Option<String> {
    use std::io::{Seek, SeekFrom};
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| spans[i].0);
    let mut file = std::fs::File::open(path).ok()?;
    for (k, &i) in order.iter().enumerate() {
        let end = spans[i].1;
        let next = order.get(k + 1).map(|&j| spans[j].0).unwrap_or(cd_start);
        // A data descriptor (up to 24 bytes) may follow the data; a header is 30 or more.
        if next > end + 24 + 30 {
            let mut buf = [0u8; 24 + 30 + 256];
            file.seek(SeekFrom::Start(end)).ok()?;
            let n = file.read(&mut buf).ok()?;
            let b = &buf[..n];
            if let Some(at) = b.windows(4).take(25).position(|w| w == b"PK\x03\x04") {
                // The local header's name: its length at byte 26, the name from byte 30.
                let len = b
                    .get(at + 26..at + 28)
                    .map(|l| u16::from_le_bytes([l[0], l[1]]) as usize)
                    .unwrap_or(0);
                let name = b
                    .get(at + 30..at + 30 + len)
                    .map(|x| String::from_utf8_lossy(x).into_owned())
                    .unwrap_or_else(|| names[i].clone());
                return Some(name);
            }
        }
    }
    None
}

/// Read a zip-packaged workbook (xlsx, xlsm, xlsb or ods): what its index declares checked
/// first (no hidden part, no more bytes than the limit), then read by the kind of workbook
/// its parts show, with the pass that inflates every part (real sizes, zip bombs, see
/// `parts`) beside an xlsx's read or before any other's.
pub(crate) fn read_zip_workbook(
    f: &InputFile,
    rel: &str,
    limits: &Limits,
    expected: &str,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    let mut zip = open_zip(f, rel, expected)?;
    let names = listed_parts(f, &mut zip, rel, limits, expected)?;
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("xl/workbook.xml") {
        // The parts' pass beside calamine's read, when the small parts can be read ahead.
        if let Some(book) = parts::book_parts(&mut zip, limits) {
            drop(zip);
            return std::thread::scope(|scope| {
                match parts::Scans::beside(scope, f, (rel, limits, expected), &book) {
                    Some(mut scans) => {
                        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            read_xlsx_package(f, rel, limits, expected, &book, &mut scans, emit)
                        }));
                        match read {
                            Ok(read) => scans.finish(read),
                            // A reader that panicked: what the pass finds wrong comes first.
                            Err(panic) => match scans.finish(Ok(())) {
                                Err(finding) => Err(finding),
                                Ok(()) => std::panic::resume_unwind(panic),
                            },
                        }
                    }
                    None => read_xlsx_after_pass(f, rel, limits, expected, emit),
                }
            });
        }
    }
    let (book, mut scans) = parts::inflate_parts(&mut zip, rel, limits, expected)?;
    let macros = macrosheets::present(&book.rels_xml);
    if has("xl/workbook.xml") {
        read_xlsx_package(f, rel, limits, expected, &book, &mut scans, emit)
    } else if has("xl/workbook.bin") && macros {
        let copy = macro_free_copy(
            f,
            rel,
            expected,
            &book.rels_xml,
            "xl/_rels/workbook.bin.rels",
        )?;
        let wb = calamine::Xlsb::new(copy).map_err(|e| corrupt(rel, expected, &e.to_string()))?;
        read_opened(calamine::Sheets::Xlsb(wb), rel, limits, "xlsb", true)
            .map(|b| emit_book(b, emit))
    } else if has("xl/workbook.bin") {
        read_calamine(f, rel, limits, "xlsb", expected).map(|b| emit_book(b, emit))
    } else if has("content.xml") {
        read_ods_package(f, rel, limits, expected, emit)
    } else if is_office_package(&names) {
        // An Office package whose parts lie elsewhere (backslashed names, a workbook at the
        // root named by _rels/.rels): calamine finds its parts; merged regions from it.
        let wb =
            calamine::open_workbook(&f.path).map_err(|e| xlsx_open_failed(rel, expected, e))?;
        read_xlsx(
            wb,
            rel,
            expected,
            false,
            limits,
            &mut parts::Scans::none(),
            emit,
        )
    } else {
        Err(file_finding(
            crate::codes::zip_not_a_spreadsheet(expected),
            rel,
        ))
    }
}

/// The names of the parts the archive's index lists, after checking what the index
/// declares: no part hidden behind another of the same name (see `hidden_part`), and
/// declared sizes that add up to no more than the limit.
fn listed_parts<R: std::io::Read + std::io::Seek>(
    f: &InputFile,
    zip: &mut zip::ZipArchive<R>,
    rel: &str,
    limits: &Limits,
    expected: &str,
) -> Result<Vec<String>, Finding> {
    let mut total: u64 = 0;
    let mut names = Vec::new();
    // Where each listed part's bytes lie: (start of its local header, end of its data).
    let mut spans: Vec<(u64, u64)> = Vec::new();
    for i in 0..zip.len() {
        let Ok(e) = zip.by_index_raw(i) else {
            return Err(corrupt(rel, expected, "zip entry"));
        };
        total = total.saturating_add(e.size());
        let name = e
            .name()
            .map_err(|e| corrupt(rel, expected, &e.to_string()))?;
        names.push(name.into_owned());
        spans.push((
            e.header_start(),
            e.data_start()
                .unwrap_or(e.header_start())
                .saturating_add(e.compressed_size()),
        ));
    }
    if let Some(name) = hidden_part(&f.path, &mut spans, zip.central_directory_start(), &names) {
        return Err(file_finding(crate::codes::two_parts(name), rel));
    }
    if total > limits.max_unzipped_bytes {
        return Err(too_big_unzipped(rel, total, limits));
    }
    Ok(names)
}

/// Whether the archive's part names show an Office package, its parts maybe not where an
/// xlsx keeps them.
fn is_office_package(names: &[String]) -> bool {
    names.iter().any(|n| {
        let n = n.replace('\\', "/");
        n == "xl/workbook.xml"
            || n == "[Content_Types].xml"
            || n.ends_with("/workbook.xml")
            || n == "workbook.xml"
    })
}

/// The finding for an xlsx the reader could not open.
fn xlsx_open_failed(rel: &str, expected: &str, e: calamine::XlsxError) -> Finding {
    corrupt(rel, expected, &e.to_string())
}

/// A copy of the workbook whose relationships call its Excel 4.0 macro sheets dialog
/// sheets: the reader refuses a workbook with macro sheets (see `macrosheets`).
fn macro_free_copy(
    f: &InputFile,
    rel: &str,
    expected: &str,
    rels_xml: &[u8],
    rels_name: &str,
) -> Result<std::io::Cursor<Vec<u8>>, Finding> {
    let fix = |e: &dyn std::fmt::Display| corrupt(rel, expected, &e.to_string());
    let rels = macrosheets::retype_rels(rels_xml).map_err(|e| fix(&e))?;
    let file = std::fs::File::open(&f.path).map_err(|e| fix(&e))?;
    macrosheets::repack(std::io::BufReader::new(file), rels_name, &rels).map_err(|e| fix(&e))
}

/// The file's zip archive, opened; a corrupt-file finding when it cannot be.
fn open_zip(
    f: &InputFile,
    rel: &str,
    expected: &str,
) -> Result<zip::ZipArchive<std::io::BufReader<std::fs::File>>, Finding> {
    let fail = |e: &dyn std::fmt::Display| corrupt(rel, expected, &e.to_string());
    let file = std::fs::File::open(&f.path).map_err(|e| fail(&e))?;
    zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| fail(&e))
}

/// Read an xlsx after the parts' pass (see `parts`): when the pass cannot run beside
/// the read.
fn read_xlsx_after_pass(
    f: &InputFile,
    rel: &str,
    limits: &Limits,
    expected: &str,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    let mut zip = open_zip(f, rel, expected)?;
    let (book, mut scans) = parts::inflate_parts(&mut zip, rel, limits, expected)?;
    read_xlsx_package(f, rel, limits, expected, &book, &mut scans, emit)
}

/// Read an xlsx or xlsm with the parts' scans (merged regions, sheets that may hold
/// formulas without a value); through a macro-free copy when it has macro sheets.
fn read_xlsx_package(
    f: &InputFile,
    rel: &str,
    limits: &Limits,
    expected: &str,
    book: &parts::BookParts,
    scans: &mut parts::Scans,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    let open_err = |e| xlsx_open_failed(rel, expected, e);
    if macrosheets::present(&book.rels_xml) {
        let copy = macro_free_copy(
            f,
            rel,
            expected,
            &book.rels_xml,
            "xl/_rels/workbook.xml.rels",
        )?;
        let wb = calamine::Xlsx::new(copy).map_err(open_err)?;
        return read_xlsx(wb, rel, expected, true, limits, scans, emit);
    }
    let wb = calamine::open_workbook(&f.path).map_err(open_err)?;
    read_xlsx(wb, rel, expected, false, limits, scans, emit)
}

/// Read an ods, with each sheet's merged regions; a pretty-printed package (Gnumeric's)
/// the reader refuses is read from a compacted copy.
fn read_ods_package(
    f: &InputFile,
    rel: &str,
    limits: &Limits,
    expected: &str,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    match read_calamine(f, rel, limits, "ods", expected) {
        Ok(b) => Ok(emit_book(with_ods_merges(f, b), emit)),
        Err(e) if e.code == crate::codes::F003.code => {
            let copy = std::fs::File::open(&f.path)
                .ok()
                .and_then(|h| ods::compacted(std::io::BufReader::new(h)).ok());
            match copy.and_then(|c| calamine::Ods::new(c).ok()) {
                Some(wb) => read_opened(calamine::Sheets::Ods(wb), rel, limits, "ods", false)
                    .map(|b| emit_book(with_ods_merges(f, b), emit)),
                None => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// Convert a calamine cell value.
pub(crate) fn from_data(d: &Data) -> Raw {
    match d {
        Data::Empty => Raw::Empty,
        Data::String(s) => Raw::Text(s.into()),
        Data::Float(f) => Raw::Num(*f),
        Data::Int(i) => Raw::Num(*i as f64),
        Data::Bool(b) => Raw::Bool(*b),
        Data::DateTime(dt) => excel_date(dt),
        Data::DateTimeIso(s) => Raw::DateIso(s.clone()),
        Data::DurationIso(s) => Raw::Text(s.into()),
        Data::Error(e) => Raw::Error(format!("{e}")),
    }
}

pub(crate) fn from_dataref(d: &DataRef<'_>) -> Raw {
    match d {
        DataRef::Empty => Raw::Empty,
        // A text of up to 24 bytes is held inline: no allocation, where cloning the
        // cell's own text (an inline string of the sheet) allocated for every cell.
        DataRef::String(s) => Raw::Text(s.into()),
        DataRef::SharedString(s) => Raw::Text((*s).into()),
        DataRef::Float(f) => Raw::Num(*f),
        DataRef::Int(i) => Raw::Num(*i as f64),
        DataRef::Bool(b) => Raw::Bool(*b),
        DataRef::DateTime(dt) => excel_date(dt),
        DataRef::DateTimeIso(s) => Raw::DateIso(s.clone()),
        DataRef::DurationIso(s) => Raw::Text(s.into()),
        DataRef::Error(e) => Raw::Error(format!("{e}")),
    }
}

pub(crate) fn excel_date(dt: &calamine::ExcelDateTime) -> Raw {
    let serial = dt.as_f64();
    if dt.is_duration() {
        return Raw::Num(serial);
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    let date = NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32);
    let is_1904 = date.is_some() && crate::serial::serial_to_date(serial, false) != date;
    Raw::Date {
        serial,
        date,
        is_1904,
    }
}

/// The names of a workbook's worksheets (with whether each is hidden), and for each chart, macro, dialog or VBA sheet an
/// empty grid with a note that it was passed over (it holds no table rows). `retyped`: the
/// macro sheets were made to read as dialog sheets (see `macrosheets`).
pub(crate) fn data_sheets(
    meta: &[calamine::Sheet],
    rel: &str,
    retyped: bool,
) -> (Vec<(String, bool)>, Vec<Grid>) {
    let mut names = Vec::new();
    let mut others = Vec::new();
    for m in meta {
        let kind = match m.typ {
            calamine::SheetType::WorkSheet => {
                names.push((m.name.clone(), m.visible != calamine::SheetVisible::Visible));
                continue;
            }
            calamine::SheetType::ChartSheet => ("图表", "chart"),
            calamine::SheetType::MacroSheet => ("宏表", "macro"),
            calamine::SheetType::DialogSheet if retyped => ("宏表或对话框表", "macro or dialog"),
            calamine::SheetType::DialogSheet => ("对话框表", "dialog"),
            calamine::SheetType::Vba => ("VBA 代码模块", "VBA module"),
        };
        let mut g = Grid {
            name: m.name.clone(),
            ..Default::default()
        };
        g.findings.push(
            Finding::new(crate::codes::not_a_data_sheet(&m.name, kind.0, kind.1))
                .at_file(rel)
                .at_sheet(&m.name),
        );
        others.push(g);
    }
    (names, others)
}

/// An ods book with each sheet's merged regions, read from its `content.xml` (the reader
/// does not give them).
fn with_ods_merges(f: &InputFile, mut book: Book) -> Book {
    let found = std::fs::File::open(&f.path)
        .ok()
        .and_then(|h| zip::ZipArchive::new(std::io::BufReader::new(h)).ok())
        .and_then(|mut z| {
            let i = z.index_for_name("content.xml")?;
            let mut e = inflate::open(&mut z, i).ok()?;
            Some(ods::merges(std::io::BufReader::new(inflate::inflated(
                &mut e,
            ))))
        });
    if let Some(mut found) = found {
        for g in &mut book.sheets {
            if let Some(m) = found.remove(&g.name) {
                g.merges = m;
                g.merges_known = true;
            }
        }
    }
    book
}

/// Merged regions as calamine gives them.
pub(crate) fn merges_of(m: &[calamine::Dimensions]) -> Vec<Merge> {
    m.iter()
        .map(|d| Merge {
            r0: d.start.0,
            c0: d.start.1,
            r1: d.end.0,
            c1: d.end.1,
        })
        .collect()
}

/// Read an xlsx workbook cell by cell, handing each sheet over in batches of rows.
/// `scans` gives each sheet's merged regions when the parts' pass found them (calamine
/// reads those of the others once their cells are in) and whether it may hold formulas
/// without a cached value (their formulas are read to name those cells, C026). A sheet
/// is handed over once its scan is in: until then its batches are held back (up to
/// `Scans::hold` cells, then it waits), the same batches in the same order.
pub(crate) fn read_xlsx<RS: std::io::Read + std::io::Seek>(
    mut wb: calamine::Xlsx<RS>,
    rel: &str,
    expected: &str,
    retyped: bool,
    limits: &Limits,
    scans: &mut parts::Scans,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    let (names, others) = data_sheets(wb.sheets_metadata(), rel, retyped);
    for g in others {
        emit_sheet(g, emit);
    }
    for (name, hidden) in names {
        let mut b = GridBuilder::new(&name);
        let mut head = Some(Grid {
            name: name.clone(),
            hidden,
            ..Default::default()
        });
        let mut scan = scans.poll(&name)?;
        let mut held: Vec<Piece> = Vec::new();
        let mut held_cells = 0usize;
        // Hands over the sheet's head and what was held back, once its scan is in.
        let mut hand_over = |scan: &parts::SheetScan, held: &mut Vec<Piece>| {
            if let Some(mut g) = head.take() {
                if let Some(m) = &scan.merges {
                    g.merges = m.clone();
                    g.merges_known = true;
                }
                emit(Piece::Sheet(g));
            }
            for p in held.drain(..) {
                emit(p);
            }
        };
        {
            let mut reader = match wb.worksheet_cells_reader(&name) {
                Ok(r) => r,
                Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
                Err(e) => return Err(corrupt(rel, expected, &e.to_string())),
            };
            loop {
                match reader.next_cell() {
                    Ok(Some(c)) => {
                        let (r, col) = c.get_position();
                        if !b.push(r, col, from_dataref(c.get_value()), limits) {
                            break;
                        }
                        // Hand over every complete row but the one being filled.
                        if b.grid.rows.len() > BATCH_ROWS {
                            let open = b.grid.rows.split_off(b.grid.rows.len() - 1);
                            let rows = std::mem::replace(&mut b.grid.rows, open);
                            held_cells += rows.iter().map(|r| r.cells.len()).sum::<usize>();
                            held.push(Piece::Rows {
                                rows,
                                width: b.grid.width,
                            });
                            scans.failed()?;
                            if scan.is_none() {
                                scan = scans.poll(&name)?;
                            }
                            if scan.is_none() && held_cells >= scans.hold {
                                scan = Some(scans.wait(&name)?);
                            }
                            if let Some(s) = &scan {
                                hand_over(s, &mut held);
                            }
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return Err(corrupt(rel, expected, &e.to_string())),
                }
            }
        }
        let scan = match scan {
            Some(s) => s,
            None => scans.wait(&name)?,
        };
        hand_over(&scan, &mut held);
        let merges = match scan.merges {
            Some(_) => None,
            None => Some(match wb.merge_cells_by_sheet_name(&name) {
                Ok(m) => merges_of(&m),
                Err(_) => Vec::new(),
            }),
        };
        let mut g = b.finish(rel, limits)?;
        let bare_cells = match scan.bare {
            true => formulas_without_value(&mut wb, &name),
            false => Vec::new(),
        };
        g.findings.extend(bare_cells.into_iter().map(|((r, c), f)| {
            Finding::new(crate::codes::formula_without_value(
                crate::text::truncate_chars(&f, 60),
            ))
            .at_file(rel)
            .at_sheet(&name)
            .at_cell(r, Some(c))
        }));
        emit(Piece::Rows {
            rows: g.rows,
            width: g.width,
        });
        emit(Piece::End {
            width: g.width,
            merges,
            findings: g.findings,
        });
    }
    Ok("xlsx")
}

/// Formula cells named without a value, at most (the first in row order).
const BARE_LISTED: usize = 1000;

/// The cells of sheet `name` holding a formula but no value, the first `BARE_LISTED` in
/// order: the sheet read again with its formulas (one the parts' pass says may hold some),
/// keeping only those cells.
fn formulas_without_value<RS: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Xlsx<RS>,
    name: &str,
) -> Vec<((u32, u32), String)> {
    let Ok(mut reader) = wb.worksheet_cells_reader(name) else {
        return Vec::new();
    };
    // The first cells in order, however many there are: the last of them on top.
    let mut first = std::collections::BinaryHeap::new();
    while let Ok(Some(c)) = reader.next_cell_with_formula() {
        let Some(formula) = c.formula.filter(|f| !f.is_empty()) else {
            continue;
        };
        if from_dataref(&c.value).is_empty() {
            first.push((c.pos, formula));
            if first.len() > BARE_LISTED {
                first.pop();
            }
        }
    }
    first.into_sorted_vec()
}

pub(crate) fn read_calamine(
    f: &InputFile,
    rel: &str,
    limits: &Limits,
    format: &'static str,
    expected: &str,
) -> Result<Book, Finding> {
    // The reader is the one the content calls for, whatever the file's name says.
    let opened: Result<calamine::Sheets<_>, String> = match format {
        "xls" => calamine::open_workbook::<calamine::Xls<_>, _>(&f.path)
            .map(calamine::Sheets::Xls)
            .map_err(|e| e.to_string()),
        "xlsb" => calamine::open_workbook::<calamine::Xlsb<_>, _>(&f.path)
            .map(calamine::Sheets::Xlsb)
            .map_err(|e| e.to_string()),
        "ods" => calamine::open_workbook::<calamine::Ods<_>, _>(&f.path)
            .map(calamine::Sheets::Ods)
            .map_err(|e| e.to_string()),
        _ => calamine::open_workbook_auto(&f.path).map_err(|e| e.to_string()),
    };
    let wb = opened.map_err(|s| {
        // XOR obfuscation (FILEPASS of type 0) is not flagged by the reader: the records
        // after it are scrambled, and the first one read, the code page, is nonsense.
        if format == "xls" && s.contains("Codepage") && s.contains("not found") {
            return file_finding(crate::codes::xor_protected(), rel);
        }
        if s.to_lowercase().contains("password") {
            file_finding(crate::codes::password_protected(), rel)
        } else {
            corrupt(rel, expected, &s)
        }
    })?;
    read_opened(wb, rel, limits, format, false)
}

/// Read every sheet of an opened workbook whole.
pub(crate) fn read_opened<RS: std::io::Read + std::io::Seek>(
    mut wb: calamine::Sheets<RS>,
    rel: &str,
    limits: &Limits,
    format: &'static str,
    retyped: bool,
) -> Result<Book, Finding> {
    let (names, mut sheets) = data_sheets(wb.sheets_metadata(), rel, retyped);
    for (name, hidden) in names {
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                let mut g = Grid {
                    name: name.clone(),
                    ..Default::default()
                };
                g.findings.push(
                    Finding::new(crate::codes::sheet_unreadable(e))
                        .at_file(rel)
                        .at_sheet(&name),
                );
                sheets.push(g);
                continue;
            }
        };
        let mut b = GridBuilder::new(&name);
        b.grid.hidden = hidden;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, c, v) in range.used_cells() {
            if !b.push(r0 + r as u32, c0 + c as u32, from_data(v), limits) {
                break;
            }
        }
        if let calamine::Sheets::Xls(x) = &wb {
            if let Ok(m) = x.merge_cells_by_sheet_name(&name) {
                b.grid.merges = merges_of(&m);
                b.grid.merges_known = true;
            }
        }
        sheets.push(b.finish(rel, limits)?);
    }
    Ok(Book { format, sheets })
}
