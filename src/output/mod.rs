//! Output writers, one per file of SPEC §7. Every file is written atomically (temp file in
//! the same folder, then rename) and only inside the output folder; text that looks like
//! a formula is always written as a string.

pub mod annotated;
pub mod cleaned;
pub mod csvs;
pub mod errors_xlsx;
pub mod learned;
pub mod names;
pub mod patch;
pub mod report_html;
pub mod report_md;
pub mod returns;
pub mod round_state;
pub mod summary;
pub mod tally;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::finding::Lang;
use crate::model::Run;
use crate::schema::Schemas;

/// Write `path` atomically: `write` fills a temp file beside it, which is then renamed
/// over `path`, so a reader never sees half a file. The temp file's name is a short id,
/// never built from `path`'s (an input's long Chinese name would pass a file system's
/// 255 bytes).
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = path.parent().context("output path has no folder")?;
    path.file_name().context("output path has no file name")?;
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".sb-{}-{n}.tmp", std::process::id()));
    if let Err(e) = write(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

/// Write bytes to `path` atomically.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |tmp| {
        let mut f = std::fs::File::create(tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all().ok();
        Ok(())
    })
}

/// Excel's limits: a cell holds at most 32,767 characters; a sheet has 1,048,576 rows.
pub const MAX_CELL_CHARS: usize = crate::text::CELL_CHARS;
/// The most rows a sheet can have.
pub const MAX_ROWS: u32 = 1_048_576;

/// Text as a cell can hold it: characters XML cannot carry dropped, cut to a cell's
/// length with a mark (values are made so by the row stage, with findings and audit
/// lines; this guards what writers copy from inputs as they are).
pub fn fit(s: &str) -> std::borrow::Cow<'_, str> {
    let clean = crate::text::without_xml_illegal(s);
    let s2 = clean.as_deref().unwrap_or(s);
    match crate::text::cut_to_cell(s2) {
        Some(c) => std::borrow::Cow::Owned(c),
        None => match clean {
            Some(c) => std::borrow::Cow::Owned(c),
            None => std::borrow::Cow::Borrowed(s),
        },
    }
}

/// Bytes of sheet XML one written cell may take, at most, for the ZIP64 decision.
const XML_BYTES_PER_WRITTEN_CELL: u64 = 160;

/// Does a workbook of `cells` cells need ZIP64 (a part of 4 GB or more)? Only then is it
/// used: LibreOffice and Gnumeric refuse packages whose every entry carries ZIP64 headers.
pub fn needs_zip64(cells: u64) -> bool {
    cells.saturating_mul(XML_BYTES_PER_WRITTEN_CELL) >= (4u64 << 30) - (64 << 20)
}

/// A workbook whose constant-memory sheets spill into `tmp` (inside the output folder),
/// to hold about `cells` cells in its largest sheet.
pub fn new_workbook(tmp: &Path, cells: u64) -> Result<rust_xlsxwriter::Workbook> {
    std::fs::create_dir_all(tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.set_tempdir(tmp)?;
    wb.use_zip_large_file(needs_zip64(cells));
    // Level 3 of 9: saving the big workbooks is a third faster for a file a few per cent
    // larger (a township's cleaned.xlsx is read once upstream, written on every run).
    wb.set_zip_compression_level(3);
    Ok(wb)
}

/// The scratch folder for constant-memory sheets of files written into `dir`.
pub fn scratch(dir: &Path) -> std::path::PathBuf {
    dir.join(format!(".selfbuilt-tmp-{}", std::process::id()))
}

/// Save a workbook atomically.
pub fn save_xlsx(wb: &mut rust_xlsxwriter::Workbook, path: &Path) -> Result<()> {
    write_atomically(path, |tmp| {
        wb.save(tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))
    })
}

/// Display width of text in Excel columns (CJK counts double).
pub fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x2E80 { 1.0 } else { 2.1 })
        .sum::<f64>()
}

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
pub fn write_all(run: &Run, schemas: &Schemas, out: &Path, wo: WriteOptions) -> Result<()> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    let result = write_files(run, schemas, out, wo);
    let _ = std::fs::remove_dir_all(scratch(out));
    result
}

pub use crate::timing::timed;

/// What every writer is given.
pub struct Ctx<'a> {
    /// The run whose results are written.
    pub run: &'a Run,
    /// The schemas the run was checked with.
    pub schemas: &'a Schemas,
    /// Labels and rule titles, as people read them.
    pub words: crate::rules::words::Words,
    /// The output folder.
    pub out: &'a Path,
    /// Scratch for constant-memory sheets, inside the output folder.
    pub tmp: std::path::PathBuf,
    /// The language of messages and labels.
    pub lang: Lang,
    /// When villages are to send their corrections by (`--deadline`).
    pub deadline: Option<chrono::NaiveDate>,
}

/// One output: the file (or folder) it writes and how.
pub struct Writer {
    /// The file or folder it writes, as the progress lines name it.
    pub name: &'static str,
    /// The function writing it.
    pub write: fn(&Ctx) -> Result<()>,
}

