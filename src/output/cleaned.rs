//! cleaned.xlsx for upstream: sheets 房屋信息, 隐患台账, 回头看复核 with canonical labels,
//! canonical typed values of accepted rows only (numbers as numbers, dates as dates, codes,
//! IDs and phones as text), frozen header, autofilter, fitted widths, dropdowns on enum
//! columns, and the source of each row in trailing columns.

use std::path::Path;

use anyhow::Result;
use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Workbook, Worksheet};

use crate::cells::date::date_to_serial;
use crate::cells::Val;
use crate::model::Record;
use crate::pipeline::Run;
use crate::schema::{FieldType, Schemas, TableKind};

/// Write one canonical value; text is always a string cell (never a formula).
pub fn write_val(ws: &mut Worksheet, r: u32, c: u16, v: &Val, date_fmt: &Format) -> Result<()> {
    match v {
        Val::Empty => {}
        Val::Text(s) => {
            ws.write_string(r, c, s)?;
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
            ws.write_string(r, c, v.display())?;
        }
    }
    Ok(())
}

pub fn write(run: &Run, schemas: &Schemas, path: &Path) -> Result<()> {
    let mut wb = Workbook::new();
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
    for t in TableKind::ALL {
        let s = schemas.table(t);
        let ws = wb.add_worksheet();
        ws.set_name(&s.table.label)?;
        let recs: Vec<&Record> = run.table(t).iter().filter(|r| !r.rejected).collect();
        let mut widths: Vec<f64> = s
            .fields
            .iter()
            .map(|f| super::text_width(&f.label) + 2.0)
            .collect();
        for (c, f) in s.fields.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, &f.label, &head)?;
        }
        let nf = s.fields.len() as u16;
        for (k, l) in ["来源文件", "来源工作表", "来源行"].iter().enumerate() {
            ws.write_string_with_format(0, nf + k as u16, *l, &src_head)?;
        }
        let mut src_w = [10.0f64, 10.0, 8.0];
        for (i, rec) in recs.iter().enumerate() {
            let r = i as u32 + 1;
            for (c, v) in rec.vals.iter().enumerate() {
                write_val(ws, r, c as u16, v, &date_fmt)?;
                if i < 2000 {
                    let w = match v {
                        Val::Date(_) => 12.0,
                        other => super::text_width(&other.display()) + 2.0,
                    };
                    widths[c] = widths[c].max(w);
                }
            }
            let file = &run.rel[rec.file];
            ws.write_string(r, nf, file)?;
            ws.write_string(r, nf + 1, &rec.sheet)?;
            ws.write_number(r, nf + 2, (rec.row + 1) as f64)?;
            if i < 2000 {
                src_w[0] = src_w[0].max(super::text_width(file) + 2.0);
                src_w[1] = src_w[1].max(super::text_width(&rec.sheet) + 2.0);
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, w.min(50.0))?;
        }
        for (k, w) in src_w.iter().enumerate() {
            ws.set_column_width(nf + k as u16, w.min(50.0))?;
        }
        ws.set_freeze_panes(1, 0)?;
        let last = recs.len().max(1) as u32;
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
    }
    super::save_xlsx(&mut wb, path)
}
