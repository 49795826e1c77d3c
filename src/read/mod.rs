//! Reading: every input file becomes a list of sheet grids of raw cell values, or a
//! file-level finding. xlsx/xlsm/xls/xlsb/ods go through calamine (xlsx streamed cell by
//! cell, so limits apply while reading); CSV through the csv crate with encoding detection.
//! Merged regions are read where the format gives them.

pub mod archive;
pub mod csvfile;
pub mod isolate;
pub mod macrosheets;
pub mod merges;
pub mod ods;
pub mod sniff;
pub mod walk;
pub mod xml2003;

pub use walk::collect_inputs;

use std::io::Read;
use std::path::Path;

use crate::finding::Finding;
use sniff::Kind;

pub use crate::value::{fmt_num, Raw};

pub mod findings;
pub mod gather;
pub mod grid;
mod inflate;
mod parts;
pub mod workbook;

pub use findings::row_given_twice;
use findings::*;
pub use grid::*;
use workbook::*;

/// Open a side file (`--aliases`, `--previous`'s round) only when it is a regular
/// file of at most `max_mb` MB: a folder, a pipe that would never end or a sparse file of
/// many gigabytes is refused, saying so in Chinese and English. `what` names the option.
pub fn side_file(path: &Path, what: &str, max_mb: u64) -> Result<std::fs::File, String> {
    let shown = walk::show(path);
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("{what} {shown}：找不到或打不开这个文件 / cannot open it ({e})"))?;
    if !meta.is_file() {
        return Err(format!(
            "{what} {shown}：不是普通文件（文件夹、管道或设备），未读取 / not a regular file"
        ));
    }
    let mb = meta.len() >> 20;
    if mb >= max_mb {
        return Err(format!(
            "{what} {shown}：文件有 {mb} MB，超过上限 {max_mb} MB，未读取；确认无误可用 --max-side-mb 放宽 / {mb} MB is over the {max_mb} MB limit (--max-side-mb)"
        ));
    }
    std::fs::File::open(path)
        .map_err(|e| format!("{what} {shown}：打不开这个文件 / cannot open it ({e})"))
}

/// Extensions we read (`et`/`ett`: WPS 表格's own format, an xls inside). A `.xml` file is
/// read only when its content is an Excel 2003 XML spreadsheet.
pub const EXTENSIONS: [&str; 10] = [
    "xlsx", "xlsm", "xls", "xlsb", "ods", "fods", "csv", "et", "ett", "xml",
];

/// Is this a lock file (`~$…`) or hidden file (`.…`)?
pub fn is_skipped_name(name: &str) -> bool {
    name.starts_with("~$") || name.starts_with('.')
}

pub(crate) fn has_ext(p: &Path) -> bool {
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "xml" {
        // Other XML files in a village's folder are none of our business.
        let mut head = [0u8; 4096];
        let n = std::fs::File::open(p)
            .and_then(|mut h| h.read(&mut head))
            .unwrap_or(0);
        return sniff::sniff(&head[..n], &ext) == Kind::Xml2003;
    }
    EXTENSIONS.contains(&ext.as_str())
}

/// Read one file into sheet grids, or give the file-level finding that says why not.
/// What a read hands over, in order, sheet by sheet: `Sheet` (maybe holding rows already),
/// any number of `Rows`, then `End`. A large xlsx sheet arrives in batches of rows while it
/// is still being read, so that its rows can be checked meanwhile.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Piece {
    /// A new sheet begins: its name, its merged regions when known, maybe its first rows.
    Sheet(Grid),
    /// The next rows of the current sheet, in row order as far as the file keeps it; the
    /// sheet's width so far.
    Rows {
        /// The rows.
        rows: Vec<GridRow>,
        /// The sheet's width so far.
        width: u32,
    },
    /// The current sheet is complete: its width, its merged regions when they were read
    /// only now, and findings made while reading it.
    End {
        /// The sheet's width.
        width: u32,
        /// Its merged regions, when they were read only at the end.
        merges: Option<Vec<Merge>>,
        /// Findings made while reading the sheet.
        findings: Vec<Finding>,
    },
}

/// Rows handed over per batch while an xlsx sheet streams in.
pub const BATCH_ROWS: usize = 4096;

/// Hand over a sheet read whole.
fn emit_sheet(g: Grid, emit: &mut dyn FnMut(Piece)) {
    let width = g.width;
    emit(Piece::Sheet(g));
    emit(Piece::End {
        width,
        merges: None,
        findings: Vec::new(),
    });
}

/// Hand over a book read whole.
fn emit_book(book: Book, emit: &mut dyn FnMut(Piece)) -> &'static str {
    for g in book.sheets {
        emit_sheet(g, emit);
    }
    book.format
}

