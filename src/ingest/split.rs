//! Other tables on one sheet, settled once the sheet is checked: a table beside this one
//! (a blank column between, `split_side`) or further down it (a row heading another
//! table, `split_block`) is split off as a sheet of its own, to be recognised and checked
//! afresh. What they start from was noted as the rows were checked
//! (`SheetWork::columns`, `SheetWork::other_head`); the rows are decoded from those packed
//! only when a split is tried.

use super::sheet::{HeadState, SheetWork};
use crate::aside::PackedRows;
use crate::finding::Finding;
use crate::options::Options;
use crate::read::{Grid, GridRow};
use crate::recognise::{self, blocks};

impl<'a> SheetWork<'a> {
    /// A sheet holding `rows` and this one's merged regions, width and visibility: a part
    /// of this sheet to be read on its own.
    fn part_with(&self, rows: Vec<GridRow>) -> Grid {
        Grid {
            name: self.grid.name.clone(),
            rows,
            merges: self.grid.merges.clone(),
            merges_known: self.grid.merges_known,
            width: self.grid.width,
            findings: Vec::new(),
            hidden: self.grid.hidden,
        }
    }

    /// When a blank column parts the sheet into two tables side by side
    /// (`blocks::ColumnsUsed::side_gap`) — the right one complete on its own, the left one
    /// missing no more required columns than the whole did — this sheet keeps the left
    /// side's cells, to be recognised and checked again, and the right side is handed back
    /// as a sheet of its own. Each cell keeps its column, so every place stays the file's.
    pub(super) fn split_side(&mut self, rel: &str, opts: &Options) -> Option<SheetWork<'a>> {
        let HeadState::Table { head, .. } = &self.head else {
            return None;
        };
        let (gap, last) = self.columns.side_gap()?;
        let missing = |h: &recognise::RecognisedHeader| {
            h.findings
                .iter()
                .filter(|f| f.code == crate::codes::S001.code)
                .count()
        };
        let whole = missing(head);
        let sheet = self.part_with(self.checked.rows(0).collect());
        let right = blocks::side(&sheet, last + 1..=u32::MAX);
        let left = blocks::side(&sheet, 0..=gap - 1);
        drop(sheet);
        let schemas = &opts.schemas;
        let right_table = match recognise::recognise_head(&right, schemas, rel, opts.today) {
            Ok(head) if missing(&head) == 0 => head.table,
            _ => return None,
        };
        let left_table = match recognise::recognise_head(&left, schemas, rel, opts.today) {
            Ok(head) if missing(&head) <= whole => head.table,
            _ => return None,
        };
        let mut findings = std::mem::take(&mut self.grid.findings);
        // Said once: how the sheet was read.
        let letter = |c: u32| crate::text::a1(0, c).trim_end_matches('1').to_string();
        let gap = if gap == last {
            letter(gap)
        } else {
            format!("{}–{}", letter(gap), letter(last))
        };
        findings.push(
            Finding::new(crate::codes::tables_side_by_side(
                &self.grid.name,
                &schemas.table(left_table).table.label,
                &schemas.table(right_table).table.label,
                &gap,
            ))
            .at_file(rel)
            .at_sheet(&self.grid.name),
        );
        self.grid = left;
        self.grid.findings = findings;
        self.checked = PackedRows::default();
        self.head = HeadState::Pending;
        self.restart();
        Some(SheetWork::new(right, opts))
    }

    /// When a row further down heads another table (`recognise::blocks`), this sheet's
    /// table ends above it: the rows from its block on are taken out of this one (with
    /// their records, findings and changes) and handed back as a sheet of their own, to
    /// be recognised and checked afresh.
    pub(super) fn split_block(&mut self, rel: &str, opts: &Options) -> Option<SheetWork<'a>> {
        let HeadState::Table { head, .. } = &self.head else {
            return None;
        };
        let heading = self.other_head?;
        let from = (self.checked.indices()).partition_point(|&idx| idx <= head.header.1);
        let block_start = blocks::block_start(heading, from, |pos| self.checked.row(pos));
        let grid = Grid {
            merges_known: true,
            ..self.part_with(self.checked.rows(block_start).collect())
        };
        // Only a block that is another table for sure: its header recognised as one.
        match recognise::recognise_head(&grid, &opts.schemas, rel, opts.today) {
            Ok(other) if other.table != head.table => {}
            _ => return None,
        }
        let split = self.checked.indices()[block_start];
        self.checked.truncate(block_start);
        self.records.retain(|r| r.row < split);
        self.findings.retain(|f| f.row.is_none_or(|r| r < split));
        self.changes.keep_rows_before(split);
        self.data.retain(|&d| d < block_start);
        self.skipped.retain(|s| s.row < split);
        self.flood.forget_rows_from(split);
        let mut block = SheetWork::new(grid, opts);
        block.block = true;
        Some(block)
    }
}
