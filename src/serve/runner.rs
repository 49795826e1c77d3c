//! Runs rounds one at a time per workspace, in the order asked: a round asked for while
//! another runs waits its turn (the page is told its place), a round already waiting is
//! not queued twice.
//! A round runs on a blocking thread through `job::execute`, with the workspace's
//! confirmed wordings as `--aliases`, its previous round as `--previous`, its roster as
//! `--roster`; its view is kept in `页面.json` beside the results.

use std::sync::Arc;

use anyhow::Result;
use serde_json::json;

use super::app::App;
use super::events::PageProgress;
use super::view::{self, Made};
use super::workspace::VIEW;

/// Asks for a round to run; returns how many runs are ahead of it (0: it starts now).
/// Rounds run in the order asked, one at a time, taken in turn by a single worker.
pub fn enqueue(app: &Arc<App>, round: &str) -> usize {
    let (ahead, start) = app.runner.ask(round);
    app.events
        .send("queued", json!({"round": round, "position": ahead}));
    if start {
        tokio::spawn(work(app.clone()));
    }
    ahead
}

/// Runs the waiting rounds in order until none is left.
async fn work(app: Arc<App>) {
    while let Some(round) = app.runner.next() {
        let worker = app.clone();
        let name = round.clone();
        let done = tokio::task::spawn_blocking(move || run_round(&worker, &name))
            .await
            .map_err(|_| anyhow::anyhow!("运行中断"))
            .and_then(|r| r);
        if let Ok(mut l) = app.events.live.lock() {
            *l = None;
        }
        match done {
            Ok(exit) => {
                app.runner.done(None);
                app.events
                    .send("finished", json!({"round": round, "exit": exit}));
            }
            Err(e) => {
                let why = crate::errors::error_text(&e, crate::finding::Lang::Zh);
                app.runner.done(Some((&round, why.clone())));
                app.events
                    .send("failed", json!({"round": round, "error": why}));
            }
        }
    }
}

/// Runs a round as `selfbuilt run` would, keeps its view; returns its exit status.
fn run_round(app: &Arc<App>, round: &str) -> Result<i32> {
    let ws = &app.ws;
    let settings = ws.settings(round);
    let aliases: Vec<std::path::PathBuf> = Some(ws.aliases())
        .filter(|p| p.is_file())
        .into_iter()
        .collect();
    let schemas = app.engine.schemas(&aliases)?;
    let mut opts = app.engine.options(schemas);
    opts.progress = Arc::new(PageProgress {
        round: round.to_string(),
        events: app.events.clone(),
    });
    let previous = Some(settings.previous.clone())
        .filter(|p| !p.is_empty() && ws.has_results(p))
        .map(|p| ws.root.join(p).join(super::workspace::RESULTS));
    let job = crate::job::Job {
        inputs: vec![ws.inbox(round)?],
        out: ws.results(round)?,
        previous,
        roster: ws.roster(),
        deadline: settings.deadline,
        max_side_mb: app.engine.max_side_mb,
        parquet: None,
    };
    // What the results are made from, taken before the run: a file added meanwhile makes
    // them stale, as it should.
    let mut made_from = ws.fingerprint(round);
    let command = ws.command(round, &app.engine.global_words(), &app.engine.tail_words());
    let done = crate::job::execute(&job, &mut opts, app.engine.lang)?;
    let after = ws.fingerprint(round);
    for part in [super::workspace::RESULTS_PART] {
        if let Some(now) = after.get(part) {
            made_from.insert(part.to_string(), now.clone());
        }
    }
    let desk = super::aliases::read_desk(ws).unwrap_or_default();
    let dismissed: Vec<(String, String, String, String)> = desk
        .dismissed
        .into_iter()
        .map(|d| (d.kind, d.table, d.field, d.form))
        .collect();
    let made = Made {
        round,
        command,
        notes: done.notes.clone(),
        exit: done.code,
        deadline: done.deadline,
        results: &job.out,
        dismissed: &dismissed,
    };
    let mut v = view::make(&done.run, &opts.schemas, made);
    v.made_from = made_from;
    let bytes = serde_json::to_vec(&v)?;
    super::workspace::write_file(&ws.root.join(round).join(VIEW), &bytes)?;
    app.set_view(round, v);
    let code = done.code;
    // A big town's run takes seconds to free: not while the page waits for its results.
    std::thread::spawn(move || drop(done));
    Ok(code)
}
