//! One sheet on its way through the per-file stage: the rows above and in the header block
//! until the table is recognised, then its data rows checked in parallel chunks as they
//! arrive and packed away in the aside format (`aside::PackedRows`); the flood of one
//! finding on many rows summarised; the sheet's records, findings and changes handed to
//! `file` when the sheet ends.

use rayon::prelude::*;

use super::flood::Floods;
use crate::aside::PackedRows;
use crate::cells::memo::Memo;
use crate::cells::Ctx;
use crate::finding::{ChangeLog, Finding};
use crate::model::Record;
use crate::options::Options;
use crate::read::{Grid, GridRow, Raw};
use crate::recognise::blocks::{self, ColumnsUsed};
use crate::recognise::{self, Outcome, Skipped};
use crate::rules::row::{check_row, Place};

/// The audit lines of a data row's cells filled from a merge above (`fill::fill_down`):
/// old value empty, new value the merge's, for each column mapped to a field.
fn log_fills(filled: &[(u32, u32)], row: &GridRow, place: &Place, changes: &mut ChangeLog) {
    if filled.is_empty() {
        return;
    }
    let from = filled.partition_point(|x| x.0 < row.idx);
    for &(_, col) in filled[from..].iter().take_while(|x| x.0 == row.idx) {
        if let Some(field) = place.cols.iter().position(|c| *c == Some(col)) {
            changes.push(
                &place.file_name,
                &place.sheet_name,
                row.idx,
                col,
                &place.keys[field],
                "",
                &row.get(col).display(),
            );
        }
    }
}

/// Puts the non-empty `cells` of a row the file gives twice into the row `kept`; returns
/// the cells whose other value was lost, as "A1“value”".
fn merge_row_given_twice(kept: &mut GridRow, cells: Vec<Raw>) -> Vec<String> {
    let mut lost = Vec::new();
    for (column, value) in cells.into_iter().enumerate() {
        if value.is_empty() {
            continue;
        }
        if kept.cells.len() <= column {
            kept.cells.resize(column + 1, Raw::Empty);
        }
        if !kept.cells[column].is_empty() && kept.cells[column] != value {
            lost.push(format!(
                "{}“{}”",
                crate::text::a1(kept.idx, column as u32),
                crate::text::truncate_chars(&kept.cells[column].display(), 30)
            ));
        }
        kept.cells[column] = value;
    }
    lost
}

/// Rows per parallel chunk of row checks.
const CHECK_CHUNK: usize = 1024;

/// One chunk of rows classified and checked (see `SheetWork::check_arrived_rows`).
#[derive(Default)]
struct CheckedChunk {
    /// Positions of its data rows.
    data: Vec<usize>,
    skipped: Vec<Skipped>,
    records: Vec<Record>,
    findings: Vec<Finding>,
    changes: ChangeLog,
    /// Its rows, packed.
    packed: PackedRows,
    /// The columns its rows use from the header's first row on.
    columns: ColumnsUsed,
    /// The position of its first row below the header that heads another table.
    other_head: Option<usize>,
    /// The fields its memo found to repeat too rarely to remember (`Memo::distinct`).
    distinct: Vec<bool>,
}

impl CheckedChunk {
    /// Notes what `row` (at position `pos`) says of other tables on the sheet: the
    /// columns it uses, whether it heads another table.
    fn look_for_other_tables(
        &mut self,
        row: &GridRow,
        pos: usize,
        head: &recognise::RecognisedHeader,
        schemas: &crate::schema::Schemas,
    ) {
        if row.idx >= head.header.0 {
            self.columns.add(row);
        }
        if self.other_head.is_none()
            && row.idx > head.header.1
            && blocks::heads_other_table(row, head.table, schemas)
        {
            self.other_head = Some(pos);
        }
    }
}

/// Where a sheet's table recognition stands.
pub(crate) enum HeadState<'a> {
    /// Waiting for the header rows (or, without merge information, for the whole sheet).
    Pending,
    Table {
        head: recognise::RecognisedHeader,
        kinds: recognise::RowKinds,
        place: Place<'a>,
    },
    Not(Outcome),
}

