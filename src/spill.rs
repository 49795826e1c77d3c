//! Every value of every row of one file, written to the run's scratch folder at the end of
//! the file's own stage, so that the stages across tables hold only the fields they read
//! (`keyrow`). The writers that put every value out (cleaned.xlsx, the Parquet tables,
//! round.parquet) and the comparison with the previous round read them back, a table at a
//! time, in the order the run holds its rows (`Run::full_rows`).
//!
//! A file's spill is one scratch file: per table, its records one after another, each its
//! row index, the length of its encoding and its values and error flags postcard-encoded.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::keyrow::{KeyRow, Spill};
use crate::model::{Record, Run};
use crate::schema::TableId;
use crate::value::Val;

/// Writes the records of one file (`tables`, per table) into `dir`, named by `file`.
pub fn write(tables: &[Vec<Record>], dir: &Path, file: usize) -> std::io::Result<Spill> {
    let path = dir.join(format!("rows-{file}.bin"));
    let mut out = BufWriter::new(File::create(&path)?);
    let mut at = 0u64;
    let mut spans = Vec::with_capacity(tables.len());
    let mut buf = Vec::new();
    for records in tables {
        spans.push((at, records.len()));
        for r in records {
            buf.clear();
            buf = postcard::to_extend(&(&r.vals, &r.bad), buf).map_err(std::io::Error::other)?;
            out.write_all(&r.row.to_le_bytes())?;
            out.write_all(&(buf.len() as u32).to_le_bytes())?;
            out.write_all(&buf)?;
            at += 8 + buf.len() as u64;
        }
    }
    out.into_inner().map_err(|e| e.into_error())?;
    Ok(Spill {
        path,
        tables: spans,
    })
}

/// The records of one table of one file, read back in order.
struct Section {
    input: BufReader<File>,
    left: usize,
    /// The index (in the file's table) of the next record.
    next: usize,
    buf: Vec<u8>,
}

impl Section {
    fn open(spill: &Spill, table: usize) -> Result<Section> {
        let (at, left) = spill.tables.get(table).copied().unwrap_or((0, 0));
        let mut file = File::open(&spill.path)
            .with_context(|| format!("reading back {}", spill.path.display()))?;
        file.seek(SeekFrom::Start(at))?;
        Ok(Section {
            input: BufReader::with_capacity(1 << 16, file),
            left,
            next: 0,
            buf: Vec::new(),
        })
    }

    /// The row index, values and error flags of record `index` (at or after the next).
    fn read(&mut self, index: usize) -> Result<(u32, Vec<Val>, Vec<bool>)> {
        if index < self.next {
            bail!("the rows written aside are read out of order");
        }
        loop {
            if self.left == 0 {
                bail!("the rows written aside end early");
            }
            self.left -= 1;
            let mut head = [0u8; 8];
            self.input.read_exact(&mut head)?;
            let row = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
            let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
            self.next += 1;
            if self.next <= index {
                self.input.seek_relative(len as i64)?;
                continue;
            }
            self.buf.resize(len, 0);
            self.input.read_exact(&mut self.buf)?;
            let (vals, bad): (Vec<Val>, Vec<bool>) = postcard::from_bytes(&self.buf)
                .context("the rows written aside do not read back")?;
            return Ok((row, vals, bad));
        }
    }
}

/// Rows of one table with every value: each key row with its record read back from its
/// file's spill, or made from the key row itself when it keeps every field.
pub struct FullRows<'a> {
    rows: &'a [KeyRow],
    spills: &'a [Option<Spill>],
    table: usize,
    /// The positions in `rows` to give, in increasing order (all when None).
    picks: Option<std::slice::Iter<'a, u32>>,
    at: usize,
    /// Where the rows of the file being read start in `rows`, and its section.
    open: Option<(usize, usize, Section)>,
}

