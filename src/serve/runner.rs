//! Runs rounds one at a time per workspace: a round asked for while another runs waits
//! its turn (the page is told its place), a round already waiting is not queued twice.
//! A round runs on a blocking thread through `job::execute`, with the workspace's
//! confirmed wordings as `--aliases`, its previous round as `--previous`, its roster as
//! `--roster`; its view is kept in `页面.json` beside the results.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use serde_json::json;

use super::events::PageProgress;
use super::view::{self, Made};
use super::workspace::VIEW;
use super::App;

/// The queue and what became of the last runs.
#[derive(Default)]
pub struct Runner {
    /// Held by the round running.
    desk: tokio::sync::Mutex<()>,
    /// Rounds waiting, in order.
    waiting: Mutex<Vec<String>>,
    /// The round running.
    running: Mutex<Option<String>>,
    /// Rounds whose last run failed, and why.
    failed: Mutex<HashMap<String, String>>,
}

/// Where a round stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Waiting: this many runs are ahead of it.
    Queued(usize),
    /// Running now.
    Running,
    /// Its last run failed: why.
    Failed(String),
    /// None of these.
    Idle,
}

impl Runner {
    /// Where a round stands.
    pub fn state(&self, round: &str) -> State {
        if self
            .running
            .lock()
            .is_ok_and(|r| r.as_deref() == Some(round))
        {
            return State::Running;
        }
        if let Some(ahead) = self.position(round) {
            return State::Queued(ahead);
        }
        match self.failed.lock().ok().and_then(|f| f.get(round).cloned()) {
            Some(why) => State::Failed(why),
            None => State::Idle,
        }
    }

    /// How many runs are ahead of a waiting round.
    fn position(&self, round: &str) -> Option<usize> {
        let busy = usize::from(self.running.lock().is_ok_and(|r| r.is_some()));
        let waiting = self.waiting.lock().ok()?;
        waiting.iter().position(|r| r == round).map(|i| i + busy)
    }

    /// The round running, if any, and those waiting.
    pub fn snapshot(&self) -> (Option<String>, Vec<String>) {
        (
            self.running.lock().ok().and_then(|r| r.clone()),
            self.waiting.lock().map(|w| w.clone()).unwrap_or_default(),
        )
    }
}

/// Asks for a round to run; returns how many runs are ahead of it (0: it starts now).
pub fn enqueue(app: &Arc<App>, round: &str) -> usize {
    if let Some(ahead) = app.runner.position(round) {
        return ahead;
    }
    if let Ok(mut w) = app.runner.waiting.lock() {
        w.push(round.to_string());
    }
    let ahead = app.runner.position(round).unwrap_or(0);
    app.events
        .send("queued", json!({"round": round, "position": ahead}));
    let app = app.clone();
    let round = round.to_string();
    tokio::spawn(async move {
        let _turn = app.runner.desk.lock().await;
        if let Ok(mut w) = app.runner.waiting.lock() {
            w.retain(|r| *r != round);
        }
        if let Ok(mut r) = app.runner.running.lock() {
            *r = Some(round.clone());
        }
        if let Ok(mut f) = app.runner.failed.lock() {
            f.remove(&round);
        }
        let worker = app.clone();
        let name = round.clone();
        let done = tokio::task::spawn_blocking(move || run_round(&worker, &name))
            .await
            .map_err(|_| anyhow::anyhow!("运行中断"))
            .and_then(|r| r);
        if let Ok(mut r) = app.runner.running.lock() {
            *r = None;
        }
        if let Ok(mut l) = app.events.live.lock() {
            *l = None;
        }
        match done {
            Ok(exit) => app
                .events
                .send("finished", json!({"round": round, "exit": exit})),
            Err(e) => {
                let why = crate::errors::error_text(&e, crate::finding::Lang::Zh);
                if let Ok(mut f) = app.runner.failed.lock() {
                    f.insert(round.clone(), why.clone());
                }
                app.events
                    .send("failed", json!({"round": round, "error": why}));
            }
        }
    });
    ahead
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
    };
    let done = crate::job::execute(&job, &mut opts, app.engine.lang)?;
    let desk = super::aliases::read_desk(ws).unwrap_or_default();
    let dismissed: Vec<(String, String, String, String)> = desk
        .dismissed
        .into_iter()
        .map(|d| (d.kind, d.table, d.field, d.form))
        .collect();
    let made = Made {
        round,
        command: ws.command(round, &app.engine.global_words(), &app.engine.tail_words()),
        notes: done.notes.clone(),
        exit: done.code,
        deadline: done.deadline,
        results: &job.out,
        dismissed: &dismissed,
    };
    let v = view::make(&done.run, &opts.schemas, made);
    let bytes = serde_json::to_vec(&v)?;
    super::workspace::write_file(&ws.root.join(round).join(VIEW), &bytes)?;
    app.set_view(round, v);
    let code = done.code;
    // A big town's run takes seconds to free: not while the page waits for its results.
    std::thread::spawn(move || drop(done));
    Ok(code)
}