/// One sheet on its way through recognition and row checks, fed as its rows arrive.
pub(crate) struct SheetWork<'a> {
    /// The sheet as read, its rows those not yet classified and checked (every row until
    /// a table is recognised on it).
    pub(crate) grid: Grid,
    /// The rows classified and checked, in order: the sheet's first rows, before
    /// `grid.rows`. A row's position is its place among them all.
    pub(crate) checked: PackedRows,
    pub(crate) head: HeadState<'a>,
    /// The sheet's name is one of the lexicon's `ignored_sheets` (填表说明, 选项 …): read
    /// when it holds a table all the same, passed over silently when it does not.
    pub(crate) ignored: bool,
    /// Rows arrived out of order: recognise and check once the sheet is complete.
    pub(crate) disordered: bool,
    /// The columns used from the header's first row on, among the rows checked (for
    /// `split_side`).
    pub(crate) columns: ColumnsUsed,
    /// The position of the first row checked below the header that heads another table
    /// (for `split_block`).
    pub(crate) other_head: Option<usize>,
    pub(crate) data: Vec<usize>,
    pub(crate) skipped: Vec<Skipped>,
    pub(crate) records: Vec<Record>,
    pub(crate) findings: Vec<Finding>,
    /// Row findings past `FINDINGS_PER_RULE` of one rule on this sheet: counted, with
    /// their rows, for one summary finding at the end.
    pub(crate) flood: Floods,
    pub(crate) changes: ChangeLog,
    /// A block of another table further down a sheet (`split_block`): its title rows are
    /// listed as skipped.
    pub(crate) block: bool,
    /// Its rows arrive while the file is still being read on another core: they are
    /// checked on this one alone.
    pub(crate) streamed: bool,
    /// The fields whose texts the chunks checked so far found to repeat too rarely to
    /// remember (`Memo::distinct`; empty before the first chunk): later chunks do not
    /// store their first cells only to judge them again.
    pub(crate) distinct: Vec<bool>,
}

impl<'a> SheetWork<'a> {
    pub(crate) fn new(grid: Grid, opts: &Options) -> SheetWork<'a> {
        let ignored = opts
            .schemas
            .lexicon
            .ignored_sheets
            .iter()
            .any(|s| crate::text::norm_key(s) == crate::text::norm_key(&grid.name));
        SheetWork {
            grid,
            checked: PackedRows::default(),
            ignored,
            head: HeadState::Pending,
            disordered: false,
            columns: ColumnsUsed::default(),
            other_head: None,
            data: Vec::new(),
            skipped: Vec::new(),
            records: Vec::new(),
            findings: Vec::new(),
            flood: Default::default(),
            changes: ChangeLog::default(),
            block: false,
            streamed: false,
            distinct: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, rows: Vec<GridRow>, width: u32) {
        let last = self.grid.rows.last().map(|r| r.idx);
        let last = last.or_else(|| self.checked.indices().last().copied());
        if let (Some(last), Some(first)) = (last, rows.first()) {
            self.disordered |= first.idx <= last;
        }
        self.disordered |= rows.windows(2).any(|w| w[0].idx >= w[1].idx);
        self.grid.rows.extend(rows);
        self.grid.width = self.grid.width.max(width);
    }

    /// Recognise the header once its rows are in, then classify and check the rows that
    /// have arrived. `complete`: the whole sheet is in.
    pub(crate) fn advance(
        &mut self,
        file_idx: usize,
        rel: &'a str,
        opts: &Options,
        ctx: &Ctx,
        complete: bool,
    ) {
        if self.disordered && !complete {
            return;
        }
        if matches!(self.head, HeadState::Pending)
            && !self.recognise_header(file_idx, rel, opts, complete)
        {
            return;
        }
        self.check_arrived_rows(opts, ctx);
    }