/// Read a file, handing its sheets over piece by piece (see [`Piece`]); the format read,
/// or the finding that says why the file cannot be read (pieces sent before an error are
/// to be dropped).
pub fn read_pieces(
    f: &InputFile,
    limits: &Limits,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    let rel = f.rel.as_str();
    let meta = std::fs::metadata(&f.path)
        .map_err(|e| file_finding(crate::codes::unreadable_file(e), rel))?;
    if meta.len() == 0 {
        return Err(file_finding(crate::codes::empty_file(), rel));
    }
    if meta.len() > limits.max_file_bytes {
        return Err(file_finding(
            crate::codes::file_too_big(meta.len() >> 20, limits.max_file_bytes >> 20),
            rel,
        ));
    }
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(&f.path)
        .and_then(|mut h| h.read(&mut head))
        .map_err(|e| io_finding(rel, &e))?;
    let ext = f
        .path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let kind = sniff::sniff(&head[..n], &ext);
    let expected = match ext.as_str() {
        "xlsx" | "xlsm" => "Excel 2007+ 工作簿 (xlsx)",
        "xls" => "Excel 97-2003 工作簿 (xls)",
        "xlsb" => "Excel 二进制工作簿 (xlsb)",
        "ods" => "OpenDocument 表格 (ods)",
        "et" | "ett" => "WPS 表格 (et)",
        _ => "表格文件",
    };
    match kind {
        Kind::Csv => csvfile::read_csv_pieces(&f.path, rel, limits, emit),
        Kind::Html => Err(file_finding(crate::codes::web_page_xls(ext), rel)),
        Kind::Mht => Err(file_finding(crate::codes::mht_page(ext), rel)),
        Kind::Encrypted => Err(encrypted(rel)),
        Kind::Unknown => Err(file_finding(
            crate::codes::not_a_spreadsheet(expected, ext),
            rel,
        )),
        Kind::Zip => read_zip_workbook(f, rel, limits, expected, emit),
        // The directory of an encrypted OOXML package may lie past the first bytes.
        Kind::Ole if ole_holds_encrypted_package(&f.path) => Err(encrypted(rel)),
        Kind::Ole => read_calamine(f, rel, limits, "xls", expected).map(|b| emit_book(b, emit)),
        Kind::OldExcel => Err(file_finding(crate::codes::old_excel(), rel)),
        Kind::Xml2003 => std::fs::File::open(&f.path)
            .map_err(|e| io_finding(rel, &e))
            .and_then(|h| xml2003::read(std::io::BufReader::new(h), rel, limits))
            .map(|b| emit_book(b, emit)),
        Kind::FlatOds => Err(file_finding(crate::codes::flat_ods(), rel)),
    }
}

/// Does an OLE file hold an `EncryptedPackage` stream (a password-protected xlsx)? Its
/// directory entry names are UTF-16LE; the file is scanned in blocks.
fn ole_holds_encrypted_package(path: &Path) -> bool {
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut buf = vec![0u8; 1 << 16];
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        carry.extend_from_slice(&buf[..n]);
        if carry.windows(needle.len()).any(|w| w == needle.as_slice()) {
            return true;
        }
        let keep = carry.len().saturating_sub(needle.len());
        carry.drain(..keep);
    }
}

/// Read a file in a contained child process when `iso` is given (see [`isolate`]), in
/// this process otherwise; as [`read_pieces`].
pub fn read_file_pieces(
    f: &InputFile,
    limits: &Limits,
    iso: Option<&isolate::Isolation>,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    match iso {
        Some(iso) => isolate::read_isolated(f, limits, iso, emit),
        None => read_pieces(f, limits, emit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole file in memory, assembled from its pieces as the pipeline sees them.
    fn read_file(f: &InputFile, limits: &Limits) -> Result<Book, Finding> {
        let mut sheets: Vec<Grid> = Vec::new();
        let format = read_pieces(f, limits, &mut |p| match p {
            Piece::Sheet(g) => sheets.push(g),
            Piece::Rows { rows, width } => {
                if let Some(g) = sheets.last_mut() {
                    g.rows.extend(rows);
                    g.width = g.width.max(width);
                }
            }
            Piece::End {
                width,
                merges,
                findings,
            } => {
                if let Some(g) = sheets.last_mut() {
                    g.width = g.width.max(width);
                    if let Some(m) = merges {
                        g.merges = m;
                        g.merges_known = true;
                    }
                    g.findings.extend(findings);
                }
            }
        })?;
        Ok(Book { format, sheets })
    }

    /// The merged regions found while checking the inflated size are those calamine reads
    /// with its own second pass, sheet by sheet.
    #[test]
    fn merges_from_the_size_pass_match_calamine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let fmt = rust_xlsxwriter::Format::new();
        for (k, name) in ["标题&合并", "plain", "二"].iter().enumerate() {
            let ws = wb.add_worksheet();
            ws.set_name(*name).unwrap();
            if k != 1 {
                ws.merge_range(0, 0, 0, 5, "某某村自建房排查表", &fmt)
                    .unwrap();
                ws.merge_range(1, k as u16, 2, k as u16, "房屋编码", &fmt)
                    .unwrap();
            }
            for r in 3..50u32 {
                ws.write_string(r, 0, format!("mergeCells <mergeCells {r}"))
                    .unwrap();
            }
        }
        wb.save(&path).unwrap();
        let input = InputFile {
            path: path.clone(),
            rel: "m.xlsx".into(),
        };
        let book = read_file(&input, &Limits::default()).unwrap();
        let mut cal: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        assert_eq!(book.sheets.len(), 3);
        for g in &book.sheets {
            let want = merges_of(&cal.merge_cells_by_sheet_name(&g.name).unwrap());
            assert_eq!(g.merges, want, "{}", g.name);
            assert!(g.merges_known);
        }
        assert_eq!(book.sheets[0].merges.len(), 2);
        assert!(book.sheets[1].merges.is_empty());
        // And they came from the scan, not from calamine's fallback.
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut part = |n: &str| {
            let mut v = Vec::new();
            zip.by_name(n).unwrap().read_to_end(&mut v).unwrap();
            v
        };
        let (b, r) = (part("xl/workbook.xml"), part("xl/_rels/workbook.xml.rels"));
        let paths = merges::sheet_paths(&b, &r);
        assert_eq!(paths.len(), 3);
        for g in &book.sheets {
            let mut scan = merges::MergeScan::default();
            std::io::copy(&mut part(&paths[&g.name]).as_slice(), &mut scan).unwrap();
            assert_eq!(scan.finish(), merges::Scanned::Merges(g.merges.clone()));
        }
    }
}
