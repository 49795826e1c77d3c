//! The per-file stage over the whole batch: every village file on every core (and the
//! roster beside them), a panic in one file's reading turned into an F009 finding for
//! that file while the batch goes on; then the files' records pooled into one table of
//! each kind, their findings and audit trails kept.

use std::panic::AssertUnwindSafe;

use rayon::prelude::*;

use crate::finding::{ChangeLog, Finding};
use crate::keep::{keep_all, keep_pooled, keep_tables};
use crate::keyrow::{Keep, KeyRow};
use crate::model::{FileOut, Record};
use crate::options::Options;
use crate::read::InputFile;
use std::sync::Arc;

/// Read every file with `process`, side by side with the roster (read with its own
/// schemas, quietly); a file whose reading panicked gives a file with one F009 finding.
pub fn read_all<P>(
    files: &[InputFile],
    roster: Option<&InputFile>,
    opts: &Options,
    keep: &Arc<Keep>,
    process: &P,
) -> (Vec<FileOut>, Option<FileOut>)
where
    P: Fn(usize, &InputFile, &Options) -> FileOut + Sync,
{
    let read_files = || -> Vec<FileOut> {
        files
            .par_iter()
            .enumerate()
            .map(|(i, file)| {
                let out = std::panic::catch_unwind(AssertUnwindSafe(|| process(i, file, opts)));
                opts.progress.step(&file.rel);
                let mut out =
                    out.unwrap_or_else(|panic| crashed(file, panic, opts.schemas.tables.len()));
                hold_kept(&mut out, i, opts, keep);
                out
            })
            .collect()
    };
    let read_roster = || {
        let (options, input) = (roster_options(opts)?, roster?);
        let mut out =
            std::panic::catch_unwind(AssertUnwindSafe(|| process(0, input, &options))).ok()?;
        // A roster is small: all its fields are kept.
        let keep = Arc::new(crate::keep::everything(&options.schemas));
        out.rows = keep_tables(std::mem::take(&mut out.records), &keep);
        Some(out)
    };
    rayon::join(read_files, read_roster)
}

/// Whether a file's rows keep only `keep`'s fields (the rest are spilled for the
/// writers, or nothing after the run reads them): then each file's records pool their
/// kept values as they are checked (`Options::keep`).
pub fn keeps_only(opts: &Options, keep: &Keep) -> bool {
    (opts.aside.is_some() && !keep.keeps_all()) || !reads_after(opts)
}

/// Whether something after the run reads every value of its rows.
fn reads_after(opts: &Options) -> bool {
    opts.values_after || opts.previous.is_some()
}

/// The file's records as the stages across tables hold them: only the fields they read
/// (`keep`), every value written to the run's scratch folder first (`spill`) for the
/// writers. Without a scratch folder the rows keep every field, unless nothing after the
/// run reads them (`check`: `Options::values_after` false, no previous round); a spill that cannot be
/// written (a full disk) keeps every field of the file too: never lost.
/// The spill is written on one core while the key rows are made on the other, from the
/// pool the records' kept values went into as they were checked (`Options::keep`), when
/// it was made with this `keep`.
fn hold_kept(out: &mut FileOut, file: usize, opts: &Options, keep: &Arc<Keep>) {
    let records = std::mem::take(&mut out.records);
    let pooled = match &opts.keep {
        Some(k) if Arc::ptr_eq(k, keep) => out.pool.take(),
        _ => None,
    };
    match opts.aside.as_ref().filter(|_| !keep.keeps_all()) {
        Some(dir) => {
            let (spill, kept) = rayon::join(
                || crate::spill::write(&records, dir.path(), file).ok(),
                || keep_pooled(&records, keep, pooled),
            );
            out.rows = match spill.is_some() || !reads_after(opts) {
                true => {
                    drop_aside(records);
                    kept
                }
                false => keep_all(&opts.schemas, records),
            };
            out.spill = spill;
        }
        None if reads_after(opts) => out.rows = keep_all(&opts.schemas, records),
        None => {
            out.rows = keep_pooled(&records, keep, pooled);
            drop_aside(records);
        }
    }
}

