//! Reading: every input file becomes a list of sheet grids of raw cell values, or a
//! file-level finding. xlsx/xlsm/xls/xlsb/ods go through calamine (xlsx streamed cell by
//! cell, so limits apply while reading); CSV through the csv crate with encoding detection.
//! Merged regions are read where the format gives them.

pub mod csvfile;
pub mod isolate;
pub mod macrosheets;
pub mod merges;
pub mod ods;
pub mod sniff;
pub mod walk;
pub mod xml2003;

pub use walk::collect_inputs;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, DataRef, Reader};
use chrono::NaiveDate;

use crate::finding::{Finding, Severity};
use sniff::Kind;

pub use crate::value::{fmt_num, Raw};

/// A merged region, 0-based inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Merge {
    pub r0: u32,
    pub c0: u32,
    pub r1: u32,
    pub c1: u32,
}

/// One non-empty row: its 0-based index and its cells from column A on.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct GridRow {
    pub idx: u32,
    pub cells: Vec<Raw>,
}

impl GridRow {
    pub fn get(&self, col: u32) -> &Raw {
        static EMPTY: Raw = Raw::Empty;
        self.cells.get(col as usize).unwrap_or(&EMPTY)
    }
}

/// A sheet as read: sparse rows (only rows holding something), merged regions.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    pub name: String,
    pub rows: Vec<GridRow>,
    pub merges: Vec<Merge>,
    /// Whether the format told us its merged regions (false for ods and csv).
    pub merges_known: bool,
    pub width: u32,
    /// Findings made while reading this sheet (limits).
    pub findings: Vec<Finding>,
}

/// What a file read gives.
#[derive(Debug)]
pub struct Book {
    pub format: &'static str,
    pub sheets: Vec<Grid>,
}

/// Non-empty cells a sheet may hold by default: a 1,000,000-row survey of 21 columns fits.
pub const DEFAULT_MAX_CELLS: u64 = 25_000_000;

/// Bytes of sheet XML a cell may take, for the ceiling on what a workbook inflates to.
const XML_BYTES_PER_CELL: u64 = 100;

/// Below this, a part's compression ratio is not looked at (small parts compress oddly).
const RATIO_FLOOR: u64 = 32 << 20;

/// The default ceiling on what a workbook inflates to: what `max_cells` cells take as
/// sheet XML, and never below 150 MB.
pub fn unzipped_ceiling(max_cells: u64) -> u64 {
    max_cells.saturating_mul(XML_BYTES_PER_CELL).max(150 << 20)
}

/// Read limits; each has a CLI flag.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_unzipped_bytes: u64,
    /// A workbook part inflating to more than this many times its compressed size (and
    /// past `RATIO_FLOOR`) is a zip bomb; real sheets compress 5–15 times.
    pub max_zip_ratio: u64,
    pub max_cells: u64,
    pub max_columns: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 << 20,
            max_unzipped_bytes: unzipped_ceiling(DEFAULT_MAX_CELLS),
            max_zip_ratio: 100,
            max_cells: DEFAULT_MAX_CELLS,
            max_columns: 512,
        }
    }
}

/// An input file found under an INPUT argument.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// Path relative to the INPUT it came from, with `/` (the file name for a file INPUT).
    pub rel: String,
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

fn file_finding(
    code: &'static crate::finding::RuleDoc,
    file: &str,
    zh: String,
    en: String,
    fix_zh: &str,
    fix_en: &str,
) -> Finding {
    Finding::new(code, Severity::Error)
        .at_file(file)
        .msg(zh, en)
        .fix(fix_zh, fix_en)
}

