//! Command-line arguments (clap derive), their help in English. `main.rs` parses through
//! `cli_zh` (which puts the help and the usage errors in Chinese unless `--lang en`),
//! `cmd::dispatch` runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::finding::Lang;

/// The command line: global options (schemas, campaign, language, limits) and the
/// subcommand to run.
#[derive(Debug, Parser)]
#[command(
    name = "selfbuilt",
    version,
    about = "专项整治村级台账：导入、校验、销号建议、汇总（整治的表、字段和规则见 schemas/）\nVillage ledgers of a safety campaign: import, validate, propose write-offs, report (the campaign is data: schemas/)"
)]
pub struct Cli {
    /// Use the schemas in this folder instead of the shipped ones
    #[arg(long, global = true, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Which campaign's ledgers: selfbuilt (自建房, the default), gongmao (工贸企业) or any
    /// campaign folder of --schemas, by its folder, key or name
    #[arg(long, global = true, value_name = "NAME")]
    pub campaign: Option<String>,
    /// Header wordings and enum forms to add to the schemas: a learned.toml that a run
    /// wrote, reviewed (repeatable; later files add to earlier ones)
    #[arg(long, global = true, value_name = "FILE")]
    pub aliases: Vec<PathBuf>,
    /// Largest side file read, in MB: --aliases, --previous's round.parquet or round.jsonl (--roster is
    /// read like an input, under --max-file-mb)
    #[arg(long, global = true, value_name = "MB", default_value_t = 1024)]
    pub max_side_mb: u64,
    /// Language of messages: zh (中文) or en
    #[arg(long, global = true, value_enum, default_value = "zh")]
    pub lang: Lang,
    /// What to do: run, rollup, check, inspect, rules, template, demo, serve.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate and write every output (cleaned.xlsx, errors, annotated copies, tallies) into --out
    Run(RunArgs),
    /// Add up many townships' tallies (the out folders of run, of rollup, or run --parquet
    /// folders) per township and county, with 合计: tally.xlsx, tally.csv, tally.parquet
    Rollup(RollupArgs),
    /// Validate and print findings grouped by file and sheet
    Check(CheckArgs),
    /// Show how each sheet was recognised: table, header rows, columns, skipped rows
    Inspect(InspectArgs),
    /// List the rules, or explain one: `selfbuilt rules C009`
    Rules(RulesArgs),
    /// Write a blank input workbook with dropdowns and validations, from the schemas
    Template(TemplateArgs),
    /// Generate the demo town's village workbooks (fixtures)
    Demo(DemoArgs),
    /// Start the local page (a web page on this computer): rounds, uploads, results,
    /// confirming wordings, downloads
    Serve(ServeArgs),
    /// Internal: read one file and write its pieces to stdout (the contained reader)
    #[command(name = "__read", hide = true)]
    ReadChild(ReadChildArgs),
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The workspace folder: a folder per round, the confirmed wordings, the roster
    /// (default: 自建房排查 in the home folder)
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// The port to listen on (0: any free port)
    #[arg(long, default_value_t = 8848)]
    pub port: u16,
    /// The address to listen on; anything but this computer (127.0.0.1) needs --token
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// The token the page asks for once (letters, digits, - and _), needed when --bind
    /// is not 127.0.0.1
    #[arg(long)]
    pub token: Option<String>,
    /// Open the page in the system's browser
    #[arg(long)]
    pub open: bool,
    /// Put the demo town into an empty workspace as its first round, and run it
    #[arg(long)]
    pub demo: bool,
    /// The date that counts as today for date checks (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// The county every round's Parquet outputs carry (`run --county`)
    #[arg(long, value_name = "NAME")]
    pub county: Option<String>,
    /// The township every round's Parquet outputs carry (`run --township`)
    #[arg(long, value_name = "NAME")]
    pub township: Option<String>,
    /// How much of a file may be read.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Arguments of the contained reader (see `read::isolate`).
#[derive(Debug, Args)]
pub struct ReadChildArgs {
    /// The file to read.
    pub path: PathBuf,
    /// Its path relative to the INPUT it came from, as findings name it.
    pub rel: String,
    /// The read limits, serialised by the parent process (`read::Limits`).
    pub limits: String,
    /// The reader's address-space limit, in MB.
    pub max_mem_mb: u64,
    /// The reader's CPU and wall-clock limit, in seconds.
    pub max_seconds: u64,
}

/// Limits that protect against exhausting memory on hostile files.
#[derive(Debug, Args, Clone)]
pub struct LimitArgs {
    /// Refuse files larger than this many MB
    #[arg(long, default_value_t = 200)]
    pub max_file_mb: u64,
    /// Refuse workbooks that inflate to more than this many MB (default: what --max-cells
    /// cells take as sheet XML, at least 150)
    #[arg(long)]
    pub max_unzipped_mb: Option<u64>,
    /// Refuse a workbook part that inflates to more than this many times its packed size
    #[arg(long, default_value_t = 100)]
    pub max_zip_ratio: u64,
    /// Refuse sheets with more than this many non-empty cells
    #[arg(long, default_value_t = crate::read::DEFAULT_MAX_CELLS)]
    pub max_cells: u64,
    /// Read at most this many columns per sheet
    #[arg(long, default_value_t = 512)]
    pub max_columns: u32,
    /// Memory a file's reader may use, in MB (each file is read in a child process of its own)
    #[arg(long, default_value_t = 448)]
    pub max_read_mb: u64,
    /// Time a file's reader may take, in seconds (CPU time; twice this in wall-clock time)
    #[arg(long, default_value_t = 120)]
    pub max_read_seconds: u64,
    /// Read files in this process instead of contained child processes (for profiling)
    #[arg(long, hide = true)]
    pub in_process: bool,
}

impl LimitArgs {
    /// The read limits these flags set, in bytes and counts.
    pub fn limits(&self) -> crate::read::Limits {
        crate::read::Limits {
            max_file_bytes: self.max_file_mb << 20,
            max_unzipped_bytes: self
                .max_unzipped_mb
                .map(|mb| mb << 20)
                .unwrap_or_else(|| crate::read::unzipped_ceiling(self.max_cells)),
            max_zip_ratio: self.max_zip_ratio.max(1),
            max_cells: self.max_cells,
            max_columns: self.max_columns.max(1),
        }
    }
}

/// Arguments shared by `run` and `check`: the inputs, the day taken as today, threads,
/// limits.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Input files or folders (folders are searched recursively)
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The date that counts as today for date checks (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Worker threads (default: one per core)
    #[arg(long)]
    pub jobs: Option<usize>,
    /// How much of a file may be read.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Arguments of `run`: what `check` takes, plus the output folder, roster, previous round
/// and deadline.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The inputs and read settings shared with `check`.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output folder (created if needed); nothing is written outside it
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// No progress bar and no summary: only errors are printed
    #[arg(long)]
    pub quiet: bool,
    /// The day villages are asked to send their corrections by (2026-12-15, 2026/12/15,
    /// 2026年12月15日), written on each return package's cover; a round run with
    /// `--previous` and no deadline keeps the previous round's
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub deadline: Option<chrono::NaiveDate>,
    /// An earlier run's out folder: say what the villages fixed since that round, what is
    /// still open and new, and which rows were added, removed or changed (rounds.csv)
    #[arg(long, value_name = "OLD_OUT")]
    pub previous: Option<PathBuf>,
    /// A list of the houses (or households) that should have been surveyed, in any
    /// workbook: say which have no survey row, which survey rows it does not list, and
    /// each village's coverage (coverage.csv)
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,
    /// The county the villages are in, as the Parquet outputs carry it (default: the
    /// county code most of the codes carry, where the campaign says where it sits)
    #[arg(long, value_name = "NAME")]
    pub county: Option<String>,
    /// The township the villages are in, as the Parquet outputs carry it
    #[arg(long, value_name = "NAME")]
    pub township: Option<String>,
    /// Also copy the Parquet outputs into DIR/<name>/county=…/township=…/ (the layout
    /// DuckDB, Spark and polars read as one dataset); many townships may share one DIR
    #[arg(long, value_name = "DIR")]
    pub parquet: Option<PathBuf>,
}

/// Arguments of `rollup`: the folders whose tallies are added up, and where the roll-up
/// goes.
#[derive(Debug, Args)]
pub struct RollupArgs {
    /// Folders to add up: the out folders of `run` (their parquet/tally.parquet), of
    /// `rollup` (tally.parquet), or `run --parquet` folders (tally/**/*.parquet)
    #[arg(required = true, value_name = "OUT_DIR")]
    pub inputs: Vec<PathBuf>,
    /// Output folder (created if needed): tally.xlsx, tally.csv and tally.parquet; nothing
    /// is written outside it
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
}

/// A day as YYYY-MM-DD.
/// A day written as a cell may hold it: 2026-12-15, 2026/12/15, 2026年12月15日, 20261215.
fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::cells::date::date_from_text(s)
        .map(|(d, _)| d)
        .map_err(|_| {
            format!(
                "“{s}”不是日期，请写成 2026-12-15、2026/12/15 或 2026年12月15日 / not a date: {s}"
            )
        })
}

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// Grouped by file, coloured, for a person.
    Text,
    /// Exactly errors.csv's columns.
    Csv,
    /// One JSON document.
    Json,
}

