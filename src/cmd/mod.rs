//! One module per subcommand; `dispatch` maps the parsed CLI to them and returns the
//! exit status (0 no errors in the data, 1 errors in the data, 2 the tool could not work).

pub mod check;
pub mod demo;
pub mod inspect;
pub mod rollup;
pub mod rules;
pub mod run;
pub mod run_summary;
pub mod serve;
pub mod template;

use chrono::NaiveDate;

use crate::cli::{Cli, Command, CommonArgs};
use crate::pipeline::Options;
use crate::schema::Schemas;

/// Exit status: the tool could not do its job.
pub const EXIT_TOOL: i32 = 2;

/// Loads the schemas and runs the subcommand asked for; returns the process's exit status.
pub fn dispatch(cli: Cli) -> i32 {
    // The batch commands say so before any thread starts (threads take it from this one).
    if matches!(
        cli.command,
        Command::Check(_) | Command::Run(_) | Command::Rollup(_)
    ) {
        crate::sched::as_batch();
    }
    // The contained reader needs no schemas: it starts once per input file.
    if let Command::ReadChild(args) = &cli.command {
        return crate::read::isolate::child_main(
            &args.path,
            &args.rel,
            &args.limits,
            args.max_mem_mb,
            args.max_seconds,
        );
    }
    let schemas = match Schemas::load(cli.schemas.as_deref(), cli.campaign.as_deref())
        .and_then(|s| s.with_overlays(&cli.aliases, cli.max_side_mb))
    {
        Ok(schemas) => schemas,
        Err(error) => {
            eprintln!("selfbuilt: 规则文件有误 / schema error: {error}");
            return EXIT_TOOL;
        }
    };
    // The campaign's cross-table rules are their kinds' to check: compiled once here, so
    // a bad entry stops the tool before any input is read.
    if let Err(e) = crate::rules::cross::CrossRules::compile(&schemas) {
        eprintln!(
            "selfbuilt: 规则文件有误 / schema error: schema {}: {e}",
            schemas.campaign_file
        );
        return EXIT_TOOL;
    }
    let lang = cli.lang;
    let result = match cli.command {
        Command::Run(args) => run::exec(args, schemas, cli.lang, cli.max_side_mb),
        Command::Rollup(args) => rollup::exec(args, &schemas, cli.lang),
        Command::Check(args) => check::exec(args, schemas, cli.lang),
        Command::Inspect(args) => inspect::exec(args, schemas, cli.lang),
        Command::Rules(args) => rules::exec(args, &schemas, cli.lang),
        Command::Demo(args) => demo::exec(args, schemas),
        Command::Template(args) => template::exec(args, schemas),
        Command::Serve(args) => {
            let globals = serve::Globals {
                schemas: cli.schemas.clone(),
                campaign: cli.campaign.clone(),
                aliases: cli.aliases.clone(),
                lang: cli.lang,
                max_side_mb: cli.max_side_mb,
            };
            serve::exec(args, globals, &schemas)
        }
        Command::ReadChild(_) => Ok(EXIT_TOOL),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("selfbuilt: {}", error_text(&error, lang));
            EXIT_TOOL
        }
    }
}

pub use crate::errors::{error_text, os_error};

/// Each file is read in a contained child process of this binary (see `read::isolate`),
/// unless `--in-process` is given.
pub fn isolation(limits: &crate::cli::LimitArgs) -> Option<crate::read::isolate::Isolation> {
    if limits.in_process {
        return None;
    }
    std::env::current_exe()
        .ok()
        .map(|exe| crate::read::isolate::Isolation {
            exe,
            max_mem_mb: limits.max_read_mb,
            max_seconds: limits.max_read_seconds,
        })
}

/// Pipeline options from the common arguments.
pub fn options(
    common: &CommonArgs,
    schemas: Schemas,
    keep_grids: bool,
    progress: bool,
) -> anyhow::Result<Options> {
    let today = match &common.as_of {
        Some(as_of) => NaiveDate::parse_from_str(as_of, "%Y-%m-%d")
            .map_err(|_| {
                anyhow::anyhow!(
                    "--as-of 的值“{as_of}”不是日期，请写成 2026-11-29 这样 / --as-of {as_of:?} is not a date YYYY-MM-DD"
                )
            })?,
        None => chrono::Local::now().date_naive(),
    };
    if let Some(jobs) = common.jobs {
        // Only the first call takes effect; later runs in the same process keep it.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build_global();
    }
    let isolate = isolation(&common.limits);
    Ok(Options {
        schemas,
        limits: common.limits.limits(),
        today,
        keep_grids,
        progress: if progress {
            std::sync::Arc::new(crate::progress::Bar::new())
        } else {
            std::sync::Arc::new(crate::progress::Silent)
        },
        isolate,
        previous: None,
        roster: None,
        place: Default::default(),
        aside: None,
        values_after: keep_grids,
        keep: None,
    })
}
