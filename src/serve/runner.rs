//! Runs rounds one at a time per workspace, in the order asked: a round asked for while
//! another runs waits its turn (the page is told its place), a round already waiting is
//! not queued twice.
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
    /// The round running and those waiting, under one lock so that a round is always in
    /// exactly one place.
    queue: Mutex<Queue>,
    /// Rounds whose last run failed, and why.
    failed: Mutex<HashMap<String, String>>,
}

/// The round running, those waiting, whether the worker taking them in turn is on.
#[derive(Default)]
struct Queue {
    running: Option<String>,
    waiting: Vec<String>,
    worker: bool,
}

impl Queue {
    /// How many runs are ahead of a waiting round.
    fn position(&self, round: &str) -> Option<usize> {
        let busy = usize::from(self.running.is_some());
        self.waiting
            .iter()
            .position(|r| r == round)
            .map(|i| i + busy)
    }
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
        if let Ok(q) = self.queue.lock() {
            if q.running.as_deref() == Some(round) {
                return State::Running;
            }
            if let Some(ahead) = q.position(round) {
                return State::Queued(ahead);
            }
        }
        match self.failed.lock().ok().and_then(|f| f.get(round).cloned()) {
            Some(why) => State::Failed(why),
            None => State::Idle,
        }
    }

    /// The round running, if any, and those waiting.
    pub fn snapshot(&self) -> (Option<String>, Vec<String>) {
        self.queue
            .lock()
            .map(|q| (q.running.clone(), q.waiting.clone()))
            .unwrap_or_default()
    }
}

/// Asks for a round to run; returns how many runs are ahead of it (0: it starts now).
/// Rounds run in the order asked, one at a time, taken in turn by a single worker.
pub fn enqueue(app: &Arc<App>, round: &str) -> usize {
    let Ok(mut q) = app.runner.queue.lock() else {
        return 0;
    };
    if let Some(ahead) = q.position(round) {
        return ahead;
    }
    q.waiting.push(round.to_string());
    let ahead = q.position(round).unwrap_or(0);
    let start = !std::mem::replace(&mut q.worker, true);
    drop(q);
    app.events
        .send("queued", json!({"round": round, "position": ahead}));
    if start {
        tokio::spawn(work(app.clone()));
    }
    ahead
}

/// Runs the waiting rounds in order until none is left.
async fn work(app: Arc<App>) {
    loop {
        let round = {
            let Ok(mut q) = app.runner.queue.lock() else {
                return;
            };
            if q.waiting.is_empty() {
                q.worker = false;
                return;
            }
            let round = q.waiting.remove(0);
            q.running = Some(round.clone());
            round
        };
        if let Ok(mut f) = app.runner.failed.lock() {
            f.remove(&round);
        }
        let worker = app.clone();
        let name = round.clone();
        let done = tokio::task::spawn_blocking(move || run_round(&worker, &name))
            .await
            .map_err(|_| anyhow::anyhow!("运行中断"))
            .and_then(|r| r);
        if let Ok(mut l) = app.events.live.lock() {
            *l = None;
        }
        // Failed before no longer running, so that the page never sees it idle between.
        let (event, data) = match done {
            Ok(exit) => ("finished", json!({"round": round, "exit": exit})),
            Err(e) => {
                let why = crate::errors::error_text(&e, crate::finding::Lang::Zh);
                if let Ok(mut f) = app.runner.failed.lock() {
                    f.insert(round.clone(), why.clone());
                }
                ("failed", json!({"round": round, "error": why}))
            }
        };
        if let Ok(mut q) = app.runner.queue.lock() {
            q.running = None;
        }
        app.events.send(event, data);
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