    /// Recognises the header once its rows are in (or the whole sheet is, `complete`);
    /// returns whether they were in.
    fn recognise_header(
        &mut self,
        file_idx: usize,
        rel: &'a str,
        opts: &Options,
        complete: bool,
    ) -> bool {
        let head_in = self.grid.merges_known
            && self
                .grid
                .rows
                .last()
                .is_some_and(|r| r.idx >= recognise::HEAD_ROWS);
        if !(complete || head_in) {
            return false;
        }
        // The header block's merged regions may reach past its cells.
        let width = self.grid.width;
        if !complete {
            let reach = self
                .grid
                .merges
                .iter()
                .filter(|m| m.r0 < recognise::HEAD_ROWS);
            self.grid.width = reach.map(|m| m.c1 + 1).fold(width, u32::max);
        }
        let recognised = recognise::recognise_head(&self.grid, &opts.schemas, rel, opts.today);
        self.grid.width = width;
        self.head = match recognised {
            // An instructions sheet lists the fields; it is read only when it is a whole
            // table (every required column there), not a list of column names.
            Ok(head)
                if self.ignored
                    && head
                        .findings
                        .iter()
                        .any(|f| f.code == crate::codes::S001.code) =>
            {
                HeadState::Not(Outcome::Empty)
            }
            Ok(head) => {
                let schema = opts.schemas.table(head.table);
                let place = Place::new(file_idx, rel, &self.grid.name, schema, &head.columns);
                HeadState::Table {
                    kinds: recognise::RowKinds::new(&head, &opts.schemas),
                    head,
                    place,
                }
            }
            Err(_) if self.ignored => HeadState::Not(Outcome::Empty),
            Err(outcome) => HeadState::Not(outcome),
        };
        true
    }

    /// Classifies and checks the rows that arrived since the last call, once a table is
    /// recognised: data rows become records, with their findings and changes; the rows
    /// are packed away among those checked.
    fn check_arrived_rows(&mut self, opts: &Options, ctx: &Ctx) {
        let HeadState::Table { head, kinds, place } = &self.head else {
            return;
        };
        let schema = opts.schemas.table(head.table);
        let start = self.checked.len();
        let mut rows = std::mem::take(&mut self.grid.rows);
        // Merged cells down the data rows take their region's value (an audit line each).
        let filled =
            super::fill::fill_down(&mut rows, &self.checked, &self.grid.merges, head.header.1);
        // Rows are classified and checked in chunks, in order: on every core, unless the
        // sheet is still being read (`streamed`), when the reader has a core to itself
        // (checking beside it on both cores made the reader wait: 20 s → 17.6 s at 1M rows).
        let check = |(k, chunk): (usize, &[GridRow])| -> CheckedChunk {
            let mut part = CheckedChunk::default();
            let mut memo = match self.distinct.len() == schema.fields.len() {
                true => Memo::after(&self.distinct),
                false => Memo::new(schema.fields.len()),
            };
            for (i, row) in chunk.iter().enumerate() {
                let pos = start + k * CHECK_CHUNK + i;
                match kinds.classify(row) {
                    recognise::RowKind::Header => {}
                    recognise::RowKind::Skip(reason) => part.skipped.push(Skipped {
                        row: row.idx,
                        reason: reason.to_string(),
                    }),
                    recognise::RowKind::Data => {
                        part.data.push(pos);
                        log_fills(&filled, row, place, &mut part.changes);
                        part.records.push(check_row(
                            schema,
                            row,
                            place,
                            ctx,
                            &mut part.findings,
                            &mut part.changes,
                            &mut memo,
                        ));
                    }
                }
                part.look_for_other_tables(row, pos, head, &opts.schemas);
                part.packed.push(row);
                if i == 0 {
                    part.packed.reserve_rows(chunk.len() - 1);
                }
            }
            part.packed.shrink_to_fit();
            part.distinct = memo.distinct();
            part
        };
        let checked: Vec<CheckedChunk> = match self.streamed {
            true => rows.chunks(CHECK_CHUNK).enumerate().map(check).collect(),
            false => rows
                .par_chunks(CHECK_CHUNK)
                .enumerate()
                .map(check)
                .collect(),
        };
        drop(rows);
        for part in checked {
            self.take_in(part);
        }
    }

    /// Moves one chunk's checked rows, and what was found on them, into the sheet's.
    fn take_in(&mut self, mut part: CheckedChunk) {
        self.data.append(&mut part.data);
        self.skipped.append(&mut part.skipped);
        self.records.append(&mut part.records);
        for finding in part.findings {
            self.flood.keep(finding, &mut self.findings);
        }
        self.changes.append(&mut part.changes);
        self.checked.append(part.packed);
        self.columns.absorb(&part.columns);
        self.other_head = self.other_head.or(part.other_head);
        match self.distinct.len() == part.distinct.len() {
            true => (self.distinct.iter_mut().zip(&part.distinct)).for_each(|(a, b)| *a |= b),
            false => self.distinct = part.distinct,
        }
    }

