//! The rounds waiting and the round running, one workspace at a time: a round is
//! always in exactly one place (waiting, running, or neither), in the order asked; and
//! why a round's last run failed.

use std::collections::HashMap;
use std::sync::Mutex;

/// The queue and what became of the last runs.
#[derive(Default)]
pub struct Runner {
    /// The round running and those waiting, under one lock so that a round is always in
    /// exactly one place.
    queue: Mutex<Queue>,
    /// Rounds whose last run failed, and why.
    failed: Mutex<HashMap<String, String>>,
    /// Uploads in progress, per round: a round is not run while its files arrive.
    uploading: Mutex<HashMap<String, usize>>,
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

    /// Whether any round runs or waits (the roster is not changed meanwhile).
    pub fn busy(&self) -> bool {
        self.queue
            .lock()
            .is_ok_and(|q| q.running.is_some() || !q.waiting.is_empty())
    }

    /// An upload into a round begins.
    pub fn upload_started(&self, round: &str) {
        if let Ok(mut u) = self.uploading.lock() {
            *u.entry(round.to_string()).or_default() += 1;
        }
    }

    /// An upload into a round is over (saved, refused or broken off).
    pub fn upload_ended(&self, round: &str) {
        if let Ok(mut u) = self.uploading.lock() {
            if let Some(n) = u.get_mut(round) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    u.remove(round);
                }
            }
        }
    }

    /// Whether files are arriving in a round.
    pub fn uploading(&self, round: &str) -> bool {
        self.uploading.lock().is_ok_and(|u| u.contains_key(round))
    }

    /// Puts a round in the queue (once): how many runs are ahead of it, and whether a
    /// worker must be started to take the queue in turn.
    pub fn ask(&self, round: &str) -> (usize, bool) {
        let Ok(mut q) = self.queue.lock() else {
            return (0, false);
        };
        if let Some(ahead) = q.position(round) {
            return (ahead, false);
        }
        q.waiting.push(round.to_string());
        let ahead = q.position(round).unwrap_or(0);
        (ahead, !std::mem::replace(&mut q.worker, true))
    }

    /// The next round to run, now running; None when none waits (the worker stops).
    pub fn next(&self) -> Option<String> {
        let mut q = self.queue.lock().ok()?;
        if q.waiting.is_empty() {
            q.worker = false;
            return None;
        }
        let round = q.waiting.remove(0);
        q.running = Some(round.clone());
        if let Ok(mut f) = self.failed.lock() {
            f.remove(&round);
        }
        Some(round)
    }

    /// The running round is over: failed (why), or not.
    pub fn done(&self, failed: Option<(&str, String)>) {
        // Failed before no longer running, so that the page never sees it idle between.
        if let Some((round, why)) = failed {
            if let Ok(mut f) = self.failed.lock() {
                f.insert(round.to_string(), why);
            }
        }
        if let Ok(mut q) = self.queue.lock() {
            q.running = None;
        }
    }
}
