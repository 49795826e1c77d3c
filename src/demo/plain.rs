//! One large plain workbook of valid main-table rows, for the benchmarks: a one-row
//! header of labels and typed cells, written with constant memory. The same plain, typed
//! sheets (`Typed`) hold a province's county files (`province`).

use std::path::Path;

use anyhow::{Context, Result};

use rust_xlsxwriter::Worksheet;

use super::generate::village_names;
use super::row::{day, Row};
use super::values::Gen;
use crate::schema::{FieldType, Schemas, TableSchema};

/// One plain workbook of `n` valid main-table rows under a one-row header of labels,
/// typed cells (numbers as numbers, dates as dates), written with a constant-memory
/// worksheet: the benchmark's large inputs. Rows are made one at a time, so any size fits.
pub fn write_plain(schemas: &Schemas, path: &Path, seed: u64, n: usize) -> Result<()> {
    let mut g = Gen::new(schemas, seed ^ 0x9_1A1);
    let main = schemas.campaign.main();
    let ms = schemas.table(main);
    let names = village_names(schemas, n.div_ceil(PLAIN_PER_VILLAGE).max(1));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let typed = Typed::new();
    let ws = wb.add_worksheet_with_constant_memory()?;
    typed.header(ws, ms)?;
    for i in 0..n {
        let village = &names[(i / PLAIN_PER_VILLAGE) % names.len()];
        let row = g.main_row(village);
        typed.row(ws, i as u32 + 1, ms, &row)?;
    }
    save(&mut wb, path)
}

/// Save a workbook to `path`, its folder made first.
pub(super) fn save(wb: &mut rust_xlsxwriter::Workbook, path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    wb.save(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writing a table's rows plain and typed: a sheet named by the table's label under a
/// one-row header of its field labels, then numbers as numbers and dates as dates (with
/// a date format), every other value as text, empty values left blank.
pub(super) struct Typed {
    /// The date cells' number format.
    date: rust_xlsxwriter::Format,
}

impl Typed {
    /// The writer, its date format made once.
    pub(super) fn new() -> Typed {
        Typed {
            date: rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"),
        }
    }

    /// Name the sheet after table `t` and write its header row (row 0) of field labels.
    pub(super) fn header(&self, ws: &mut Worksheet, t: &TableSchema) -> Result<()> {
        ws.set_name(&t.table.label)?;
        for (c, f) in t.fields.iter().enumerate() {
            ws.write_string(0, c as u16, &f.label)?;
        }
        Ok(())
    }

    /// Write one generated row of table `t` on sheet row `r` (0-based), typed.
    pub(super) fn row(&self, ws: &mut Worksheet, r: u32, t: &TableSchema, row: &Row) -> Result<()> {
        for (c, (v, f)) in row.iter().zip(&t.fields).enumerate() {
            let c = c as u16;
            if v.is_empty() {
                continue;
            }
            match (f.ty, v.parse::<f64>(), day(v)) {
                (FieldType::Integer | FieldType::Number, Ok(x), _) => ws.write_number(r, c, x)?,
                (FieldType::Date, _, Some(d)) => ws.write_number_with_format(
                    r,
                    c,
                    crate::cells::date::date_to_serial(d),
                    &self.date,
                )?,
                _ => ws.write_string(r, c, v)?,
            };
        }
        Ok(())
    }
}

/// Main rows per village in a plain workbook.
pub(super) const PLAIN_PER_VILLAGE: usize = 850;

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{open_workbook, Data, Reader, Xlsx};

    #[test]
    fn a_plain_workbook_has_a_header_of_labels_and_n_typed_rows() {
        let s = Schemas::shipped().unwrap();
        let ms = s.table(s.campaign.main());
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("plain.xlsx");
        write_plain(&s, &path, 1, 120).unwrap();
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let range = wb.worksheet_range(&ms.table.label).unwrap();
        let rows: Vec<_> = range.rows().collect();
        assert_eq!(rows.len(), 121);
        let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
        let labels: Vec<&String> = ms.fields.iter().map(|f| &f.label).collect();
        assert_eq!(header.iter().collect::<Vec<_>>(), labels);
        for (c, f) in ms.fields.iter().enumerate() {
            if matches!(
                f.ty,
                FieldType::Integer | FieldType::Number | FieldType::Date
            ) {
                let typed = rows[1..]
                    .iter()
                    .any(|r| matches!(r[c], Data::Float(_) | Data::Int(_) | Data::DateTime(_)));
                assert!(typed, "{} has typed cells", f.key);
            }
        }
    }
}
