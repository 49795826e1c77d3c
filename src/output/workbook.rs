//! What every workbook writer shares: Excel's limits, text fitted to a cell, a new
//! workbook spilling into the scratch folder, saving it atomically, column widths and row
//! heights for text, and the print setup of sheets for people.

use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::{Format, Worksheet};

/// Excel's limits: a cell holds at most 32,767 characters; a sheet has 1,048,576 rows.
pub const MAX_CELL_CHARS: usize = crate::text::CELL_CHARS;
/// The most rows a sheet can have.
pub const MAX_ROWS: u32 = 1_048_576;

/// Text as a cell can hold it: characters XML cannot carry dropped, cut to a cell's
/// length with a mark (values are made so by the row stage, with findings and audit
/// lines; this guards what writers copy from inputs as they are).
pub fn fit(s: &str) -> std::borrow::Cow<'_, str> {
    let clean = crate::text::without_xml_illegal(s);
    let s2 = clean.as_deref().unwrap_or(s);
    match crate::text::cut_to_cell(s2) {
        Some(c) => std::borrow::Cow::Owned(c),
        None => match clean {
            Some(c) => std::borrow::Cow::Owned(c),
            None => std::borrow::Cow::Borrowed(s),
        },
    }
}

/// Bytes of sheet XML one written cell may take, at most, for the ZIP64 decision.
const XML_BYTES_PER_WRITTEN_CELL: u64 = 160;

/// Does a workbook of `cells` cells need ZIP64 (a part of 4 GB or more)? Only then is it
/// used: LibreOffice and Gnumeric refuse packages whose every entry carries ZIP64 headers.
pub fn needs_zip64(cells: u64) -> bool {
    cells.saturating_mul(XML_BYTES_PER_WRITTEN_CELL) >= (4u64 << 30) - (64 << 20)
}

/// A workbook whose constant-memory sheets spill into `tmp` (inside the output folder),
/// to hold about `cells` cells in its largest sheet.
pub fn new_workbook(tmp: &Path, cells: u64) -> Result<rust_xlsxwriter::Workbook> {
    std::fs::create_dir_all(tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.set_tempdir(tmp)?;
    wb.use_zip_large_file(needs_zip64(cells));
    // Level 2 of 9 (rust_xlsxwriter's default is 6): saving the big workbooks takes a
    // third less time than at level 3 (200 county files' cleaned.xlsx: 3.6 → 2.4 s, on
    // one core) for a file 8 % larger (126 → 137 MB); level 1 saved in 1.9 s a file 42 %
    // larger. A township's cleaned.xlsx is read once upstream, written on every run.
    wb.set_zip_compression_level(2);
    Ok(wb)
}

/// The scratch folder for constant-memory sheets of files written into `dir`.
pub fn scratch(dir: &Path) -> std::path::PathBuf {
    dir.join(format!(".selfbuilt-tmp-{}", std::process::id()))
}

/// Save a workbook atomically, saying it was made on `day` (the run's day, at midnight
/// UTC) rather than now: two runs on the same inputs and day write the same bytes.
pub fn save_xlsx(
    wb: &mut rust_xlsxwriter::Workbook,
    path: &Path,
    day: chrono::NaiveDate,
) -> Result<()> {
    let made = rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(chrono::Datelike::year(&day)).unwrap_or(2000),
        u8::try_from(chrono::Datelike::month(&day)).unwrap_or(1),
        u8::try_from(chrono::Datelike::day(&day)).unwrap_or(1),
    )
    .unwrap_or_else(|_| rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1).expect("a date"));
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&made));
    super::atomic::write_atomically(path, |tmp| {
        wb.save(tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))
    })
}

/// Display width of text in Excel columns (CJK counts double).
pub fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x2E80 { 1.0 } else { 2.1 })
        .sum::<f64>()
}

/// The height a row needs so that every wrapped cell shows whole: (text, column width)
/// pairs; 15 points a line, at most 12 lines. (Spreadsheet programs do not grow a row
/// for wrapped text on their own when they open a file.)
pub fn row_height(cells: &[(&str, f64)]) -> f64 {
    let lines = cells
        .iter()
        .map(|(t, w)| {
            t.split('\n')
                .map(|l| (text_width(l) / (w - 1.0).max(1.0)).ceil().max(1.0))
                .sum::<f64>()
        })
        .fold(1.0, f64::max)
        .min(12.0);
    // LibreOffice draws a CJK line taller than Excel: 17 points a line fits both.
    17.0 * lines + 2.0
}