/// Arguments of `check`: validate and print the findings, writing no files.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The inputs and read settings shared with `run`.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format: text (grouped, coloured), csv (exactly errors.csv), json
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also write the write-off proposals to this file (writeoffs.csv format)
    #[arg(long, value_name = "PATH")]
    pub writeoffs: Option<PathBuf>,
    /// Colour: auto, always, never
    #[arg(long, default_value = "auto")]
    pub color: String,
}

/// Arguments of `inspect`: show how each sheet was recognised and its columns mapped.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Input files or folders
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Print JSON: one object per sheet
    #[arg(long)]
    pub json: bool,
    /// How much of a file may be read.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Arguments of `rules`: list every rule, or explain one.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule code (C009) or name (id-float-mangled) to explain
    pub code: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `template`: write a blank workbook for villages to fill in.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// The .xlsx file to write
    #[arg(long, short, value_name = "FILE.xlsx")]
    pub out: PathBuf,
    /// Village name for the titles
    #[arg(long)]
    pub village: Option<String>,
    /// Tables to include, comma-separated (default: every table of the campaign)
    #[arg(long)]
    pub tables: Option<String>,
    /// A blank roster (the campaign's `[coverage]` table) for `run --roster` instead
    #[arg(long, conflicts_with = "tables")]
    pub roster: bool,
}

