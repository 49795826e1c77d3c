//! A run's progress as events, apart from the stages that make it: a stage begins (with
//! how many steps it has, when it knows), a step is done, the run ends. The pipeline and
//! the writers only send events; what a person sees is the sink's business — a bar on a
//! terminal (`Bar`), plain lines in a log or a pipe (`Lines`), nothing (`Silent`), and
//! the local page's live view.
//!
//! Modelled on ripgrep's `Sink`: one required method, the rest given.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One thing that happened in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A stage begins: its name as a person reads it, and its steps when known.
    Stage {
        /// The stage's name, as the console shows it.
        name: &'a str,
        /// How many steps it has, when known beforehand (for a progress bar).
        steps: Option<u64>,
    },
    /// One step of the current stage is done (a file read, an output written); `what`
    /// names it.
    Step {
        /// The step done, in words (a file's name, an output's).
        what: &'a str,
    },
    /// The run is over (its summary follows).
    Finished,
}

/// Where a run's progress goes.
///
/// ```
/// use selfbuilt::progress::{Event, Progress};
/// struct Count(std::sync::atomic::AtomicUsize);
/// impl Progress for Count {
///     fn event(&self, e: Event) {
///         if matches!(e, Event::Step { .. }) {
///             self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         }
///     }
/// }
/// let c = Count(Default::default());
/// c.stage("读取文件", Some(2));
/// c.step("平安村.xlsx");
/// c.step("团结村.xlsx");
/// assert_eq!(c.0.load(std::sync::atomic::Ordering::Relaxed), 2);
/// ```
pub trait Progress: Send + Sync {
    /// Take one event. Called from any thread; must be quick.
    fn event(&self, e: Event);

    /// A stage begins.
    fn stage(&self, name: &str, steps: Option<u64>) {
        self.event(Event::Stage { name, steps });
    }
    /// A step of the current stage is done.
    fn step(&self, what: &str) {
        self.event(Event::Step { what });
    }
    /// The run is over.
    fn finished(&self) {
        self.event(Event::Finished);
    }
}

/// No progress shown (`--quiet`, tests, a library caller).
#[derive(Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _: Event) {}
}

/// A bar on a terminal: the stage's name, its steps done of all, the last step's name.
pub struct Bar {
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl Bar {
    /// A bar drawn on standard error.
    pub fn new() -> Bar {
        Bar {
            bar: Mutex::new(None),
        }
    }
}

impl Default for Bar {
    fn default() -> Self {
        Bar::new()
    }
}

impl Progress for Bar {
    fn event(&self, e: Event) {
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        match e {
            Event::Stage { name, steps } => {
                if let Some(b) = slot.take() {
                    b.finish_and_clear();
                }
                let b = match steps {
                    Some(n) => {
                        let b = indicatif::ProgressBar::new(n);
                        b.set_style(
                            indicatif::ProgressStyle::with_template(
                                "{prefix} [{bar:30}] {pos}/{len} {msg}",
                            )
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                        );
                        b
                    }
                    None => {
                        let b = indicatif::ProgressBar::new_spinner();
                        b.set_style(
                            indicatif::ProgressStyle::with_template("{spinner} {prefix}……")
                                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                        );
                        b.enable_steady_tick(Duration::from_millis(120));
                        b
                    }
                };
                b.set_prefix(name.to_string());
                *slot = Some(b);
            }
            Event::Step { what } => {
                if let Some(b) = slot.as_ref() {
                    b.set_message(what.to_string());
                    b.inc(1);
                }
            }
            Event::Finished => {
                if let Some(b) = slot.take() {
                    b.finish_and_clear();
                }
            }
        }
    }
}

/// Plain lines, for standard error that is a log or a pipe: each stage as it begins, and
/// within a long stage how far it is every few seconds (never one line per file).
pub struct Lines {
    every: Duration,
    state: Mutex<LineState>,
    done: AtomicU64,
}

struct LineState {
    name: String,
    steps: Option<u64>,
    last: Instant,
}

impl Lines {
    /// Lines on standard error, a stage's count said at most every `every`.
    pub fn new(every: Duration) -> Lines {
        Lines {
            every,
            state: Mutex::new(LineState {
                name: String::new(),
                steps: None,
                last: Instant::now(),
            }),
            done: AtomicU64::new(0),
        }
    }
}

impl Progress for Lines {
    fn event(&self, e: Event) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        match e {
            Event::Stage { name, steps } => {
                self.done.store(0, Ordering::Relaxed);
                st.name = name.to_string();
                st.steps = steps;
                st.last = Instant::now();
                match steps {
                    Some(n) => eprintln!("{name}：共 {n} 个"),
                    None => eprintln!("{name}……"),
                }
            }
            Event::Step { .. } => {
                let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
                if st.last.elapsed() >= self.every {
                    st.last = Instant::now();
                    match st.steps {
                        Some(n) => eprintln!("{}：{done}/{n}", st.name),
                        None => eprintln!("{}：{done}", st.name),
                    }
                }
            }
            Event::Finished => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_each_stage_and_never_a_line_per_step() {
        // Steps within `every` of the stage's start say nothing more.
        let l = Lines::new(Duration::from_secs(3600));
        l.stage("读取文件", Some(3));
        for f in ["a", "b", "c"] {
            l.step(f);
        }
        assert_eq!(l.done.load(Ordering::Relaxed), 3);
        l.stage("写出结果", None);
        assert_eq!(l.done.load(Ordering::Relaxed), 0);
        assert_eq!(l.state.lock().unwrap().name, "写出结果");
    }
}
