//! `selfbuilt run INPUT... --out DIR`: every stage, every output file.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;

use crate::cli::RunArgs;
use crate::finding::Lang;
use crate::model::Run;
use crate::options::{Options, Roster};
use crate::pipeline;
use crate::progress::Progress;
use crate::schema::Schemas;

/// Runs `run`: validates the inputs and writes every output into the output folder.
pub fn exec(args: RunArgs, schemas: Schemas, lang: Lang, max_side_mb: u64) -> Result<i32> {
    create_out_folder(&args)?;
    // One run at a time per folder; outputs staged and moved into place at the end.
    let _lock = crate::outdir::Lock::take(&args.out)?;
    if crate::outdir::was_interrupted(&args.out) && !args.quiet {
        eprintln!(
            "注意：上次写入 {} 的运行没有完成，这次会整体替换它的结果",
            args.out.display()
        );
    }
    let staged = crate::outdir::staging(&args.out)?;
    let mut opts = crate::cmd::options(&args.common, schemas, true, false)?;
    let progress = progress_for(args.quiet);
    opts.progress = progress.clone();
    let deadline = take_previous_round(&args, &mut opts, max_side_mb)?;
    if !args.quiet {
        warn_if_deadline_passed(deadline, opts.today);
    }
    if let Some(path) = &args.roster {
        opts.roster = Some(roster(path, &opts.schemas)?);
    }
    let mut run = crate::timing::timed("read and check rows", || {
        pipeline::run(&args.common.inputs, &opts)
    });
    if run.files.is_empty() {
        // Nothing to report on, and the folder keeps the last finished run as it was.
        let _ = std::fs::remove_dir_all(&staged);
        return Err(no_spreadsheet(&run, lang));
    }
    let write_options = crate::output::WriteOptions {
        lang,
        deadline,
        progress: progress.clone(),
    };
    if let Err(error) = write_outputs(&run, &opts.schemas, &staged, write_options) {
        // Give the space back; the folder keeps the last finished run as it was.
        let _ = std::fs::remove_dir_all(&staged);
        return Err(error);
    }
    if let Err(error) = crate::outdir::promote(&args.out, &staged, crate::output::OUTPUTS) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(error);
    }
    progress.finished();
    let lines = super::run_summary::lines(&run, &opts, &args, lang);
    if !args.quiet {
        eprintln!("{}", lines.join("\n"));
    }
    let code = if run.errors() + run.held() > 0 { 1 } else { 0 };
    // A province's run holds tens of millions of small allocations (cells, records, the
    // audit trail) and the process ends now: leave them to the operating system instead
    // of freeing them one by one on one core (3 s on the 1,000-file benchmark).
    // The unpacked archive members are removed, though.
    drop(run.scratch.take());
    std::mem::forget(run);
    Ok(code)
}

/// Creates the output folder, unless it is a file or would overwrite an input.
fn create_out_folder(args: &RunArgs) -> Result<()> {
    if args.out.exists() && !args.out.is_dir() {
        bail!(
            "--out {} 已存在且不是文件夹 / exists and is not a folder",
            args.out.display()
        );
    }
    let given: Vec<std::path::PathBuf> = args
        .common
        .inputs
        .iter()
        .chain(&args.roster)
        .cloned()
        .collect();
    crate::outdir::check_against_inputs(&args.out, &given)?;
    std::fs::create_dir_all(&args.out).map_err(|error| {
        anyhow::anyhow!(
            "无法创建输出文件夹 {}（{error}）/ cannot create the output folder",
            args.out.display()
        )
    })
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

/// Loads the previous round (`--previous`) into `opts`; returns the deadline: the one
/// given, else the previous round's, which holds until a new one is given.
fn take_previous_round(
    args: &RunArgs,
    opts: &mut Options,
    max_side_mb: u64,
) -> Result<Option<NaiveDate>> {
    let mut deadline = args.deadline;
    if let Some(old) = &args.previous {
        let snap = crate::rounds::load(old, &opts.schemas, max_side_mb)?;
        deadline = deadline.or(snap.head.deadline);
        opts.previous = Some(Arc::new(snap));
    }
    Ok(deadline)
}

/// Says so when the deadline is already past: the villages' covers would carry it.
fn warn_if_deadline_passed(deadline: Option<NaiveDate>, today: NaiveDate) {
    if let Some(past) = deadline.filter(|d| *d < today) {
        eprintln!(
            "注意：修改期限 {} 已经过去（今天是 {}），各村封面上会写这个过去的日期；如要新的期限，请用 --deadline 给出",
            past.format("%Y年%-m月%-d日"),
            today.format("%Y年%-m月%-d日")
        );
    }
}

/// The roster to check against (`--roster`): a regular file, and a campaign that says
/// how to read it.
fn roster(path: &Path, schemas: &Schemas) -> Result<Roster> {
    if !path.is_file() {
        // A folder or a pipe is no roster: said as such, never waited on.
        let why = crate::read::side_file(path, "--roster", u64::MAX)
            .err()
            .unwrap_or_else(|| {
                format!("--roster {}：找不到这个文件 / no such file", path.display())
            });
        bail!("{why}");
    }
    let Some(roster_schemas) = schemas.roster()? else {
        bail!(
            "--roster：活动“{}”的规则没有 [coverage]，无法核对 / the campaign has no [coverage]",
            schemas.campaign.campaign.name
        );
    };
    Ok(Roster {
        path: path.to_path_buf(),
        schemas: roster_schemas,
    })
}

/// The error when no spreadsheet was among the inputs (a spreadsheet that cannot be read
/// is reported like any finding, for its village to hear of), with the first reasons.
fn no_spreadsheet(run: &Run, lang: Lang) -> anyhow::Error {
    let mut why: Vec<String> = run
        .findings
        .iter()
        .filter(|f| f.row.is_none())
        .take(10)
        .map(|f| format!("  {}：{}", f.file, f.message(lang)))
        .collect();
    if run.findings.len() > 10 {
        why.push("  ……".into());
    }
    anyhow::anyhow!(
        "没有找到任何表格：输入中没有 xlsx、xls、ods、csv 等表格文件（也没有装着它们的 zip 压缩包），上次的结果保持不变 / no spreadsheet among the inputs; the previous results are untouched{}{}",
        if why.is_empty() { "" } else { "\n" },
        why.join("\n")
    )
}

/// Writes every output into the staging folder. A writer that panics on a write error
/// (rust_xlsxwriter does, on a full disk) is an error like any other: caught, said in
/// Chinese.
fn write_outputs(
    run: &Run,
    schemas: &Schemas,
    staged: &Path,
    write_options: crate::output::WriteOptions,
) -> Result<()> {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::timing::timed("all outputs", || {
            crate::output::write_all(run, schemas, staged, write_options)
        })
    }));
    std::panic::set_hook(quiet);
    match written {
        Ok(result) => result,
        Err(_) => Err(anyhow::anyhow!("写入时出错 / a write failed")),
    }
    .context("写入输出文件失败（磁盘已满、无写权限或文件被其他程序占用），上次的结果保持不变 / writing the outputs failed; the previous results are untouched")
}
