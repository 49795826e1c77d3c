//! One round, start to end, as `run` and the local page both do it: the output folder
//! made and locked, the previous round and the roster loaded, the pipeline run, every
//! output written into a staging folder and moved into place. Nothing is printed: what a
//! person should hear of comes back in `Done::notes`, progress goes to `Options::progress`.
//!
//! The page's "same engine, same files" rests on this being the one place a round is run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;

use crate::finding::Lang;
use crate::model::Run;
use crate::options::{Options, Roster};
use crate::schema::Schemas;

/// What one round is run on and where its results go.
#[derive(Debug, Clone, Default)]
pub struct Job {
    /// The villages' files and folders (archives are unpacked by the reader).
    pub inputs: Vec<PathBuf>,
    /// The output folder (`--out`).
    pub out: PathBuf,
    /// The previous round's output folder (`--previous`).
    pub previous: Option<PathBuf>,
    /// The roster (`--roster`).
    pub roster: Option<PathBuf>,
    /// When villages are to send their corrections by (`--deadline`).
    pub deadline: Option<NaiveDate>,
    /// The largest side file (previous round, roster) read, in MB (`--max-side-mb`).
    pub max_side_mb: u64,
    /// Where the Parquet outputs are also copied in the county/township layout
    /// (`--parquet`).
    pub parquet: Option<PathBuf>,
}

/// A round done: its exit status (0 no errors in the data, 1 errors), the run, the
/// deadline the villages were given, and what a person should be told.
pub struct Done {
    /// 0 when no row has an error or was held back, else 1.
    pub code: i32,
    /// The run, as written.
    pub run: Run,
    /// The deadline on the villages' covers: the one given, else the previous round's.
    pub deadline: Option<NaiveDate>,
    /// Things to tell the person who ran it (an interrupted last run, a past deadline).
    pub notes: Vec<String>,
}

/// Runs one round: validates the inputs and writes every output into `job.out`.
///
/// ```no_run
/// use selfbuilt::job::{execute, Job};
/// # fn main() -> anyhow::Result<()> {
/// let schemas = selfbuilt::schema::Schemas::shipped()?;
/// let mut opts = selfbuilt::options::Options::new(schemas);
/// let job = Job { inputs: vec!["村表".into()], out: "结果".into(), max_side_mb: 512, ..Job::default() };
/// let done = execute(&job, &mut opts, selfbuilt::finding::Lang::Zh)?;
/// println!("{} 个文件，退出码 {}", done.run.files.len(), done.code);
/// # Ok(()) }
/// ```
pub fn execute(job: &Job, opts: &mut Options, lang: Lang) -> Result<Done> {
    create_out_folder(job)?;
    // One run at a time per folder; outputs staged and moved into place at the end.
    let _lock = crate::outdir::Lock::take(&job.out)?;
    let mut notes = Vec::new();
    if crate::outdir::was_interrupted(&job.out) {
        notes.push(format!(
            "注意：上次写入 {} 的运行没有完成，这次会整体替换它的结果",
            job.out.display()
        ));
    }
    let staged = crate::outdir::staging(&job.out)?;
    // Sheets a stopped run left aside are its own scratch: nobody else writes here now.
    crate::aside::sweep(&job.out, crate::outdir::alive);
    if opts.keep_grids {
        // The sheets kept for the annotated copies wait on disk, not beside the records.
        opts.aside = Some(crate::aside::folder(&job.out)?);
    }
    let deadline = take_previous_round(job, opts)?;
    notes.extend(deadline_passed(deadline, opts.today));
    if let Some(path) = &job.roster {
        opts.roster = Some(roster(path, &opts.schemas)?);
    }
    let mut run = crate::timing::timed("read and check rows", || {
        crate::pipeline::run(&job.inputs, opts)
    });
    if run.files.is_empty() {
        // Nothing to report on, and the folder keeps the last finished run as it was.
        let _ = std::fs::remove_dir_all(&staged);
        return Err(no_spreadsheet(&run, lang));
    }
    notes.extend(place_inferred(&opts.place, &run.place));
    let write_options = crate::output::WriteOptions {
        lang,
        deadline,
        progress: opts.progress.clone(),
    };
    if let Err(error) = write_outputs(&run, &opts.schemas, &staged, write_options) {
        // Give the space back; the folder keeps the last finished run as it was.
        let _ = std::fs::remove_dir_all(&staged);
        return Err(error);
    }
    if let Err(error) = crate::outdir::promote(&job.out, &staged, crate::output::OUTPUTS) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(error);
    }
    if let Some(root) = &job.parquet {
        let from = job.out.join(crate::round_file::PARQUET_DIR);
        let names = crate::output::parquet::names(&opts.schemas);
        crate::output::parquet::hive::copy(&from, root, &names, &run.place).with_context(|| {
            format!(
                "结果已写好，但无法复制到 --parquet {}（磁盘已满或无写权限？）/ cannot copy the Parquet outputs there",
                root.display()
            )
        })?;
    }
    opts.progress.finished();
    // The unpacked archive members are removed now; the rest of the run is the caller's.
    drop(run.scratch.take());
    let code = i32::from(run.errors() + run.held() > 0);
    Ok(Done {
        code,
        run,
        deadline,
        notes,
    })
}

