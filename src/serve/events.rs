//! The page's live view of runs: what happens is broadcast as named events with JSON data
//! (`queued`, `stage`, `step`, `finished`, `failed`), and `/api/events` streams them to
//! each open page as server-sent events after a `snapshot` of where things stand. A run's
//! progress reaches the broadcast through `PageProgress`, the `Progress` sink of the
//! page.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};

use crate::progress::{Event, Progress};

/// One event: its name and its data.
pub type Sent = Arc<(&'static str, Value)>;

/// Where the running round stands.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Live {
    /// The round running.
    pub round: String,
    /// Its current stage.
    pub stage: String,
    /// Steps of the stage done.
    pub done: u64,
    /// Steps of the stage, when known.
    pub steps: Option<u64>,
}

/// The broadcast of events and the running round's place.
pub struct Events {
    tx: broadcast::Sender<Sent>,
    /// The running round, None when none runs.
    pub live: Mutex<Option<Live>>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    /// No one listening yet.
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
            live: Mutex::new(None),
        }
    }

    /// Tells every open page (none listening is fine).
    pub fn send(&self, name: &'static str, data: Value) {
        let _ = self.tx.send(Arc::new((name, data)));
    }

    /// The running round's place, when one runs.
    pub fn live(&self) -> Option<Live> {
        self.live.lock().ok().and_then(|l| l.clone())
    }

    fn set_live(&self, f: impl FnOnce(&mut Option<Live>)) {
        if let Ok(mut l) = self.live.lock() {
            f(&mut l);
        }
    }

    /// A listener's stream: `snapshot` first, then every event, ending when `stop` turns
    /// true (so that a page left open never holds the server's shutdown).
    pub fn stream(
        &self,
        snapshot: Value,
        stop: watch::Receiver<bool>,
    ) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
        let rx = self.tx.subscribe();
        let first = stream::once(async move { Arc::new(("snapshot", snapshot)) });
        let rest = stream::unfold(rx, |mut rx| async move {
            match rx.recv().await {
                Ok(sent) => Some((sent, rx)),
                // A slow page missed some: it is told to look again.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    Some((Arc::new(("lagged", json!({}))), rx))
                }
                Err(broadcast::error::RecvError::Closed) => None,
            }
        });
        let mut stop = stop;
        let ended = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        let events = first
            .chain(rest)
            .take_until(Box::pin(ended))
            .map(|sent| Ok(SseEvent::default().event(sent.0).data(sent.1.to_string())));
        Sse::new(events).keep_alive(KeepAlive::default())
    }
}

/// A run's progress, sent to the page.
pub struct PageProgress {
    /// The round running.
    pub round: String,
    /// Where it is sent.
    pub events: Arc<Events>,
}

impl Progress for PageProgress {
    fn event(&self, e: Event) {
        let round = self.round.clone();
        match e {
            Event::Stage { name, steps } => {
                self.events.set_live(|l| {
                    *l = Some(Live {
                        round: round.clone(),
                        stage: name.to_string(),
                        done: 0,
                        steps,
                    });
                });
                self.events.send(
                    "stage",
                    json!({"round": round, "name": name, "steps": steps}),
                );
            }
            Event::Step { what } => {
                let mut at = (0, None);
                self.events.set_live(|l| {
                    if let Some(l) = l {
                        l.done += 1;
                        at = (l.done, l.steps);
                    }
                });
                self.events.send(
                    "step",
                    json!({"round": round, "what": what, "done": at.0, "steps": at.1}),
                );
            }
            // The runner says when the round is done, with its exit status.
            Event::Finished => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_broadcast_and_counted() {
        let events = Arc::new(Events::new());
        let mut rx = events.tx.subscribe();
        let p = PageProgress {
            round: "第一轮".into(),
            events: events.clone(),
        };
        p.stage("读取文件", Some(2));
        p.step("上林村.xlsx");
        let live = events.live().unwrap();
        assert_eq!(
            (live.stage.as_str(), live.done, live.steps),
            ("读取文件", 1, Some(2))
        );
        let first = rx.try_recv().unwrap();
        assert_eq!(first.0, "stage");
        let second = rx.try_recv().unwrap();
        assert_eq!(second.1["what"], "上林村.xlsx");
        assert_eq!(second.1["done"], 1);
    }
}
