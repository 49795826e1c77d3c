//! `selfbuilt serve [--workspace DIR] [--port 8848]`: the local page. Checks who may use
//! it (anything beyond this computer needs `--token`), opens the workspace (with the demo
//! town as its first round when asked), says the address on the first line of stdout,
//! opens the browser when asked, and serves until Ctrl-C or the page's 退出.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use crate::cli::ServeArgs;
use crate::finding::Lang;
use crate::schema::Schemas;
use crate::serve::app::{Access, App, Engine};
use crate::serve::workspace::{Workspace, INBOX, ROSTER};

/// The global options a round is run with, as the command line gave them.
pub struct Globals {
    /// `--schemas`.
    pub schemas: Option<PathBuf>,
    /// `--campaign`.
    pub campaign: Option<String>,
    /// `--aliases` (added before the workspace's own confirmed wordings).
    pub aliases: Vec<PathBuf>,
    /// `--lang`.
    pub lang: Lang,
    /// `--max-side-mb`.
    pub max_side_mb: u64,
}

/// How every round is run: the schemas, limits, day and place given to `serve`.
fn engine(args: &ServeArgs, globals: &Globals) -> Result<Engine> {
    let as_of = match &args.as_of {
        Some(text) => Some(
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                anyhow::anyhow!("--as-of 的值“{text}”不是日期，请写成 2026-11-29 这样 / not a date")
            })?,
        ),
        None => None,
    };
    Ok(Engine {
        // The command a round shows is run inside the workspace: a folder of schemas by
        // its whole path.
        schemas: globals
            .schemas
            .as_ref()
            .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone())),
        limit_words: limit_words(&args.limits),
        campaign: globals.campaign.clone(),
        lang: globals.lang,
        max_side_mb: globals.max_side_mb,
        limits: args.limits.limits(),
        isolate: super::isolation(&args.limits),
        as_of,
        place: crate::model::Place {
            county: args.county.clone(),
            township: args.township.clone(),
        },
    })
}

/// Runs `serve`.
pub fn exec(args: ServeArgs, globals: Globals, schemas: &Schemas) -> Result<i32> {
    check_access(&args)?;
    if !globals.aliases.is_empty() {
        bail!("serve 不接受 --aliases：网页确认的写法存在工作区的“本镇写法.toml”里，可以把写法文件的内容合并进去 / serve takes no --aliases: the workspace keeps its own");
    }
    let root = match &args.workspace {
        Some(dir) => dir.clone(),
        None => home()?.join("自建房排查"),
    };
    let ws = Workspace::open(&root)?;
    let engine = engine(&args, &globals)?;
    let demo_round = if args.demo {
        put_demo(&ws, schemas)?
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("无法启动网页服务")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((args.bind, args.port))
            .await
            .with_context(|| {
                format!(
                    "端口 {} 已被占用或不能使用，请换一个：--port 8849",
                    args.port
                )
            })?;
        let addr = listener.local_addr()?;
        let app = Arc::new(App {
            ws,
            campaign: schemas.campaign.campaign.key.clone(),
            campaign_name: schemas.campaign.campaign.name.clone(),
            main_label: schemas.table(schemas.campaign.main()).table.label.clone(),
            roster_label: schemas
                .campaign
                .coverage
                .as_ref()
                .map(|c| c.label.clone())
                .unwrap_or_default(),
            engine,
            access: Access {
                addr,
                token: args.token.clone(),
            },
            uploads: crate::serve::upload::UploadLimits {
                file_bytes: args.limits.max_file_mb << 20,
                files: 5000,
            },
            events: Arc::new(crate::serve::events::Events::new()),
            runner: Default::default(),
            views: Default::default(),
            words: Default::default(),
            stop: tokio::sync::watch::channel(false).0,
        });
        let shown = if addr.ip().is_unspecified() {
            format!("http://127.0.0.1:{}/", addr.port())
        } else {
            format!("http://{addr}/")
        };
        let mut out = std::io::stdout();
        let _ = writeln!(out, "请在浏览器中打开 {shown}");
        let _ = writeln!(out, "工作区：{}　（按 Ctrl-C 结束）", app.ws.root.display());
        let _ = out.flush();
        if let Some(round) = demo_round {
            crate::serve::runner::enqueue(&app, &round);
        }
        if args.open {
            open_browser(&shown);
        }
        let quit = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        crate::serve::routes::serve(app, listener, quit)
            .await
            .context("网页服务出错")?;
        Ok(0)
    })
}

/// The read limits given that differ from the defaults, as `run` takes them (so that
/// each round's command reads the same files the page read).
fn limit_words(limits: &crate::cli::LimitArgs) -> Vec<String> {
    let Ok(crate::cli::Cli {
        command: crate::cli::Command::Serve(plain),
        ..
    }) = <crate::cli::Cli as clap::Parser>::try_parse_from(["selfbuilt", "serve"])
    else {
        return Vec::new();
    };
    let d = &plain.limits;
    let mut words = Vec::new();
    let mut add = |flag: &str, given: String, default: String| {
        if given != default {
            words.extend([flag.to_string(), given]);
        }
    };
    add(
        "--max-file-mb",
        limits.max_file_mb.to_string(),
        d.max_file_mb.to_string(),
    );
    add(
        "--max-unzipped-mb",
        limits
            .max_unzipped_mb
            .map(|m| m.to_string())
            .unwrap_or_default(),
        String::new(),
    );
    add(
        "--max-zip-ratio",
        limits.max_zip_ratio.to_string(),
        d.max_zip_ratio.to_string(),
    );
    add(
        "--max-cells",
        limits.max_cells.to_string(),
        d.max_cells.to_string(),
    );
    add(
        "--max-columns",
        limits.max_columns.to_string(),
        d.max_columns.to_string(),
    );
    add(
        "--max-read-mb",
        limits.max_read_mb.to_string(),
        d.max_read_mb.to_string(),
    );
    add(
        "--max-read-seconds",
        limits.max_read_seconds.to_string(),
        d.max_read_seconds.to_string(),
    );
    words
}

/// Anything beyond this computer needs a token; a token is letters, digits, - and _.
fn check_access(args: &ServeArgs) -> Result<()> {
    if let Some(token) = &args.token {
        if token.len() < 8
            || !token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            bail!("--token 应至少 8 个字符，只用字母、数字、- 和 _ / the token needs 8 or more letters, digits, - or _");
        }
    }
    if !args.bind.is_loopback() && args.token.is_none() {
        bail!(
            "--bind {} 会让别的电脑也能打开这个网页，必须同时给出 --token 口令 / listening beyond this computer needs --token",
            args.bind
        );
    }
    Ok(())
}

/// The home folder.
fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .context("找不到主目录，请用 --workspace 指定工作区文件夹")
}

/// In an empty workspace, the demo town as 第一轮 with its roster; the round to run.
fn put_demo(ws: &Workspace, schemas: &Schemas) -> Result<Option<String>> {
    if !ws.rounds().is_empty() {
        return Ok(None);
    }
    let round = ws.new_round(None)?;
    let inbox = ws.root.join(&round).join(INBOX);
    let roster = ws.root.join(ROSTER);
    if schemas.campaign.coverage.is_some() {
        crate::demo::write_roster(schemas, &inbox, &roster, 2022, 850, 8, true)?;
    } else {
        crate::demo::write_town(schemas, &inbox, 2022, 850, 8, true)?;
    }
    Ok(Some(round))
}

/// Opens the page in the system's browser (best effort: the address is printed anyway).
fn open_browser(url: &str) {
    let tool = if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(tool)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