/// Records from which a file's are freed on a thread of their own (`drop_aside`).
const DROP_ASIDE: usize = 100_000;

/// Frees a file's records: a big file's on a thread of its own (a million of them took a
/// third of a second, while the stages across tables waited), a small file's here. Not on
/// rayon's pool: its workers take such a job only once they run out of files, so every
/// file's records were held until the last file was read (the 200-file run's peak rose by
/// 220 MB with one worker).
fn drop_aside(records: Vec<Vec<Record>>) {
    if records.iter().map(Vec::len).sum::<usize>() < DROP_ASIDE {
        return;
    }
    let dropper = std::thread::Builder::new().name("drop".into());
    // When no thread can be had, the records are freed here as the closure is dropped.
    let _ = dropper.spawn(move || drop(records));
}

/// The options a roster is read with: its own schemas, no grids kept, no progress.
fn roster_options(opts: &Options) -> Option<Options> {
    let roster = opts.roster.as_ref()?;
    Some(Options {
        schemas: roster.schemas.clone(),
        limits: opts.limits,
        today: opts.today,
        keep_grids: false,
        progress: std::sync::Arc::new(crate::progress::Silent),
        isolate: opts.isolate.clone(),
        previous: None,
        roster: None,
        place: Default::default(),
        aside: None,
        values_after: false,
        keep: None,
    })
}

/// A file whose reading panicked: no rows, one F009 finding saying what happened.
fn crashed(file: &InputFile, panic: Box<dyn std::any::Any + Send>, tables: usize) -> FileOut {
    let what = crate::errors::panic_text(&panic);
    FileOut {
        input: file.clone(),
        format: String::new(),
        sheets: Vec::new(),
        findings: vec![Finding::new(crate::codes::internal_error(what)).at_file(&file.rel)],
        changes: ChangeLog::default(),
        records: vec![Vec::new(); tables],
        rows: Vec::new(),
        spill: None,
        rows_read: vec![0; tables],
        rows_unrecognised: 0,
        pool: None,
    }
}

/// The batch's records pooled: one table of each kind across files, every finding, and
/// each file's audit trail (kept in per-file pieces: it can be millions of entries).
pub struct Pooled {
    /// Rows per table, in the campaign's order.
    pub tables: Vec<Vec<KeyRow>>,
    /// Every finding so far.
    pub findings: Vec<Finding>,
    /// Each file's audit trail.
    pub changes: Vec<ChangeLog>,
    /// Each file's records with every value, on disk, when written there.
    pub spills: Vec<Option<crate::keyrow::Spill>>,
}

/// Move the files' records, findings and audit trails into one pool (each table sized
/// once: no copying as it grows), after `findings` made before reading.
pub fn pool(outs: &mut [FileOut], findings: Vec<Finding>, tables: usize) -> Pooled {
    let mut pooled = Pooled {
        tables: (0..tables)
            .map(|t| Vec::with_capacity(outs.iter().map(|f| f.rows[t].len()).sum()))
            .collect(),
        findings,
        changes: Vec::with_capacity(outs.len() + 1),
        spills: Vec::with_capacity(outs.len()),
    };
    pooled
        .findings
        .reserve(outs.iter().map(|f| f.findings.len()).sum());
    for out in outs.iter_mut() {
        // Taken, not only emptied: each file's vectors are freed as they are pooled.
        for (table, mut records) in pooled.tables.iter_mut().zip(std::mem::take(&mut out.rows)) {
            table.append(&mut records);
        }
        pooled.findings.append(&mut out.findings);
        let mut changes = std::mem::take(&mut out.changes);
        changes.seal();
        pooled.changes.push(changes);
        pooled.spills.push(out.spill.take());
    }
    pooled
}