/// Every output of a run, longest first: the scheduler starts them in this order on
/// every core. Adding an output is adding its module and a line here.
pub const WRITERS: &[Writer] = &[
    // The long one: its biggest sheet is filled on one core while its other sheets are
    // filled on another (`cleaned::write_beside`), then it is compressed.
    Writer {
        name: "cleaned.xlsx",
        write: |c| {
            cleaned::write_beside(c.run, c.schemas, &c.out.join("cleaned.xlsx"), &c.tmp, || ()).0
        },
    },
    Writer {
        name: "annotated/",
        write: |c| {
            annotated::write_all(
                c.run,
                c.schemas,
                &c.words,
                &c.out.join("annotated"),
                c.lang,
                &c.tmp,
            )
        },
    },
    Writer {
        name: "errors.xlsx",
        write: |c| errors_xlsx::write(c.run, &c.words, &c.out.join("errors.xlsx"), c.lang, &c.tmp),
    },
    Writer {
        name: "changes.csv",
        write: |c| csvs::write_changes(c.run, &c.out.join("changes.csv")),
    },
    Writer {
        name: "errors.csv",
        write: |c| csvs::write_errors(c.run, &c.out.join("errors.csv"), c.lang),
    },
    Writer {
        name: "writeoffs.csv",
        write: |c| csvs::write_writeoffs(c.run, c.schemas, &c.out.join("writeoffs.csv")),
    },
    Writer {
        name: "tally.csv",
        write: |c| {
            csvs::write_tally(
                &c.run.tally,
                &c.schemas.campaign.tally,
                &c.out.join("tally.csv"),
            )
        },
    },
    Writer {
        name: "tally.xlsx",
        write: |c| {
            tally::write_xlsx(
                &c.run.tally,
                &c.schemas.campaign.tally,
                &c.run.report,
                &c.schemas.campaign.report.sheet,
                c.run.rounds.as_ref().map(|r| &r.previous),
                &c.out.join("tally.xlsx"),
            )
        },
    },
    Writer {
        name: "report.html",
        write: |c| report_html::write(c, &c.out.join("report.html")),
    },
    Writer {
        name: "round.jsonl",
        write: |c| round_state::write(c.run, c.schemas, c.deadline, &c.out.join("round.jsonl")),
    },
    Writer {
        name: "rounds.csv",
        write: |c| match &c.run.rounds {
            Some(r) => csvs::write_rounds(r, c.schemas, &c.out.join("rounds.csv")),
            None => Ok(()),
        },
    },
    Writer {
        name: "coverage.csv",
        write: |c| match &c.run.coverage {
            Some(cv) => csvs::write_coverage(cv, &c.out.join("coverage.csv")),
            None => Ok(()),
        },
    },
    Writer {
        name: "report.md",
        write: |c| {
            report_md::write(
                &c.run.report,
                &c.schemas.campaign.report,
                &c.run.tally,
                &c.schemas.campaign.tally,
                &c.out.join("report.md"),
            )
        },
    },
    Writer {
        name: "learned.toml",
        write: |c| learned::write(c.run, &c.out.join("learned.toml")),
    },
    Writer {
        name: "summary.json",
        write: |c| summary::write(c.run, c.schemas, &c.out.join("summary.json")),
    },
];

/// Outputs made from other outputs, written once every one of `WRITERS` is done.
pub const AFTER: &[Writer] = &[Writer {
    name: "退回各村/",
    write: returns::write,
}];

/// The scheduler: every writer of `WRITERS` on whichever core is free, in their order,
/// then those of `AFTER`; the first error (in that order) is the result.
fn write_files(run: &Run, schemas: &Schemas, out: &Path, wo: WriteOptions) -> Result<()> {
    use rayon::prelude::*;
    let ctx = Ctx {
        run,
        schemas,
        words: crate::rules::words::Words::new(schemas),
        out,
        tmp: scratch(out),
        lang: wo.lang,
        deadline: wo.deadline,
    };
    let progress = &wo.progress;
    progress.stage("写出结果", Some((WRITERS.len() + AFTER.len()) as u64));
    let each = |w: &Writer| {
        let r = timed(w.name, || (w.write)(&ctx));
        progress.step(w.name);
        r
    };
    let results: Vec<Result<()>> = WRITERS.par_iter().with_max_len(1).map(each).collect();
    results.into_iter().collect::<Result<()>>()?;
    AFTER.iter().try_for_each(each)
}

#[cfg(test)]
mod tests {
    /// The out folder's bookkeeping (`outdir`) knows every file the writers write.
    #[test]
    fn every_writer_is_an_output_name() {
        let mut writers: Vec<&str> = super::WRITERS
            .iter()
            .chain(super::AFTER)
            .map(|w| w.name.trim_end_matches('/'))
            .collect();
        let mut names = crate::outdir::OUTPUT_NAMES.to_vec();
        writers.sort();
        names.sort();
        assert_eq!(writers, names);
    }
}
