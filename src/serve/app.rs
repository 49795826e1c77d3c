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
}

impl Engine {
    /// The schemas with the workspace's confirmed wordings, as `--aliases` gives them.
    pub fn schemas(&self, aliases: &[PathBuf]) -> anyhow::Result<Schemas> {
        let schemas = Schemas::load(self.schemas.as_deref(), self.campaign.as_deref())
            .and_then(|s| s.with_overlays(aliases, self.max_side_mb))
            .map_err(|e| anyhow::anyhow!("规则文件有误：{e}"))?;
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
        words
    }

    /// The options after `run`'s own in the equivalent command line.
    pub fn tail_words(&self) -> Vec<String> {
        self.as_of
            .map(|d| vec!["--as-of".into(), d.format("%Y-%m-%d").to_string()])
            .unwrap_or_default()
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
    /// Flipped to true when the server stops: open event streams end.
    pub stop: watch::Sender<bool>,
}

impl App {
    /// A round's view (after its first run), from memory or its `页面.json`.
    pub fn view(&self, round: &str) -> Option<Arc<view::View>> {
        if let Some(v) = self.views.lock().ok()?.get(round) {
            return Some(v.clone());
        }
        let text = std::fs::read(self.ws.root.join(round).join(workspace::VIEW)).ok()?;
        let v: Arc<view::View> = Arc::new(serde_json::from_slice(&text).ok()?);
        self.views.lock().ok()?.insert(round.to_string(), v.clone());
        Some(v)
    }

    /// Keeps a round's new view.
    pub fn set_view(&self, round: &str, v: view::View) {
        if let Ok(mut views) = self.views.lock() {
            views.insert(round.to_string(), Arc::new(v));
        }
    }
}
