//! `selfbuilt run INPUT... --out DIR`: every stage, every output file.

use std::io::IsTerminal;

use anyhow::{bail, Context, Result};

use crate::cli::RunArgs;
use crate::finding::Lang;
use crate::pipeline;
use crate::schema::Schemas;

/// Runs `run`: validates the inputs and writes every output into the output folder.
pub fn exec(a: RunArgs, schemas: Schemas, lang: Lang, max_side_mb: u64) -> Result<i32> {
    if a.out.exists() && !a.out.is_dir() {
        bail!(
            "--out {} 已存在且不是文件夹 / exists and is not a folder",
            a.out.display()
        );
    }
    let given: Vec<std::path::PathBuf> = a.common.inputs.iter().chain(&a.roster).cloned().collect();
    crate::outdir::check_against_inputs(&a.out, &given)?;
    std::fs::create_dir_all(&a.out).map_err(|e| {
        anyhow::anyhow!(
            "无法创建输出文件夹 {}（{e}）/ cannot create the output folder",
            a.out.display()
        )
    })?;
    // One run at a time per folder; outputs staged and moved into place at the end.
    let _lock = crate::outdir::Lock::take(&a.out)?;
    if crate::outdir::was_interrupted(&a.out) && !a.quiet {
        eprintln!(
            "注意：上次写入 {} 的运行没有完成，这次会整体替换它的结果",
            a.out.display()
        );
    }
    let staged = crate::outdir::staging(&a.out)?;
    let mut opts = crate::cmd::options(&a.common, schemas, true, false)?;
    // A bar on a terminal, plain lines in a log or a pipe, nothing with --quiet.
    let progress: std::sync::Arc<dyn crate::progress::Progress> = if a.quiet {
        std::sync::Arc::new(crate::progress::Silent)
    } else if std::io::stderr().is_terminal() {
        std::sync::Arc::new(crate::progress::Bar::new())
    } else {
        std::sync::Arc::new(crate::progress::Lines::new(std::time::Duration::from_secs(
            5,
        )))
    };
    opts.progress = progress.clone();
    let mut deadline = a.deadline;
    if let Some(old) = &a.previous {
        let snap = crate::rounds::load(old, &opts.schemas, max_side_mb)?;
        // The previous round's deadline holds until a new one is given.
        deadline = deadline.or(snap.head.deadline);
        opts.previous = Some(std::sync::Arc::new(snap));
    }
    if let Some(d) = deadline.filter(|d| *d < opts.today) {
        if !a.quiet {
            eprintln!(
                "注意：修改期限 {} 已经过去（今天是 {}），各村封面上会写这个过去的日期；如要新的期限，请用 --deadline 给出",
                d.format("%Y年%-m月%-d日"),
                opts.today.format("%Y年%-m月%-d日")
            );
        }
    }
    if let Some(path) = &a.roster {
        if !path.is_file() {
            // A folder or a pipe is no roster: said as such, never waited on.
            let e = crate::read::side_file(path, "--roster", u64::MAX)
                .err()
                .unwrap_or_else(|| {
                    format!("--roster {}：找不到这个文件 / no such file", path.display())
                });
            bail!("{e}");
        }
        let Some(schemas) = opts.schemas.roster()? else {
            bail!(
                "--roster：活动“{}”的规则没有 [coverage]，无法核对 / the campaign has no [coverage]",
                opts.schemas.campaign.campaign.name
            );
        };
        opts.roster = Some(crate::model::Roster {
            path: path.clone(),
            schemas,
        });
    }
    let mut run = crate::timing::timed("read and check rows", || {
        pipeline::run(&a.common.inputs, &opts)
    });
    if run.files.is_empty() {
        // No spreadsheet among the inputs (a spreadsheet that cannot be read is reported
        // like any finding, for its village to hear of): nothing to report on, and the
        // folder keeps the last finished run as it was.
        let _ = std::fs::remove_dir_all(&staged);
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
        bail!(
            "没有找到任何表格：输入中没有 xlsx、xls、ods、csv 等表格文件（也没有装着它们的 zip 压缩包），上次的结果保持不变 / no spreadsheet among the inputs; the previous results are untouched{}{}",
            if why.is_empty() { "" } else { "\n" },
            why.join("\n")
        );
    }
    // A writer that panics on a write error (rust_xlsxwriter does, on a full disk) is an
    // error like any other: caught, said in Chinese, the space given back.
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::timing::timed("all outputs", || {
            crate::output::write_all(
                &run,
                &opts.schemas,
                &staged,
                crate::output::WriteOptions {
                    lang,
                    deadline,
                    progress: progress.clone(),
                },
            )
        })
    }));
    std::panic::set_hook(quiet);
    let written = match written {
        Ok(r) => r,
        Err(_) => Err(anyhow::anyhow!("写入时出错 / a write failed")),
    }
    .context("写入输出文件失败（磁盘已满、无写权限或文件被其他程序占用），上次的结果保持不变 / writing the outputs failed; the previous results are untouched");
    if written.is_err() {
        // Give the space back; the folder keeps the last finished run as it was.
        let _ = std::fs::remove_dir_all(&staged);
    }
    written?;
    if let Err(e) = crate::outdir::promote(&a.out, &staged, crate::output::OUTPUTS) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e);
    }
    progress.finished();
    let lines = super::run_summary::lines(&run, &opts, &a, lang);
    if !a.quiet {
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