/// Arguments of `demo`: write a made-up town of village workbooks, with spoiled cells, to
/// try the tool on; or the benchmarks' data (`--plain`, `--province`).
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder to write the demo town into
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed
    #[arg(long, default_value_t = 2022)]
    pub seed: u64,
    /// Number of main-table rows (the main table is the campaign's first): in the town
    /// and the --plain workbook (default 850), per county with --province (default 50000)
    #[arg(long, alias = "buildings")]
    pub rows: Option<usize>,
    /// Number of villages: in the town (default 8), per county with --province (default
    /// one per 850 main rows)
    #[arg(long)]
    pub villages: Option<usize>,
    /// Write clean rows only (no injected faults)
    #[arg(long)]
    pub clean: bool,
    /// Benchmark data: one plain workbook of --rows valid main-table rows (typed
    /// columns under a one-row header)
    #[arg(long)]
    pub plain: bool,
    /// Benchmark data: a province's consolidation, one plain workbook per county (a sheet
    /// per table, typed columns under a one-row header) of --rows valid main-table rows
    /// with their ledgers, the county's division code in its codes
    #[arg(long, conflicts_with_all = ["plain", "roster"])]
    pub province: bool,
    /// Number of counties with --province (default 200)
    #[arg(long, requires = "province")]
    pub counties: Option<usize>,
    /// Also write a roster of the town's houses into this folder, for `run --roster`
    /// (some houses on it the villages left out, some surveyed houses not on it)
    #[arg(long, value_name = "DIR")]
    pub roster: Option<PathBuf>,
}

impl DemoArgs {
    /// Main-table rows in the town or the plain workbook.
    pub const TOWN_ROWS: usize = 850;
    /// Villages in the town.
    pub const TOWN_VILLAGES: usize = 8;
    /// Main-table rows per county of a province.
    pub const COUNTY_ROWS: usize = 50_000;
    /// Counties of a province.
    pub const COUNTIES: usize = 200;
}