/// Creates the output folder, unless it is a file or would overwrite an input.
fn create_out_folder(job: &Job) -> Result<()> {
    if job.out.exists() && !job.out.is_dir() {
        bail!(
            "--out {} 已存在且不是文件夹 / exists and is not a folder",
            job.out.display()
        );
    }
    let given: Vec<PathBuf> = job.inputs.iter().chain(&job.roster).cloned().collect();
    crate::outdir::check_against_inputs(&job.out, &given)?;
    if let Some(root) = &job.parquet {
        crate::outdir::check_folder_against_inputs("--parquet", root, &given)?;
        let own = job.out.join(crate::round_file::PARQUET_DIR);
        crate::outdir::check_not_replaced("--parquet", root, &own)?;
    }
    std::fs::create_dir_all(&job.out).map_err(|error| {
        anyhow::anyhow!(
            "无法创建输出文件夹 {}（{error}）/ cannot create the output folder",
            job.out.display()
        )
    })
}

/// Loads the previous round (`--previous`) into `opts`; returns the deadline: the one
/// given, else the previous round's, which holds until a new one is given.
fn take_previous_round(job: &Job, opts: &mut Options) -> Result<Option<NaiveDate>> {
    let mut deadline = job.deadline;
    if let Some(old) = &job.previous {
        let snap = crate::rounds::load(old, &opts.schemas, job.max_side_mb)?;
        deadline = deadline.or(snap.head.deadline);
        opts.previous = Some(Arc::new(snap));
    }
    Ok(deadline)
}

/// The note when the deadline is already past: the villages' covers would carry it.
fn deadline_passed(deadline: Option<NaiveDate>, today: NaiveDate) -> Option<String> {
    deadline.filter(|d| *d < today).map(|past| {
        format!(
            "注意：修改期限 {} 已经过去（今天是 {}），各村封面上会写这个过去的日期；如要新的期限，请用 --deadline 给出",
            past.format("%Y年%-m月%-d日"),
            today.format("%Y年%-m月%-d日")
        )
    })
}

/// The note when the county the Parquet outputs carry was read off the codes rather
/// than given: said once, with how to give it.
fn place_inferred(given: &crate::model::Place, settled: &crate::model::Place) -> Option<String> {
    let inferred = given.county.as_deref().is_none_or(|c| c.trim().is_empty());
    match (&settled.county, inferred) {
        (Some(county), true) => Some(format!(
            "注意：没有给出 --county，Parquet 结果（parquet/）里的县取的是多数编码所带的区划代码 {county}；如不对，请用 --county 指定"
        )),
        _ => None,
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

#[cfg(test)]
mod tests {
    use crate::model::Place;

    #[test]
    fn a_county_read_off_the_codes_is_said_once_and_a_given_one_is_not() {
        let settled = Place {
            county: Some("500230".into()),
            township: None,
        };
        let note = super::place_inferred(&Place::default(), &settled).unwrap();
        assert!(
            note.contains("500230") && note.contains("--county"),
            "{note}"
        );
        let given = Place {
            county: Some("某县".into()),
            township: None,
        };
        assert_eq!(super::place_inferred(&given, &settled), None);
        assert_eq!(
            super::place_inferred(&Place::default(), &Place::default()),
            None
        );
    }
}
