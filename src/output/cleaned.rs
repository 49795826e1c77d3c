//! cleaned.xlsx for upstream: sheets 房屋信息, 隐患台账, 回头看复核 with canonical labels,
//! canonical typed values of accepted rows only (numbers as numbers, dates as dates, codes,
//! IDs and phones as text), frozen header, autofilter, fitted widths, dropdowns on enum
//! columns, and the source of each row in trailing columns. Sheets are written in
//! constant memory; a table longer than one sheet continues on 房屋信息2, ….

use std::path::Path;

use anyhow::Result;
use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Worksheet};

use super::{fit, text_width, MAX_ROWS};
use crate::cells::date::date_to_serial;
use crate::cells::Val;
use crate::model::Record;
use crate::pipeline::Run;
use crate::schema::{FieldType, Schemas, TableKind, TableSchema};

/// Write one canonical value; text is always a string cell (never a formula).
pub fn write_val(ws: &mut Worksheet, r: u32, c: u16, v: &Val, date_fmt: &Format) -> Result<()> {
    match v {
        Val::Empty => {}
        Val::Text(s) => {
            ws.write_string(r, c, fit(s))?;
        }
        Val::Int(i) => {
            ws.write_number(r, c, *i as f64)?;
        }
        Val::Num(f) => {
            ws.write_number(r, c, *f)?;
        }
        Val::Date(d) => {
            ws.write_number_with_format(r, c, date_to_serial(*d), date_fmt)?;
        }
        Val::Bool(_) | Val::List(_) => {
            ws.write_string(r, c, fit(&v.display()))?;
        }
    }
    Ok(())
}

const SOURCE: [&str; 3] = ["来源文件", "来源工作表", "来源行"];

/// Column widths from the labels and the first rows.
fn widths(s: &TableSchema, run: &Run, recs: &[&Record]) -> Vec<f64> {
    let mut w: Vec<f64> = s
        .fields
        .iter()
        .map(|f| text_width(&f.label) + 2.0)
        .chain(SOURCE.iter().map(|l| text_width(l) + 2.0))
        .collect();
    let nf = s.fields.len();
    for rec in recs.iter().take(2000) {
        for (c, v) in rec.vals.iter().enumerate() {
            let x = match v {
                Val::Date(_) => 12.0,
                other => text_width(&other.display()) + 2.0,
            };
            w[c] = w[c].max(x);
        }
        w[nf] = w[nf].max(text_width(&run.rel[rec.file]) + 2.0);
        w[nf + 1] = w[nf + 1].max(text_width(&rec.sheet) + 2.0);
    }
    w.into_iter().map(|x| x.min(50.0)).collect()
}

pub fn write(run: &Run, schemas: &Schemas, path: &Path, tmp: &Path) -> Result<()> {
    let mut wb = super::new_workbook(tmp)?;
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let head = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin)
        .set_text_wrap();
    let src_head = Format::new()
        .set_bold()
        .set_background_color("#EDEDED")
        .set_border(FormatBorder::Thin);
    let per_sheet = (MAX_ROWS - 1) as usize;
    // One job per sheet: a table, or its continuation past Excel's last row.
    struct Job<'r> {
        t: TableKind,
        recs: &'r [&'r Record],
        widths: &'r [f64],
    }
    let accepted: Vec<(TableKind, Vec<&Record>)> = TableKind::ALL
        .iter()
        .map(|&t| (t, run.table(t).iter().filter(|r| !r.rejected).collect()))
        .collect();
    let widths: Vec<Vec<f64>> = accepted
        .iter()
        .map(|(t, recs)| widths(schemas.table(*t), run, recs))
        .collect();
    let mut jobs: Vec<Job> = Vec::new();
    for ((t, recs), w) in accepted.iter().zip(&widths) {
        let chunks: Vec<&[&Record]> = if recs.is_empty() {
            vec![&[]]
        } else {
            recs.chunks(per_sheet).collect()
        };
        for (k, chunk) in chunks.into_iter().enumerate() {
            let label = &schemas.table(*t).table.label;
            let ws = wb.add_worksheet_with_constant_memory();
            ws.set_name(if k == 0 {
                label.clone()
            } else {
                format!("{label}{}", k + 1)
            })?;
            jobs.push(Job {
                t: *t,
                recs: chunk,
                widths: w,
            });
        }
    }
    // The sheets are filled side by side, each into its own scratch file.
    use rayon::prelude::*;
    wb.worksheets_mut()
        .par_iter_mut()
        .zip(jobs.par_iter())
        .try_for_each(|(ws, job)| -> Result<()> {
            let s = schemas.table(job.t);
            let nf = s.fields.len() as u16;
            for (c, w) in job.widths.iter().enumerate() {
                ws.set_column_width(c as u16, *w)?;
            }
            for (c, f) in s.fields.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, &f.label, &head)?;
            }
            for (i, l) in SOURCE.iter().enumerate() {
                ws.write_string_with_format(0, nf + i as u16, *l, &src_head)?;
            }
            for (i, rec) in job.recs.iter().enumerate() {
                let r = i as u32 + 1;
                for (c, v) in rec.vals.iter().enumerate() {
                    write_val(ws, r, c as u16, v, &date_fmt)?;
                }
                ws.write_string(r, nf, fit(&run.rel[rec.file]))?;
                ws.write_string(r, nf + 1, &*rec.sheet)?;
                ws.write_number(r, nf + 2, (rec.row + 1) as f64)?;
            }
            ws.set_freeze_panes(1, 0)?;
            let last = job.recs.len().max(1) as u32;
            ws.autofilter(0, 0, last, nf + 2)?;
            // Dropdowns on enum columns, so that upstream edits stay canonical.
            for (c, f) in s.fields.iter().enumerate() {
                if f.ty == FieldType::Enum
                    && f.values
                        .iter()
                        .map(|v| v.chars().count() + 1)
                        .sum::<usize>()
                        < 250
                {
                    let dv = DataValidation::new().allow_list_strings(&f.values)?;
                    ws.add_data_validation(1, c as u16, last.max(1000), c as u16, &dv)?;
                }
            }
            Ok(())
        })?;
    super::timed("cleaned.xlsx save", || super::save_xlsx(&mut wb, path))
}