/// Read one file into sheet grids, or give the file-level finding that says why not.
/// What a read hands over, in order, sheet by sheet: `Sheet` (maybe holding rows already),
/// any number of `Rows`, then `End`. A large xlsx sheet arrives in batches of rows while it
/// is still being read, so that its rows can be checked meanwhile.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Piece {
    Sheet(Grid),
    /// The next rows of the current sheet, in row order as far as the file keeps it; the
    /// sheet's width so far.
    Rows {
        rows: Vec<GridRow>,
        width: u32,
    },
    /// The current sheet is complete: its width, its merged regions when they were read
    /// only now, and findings made while reading it.
    End {
        width: u32,
        merges: Option<Vec<Merge>>,
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
    let meta = std::fs::metadata(&f.path).map_err(|e| {
        file_finding(
            &crate::codes::F001,
            rel,
            format!("无法打开文件：{e}"),
            format!("cannot open file: {e}"),
            "检查文件是否存在、有无权限",
            "check the file exists and is readable",
        )
    })?;
    if meta.len() == 0 {
        return Err(file_finding(
            &crate::codes::F004,
            rel,
            "文件是空的（0 字节）".into(),
            "the file is empty (0 bytes)".into(),
            "请村里重新发送填好的表格",
            "ask the village to send the filled-in workbook again",
        ));
    }
    if meta.len() > limits.max_file_bytes {
        return Err(file_finding(
            &crate::codes::F007,
            rel,
            format!(
                "文件大小 {} MB，超过上限 {} MB，未读取",
                meta.len() >> 20,
                limits.max_file_bytes >> 20
            ),
            format!(
                "the file is {} MB, over the {} MB limit; not read",
                meta.len() >> 20,
                limits.max_file_bytes >> 20
            ),
            "删除多余内容后另存；确需读取可用 --max-file-mb 提高上限",
            "remove unused content, or raise the limit with --max-file-mb",
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
        Kind::Csv => csvfile::read_csv(&f.path, rel, limits).map(|b| emit_book(b, emit)),
        Kind::Html => Err(file_finding(
            &crate::codes::F008,
            rel,
            format!("这是网页（HTML）表格，只是扩展名为 .{ext}，不是真正的 Excel 文件"),
            format!("this is a web page (HTML table) named .{ext}, not a real Excel file"),
            "用 Excel/WPS 打开该文件，“另存为” Excel 工作簿 (.xlsx) 后重新导入",
            "open it in Excel/WPS and Save As an Excel workbook (.xlsx), then import that",
        )),
        Kind::Encrypted => Err(encrypted(rel)),
        Kind::Unknown => Err(file_finding(
            &crate::codes::F001,
            rel,
            format!("文件内容不是{expected}，无法读取（可能是改了扩展名的其他文件）"),
            format!("the content is not a spreadsheet ({ext}); it may be another file renamed"),
            "在 Excel/WPS 中打开原表，“另存为” .xlsx 后重新报送",
            "open the original in Excel/WPS and Save As .xlsx",
        )),
        Kind::Zip => read_zip_workbook(f, rel, limits, expected, emit),
        // The directory of an encrypted OOXML package may lie past the first bytes.
        Kind::Ole if ole_holds_encrypted_package(&f.path) => Err(encrypted(rel)),
        Kind::Ole => read_calamine(f, rel, limits, "xls", expected).map(|b| emit_book(b, emit)),
        Kind::OldExcel => Err(file_finding(
            &crate::codes::F016,
            rel,
            "这是 Excel 2.x–4.0（1987–1994 年）的旧格式工作表，现在的读取程序都不支持".into(),
            "this is an Excel 2.x–4.0 worksheet (1987–1994), which no current reader supports".into(),
            "用 Excel 或 WPS 打开，“另存为” Excel 工作簿 (.xlsx) 后重新报送",
            "open it in Excel or WPS and Save As an Excel workbook (.xlsx), then resend",
        )),
        Kind::Xml2003 => std::fs::File::open(&f.path)
            .map_err(|e| io_finding(rel, &e))
            .and_then(|h| xml2003::read(std::io::BufReader::new(h), rel, limits))
            .map(|b| emit_book(b, emit)),
        Kind::FlatOds => Err(file_finding(
            &crate::codes::F016,
            rel,
            "这是 LibreOffice 的平面 XML 表格（.fods），请另存为常用格式".into(),
            "this is a LibreOffice flat XML spreadsheet (.fods); save it in a common format".into(),
            "用 LibreOffice 打开，“另存为” Excel 2007-365 (.xlsx) 或 ODF 电子表格 (.ods) 后重新导入",
            "open it in LibreOffice and Save As .xlsx or .ods, then import that",
        )),
    }
}

/// F002: the workbook is encrypted (an open password, or XOR obfuscation in an xls).
fn encrypted(rel: &str) -> Finding {
    file_finding(
        &crate::codes::F002,
        rel,
        "工作簿设置了打开密码（已加密），无法读取".into(),
        "the workbook is password-protected (encrypted) and cannot be read".into(),
        "在 Excel/WPS 中打开，清除打开密码（文件→信息→保护工作簿→用密码进行加密，清空）后另存再报送",
        "open it, remove the password (File → Info → Protect Workbook → Encrypt with Password, clear it), save and resend",
    )
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

/// The file exists but cannot be read (permissions, a device, a vanished file).
pub(crate) fn io_finding(rel: &str, e: &std::io::Error) -> Finding {
    file_finding(
        &crate::codes::F001,
        rel,
        format!("无法读取文件：{e}"),
        format!("cannot read file: {e}"),
        "检查文件是否存在、有无读取权限",
        "check that the file exists and is readable",
    )
}

/// A reader's error in words a person can read: its own text when short and plain, never a
/// dump of its internal values.
fn reader_words(detail: &str) -> String {
    let dump = [
        "{",
        "}",
        "Borrowed(",
        "Owned(",
        "BytesText",
        "Some(",
        "Err(",
    ];
    if dump.iter().any(|d| detail.contains(d)) {
        "内部结构不符合该格式的规范".to_string()
    } else {
        crate::text::truncate_chars(detail, 120)
    }
}

fn corrupt(rel: &str, expected: &str, detail: &str) -> Finding {
    let detail = &reader_words(detail);
    file_finding(
        &crate::codes::F003,
        rel,
        format!("文件已损坏或不完整，无法按{expected}读取（{detail}）"),
        format!("the file is damaged or incomplete and cannot be read ({detail})"),
        "请村里重新导出或重新发送原文件；或在 Excel/WPS 中打开修复后另存",
        "ask the village to export or send the file again, or repair it in Excel/WPS and save again",
    )
}

fn too_big_unzipped(rel: &str, bytes: u64, limits: &Limits) -> Finding {
    file_finding(
        &crate::codes::F007,
        rel,
        format!(
            "文件解压后超过 {} MB 的上限（至少 {} MB），为防止内存耗尽未读取",
            limits.max_unzipped_bytes >> 20,
            bytes >> 20
        ),
        format!(
            "the file inflates past the {} MB limit (at least {} MB); not read",
            limits.max_unzipped_bytes >> 20,
            bytes >> 20
        ),
        "删除多余的空行、空列和重复内容后另存；确属大文件可用 --max-unzipped-mb 提高上限",
        "remove unused rows/columns and save again, or raise the limit with --max-unzipped-mb",
    )
}

/// A part the archive's index does not list, hidden behind another of the same name: the
/// zip crate keeps one entry per name, so a second part of one name shows only as a local
/// header (signature PK\x03\x04) in the bytes between the listed parts. Returns the
/// hidden part's name.
fn hidden_part(
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

fn read_zip_workbook(
    f: &InputFile,
    rel: &str,
    limits: &Limits,
    expected: &str,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    let file = std::fs::File::open(&f.path).map_err(|e| corrupt(rel, expected, &e.to_string()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| corrupt(rel, expected, &e.to_string()))?;
    let mut total: u64 = 0;
    let mut names = Vec::new();
    // Where each listed part's bytes lie: (start of its local header, end of its data).
    let mut spans: Vec<(u64, u64)> = Vec::new();
    for i in 0..zip.len() {
        let Ok(e) = zip.by_index_raw(i) else {
            return Err(corrupt(rel, expected, "zip entry"));
        };
        total = total.saturating_add(e.size());
        names.push(e.name().to_string());
        spans.push((
            e.header_start(),
            e.data_start().saturating_add(e.compressed_size()),
        ));
    }
    if let Some(name) = hidden_part(&f.path, &mut spans, zip.central_directory_start(), &names) {
        return Err(file_finding(
            &crate::codes::F003,
            rel,
            format!("文件里有两个同名的部件“{name}”（文件被工具改坏），无法确定哪一份是真的内容，未读取"),
            format!("the file holds two parts named “{name}” (damaged by a tool); which one is real cannot be told; not read"),
            "在 Excel/WPS 中打开核对后另存为 .xlsx，再重新报送",
            "open it in Excel/WPS, check it, Save As .xlsx and resend",
        ));
    }
    if total > limits.max_unzipped_bytes {
        return Err(too_big_unzipped(rel, total, limits));
    }
    // Declared sizes can lie: inflate every entry into a sink (constant memory), stopping
    // as soon as the real total passes the limit, before anything is read whole.
    // The same pass finds each worksheet's merged regions (see `merges`) and keeps the
    // two small parts that tie sheet names to worksheet entries.
    let mut real: u64 = 0;
    let mut scans: HashMap<String, merges::Scanned> = HashMap::new();
    let (mut book_xml, mut rels_xml) = (Vec::new(), Vec::new());
    for i in 0..zip.len() {
        let mut e = zip
            .by_index(i)
            .map_err(|e| corrupt(rel, expected, &e.to_string()))?;
        let room = limits.max_unzipped_bytes - real;
        let name = e.name().to_string();
        let mut src = (&mut e).take(room + 1);
        let n = if merges::is_worksheet_entry(&name) {
            let mut scan = merges::MergeScan::default();
            let n = std::io::copy(&mut src, &mut scan);
            scans.insert(name.clone(), scan.finish());
            n
        } else if name == "xl/workbook.xml" {
            std::io::copy(&mut src, &mut book_xml)
        } else if name == "xl/_rels/workbook.xml.rels" || name == "xl/_rels/workbook.bin.rels" {
            std::io::copy(&mut src, &mut rels_xml)
        } else {
            std::io::copy(&mut src, &mut std::io::sink())
        }
        .map_err(|e| corrupt(rel, expected, &e.to_string()))?;
        real += n;
        if real > limits.max_unzipped_bytes {
            return Err(too_big_unzipped(rel, real, limits));
        }
        let packed = e.compressed_size().max(1);
        if n > RATIO_FLOOR && n / packed > limits.max_zip_ratio {
            return Err(file_finding(
                &crate::codes::F007,
                rel,
                format!(
                    "文件中的“{name}”解压后是压缩时的 {} 倍（正常表格为 5–15 倍），是异常文件（压缩炸弹），未读取",
                    n / packed
                ),
                format!(
                    "the part “{name}” inflates {} times its compressed size (real sheets: 5–15); a zip bomb, not read",
                    n / packed
                ),
                "请村里用 Excel/WPS 重新另存后报送；确属正常文件可用 --max-zip-ratio 提高上限",
                "ask the village to save it again from Excel/WPS; raise --max-zip-ratio for a genuine file",
            ));
        }
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    // Excel 4.0 macro sheets make the reader refuse the workbook: read a copy whose
    // relationships call them dialog sheets (see `macrosheets`).
    let macro_copy = |rels_name: &str| {
        let fix = |e: &dyn std::fmt::Display| corrupt(rel, expected, &e.to_string());
        let rels = macrosheets::retype_rels(&rels_xml).map_err(|e| fix(&e))?;
        let file = std::fs::File::open(&f.path).map_err(|e| fix(&e))?;
        macrosheets::repack(std::io::BufReader::new(file), rels_name, &rels).map_err(|e| fix(&e))
    };
    let macros = macrosheets::present(&rels_xml);
    let open_err = |e: calamine::XlsxError| corrupt(rel, expected, &e.to_string());
    if has("xl/workbook.xml") {
        let known = merges::sheet_paths(&book_xml, &rels_xml)
            .into_iter()
            .filter_map(|(sheet, path)| match scans.remove(&path) {
                Some(merges::Scanned::Merges(m)) => Some((sheet, m)),
                _ => None,
            })
            .collect();
        if macros {
            let copy = macro_copy("xl/_rels/workbook.xml.rels")?;
            let wb = calamine::Xlsx::new(copy).map_err(open_err)?;
            return read_xlsx(wb, rel, expected, true, limits, known, emit);
        }
        let wb = calamine::open_workbook(&f.path).map_err(open_err)?;
        read_xlsx(wb, rel, expected, false, limits, known, emit)
    } else if has("xl/workbook.bin") && macros {
        let copy = macro_copy("xl/_rels/workbook.bin.rels")?;
        let wb = calamine::Xlsb::new(copy).map_err(|e| corrupt(rel, expected, &e.to_string()))?;
        read_opened(calamine::Sheets::Xlsb(wb), rel, limits, "xlsb", true)
            .map(|b| emit_book(b, emit))
    } else if has("xl/workbook.bin") {
        read_calamine(f, rel, limits, "xlsb", expected).map(|b| emit_book(b, emit))
    } else if has("content.xml") {
        match read_calamine(f, rel, limits, "ods", expected) {
            Ok(b) => Ok(emit_book(b, emit)),
            // A pretty-printed package (Gnumeric's): read a compacted copy.
            Err(e) if e.code == crate::codes::F003.code => {
                let copy = std::fs::File::open(&f.path)
                    .ok()
                    .and_then(|h| ods::compacted(std::io::BufReader::new(h)).ok());
                match copy.and_then(|c| calamine::Ods::new(c).ok()) {
                    Some(wb) => read_opened(calamine::Sheets::Ods(wb), rel, limits, "ods", false)
                        .map(|b| emit_book(b, emit)),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    } else if names.iter().any(|n| {
        let n = n.replace('\\', "/");
        n == "xl/workbook.xml"
            || n == "[Content_Types].xml"
            || n.ends_with("/workbook.xml")
            || n == "workbook.xml"
    }) {
        // An Office package whose parts lie elsewhere (backslashed names, a workbook at the
        // root named by _rels/.rels): calamine finds its parts; merged regions from it.
        let wb = calamine::open_workbook(&f.path).map_err(open_err)?;
        read_xlsx(wb, rel, expected, false, limits, HashMap::new(), emit)
    } else {
        Err(file_finding(
            &crate::codes::F001,
            rel,
            format!("这是一个压缩包，但不是{expected}"),
            "this is a zip archive but not a spreadsheet".into(),
            "解压后找到其中的 Excel 文件再导入",
            "unzip it and import the spreadsheet inside",
        ))
    }
}

/// Convert a calamine cell value.
fn from_data(d: &Data) -> Raw {
    match d {
        Data::Empty => Raw::Empty,
        Data::String(s) => Raw::Text(s.clone()),
        Data::Float(f) => Raw::Num(*f),
        Data::Int(i) => Raw::Num(*i as f64),
        Data::Bool(b) => Raw::Bool(*b),
        Data::DateTime(dt) => excel_date(dt),
        Data::DateTimeIso(s) => Raw::DateIso(s.clone()),
        Data::DurationIso(s) => Raw::Text(s.clone()),
        Data::Error(e) => Raw::Error(format!("{e}")),
    }
}

fn from_dataref(d: DataRef<'_>) -> Raw {
    match d {
        DataRef::Empty => Raw::Empty,
        DataRef::String(s) => Raw::Text(s),
        DataRef::SharedString(s) => Raw::Text(s.to_string()),
        DataRef::Float(f) => Raw::Num(f),
        DataRef::Int(i) => Raw::Num(i as f64),
        DataRef::Bool(b) => Raw::Bool(b),
        DataRef::DateTime(dt) => excel_date(&dt),
        DataRef::DateTimeIso(s) => Raw::DateIso(s),
        DataRef::DurationIso(s) => Raw::Text(s),
        DataRef::Error(e) => Raw::Error(format!("{e}")),
    }
}

fn excel_date(dt: &calamine::ExcelDateTime) -> Raw {
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

/// Accumulates sparse cells into a grid while enforcing the limits.
struct GridBuilder {
    grid: Grid,
    cells: u64,
    cut_columns: bool,
    over_cells: bool,
    /// Cells the file gave twice (a row number repeated): (row, col, the value replaced,
    /// whether the two differ).
    twice: Vec<(u32, u32, String, bool)>,
}

impl GridBuilder {
    fn new(name: &str) -> Self {
        GridBuilder {
            grid: Grid {
                name: name.to_string(),
                ..Default::default()
            },
            cells: 0,
            twice: Vec::new(),
            cut_columns: false,
            over_cells: false,
        }
    }
    /// Add a cell; false when the cell limit is reached.
    fn push(&mut self, row: u32, col: u32, v: Raw, limits: &Limits) -> bool {
        if v.is_empty() {
            return true;
        }
        if col >= limits.max_columns {
            self.cut_columns = true;
            return true;
        }
        self.cells += 1;
        if self.cells > limits.max_cells {
            self.over_cells = true;
            return false;
        }
        let width = self.grid.width.max(col + 1) as usize;
        let rows = &mut self.grid.rows;
        if rows.last().map(|r| r.idx) != Some(row) {
            // Rows arrive in order for xlsx; keep sorted for other readers too.
            let pos = rows.binary_search_by_key(&row, |r| r.idx);
            match pos {
                Ok(_) => {}
                Err(p) => rows.insert(
                    p,
                    GridRow {
                        idx: row,
                        cells: Vec::with_capacity(width),
                    },
                ),
            }
        }
        let i = match rows.last().map(|r| r.idx) {
            Some(x) if x == row => rows.len() - 1,
            _ => rows.binary_search_by_key(&row, |r| r.idx).unwrap_or(0),
        };
        let r = &mut rows[i];
        if r.cells.len() <= col as usize {
            r.cells.resize(col as usize + 1, Raw::Empty);
        }
        let old = &r.cells[col as usize];
        if !old.is_empty() {
            self.twice.push((row, col, old.display(), *old != v));
        }
        r.cells[col as usize] = v;
        self.grid.width = self.grid.width.max(col + 1);
        true
    }
    /// F007: the sheet holds more cells than `--max-cells`.
    fn over_limit(&self, rel: &str, limits: &Limits) -> Finding {
        file_finding(
            &crate::codes::F007,
            rel,
            format!(
                "工作表“{}”的单元格数超过上限 {}，为防止内存耗尽未读取",
                self.grid.name, limits.max_cells
            ),
            format!(
                "sheet “{}” has more than {} cells; not read",
                self.grid.name, limits.max_cells
            ),
            "删除多余的行和列后另存；确属大表可用 --max-cells 提高上限",
            "remove unused rows and columns, or raise the limit with --max-cells",
        )
    }
    fn finish(mut self, rel: &str, limits: &Limits) -> Result<Grid, Finding> {
        if self.over_cells {
            return Err(self.over_limit(rel, limits));
        }
        let mut twice = std::mem::take(&mut self.twice);
        twice.sort_by_key(|t| (t.0, t.1));
        for row in twice.chunk_by(|a, b| a.0 == b.0) {
            let r = row[0].0;
            let differ = row.iter().any(|t| t.3);
            let lost: Vec<String> = row
                .iter()
                .filter(|t| t.3)
                .map(|t| {
                    format!(
                        "{}“{}”",
                        crate::text::a1(r, t.1),
                        crate::text::truncate_chars(&t.2, 30)
                    )
                })
                .collect();
            self.grid
                .findings
                .push(row_given_twice(rel, &self.grid.name, r, differ, &lost));
        }
        if self.cut_columns {
            self.grid.findings.push(
                Finding::new(&crate::codes::S006, Severity::Warning)
                    .at_file(rel)
                    .at_sheet(&self.grid.name)
                    .msg(
                        format!(
                            "工作表使用的列超过 {} 列，超出部分未读取",
                            limits.max_columns
                        ),
                        format!(
                            "the sheet uses more than {} columns; the rest was not read",
                            limits.max_columns
                        ),
                    )
                    .fix(
                        "删除多余的列后另存；或用 --max-columns 提高上限",
                        "delete unused columns, or raise --max-columns",
                    ),
            );
        }
        Ok(self.grid)
    }
}

/// F014: the file gives row `r` twice; `lost` names the cells the later copy replaced.
pub fn row_given_twice(rel: &str, sheet: &str, r: u32, differ: bool, lost: &[String]) -> Finding {
    let f = Finding::new(
        &crate::codes::F014,
        if differ {
            Severity::Error
        } else {
            Severity::Warning
        },
    )
    .at_file(rel)
    .at_sheet(sheet)
    .at_cell(r, None);
    let f = if differ {
        f.msg(
            format!("文件里第 {} 行出现了两次（文件结构异常），两份内容不同；按后出现的一份读取，被覆盖的是：{}", r + 1, lost.join("、")),
            format!("the file holds row {} twice (a structural fault) with different contents; the later one was read, overwriting {}", r + 1, lost.join(", ")),
        )
    } else {
        f.msg(
            format!("文件里第 {} 行出现了两次（文件结构异常），两份内容不冲突，按一行读取", r + 1),
            format!("the file holds row {} twice (a structural fault); the two do not conflict and were read as one row", r + 1),
        )
    };
    f.fix(
        "在 Excel/WPS 中打开核对这一行，另存为 .xlsx 后重新报送",
        "open the file, check this row, Save As .xlsx and resend",
    )
}

/// The names of a workbook's worksheets, and for each chart, macro, dialog or VBA sheet an
/// empty grid with a note that it was passed over (it holds no table rows). `retyped`: the
/// macro sheets were made to read as dialog sheets (see `macrosheets`).
fn data_sheets(meta: &[calamine::Sheet], rel: &str, retyped: bool) -> (Vec<String>, Vec<Grid>) {
    let mut names = Vec::new();
    let mut others = Vec::new();
    for m in meta {
        let kind = match m.typ {
            calamine::SheetType::WorkSheet => {
                names.push(m.name.clone());
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
            Finding::new(&crate::codes::S008, Severity::Warning)
                .at_file(rel)
                .at_sheet(&m.name)
                .msg(
                    format!(
                        "“{}”是{}，不是数据表，已跳过；其他工作表照常读取",
                        m.name, kind.0
                    ),
                    format!(
                        "“{}” is a {} sheet, not data; passed over, the other sheets are read",
                        m.name, kind.1
                    ),
                )
                .fix("无需处理", "nothing to do"),
        );
        others.push(g);
    }
    (names, others)
}

/// Merged regions as calamine gives them.
fn merges_of(m: &[calamine::Dimensions]) -> Vec<Merge> {
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
/// `known_merges` holds the merged regions already found for some sheets; calamine reads
/// those of the others once their cells are in.
fn read_xlsx<RS: std::io::Read + std::io::Seek>(
    mut wb: calamine::Xlsx<RS>,
    rel: &str,
    expected: &str,
    retyped: bool,
    limits: &Limits,
    mut known_merges: HashMap<String, Vec<Merge>>,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    let (names, others) = data_sheets(wb.sheets_metadata(), rel, retyped);
    for g in others {
        emit_sheet(g, emit);
    }
    for name in names {
        let mut b = GridBuilder::new(&name);
        let known = known_merges.remove(&name);
        {
            let mut reader = match wb.worksheet_cells_reader(&name) {
                Ok(r) => r,
                Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
                Err(e) => return Err(corrupt(rel, expected, &e.to_string())),
            };
            let mut head = Grid {
                name: name.clone(),
                ..Default::default()
            };
            if let Some(m) = &known {
                head.merges = m.clone();
                head.merges_known = true;
            }
            emit(Piece::Sheet(head));
            loop {
                match reader.next_cell() {
                    Ok(Some(c)) => {
                        let (r, col) = c.get_position();
                        if !b.push(r, col, from_dataref(c.get_value().clone()), limits) {
                            break;
                        }
                        // Hand over every complete row but the one being filled.
                        if b.grid.rows.len() > BATCH_ROWS {
                            let open = b.grid.rows.split_off(b.grid.rows.len() - 1);
                            let rows = std::mem::replace(&mut b.grid.rows, open);
                            emit(Piece::Rows {
                                rows,
                                width: b.grid.width,
                            });
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return Err(corrupt(rel, expected, &e.to_string())),
                }
            }
        }
        let merges = match known {
            Some(_) => None,
            None => Some(match wb.merge_cells_by_sheet_name(&name) {
                Ok(m) => merges_of(&m),
                Err(_) => Vec::new(),
            }),
        };
        let g = b.finish(rel, limits)?;
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

fn read_calamine(
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
            return file_finding(
                &crate::codes::F002,
                rel,
                "工作簿用旧式（XOR）密码做了保护（或内部编码信息已损坏），无法读取".into(),
                "the workbook is protected with an old-style (XOR) password (or its code page record is damaged) and cannot be read".into(),
                "在 Excel/WPS 中输入密码打开，“文件→信息→保护工作簿”清除密码后另存为 .xlsx 再报送",
                "open it with its password, remove the password (File → Info → Protect Workbook), Save As .xlsx and resend",
            );
        }
        if s.to_lowercase().contains("password") {
            file_finding(
                &crate::codes::F002,
                rel,
                "工作簿设置了密码保护，无法读取".into(),
                "the workbook is password-protected".into(),
                "在 Excel/WPS 中清除密码后另存再报送",
                "remove the password in Excel/WPS, save and resend",
            )
        } else {
            corrupt(rel, expected, &s)
        }
    })?;
    read_opened(wb, rel, limits, format, false)
}

/// Read every sheet of an opened workbook whole.
fn read_opened<RS: std::io::Read + std::io::Seek>(
    mut wb: calamine::Sheets<RS>,
    rel: &str,
    limits: &Limits,
    format: &'static str,
    retyped: bool,
) -> Result<Book, Finding> {
    let (names, mut sheets) = data_sheets(wb.sheets_metadata(), rel, retyped);
    for name in names {
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                let mut g = Grid {
                    name: name.clone(),
                    ..Default::default()
                };
                g.findings.push(
                    Finding::new(&crate::codes::F010, Severity::Error)
                        .at_file(rel)
                        .at_sheet(&name)
                        .msg(
                            format!("工作表无法读取：{e}"),
                            format!("the sheet cannot be read: {e}"),
                        )
                        .fix(
                            "在 Excel/WPS 中打开并另存后重试",
                            "open and save it again in Excel/WPS",
                        ),
                );
                sheets.push(g);
                continue;
            }
        };
        let mut b = GridBuilder::new(&name);
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