/// Print a people's sheet on A4 landscape, one page wide, its header row on every page,
/// page numbers at the foot.
pub fn print_setup(ws: &mut Worksheet, header_rows: u32) -> Result<()> {
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    if header_rows > 0 {
        ws.set_repeat_rows(0, header_rows - 1)?;
    }
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

/// Rows of a sheet at or under this many set their heights one by one; a longer sheet
/// takes its commonest height as the default (`RowHeights`).
pub const MANY_ROWS: usize = 10_000;

/// The heights of a long list's rows, set so that rust_xlsxwriter holds few of them.
///
/// rust_xlsxwriter (0.102) keeps every row given a height in a map until the workbook is
/// saved, constant-memory sheets too: about 530 bytes a row, half a gigabyte for a full
/// sheet. A list of more than [`MANY_ROWS`] rows takes the commonest height of its rows
/// (of a thousand spread over it) as the sheet's default, and sets only the rows that differ. The file says the same:
/// under a default height rust_xlsxwriter writes each row's `ht` as before (Excel and
/// LibreOffice show the rows as tall); the header row, written without a height, is set
/// to the 15 points it has without a default (printed pages hold as many rows as before). The blank row that ends a list (`end_rows`) and the empty rows below it
/// take the default: a height on the last row makes rust_xlsxwriter write it twice.
///
/// ```
/// use selfbuilt::output::workbook::RowHeights;
/// let mut wb = rust_xlsxwriter::Workbook::new();
/// let ws = wb.add_worksheet();
/// // 20,000 rows, nearly all 36 points tall: 36 is the default, row 7 is set.
/// let heights = RowHeights::new(ws, 20_000, |i| if i % 100 == 6 { 53.0 } else { 36.0 });
/// assert_eq!(heights.common(), Some(36.0));
/// heights.set(ws, 7, 53.0).unwrap();
/// heights.set(ws, 8, 36.0).unwrap(); // the default: nothing held
/// ```
pub struct RowHeights {
    common: Option<f64>,
}

impl RowHeights {
    /// The heights of a sheet's list of `rows` rows, `height(i)` the height of its `i`th
    /// (a thousand of them, spread over the list, are looked at).
    pub fn new(ws: &mut Worksheet, rows: usize, height: impl Fn(usize) -> f64) -> RowHeights {
        if rows <= MANY_ROWS {
            return RowHeights { common: None };
        }
        // Heights are whole points plus two (`row_height`): counted as tenths of a point.
        let mut counts: std::collections::BTreeMap<u32, usize> = Default::default();
        let step = rows.div_ceil(1000);
        for i in (0..rows).step_by(step) {
            *counts.entry((height(i) * 10.0).round() as u32).or_default() += 1;
        }
        // The commonest; the lowest of equals.
        let common = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(h, _)| f64::from(*h) / 10.0);
        if let Some(h) = common {
            ws.set_default_row_height(h);
        }
        RowHeights { common }
    }

    /// The height taken as the sheet's default, if one was.
    pub fn common(&self) -> Option<f64> {
        self.common
    }

    /// Row `row` is `height` points tall.
    pub fn set(&self, ws: &mut Worksheet, row: u32, height: f64) -> Result<()> {
        if self.common != Some(height) {
            ws.set_row_height(row, height)?;
        }
        Ok(())
    }

    /// A row written without a height (the header) keeps the height it has without a
    /// default (Excel's 15 points), not the list's rows'. Not for the last row of a sheet
    /// (see the type).
    pub fn plain(&self, ws: &mut Worksheet, row: u32) -> Result<()> {
        if self.common.is_some() && row < MAX_ROWS {
            ws.set_row_height(row, 15.0)?;
        }
        Ok(())
    }
}

