//! tally.xlsx (SPEC §7): the run's tally (computed by the `tally` stage) as a sheet with
//! the campaign's column labels, a total row and a column chart of the columns the
//! campaign's `[tally] chart` names; then the report's sentences on a sheet of their own
//! (the campaign's `[report] sheet`, 汇报), one paragraph a row, to copy from.

use std::path::Path;

use anyhow::Result;
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};

use super::styles::colour;
use super::workbook::{save_xlsx, text_width};
use super::writer::Writer;
use crate::model::{Report, Tally, TallyRow};
use crate::schema::campaign::TallySpec;

/// tally.xlsx, as the registry writes it.
pub const WRITER: Writer = Writer {
    name: "tally.xlsx",
    is_folder: false,
    write: |c, path| {
        write_xlsx(
            &c.run.tally,
            &c.schemas.campaign.tally,
            &c.run.report,
            &c.schemas.campaign.report.sheet,
            c.run.rounds.as_ref().map(|r| &r.previous),
            path,
            c.run.day,
        )
    },
};

/// Writes tally.xlsx: the tally sheet with its chart, and the report's sentences on a sheet
/// of their own.
pub fn write_xlsx(
    t: &Tally,
    words: &TallySpec,
    report: &Report,
    sheet_name: &str,
    previous: Option<&Tally>,
    path: &Path,
    day: chrono::NaiveDate,
) -> Result<()> {
    let mut wb = Workbook::new();
    let looks = Looks {
        head: super::styles::column_head(),
        bold: Format::new().set_bold(),
    };
    tally_sheet(&mut wb, t, words, &looks)?;
    if let Some(p) = previous {
        comparison_sheet(&mut wb, t, p, words, &looks)?;
    }
    if !report.lines.is_empty() {
        report_sheet(&mut wb, report, sheet_name, &looks.bold)?;
    }
    save_xlsx(&mut wb, path, day)
}

/// The formats of tally.xlsx's sheets.
struct Looks {
    /// A header cell: bold, filled, wrapped, centred.
    head: Format,
    /// The total row's village.
    bold: Format,
}

/// The tally sheet (the campaign's `[tally] sheet`): a header of the columns' labels, a
/// row per village, the total in bold, printed A4 landscape; the chart below.
fn tally_sheet(wb: &mut Workbook, t: &Tally, words: &TallySpec, looks: &Looks) -> Result<()> {
    let ws = wb.add_worksheet();
    let sheet = words.sheet.as_str();
    ws.set_name(sheet)?;
    // Each column's label from the schema (its key when the schema has none).
    let labels: Vec<&str> = std::iter::once(words.village.as_str())
        .chain(t.keys.iter().map(|k| words.label(k)))
        .collect();
    for (i, l) in labels.iter().enumerate() {
        // A label with a note in brackets breaks before it, never leaving a lone "）".
        let shown = match l.find('（') {
            Some(at) if at > 0 => format!("{}\n{}", &l[..at], &l[at..]),
            _ => l.to_string(),
        };
        ws.write_string_with_format(0, i as u16, &shown, &looks.head)?;
        // Wide enough for the label on two lines (CJK characters count double).
        let w = (text_width(l) / 2.0 + 4.0).max(9.0);
        ws.set_column_width(i as u16, if i == 0 { 16.0 } else { w })?;
    }
    ws.set_row_height(0, 34)?;
    // A4 landscape, one page wide; the chart below the table starts a page of its own.
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    let all: Vec<&TallyRow> = t.rows.iter().chain(std::iter::once(&t.total)).collect();
    for (r, row) in all.iter().enumerate() {
        let rr = r as u32 + 1;
        let last = r + 1 == all.len();
        if last {
            ws.write_string_with_format(rr, 0, &row.village, &looks.bold)?;
        } else {
            ws.write_string(rr, 0, &row.village)?;
        }
        for (k, n) in row.counts.iter().enumerate() {
            ws.write_number(rr, k as u16 + 1, *n as f64)?;
        }
    }
    ws.set_freeze_panes(1, 1)?;
    if !t.rows.is_empty() {
        let at = t.rows.len() as u32 + 3;
        ws.set_page_breaks(&[at])?;
        ws.insert_chart(at, 0, &tally_chart(t, words))?;
    }
    Ok(())
}