impl<'a> FullRows<'a> {
    /// `rows` (one table's, in the run's order: each file's rows together) with their
    /// spills, per file; only the positions `picks` gives (increasing) when given.
    pub fn new(
        rows: &'a [KeyRow],
        spills: &'a [Option<Spill>],
        table: usize,
        picks: Option<&'a [u32]>,
    ) -> FullRows<'a> {
        FullRows {
            rows,
            spills,
            table,
            picks: picks.map(|p| p.iter()),
            at: 0,
            open: None,
        }
    }

    fn read(&mut self, pos: usize) -> Result<Record> {
        let key = &self.rows[pos];
        let Some(spill) = self.spills.get(key.file()).and_then(Option::as_ref) else {
            return Record::from_kept(key)
                .context("a row's values were neither kept nor written aside");
        };
        if self.open.as_ref().is_none_or(|(f, _, _)| *f != key.file()) {
            // The file's rows start where the rows before `pos` stop being its own.
            let mut start = pos;
            while start > 0 && self.rows[start - 1].file() == key.file() {
                start -= 1;
            }
            self.open = Some((key.file(), start, Section::open(spill, self.table)?));
        }
        let Some((_, start, section)) = self.open.as_mut() else {
            bail!("the rows written aside could not be opened");
        };
        let (row, vals, bad) = section.read(pos - *start)?;
        if row != key.row {
            bail!(
                "the rows written aside are out of step (row {row}, expected {})",
                key.row
            );
        }
        Ok(Record::with_values(key, vals, bad))
    }
}

impl<'a> Iterator for FullRows<'a> {
    type Item = Result<(&'a KeyRow, Record)>;

    fn next(&mut self) -> Option<Self::Item> {
        let pos = match &mut self.picks {
            Some(p) => *p.next()? as usize,
            None => {
                self.at += 1;
                self.at - 1
            }
        };
        let rows = self.rows;
        let key = rows.get(pos)?;
        Some(self.read(pos).map(|r| (key, r)))
    }
}

/// The rows of table `t` of `run` with every value (read back from the spills), in order.
pub fn full_rows(run: &Run, t: TableId) -> FullRows<'_> {
    FullRows::new(run.table(t), &run.spills, t.index(), None)
}

/// The rows of table `t` of `run` at positions `picks` (increasing) with every value.
pub fn full_rows_at<'a>(run: &'a Run, t: TableId, picks: &'a [u32]) -> FullRows<'a> {
    FullRows::new(run.table(t), &run.spills, t.index(), Some(picks))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keep::keep_tables;
    use crate::keyrow::Keep;
    use crate::schema::Schemas;
    use std::sync::Arc;

    #[test]
    fn spilled_rows_read_back_with_every_value_beside_projected_keys() {
        let s = Schemas::shipped().unwrap();
        let t = s.campaign.main();
        let n = s.table(t).fields.len();
        let sheet: Arc<str> = "一组".into();
        let records: Vec<Record> = (0..5u32)
            .map(|i| Record {
                table: t,
                file: 0,
                sheet: sheet.clone(),
                row: i + 2,
                vals: (0..n)
                    .map(|f| Val::Text(format!("{i}-{f}").into()))
                    .collect(),
                cols: vec![None; n].into(),
                bad: (0..n).map(|f| f == 1).collect(),
                rejected: i == 3,
                held: false,
                kept: None,
            })
            .collect();
        let mut tables = vec![Vec::new(); s.tables.len()];
        tables[t.index()] = records.clone();
        let dir = tempfile::tempdir().unwrap();
        let spill = write(&tables, dir.path(), 0).unwrap();
        let mut need: Vec<Vec<bool>> = s
            .tables
            .iter()
            .map(|t| vec![false; t.fields.len()])
            .collect();
        need[t.index()][0] = true;
        let keep = Arc::new(Keep::of(need));
        let kept = keep_tables(tables, &keep);
        let spills = [Some(spill)];
        let back: Vec<Record> = FullRows::new(&kept[t.index()], &spills, t.index(), None)
            .map(|r| r.unwrap().1)
            .collect();
        assert_eq!(back.len(), 5);
        for (b, r) in back.iter().zip(&records) {
            assert_eq!(
                (b.row, &b.vals, &b.bad, b.rejected),
                (r.row, &r.vals, &r.bad, r.rejected)
            );
            assert!(Arc::ptr_eq(&b.sheet, &sheet));
        }
        assert!(kept[t.index()][0].get(0).as_str() == Some("0-0"));
        // Some rows only, skipping the others on disk.
        let picks = [1u32, 4];
        let some: Vec<u32> = FullRows::new(&kept[t.index()], &spills, t.index(), Some(&picks))
            .map(|r| r.unwrap().1.row)
            .collect();
        assert_eq!(some, vec![3, 6]);
    }
}