/// End a constant-memory sheet whose rows have set heights with a blank cell (in
/// `blank_format`) on the row after its last: rust_xlsxwriter (0.102) otherwise writes
/// the last row's `<row>` a second time, which Excel asks to repair.
pub fn end_rows(ws: &mut Worksheet, next_row: u32, blank_format: &Format) -> Result<()> {
    if next_row < MAX_ROWS {
        ws.write_blank(next_row, 0, blank_format)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_text_is_twice_as_wide_and_rows_grow_with_it() {
        assert_eq!(text_width("ab"), 2.0);
        assert_eq!(text_width("村"), 2.1);
        assert_eq!(row_height(&[("ab", 10.0)]), 19.0);
        // 30 CJK characters in a column 21 wide: four lines.
        assert_eq!(row_height(&[(&"村".repeat(30), 21.0)]), 17.0 * 4.0 + 2.0);
        assert_eq!(
            row_height(&[("a\nb\nc", 10.0), ("d", 10.0)]),
            17.0 * 3.0 + 2.0
        );
        assert_eq!(row_height(&[(&"\n".repeat(40), 10.0)]), 17.0 * 12.0 + 2.0);
    }

    #[test]
    fn text_is_fitted_to_a_cell_and_zip64_kept_for_huge_sheets() {
        assert!(matches!(fit("plain"), std::borrow::Cow::Borrowed("plain")));
        assert_eq!(fit("a\u{1}b"), "ab");
        assert!(fit(&"x".repeat(MAX_CELL_CHARS + 10)).chars().count() <= MAX_CELL_CHARS);
        assert!(!needs_zip64(1_000_000));
        assert!(needs_zip64(100_000_000));
    }

    /// Each row's `ht` in a constant-memory sheet `sheet1.xml` of the workbook at `path`.
    fn row_heights(path: &Path) -> Vec<(u32, Option<String>)> {
        use quick_xml::events::Event;
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut xml,
        )
        .unwrap();
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut rows = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"row" => {
                    let attr = |k: &[u8]| {
                        e.attributes()
                            .flatten()
                            .find(|a| a.key.as_ref() == k)
                            .map(|a| String::from_utf8(a.value.to_vec()).unwrap())
                    };
                    rows.push((attr(b"r").unwrap().parse().unwrap(), attr(b"ht")));
                }
                Event::Eof => return rows,
                _ => {}
            }
        }
    }

    /// A long list set through `RowHeights` gives its rows the heights the same list set
    /// one by one gives them, the header as tall as without a default; a short list sets
    /// every row.
    #[test]
    fn a_long_list_keeps_its_rows_heights_with_a_default() {
        let dir = tempfile::tempdir().unwrap();
        let height = |r: u32| if r.is_multiple_of(7) { 53.0 } else { 36.0 };
        let write = |rows: u32, through: bool| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet_with_constant_memory().unwrap();
            let heights = if through {
                RowHeights::new(ws, rows as usize, |i| height(i as u32 + 1))
            } else {
                RowHeights { common: None }
            };
            heights.plain(ws, 0).unwrap();
            ws.write_string(0, 0, "head").unwrap();
            for r in 1..=rows {
                ws.write_string(r, 0, "x").unwrap();
                heights.set(ws, r, height(r)).unwrap();
            }
            end_rows(ws, rows + 1, &Format::new()).unwrap();
            let path = dir.path().join(format!("{rows}-{through}.xlsx"));
            wb.save(&path).unwrap();
            (heights.common(), row_heights(&path))
        };
        let rows = MANY_ROWS as u32 + 2000;
        let (common, long) = write(rows, true);
        assert_eq!(common, Some(36.0));
        let (_, one_by_one) = write(rows, false);
        assert_eq!(long.len(), rows as usize + 2);
        assert_eq!(long.len(), one_by_one.len());
        // The header as tall as without a default; the list's rows as set one by one.
        assert_eq!(long[0], (1, Some("15".into())));
        assert_eq!(one_by_one[0], (1, None));
        assert_eq!(long[1..=rows as usize], one_by_one[1..=rows as usize]);
        let taller = long.iter().filter(|(_, ht)| ht.as_deref() == Some("53.25"));
        assert_eq!(taller.count(), (rows / 7) as usize);
        let (common, short) = write(100, true);
        assert_eq!(common, None);
        assert_eq!(short[0], (1, None));
        assert_eq!(short[7], (8, Some("53.25".into())));
    }
}