/// The column chart of the columns the campaign's `[tally] chart` names, a series each
/// in its colour, over the villages' rows of the tally sheet.
fn tally_chart(t: &Tally, words: &TallySpec) -> Chart {
    let sheet = words.sheet.as_str();
    let n = t.rows.len() as u32;
    let mut chart = Chart::new(ChartType::Column);
    for (ci, key) in words.chart.iter().enumerate() {
        let Some(k) = t.keys.iter().position(|x| x == key) else {
            continue;
        };
        let colk = k as u16 + 1;
        let mut fill = rust_xlsxwriter::ChartSolidFill::new();
        fill.set_color(colour(&words.chart_colours, ci));
        let mut format = rust_xlsxwriter::ChartFormat::new();
        format.set_solid_fill(&fill);
        chart
            .add_series()
            .set_categories((sheet, 1, 0, n, 0))
            .set_values((sheet, 1, colk, n, colk))
            .set_name((sheet, 0, colk))
            .set_format(&mut format);
    }
    chart.title().set_name(&words.chart_title);
    chart.x_axis().set_name(&words.chart_x);
    chart.y_axis().set_name(&words.chart_y);
    chart.set_width(900).set_height(420);
    chart
}

/// 上轮对比: each column twice, this round then the previous one, a row per village of
/// either round, the total last.
fn comparison_sheet(
    wb: &mut Workbook,
    t: &Tally,
    previous: &Tally,
    words: &TallySpec,
    looks: &Looks,
) -> Result<()> {
    let ws = wb.add_worksheet();
    ws.set_name("上轮对比")?;
    ws.write_string_with_format(0, 0, &words.village, &looks.head)?;
    ws.set_column_width(0, 16.0)?;
    for (k, key) in t.keys.iter().enumerate() {
        let col = 1 + 2 * k as u16;
        let label = words.label(key);
        let label = label.replace('（', "\n（");
        ws.write_string_with_format(0, col, format!("{label}\n（本轮）"), &looks.head)?;
        ws.write_string_with_format(0, col + 1, format!("{label}\n（上轮）"), &looks.head)?;
        ws.set_column_width(col, 11.0)?;
        ws.set_column_width(col + 1, 11.0)?;
    }
    ws.set_row_height(0, 52)?;
    // A4 landscape, the villages' column and the header on every page.
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_repeat_rows(0, 0)?;
    ws.set_repeat_columns(0, 0)?;
    let names = villages_of_both(t, previous);
    let find = |tally: &Tally, v: &str| -> Option<Vec<i64>> {
        crate::rounds::previous_row(tally, v).map(|r| r.counts.clone())
    };
    for (i, v) in names.iter().enumerate() {
        let r = i as u32 + 1;
        let last = i + 1 == names.len();
        if last {
            ws.write_string_with_format(r, 0, *v, &looks.bold)?;
        } else {
            ws.write_string(r, 0, *v)?;
        }
        let (now, before) = (find(t, v), find(previous, v));
        for k in 0..t.keys.len() {
            let col = 1 + 2 * k as u16;
            // The previous round's column by its key (a column added since is empty).
            let pk = previous.keys.iter().position(|x| *x == t.keys[k]);
            if let Some(n) = now.as_ref().and_then(|c| c.get(k)) {
                ws.write_number(r, col, *n as f64)?;
            }
            if let Some(n) = before.as_ref().zip(pk).and_then(|(c, j)| c.get(j)) {
                ws.write_number(r, col + 1, *n as f64)?;
            }
        }
    }
    ws.set_freeze_panes(1, 1)?;
    Ok(())
}

/// The villages of this round and the previous one, in order, then the total's.
fn villages_of_both<'a>(t: &'a Tally, previous: &'a Tally) -> Vec<&'a str> {
    let mut names: Vec<&str> = t.rows.iter().map(|r| r.village.as_str()).collect();
    for r in &previous.rows {
        if !names.contains(&r.village.as_str()) {
            names.push(&r.village);
        }
    }
    names.sort_unstable();
    names.push(&t.total.village);
    names
}

/// The report's sentences on a sheet of their own (`sheet_name`, else 汇报), one
/// paragraph a row, wrapped to print whole on portrait A4.
fn report_sheet(wb: &mut Workbook, report: &Report, sheet_name: &str, bold: &Format) -> Result<()> {
    let ws = wb.add_worksheet();
    ws.set_name(if sheet_name.is_empty() {
        "汇报"
    } else {
        sheet_name
    })?;
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    // One column as wide as portrait A4 prints (about 88 units at its margins), so
    // that every paragraph prints whole, wrapped.
    ws.set_column_width(0, 86.0)?;
    ws.write_string_with_format(0, 0, &report.title, bold)?;
    for (i, l) in report.lines.iter().enumerate() {
        let r = i as u32 + 2;
        ws.write_string_with_format(r, 0, l, &wrap)?;
        // CJK characters are two units wide: a line per 84 units, 17 points each.
        let lines = (text_width(l) / 84.0).ceil().max(1.0);
        ws.set_row_height(r, 17.0 * lines + 3.0)?;
    }
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}
