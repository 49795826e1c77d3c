//! The findings table as the workbooks for people list it (errors.xlsx's village sheets,
//! the annotated copies' and return packages' 问题清单): its headers and widths, a
//! finding's cells in words, its severity as a person reads it, and the sheet itself.

use anyhow::Result;
use rust_xlsxwriter::Worksheet;

use super::styles::Styles;
use super::workbook::{end_rows, fit, print_setup, row_height, RowHeights, MAX_ROWS};
use crate::finding::{Finding, Lang, Severity};
use crate::rules::words::Words;

/// The Chinese column headers of a sheet listing findings.
pub const FINDING_HEADERS: [&str; 10] = [
    "文件",
    "工作表",
    "行",
    "单元格",
    "字段",
    "原值",
    "严重程度",
    "规则",
    "问题说明",
    "修改建议",
];
const WIDTHS: [f64; 10] = [24.0, 12.0, 6.0, 8.0, 12.0, 20.0, 9.0, 22.0, 48.0, 42.0];

/// The severity as a person reads it.
pub fn severity_word(f: &Finding, lang: Lang) -> &'static str {
    match (lang, f.severity) {
        (Lang::En, Severity::Error) if f.knock_on => "held back",
        (_, Severity::Error) if f.knock_on => "随之暂缓",
        (Lang::En, s) => s.as_str(),
        (_, Severity::Error) => "错误",
        (_, Severity::Warning) => "警告",
    }
}

/// One finding as the text of the findings table's columns (FINDING_HEADERS).
pub fn finding_cells(f: &Finding, lang: Lang, words: &Words) -> [String; 10] {
    [
        f.file.clone(),
        f.sheet.clone(),
        f.row.map(|r| (r + 1).to_string()).unwrap_or_default(),
        f.cell(),
        words.field(&f.field, lang).to_string(),
        f.value.clone(),
        severity_word(f, lang).to_string(),
        words.code_and_title(&f.code),
        f.message(lang).to_string(),
        f.suggestion(lang).to_string(),
    ]
}

/// The widths of the findings table's columns.
pub fn finding_widths() -> &'static [f64] {
    &WIDTHS
}

/// A findings table on a worksheet, starting at row 0: field labels and rule titles in
/// words, the message and suggestion wrapped, printable.
pub fn write_findings(
    ws: &mut Worksheet,
    findings: &[&Finding],
    lang: Lang,
    st: &Styles,
    words: &Words,
) -> Result<()> {
    for (i, h) in FINDING_HEADERS.iter().enumerate() {
        ws.set_column_width(i as u16, WIDTHS[i])?;
        ws.write_string_with_format(0, i as u16, *h, &st.head)?;
    }
    print_setup(ws, 1)?;
    // One sheet holds at most MAX_ROWS rows: the rest are in errors.csv.
    let room = (MAX_ROWS - 2) as usize;
    let heights = RowHeights::new(ws, findings.len().min(room), |i| {
        let f = findings[i];
        finding_height(f, &words.code_and_title(&f.code), lang)
    });
    heights.plain(ws, 0)?;
    for (k, f) in findings.iter().take(room).enumerate() {
        write_finding_row(ws, k as u32 + 1, f, lang, st, words, &heights)?;
    }
    if findings.len() > room {
        let more = findings.len() - room;
        ws.write_string(
            room as u32 + 1,
            0,
            format!("……还有 {more} 条问题未列出，完整清单见 errors.csv"),
        )?;
    } else {
        end_rows(ws, findings.len() as u32 + 1, &st.top)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, findings.len().clamp(1, room) as u32, 9)?;
    Ok(())
}

/// One finding on row `r` of the table, the row as tall as its wrapped text.
fn write_finding_row(
    ws: &mut Worksheet,
    r: u32,
    f: &Finding,
    lang: Lang,
    st: &Styles,
    words: &Words,
    heights: &RowHeights,
) -> Result<()> {
    let top = &st.top;
    let rule = words.code_and_title(&f.code);
    ws.write_string_with_format(r, 0, &f.file, &st.wrap)?;
    ws.write_string_with_format(r, 1, &f.sheet, top)?;
    if let Some(row) = f.row {
        ws.write_number_with_format(r, 2, (row + 1) as f64, top)?;
    }
    ws.write_string_with_format(r, 3, f.cell(), top)?;
    ws.write_string_with_format(r, 4, words.field(&f.field, lang), top)?;
    ws.write_string_with_format(r, 5, fit(&f.value), &st.wrap)?;
    let fmt = match f.severity {
        Severity::Error if f.knock_on => &st.held,
        Severity::Error => &st.error,
        Severity::Warning => &st.warning,
    };
    ws.write_string_with_format(r, 6, severity_word(f, lang), fmt)?;
    ws.write_string_with_format(r, 7, &rule, &st.wrap)?;
    ws.write_string_with_format(r, 8, fit(f.message(lang)), &st.wrap)?;
    ws.write_string_with_format(r, 9, fit(f.suggestion(lang)), &st.wrap)?;
    // The height after the cells: set before them, a constant-memory sheet writes
    // its last row twice.
    heights.set(ws, r, finding_height(f, &rule, lang))?;
    Ok(())
}

/// The height of a finding's row (`rule`: its rule's code and title, as shown): as tall as
/// its longest wrapped text.
fn finding_height(f: &Finding, rule: &str, lang: Lang) -> f64 {
    row_height(&[
        (&f.file, WIDTHS[0]),
        (&f.value, WIDTHS[5]),
        (rule, WIDTHS[7]),
        (f.message(lang), WIDTHS[8]),
        (f.suggestion(lang), WIDTHS[9]),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_read_as_words_and_knock_ons_as_held_back() {
        let error = Finding::rule("E001", Severity::Error);
        let warning = Finding::rule("W001", Severity::Warning);
        let held = Finding::rule("E001", Severity::Error).held_by("a.xlsx", "s1", 3);
        assert_eq!(severity_word(&error, Lang::Zh), "错误");
        assert_eq!(severity_word(&warning, Lang::Zh), "警告");
        assert_eq!(severity_word(&held, Lang::Zh), "随之暂缓");
        assert_eq!(severity_word(&held, Lang::En), "held back");
        assert_eq!(severity_word(&error, Lang::En), Severity::Error.as_str());
        assert_eq!(finding_widths().len(), FINDING_HEADERS.len());
    }
}
