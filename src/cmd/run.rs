//! `selfbuilt run INPUT... --out DIR`: every stage, every output file (the round itself is
//! `job::execute`, which the local page runs too); this prints its progress and summary.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Result;

use crate::cli::RunArgs;
use crate::finding::Lang;
use crate::job::Job;
use crate::progress::Progress;
use crate::schema::Schemas;

/// Runs `run`: validates the inputs and writes every output into the output folder.
pub fn exec(args: RunArgs, schemas: Schemas, lang: Lang, max_side_mb: u64) -> Result<i32> {
    let mut opts = crate::cmd::options(&args.common, schemas, true, false)?;
    opts.progress = progress_for(args.quiet);
    opts.place = crate::model::Place {
        county: args.county.clone(),
        township: args.township.clone(),
    };
    let job = Job {
        inputs: args.common.inputs.clone(),
        out: args.out.clone(),
        previous: args.previous.clone(),
        roster: args.roster.clone(),
        deadline: args.deadline,
        max_side_mb,
        parquet: args.parquet.clone(),
    };
    let mut done = crate::job::execute(&job, &mut opts, lang)?;
    if !args.quiet {
        for note in &done.notes {
            eprintln!("{note}");
        }
        let lines = super::run_summary::lines(&done.run, &opts, &args, lang);
        eprintln!("{}", lines.join("\n"));
    }
    let code = done.code;
    // A province's run holds tens of millions of small allocations (cells, records, the
    // audit trail) and the process ends now: leave them to the operating system instead
    // of freeing them one by one on one core (3 s on the 1,000-file benchmark).
    drop(done.run.scratch.take());
    drop(done.run.sheets_aside.take());
    std::mem::forget(done);
    Ok(code)
}

/// A bar on a terminal, plain lines in a log or a pipe, nothing with --quiet.
fn progress_for(quiet: bool) -> Arc<dyn Progress> {
    if quiet {
        Arc::new(crate::progress::Silent)
    } else if std::io::stderr().is_terminal() {
        Arc::new(crate::progress::Bar::new())
    } else {
        Arc::new(crate::progress::Lines::new(std::time::Duration::from_secs(
            5,
        )))
    }
}
