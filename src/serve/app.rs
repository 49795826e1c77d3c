//! The server's state (`App`): the workspace, how rounds run (`Engine`: the schemas and
//! limits the command line would be given), who may ask (`Access`), the live progress,
//! the queue, the finished rounds' views.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use tokio::sync::watch;

use super::{events, upload, view, workspace};

use crate::finding::Lang;
use crate::options::Options;
use crate::schema::Schemas;

/// How rounds are run: the schemas and limits the command line would be given.
#[derive(Clone)]
pub struct Engine {
    /// `--schemas`.
    pub schemas: Option<PathBuf>,
    /// `--campaign`.
    pub campaign: Option<String>,
    /// `--lang`.
    pub lang: Lang,
    /// `--max-side-mb`.
    pub max_side_mb: u64,
    /// The read limits.
    pub limits: crate::read::Limits,
    /// How files are read (contained child processes, as `run` does).
    pub isolate: Option<crate::read::isolate::Isolation>,
    /// `--as-of`: the day taken as today (else the day a round runs).
    pub as_of: Option<NaiveDate>,
    /// The read limits given that differ from the defaults, as `run`'s flags.
    pub limit_words: Vec<String>,
    /// `--county` and `--township`, given to every round.
    pub place: crate::model::Place,
}

impl Engine {
    /// The schemas with the workspace's confirmed wordings, as `--aliases` gives them.
    pub fn schemas(&self, aliases: &[PathBuf]) -> anyhow::Result<Schemas> {
        let schemas = Schemas::load(self.schemas.as_deref(), self.campaign.as_deref())
            .map_err(|e| anyhow::anyhow!("规则文件有误：{e}"))?
            .with_overlays(aliases, self.max_side_mb)
            .map_err(|e| {
                anyhow::anyhow!(
                    "确认过的写法（{}）有误，请在“确认写法”里撤销有问题的一条，或用文本编辑器改正：{e}",
                    super::workspace::ALIASES
                )
            })?;
        crate::rules::cross::CrossRules::compile(&schemas)
            .map_err(|e| anyhow::anyhow!("规则文件有误：{}：{e}", schemas.campaign_file))?;
        Ok(schemas)
    }

    /// A round's options.
    pub fn options(&self, schemas: Schemas) -> Options {
        Options {
            limits: self.limits,
            today: self
                .as_of
                .unwrap_or_else(|| chrono::Local::now().date_naive()),
            isolate: self.isolate.clone(),
            place: self.place.clone(),
            ..Options::new(schemas)
        }
    }

    /// The options before `run` in the equivalent command line.
    pub fn global_words(&self) -> Vec<String> {
        let mut words = Vec::new();
        if let Some(dir) = &self.schemas {
            words.extend(["--schemas".into(), dir.display().to_string()]);
        }
        if let Some(c) = &self.campaign {
            words.extend(["--campaign".into(), c.clone()]);
        }
        if self.lang == Lang::En {
            words.extend(["--lang".into(), "en".into()]);
        }
        words
    }

    /// The options after `run`'s own in the equivalent command line.
    pub fn tail_words(&self) -> Vec<String> {
        let mut words: Vec<String> = self
            .as_of
            .map(|d| vec!["--as-of".into(), d.format("%Y-%m-%d").to_string()])
            .unwrap_or_default();
        for (flag, value) in [
            ("--county", &self.place.county),
            ("--township", &self.place.township),
        ] {
            if let Some(v) = value {
                words.extend([flag.to_string(), v.clone()]);
            }
        }
        words.extend(self.limit_words.iter().cloned());
        words
    }
}

/// Who may use the page.
#[derive(Debug, Clone)]
pub struct Access {
    /// The address the server listens on.
    pub addr: SocketAddr,
    /// The token asked of every request when it listens beyond this computer.
    pub token: Option<String>,
}

/// The server's state.
pub struct App {
    /// The workspace.
    pub ws: workspace::Workspace,
    /// The campaign's key (what `--campaign` is given).
    pub campaign: String,
    /// The campaign's name, as the page titles it.
    pub campaign_name: String,
    /// The name of the campaign's main table (房屋信息), as the page counts rows.
    pub main_label: String,
    /// The name of the campaign's roster (房屋名册), "" when it has none.
    pub roster_label: String,
    /// How rounds run.
    pub engine: Engine,
    /// Who may ask.
    pub access: Access,
    /// Upload limits.
    pub uploads: upload::UploadLimits,
    /// Live progress.
    pub events: Arc<events::Events>,
    /// The runs.
    pub runner: super::queue::Runner,
    /// Finished rounds' views, read from `页面.json` when first asked.
    pub views: Mutex<HashMap<String, Arc<view::View>>>,
    /// Held while the confirmed wordings are read, changed and written: two choices made
    /// at once both stay.
    pub words: tokio::sync::Mutex<()>,
    /// Flipped to true when the server stops: open event streams end.
    pub stop: watch::Sender<bool>,
}

impl App {
    /// A round's view (after its first run), from memory or its `页面.json`.
    pub fn view(&self, round: &str) -> Option<Arc<view::View>> {
        if !self.ws.has_results(round) {
            // A round deleted and made again, or results removed by hand: nothing to show.
            self.views.lock().ok()?.remove(round);
            return None;
        }
        if let Some(v) = self.views.lock().ok()?.get(round) {
            return Some(v.clone());
        }
        let text = std::fs::read(self.ws.root.join(round).join(workspace::VIEW)).ok()?;
        let v: Arc<view::View> = Arc::new(serde_json::from_slice(&text).ok()?);
        self.views.lock().ok()?.insert(round.to_string(), v.clone());
        Some(v)
    }

    /// Why a round's results on the page are no longer its results (its files, roster,
    /// confirmed wordings, settings or previous round changed since, or its results folder
    /// was written by something else or not finished), None when they are.
    pub fn stale(&self, round: &str) -> Option<String> {
        let v = self.view(round)?;
        let now = self.ws.fingerprint(round);
        let changed: Vec<&str> = now
            .iter()
            .filter(|(k, x)| v.made_from.get(*k) != Some(*x))
            .map(|(k, _)| k.as_str())
            .collect();
        (!changed.is_empty()).then(|| format!("{}变了", changed.join("、")))
    }

    /// Keeps a round's new view.
    pub fn set_view(&self, round: &str, v: view::View) {
        if let Ok(mut views) = self.views.lock() {
            views.insert(round.to_string(), Arc::new(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(place: crate::model::Place) -> Engine {
        Engine {
            schemas: None,
            campaign: None,
            lang: Lang::Zh,
            max_side_mb: 1024,
            limits: crate::read::Limits::default(),
            isolate: None,
            as_of: NaiveDate::from_ymd_opt(2026, 12, 1),
            limit_words: vec!["--max-cells".into(), "100".into()],
            place,
        }
    }

    /// The place `serve` is given goes to every round, and into the command it shows.
    #[test]
    fn the_place_goes_into_each_rounds_options_and_command() {
        let e = engine(crate::model::Place {
            county: Some("某县".into()),
            township: Some("长塘镇".into()),
        });
        assert_eq!(
            e.tail_words(),
            [
                "--as-of",
                "2026-12-01",
                "--county",
                "某县",
                "--township",
                "长塘镇",
                "--max-cells",
                "100"
            ]
        );
        let opts = e.options(Schemas::shipped().unwrap());
        assert_eq!(opts.place.township.as_deref(), Some("长塘镇"));
        let none = engine(crate::model::Place::default());
        assert_eq!(
            none.tail_words(),
            ["--as-of", "2026-12-01", "--max-cells", "100"]
        );
    }
}