    /// The sheet is complete. Returns the blocks of other tables found further down it,
    /// each complete (see `split_block`).
    pub(crate) fn end(
        &mut self,
        width: u32,
        merges: Option<Vec<crate::read::Merge>>,
        findings: Vec<Finding>,
        (file_idx, rel, opts, ctx): (usize, &'a str, &Options, &Ctx),
    ) -> Vec<SheetWork<'a>> {
        self.grid.width = self.grid.width.max(width);
        if let Some(merges) = merges {
            self.grid.merges = merges;
            self.grid.merges_known = true;
        }
        self.grid.findings.extend(findings);
        if self.disordered {
            self.put_rows_in_order(rel);
        }
        self.advance(file_idx, rel, opts, ctx, true);
        // Another table beside this one, or further down the sheet: a block of its own.
        let beside = self.split_side(rel, opts);
        if beside.is_some() {
            self.advance(file_idx, rel, opts, ctx, true);
        }
        let next = self.split_block(rel, opts);
        let summaries = std::mem::take(&mut self.flood).summaries(rel, &self.grid.name);
        self.findings.extend(summaries);
        self.list_skipped();
        let mut blocks = Vec::new();
        for mut w in beside.into_iter().chain(next) {
            let more = w.end(0, None, Vec::new(), (file_idx, rel, opts, ctx));
            blocks.push(w);
            blocks.extend(more);
        }
        blocks
    }

    /// The rows of a sheet that arrived out of order put in order (cells of a repeated
    /// row index are merged, with a finding that says so), to start over on the whole
    /// sheet.
    fn put_rows_in_order(&mut self, rel: &str) {
        self.unpack_checked();
        let mut rows = std::mem::take(&mut self.grid.rows);
        rows.sort_by_key(|r| r.idx);
        for row in rows {
            match self.grid.rows.last_mut() {
                Some(last) if last.idx == row.idx => {
                    // The file names this row twice: one row, and a finding that says so.
                    let lost = merge_row_given_twice(last, row.cells);
                    self.grid.findings.push(crate::read::row_given_twice(
                        rel,
                        &self.grid.name,
                        row.idx,
                        !lost.is_empty(),
                        &lost,
                    ));
                }
                _ => self.grid.rows.push(row),
            }
        }
        self.disordered = false;
        if !matches!(self.head, HeadState::Not(Outcome::Empty)) {
            self.head = HeadState::Pending;
        }
        self.restart();
    }

    /// The rows left out, once the sheet is checked: a block's title rows among them, and
    /// the blank rows between data rows.
    fn list_skipped(&mut self) {
        let HeadState::Table { head, .. } = &self.head else {
            return;
        };
        let mut skipped = std::mem::take(&mut self.skipped);
        let indices = self.checked.indices();
        if self.block {
            // A block's title rows lie amid the sheet: said, not passed over.
            skipped.extend(
                indices
                    .iter()
                    .filter(|&&idx| idx < head.header.0)
                    .map(|&idx| Skipped {
                        row: idx,
                        reason: "表格标题行（同一工作表中的另一张表）".to_string(),
                    }),
            );
            skipped.sort_by_key(|x| x.row);
        }
        self.skipped = recognise::with_blank_rows(indices, head.header.1, &self.data, skipped);
    }

    /// The rows checked put back in front of those to check, decoded.
    fn unpack_checked(&mut self) {
        if !self.checked.is_empty() {
            let mut rows = self.checked.take_rows();
            rows.append(&mut self.grid.rows);
            self.grid.rows = rows;
        }
    }

    /// Forget every row's classification and check, to read the sheet again from its first.
    pub(super) fn restart(&mut self) {
        self.unpack_checked();
        self.columns = ColumnsUsed::default();
        self.other_head = None;
        self.distinct.clear();
        self.data.clear();
        self.skipped.clear();
        self.records.clear();
        self.findings.clear();
        self.flood.clear();
        self.changes.clear();
    }
}
