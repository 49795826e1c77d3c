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
    // Level 3 of 9: saving the big workbooks is a third faster for a file a few per cent
    // larger (a township's cleaned.xlsx is read once upstream, written on every run).
    wb.set_zip_compression_level(3);
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
}
