//! Output writers, one per file of SPEC §7, and the registry that runs them. Every file
//! is written atomically (temp file in the same folder, then rename) and only inside the
//! output folder; text that looks like a formula is always written as a string.
//!
//! Each writer module declares its output (`Writer`: the file's name, and how it is
//! written); this module only lists them and runs them. What several writers share lives
//! in leaf modules that import no writer: `atomic`, `workbook`, `styles`,
//! `findings_table`, `folders`, `names` and `writer`.

pub mod annotated;
pub mod atomic;
pub mod cleaned;
pub mod csvs;
pub mod errors_xlsx;
pub mod findings_table;
pub mod folders;
pub mod learned;
pub mod names;
pub mod parquet;
pub mod patch;
pub mod report_html;
pub mod report_md;
pub mod returns;
pub mod styles;
pub mod summary;
pub mod tally;
pub mod workbook;
pub mod writer;

use std::path::Path;

use anyhow::{Context, Result};

use crate::finding::Lang;
use crate::model::Run;
use crate::outdir::Outputs;
use crate::schema::Schemas;
use writer::{Ctx, Writer};

/// How the outputs are written: their language, and the day villages are asked to send
/// their corrections by (the return packages' cover says it).
#[derive(Clone)]
pub struct WriteOptions {
    /// The language of messages and labels in the outputs.
    pub lang: Lang,
    /// When villages are to send their corrections by (`--deadline`).
    pub deadline: Option<chrono::NaiveDate>,
    /// Where each output's completion is told (`progress`).
    pub progress: std::sync::Arc<dyn crate::progress::Progress>,
}

/// Write every output file of a run into `out`; the writers' scratch folder is removed
/// after.
pub fn write_all(run: &Run, schemas: &Schemas, out: &Path, options: WriteOptions) -> Result<()> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    let result = write_files(run, schemas, out, options);
    let _ = std::fs::remove_dir_all(workbook::scratch(out));
    result
}

/// Every output of a run, in the order the page lists them for download. Adding an
/// output is adding its module and a line here.
pub const WRITERS: &[Writer] = &[
    // The long one: its biggest sheet is filled on one core while its other sheets are
    // filled on another (`cleaned::write_beside`), then it is compressed.
    cleaned::WRITER,
    annotated::WRITER,
    errors_xlsx::WRITER,
    csvs::CHANGES,
    csvs::ERRORS,
    csvs::WRITEOFFS,
    csvs::TALLY,
    tally::WRITER,
    report_html::WRITER,
    parquet::WRITER,
    csvs::ROUNDS,
    csvs::COVERAGE,
    report_md::WRITER,
    learned::WRITER,
    summary::WRITER,
];

/// The writers that take longest on a big run, started first in this order; the others
/// follow in the registry's order. On 1,000,000 rows cleaned.xlsx takes 12 s, the Parquet
/// folder 8 s, errors.xlsx 5 s and writeoffs.csv 1 s: cleaned.xlsx on one core, the
/// Parquet folder then errors.xlsx on the other.
const LONGEST: [&Writer; 4] = [
    &cleaned::WRITER,
    &parquet::WRITER,
    &errors_xlsx::WRITER,
    &csvs::WRITEOFFS,
];

/// The positions in `WRITERS` in the order they start: `LONGEST` first.
fn start_order() -> Vec<usize> {
    let first = LONGEST
        .iter()
        .filter_map(|w| WRITERS.iter().position(|x| x.name == w.name));
    let first: Vec<usize> = first.collect();
    let rest = (0..WRITERS.len()).filter(|i| !first.contains(i));
    first.iter().copied().chain(rest).collect()
}

/// Outputs made from other outputs, written once every one of `WRITERS` is done.
pub const AFTER: &[Writer] = &[returns::WRITER];

/// The name of every file and folder a run writes at the top of `--out`, in the
/// registry's order.
pub const NAMES: [&str; WRITERS.len() + AFTER.len()] = {
    let mut names = [""; WRITERS.len() + AFTER.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = if i < WRITERS.len() {
            WRITERS[i].name
        } else {
            AFTER[i - WRITERS.len()].name
        };
        i += 1;
    }
    names
};

/// The outputs as `outdir::promote` replaces the last run's: every name, and the one
/// whose arrival says the run is complete (summary.json), moved in last.
pub const OUTPUTS: Outputs<'static> = Outputs {
    names: &NAMES,
    last: summary::WRITER.name,
};

/// The scheduler: every writer of `WRITERS` on whichever core is free, longest first
/// (`start_order`), then those of `AFTER`; the first error (in the registry's order) is
/// the result.
fn write_files(run: &Run, schemas: &Schemas, out: &Path, options: WriteOptions) -> Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let ctx = Ctx {
        run,
        schemas,
        words: crate::rules::words::Words::new(schemas),
        out,
        tmp: workbook::scratch(out),
        lang: options.lang,
        deadline: options.deadline,
    };
    let progress = &options.progress;
    progress.stage("写出结果", Some((WRITERS.len() + AFTER.len()) as u64));
    let each = |w: &Writer| {
        let shown = w.shown();
        let r = crate::timing::timed(&shown, || w.run(&ctx));
        // What the writer held (its rows, its buffers) is free for the others' peak.
        crate::memory::give_back();
        progress.step(&shown);
        r
    };
    // Each core takes the next writer when it is free (a parallel iterator would split
    // the list in halves, one core's half started from its middle).
    let order = start_order();
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(WRITERS.len()));
    rayon::scope(|s| {
        for _ in 0..rayon::current_num_threads().min(WRITERS.len()) {
            s.spawn(|_| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let r = each(&WRITERS[i]);
                    done.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
                }
            });
        }
    });
    let mut results = done.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().try_for_each(|(_, r)| r)?;
    AFTER.iter().try_for_each(each)
}

#[cfg(test)]
mod tests {
    /// Every output has a name of its own, and the one moved in last is one of them.
    #[test]
    fn every_output_is_named_once() {
        let mut names = super::NAMES.to_vec();
        assert!(names.contains(&super::OUTPUTS.last));
        assert_eq!(super::OUTPUTS.names, names.as_slice());
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), super::NAMES.len(), "{names:?}");
    }

    /// Every writer starts once, the longest first.
    #[test]
    fn every_writer_starts_once_the_longest_first() {
        let mut order = super::start_order();
        let first: Vec<&str> = order[..4].iter().map(|&i| super::WRITERS[i].name).collect();
        let longest: Vec<&str> = super::LONGEST.iter().map(|w| w.name).collect();
        assert_eq!(first, longest);
        order.sort_unstable();
        assert_eq!(order, (0..super::WRITERS.len()).collect::<Vec<_>>());
    }
}
