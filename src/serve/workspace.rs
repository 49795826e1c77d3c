//! The township's desk on disk: one folder per round (`第一轮/收件/` the villages' files as
//! sent, `第一轮/结果/` exactly what `run` writes, `第一轮/轮次.toml` its deadline and the
//! round it follows), the confirmed wordings (`本镇写法.toml`, the `--aliases` format), the
//! roster (`房屋名册/`). The command line reads the same folder: each round's equivalent
//! command is given (`Workspace::command`).
//!
//! Every path built from a request goes through `inside`, which refuses anything that
//! could leave the folder it is joined to.

use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The confirmed wordings, in the `--aliases` format.
pub const ALIASES: &str = "本镇写法.toml";
/// What the page keeps besides: the wordings answered “都不是”.
pub const DESK: &str = "工作区.toml";
/// The roster's folder (it holds at most one file).
pub const ROSTER: &str = "房屋名册";
/// A round's folder of the villages' files as sent.
pub const INBOX: &str = "收件";
/// A round's output folder (`run --out`).
pub const RESULTS: &str = "结果";
/// A round's settings.
pub const ROUND_FILE: &str = "轮次.toml";
/// A round's view for the page, written after each run (outside `结果/`).
pub const VIEW: &str = "页面.json";

/// A round's settings (`轮次.toml`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoundSettings {
    /// When villages are to send their corrections by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    /// The round this one follows ("" for none): its results are `--previous`.
    #[serde(default)]
    pub previous: String,
}

/// A workspace folder.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Its folder.
    pub root: PathBuf,
}

/// What a round's results were made from, part by part (each part's files with their
/// sizes and times, as one line): results whose parts no longer match are not the
/// round's results any more.
pub type Fingerprint = std::collections::BTreeMap<String, String>;

/// The fingerprint's part that is the round's own results.
pub const RESULTS_PART: &str = "结果文件夹";

/// Chinese numerals for round names.
const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// The name of round `n` (1–99): 第一轮, 第十轮, 第十二轮, 第二十轮 …
///
/// ```
/// assert_eq!(selfbuilt::serve::workspace::round_name(12), "第十二轮");
/// ```
pub fn round_name(n: u32) -> String {
    let tens = n / 10;
    let ones = (n % 10) as usize;
    let mut s = String::from("第");
    if tens > 1 {
        s.push_str(DIGITS[tens as usize % 10]);
    }
    if tens > 0 {
        s.push('十');
    }
    if ones > 0 || tens == 0 {
        s.push_str(DIGITS[ones]);
    }
    s.push('轮');
    s
}

/// The number of a round's name, None when it is not one (1–99).
pub fn round_number(name: &str) -> Option<u32> {
    (1..100).find(|n| round_name(*n) == name)
}

/// `rel` joined to `base` when it stays inside: its parts only plain names (no `..`, no
/// root, no drive, no empty part), none of them a control character, each at most 255
/// bytes; and no part on the way is a symbolic link.
pub fn inside(base: &Path, rel: &str) -> Result<PathBuf> {
    let parts: Vec<&str> = rel.split(['/', '\\']).collect();
    if rel.is_empty() || parts.iter().any(|p| p.is_empty()) {
        bail!("名称为空或含空的部分");
    }
    let mut path = base.to_path_buf();
    for part in parts {
        let mut comps = Path::new(part).components();
        let plain = matches!(comps.next(), Some(Component::Normal(_))) && comps.next().is_none();
        if !plain || part.contains(':') || part.chars().any(char::is_control) {
            bail!("名称“{part}”不是普通的文件名");
        }
        if part.len() > 255 {
            bail!("名称太长");
        }
        path.push(part);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            bail!("“{part}”是一个链接，不能使用");
        }
    }
    Ok(path)
}

impl Workspace {
    /// Opens (creating when needed) the workspace folder.
    pub fn open(root: &Path) -> Result<Self> {
        std::fs::create_dir_all(root)
            .with_context(|| format!("无法创建工作区文件夹 {}", root.display()))?;
        let root = root
            .canonicalize()
            .with_context(|| format!("无法打开工作区文件夹 {}", root.display()))?;
        Ok(Self { root })
    }

    /// The rounds, in order.
    pub fn rounds(&self) -> Vec<String> {
        let mut found: Vec<u32> = std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .filter_map(|e| round_number(e.file_name().to_str()?))
            .collect();
        found.sort_unstable();
        found.into_iter().map(round_name).collect()
    }

    /// A round's folder, when it is a round's name and exists.
    pub fn round_dir(&self, name: &str) -> Result<PathBuf> {
        let dir = self.root.join(name);
        if round_number(name).is_none() || !dir.is_dir() {
            bail!("没有“{name}”这一轮");
        }
        Ok(dir)
    }

    /// A round's inbox (created when missing).
    pub fn inbox(&self, round: &str) -> Result<PathBuf> {
        let dir = self.round_dir(round)?.join(INBOX);
        std::fs::create_dir_all(&dir).with_context(|| format!("无法创建 {}", dir.display()))?;
        Ok(dir)
    }

    /// A round's output folder.
    pub fn results(&self, round: &str) -> Result<PathBuf> {
        Ok(self.round_dir(round)?.join(RESULTS))
    }

    /// Whether a round has finished results (its summary.json, moved in last).
    pub fn has_results(&self, round: &str) -> bool {
        self.root
            .join(round)
            .join(RESULTS)
            .join("summary.json")
            .is_file()
    }

    /// A round's settings (defaults when its file is missing or unreadable).
    pub fn settings(&self, round: &str) -> RoundSettings {
        std::fs::read_to_string(self.root.join(round).join(ROUND_FILE))
            .ok()
            .and_then(|t| toml::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Writes a round's settings.
    pub fn set_settings(&self, round: &str, settings: &RoundSettings) -> Result<()> {
        let text = toml::to_string(settings)?;
        write_file(&self.round_dir(round)?.join(ROUND_FILE), text.as_bytes())
    }

    /// Starts the next round: it follows the latest round that has results.
    pub fn new_round(&self, deadline: Option<NaiveDate>) -> Result<String> {
        let rounds = self.rounds();
        let next = rounds
            .last()
            .and_then(|r| round_number(r))
            .map_or(1, |n| n + 1);
        if next > 99 {
            bail!("最多 99 轮");
        }
        let previous = rounds
            .iter()
            .rev()
            .find(|r| self.has_results(r))
            .cloned()
            .unwrap_or_default();
        let name = round_name(next);
        std::fs::create_dir_all(self.root.join(&name).join(INBOX))
            .with_context(|| format!("无法创建 {name}"))?;
        self.set_settings(&name, &RoundSettings { deadline, previous })?;
        Ok(name)
    }

    /// The roster file, when there is one.
    pub fn roster(&self) -> Option<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.root.join(ROSTER))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && !is_hidden(p))
            .collect();
        files.sort();
        files.into_iter().next()
    }

    /// The confirmed wordings' file (it may not exist yet).
    pub fn aliases(&self) -> PathBuf {
        self.root.join(ALIASES)
    }

    /// The files of a round's inbox: (path relative to it with `/`, bytes), sorted.
    pub fn files(&self, round: &str) -> Vec<(String, u64)> {
        let base = self.root.join(round).join(INBOX);
        let mut found = Vec::new();
        walk(&base, &base, true, &mut found);
        let mut files: Vec<(String, u64)> = found.into_iter().map(|(r, _, n)| (r, n)).collect();
        files.sort();
        files
    }

    /// What a round's results are made from now: its files, the roster, the confirmed
    /// wordings, its settings, the previous round's results; and its own results.
    pub fn fingerprint(&self, round: &str) -> Fingerprint {
        let stamp = |p: &Path| -> String {
            std::fs::metadata(p).map_or_else(
                |_| "-".into(),
                |m| {
                    let t = m
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_nanos());
                    format!("{}@{t}", m.len())
                },
            )
        };
        let inbox = self.root.join(round).join(INBOX);
        let files: Vec<String> = self
            .files(round)
            .into_iter()
            .map(|(name, _)| {
                format!(
                    "{name}={}",
                    stamp(&inside(&inbox, &name).unwrap_or_default())
                )
            })
            .collect();
        let settings = self.settings(round);
        let previous = Some(&settings.previous)
            .filter(|p| !p.is_empty())
            .map_or_else(String::new, |p| {
                stamp(&self.root.join(p).join(RESULTS).join("summary.json"))
            });
        let roster = self.roster().map_or_else(String::new, |r| {
            format!(
                "{}={}",
                r.file_name().unwrap_or_default().to_string_lossy(),
                stamp(&r)
            )
        });
        let results = self.root.join(round).join(RESULTS);
        let interrupted = crate::outdir::was_interrupted(&results);
        [
            ("收件的文件", files.join("\n")),
            (ROSTER, roster),
            ("确认过的写法", stamp(&self.aliases())),
            (
                "期限或对比的轮次",
                toml::to_string(&settings).unwrap_or_default(),
            ),
            ("上一轮的结果", previous),
            (
                RESULTS_PART,
                format!(
                    "{}{}",
                    stamp(&results.join("summary.json")),
                    if interrupted { "!" } else { "" }
                ),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// The equivalent command line of a round, run inside the workspace folder: `global`
    /// options go before `run` (`--schemas`, `--campaign`), `tail` after its own
    /// (`--as-of`).
    pub fn command(&self, round: &str, global: &[String], tail: &[String]) -> String {
        let settings = self.settings(round);
        let mut words: Vec<String> = vec!["selfbuilt".into()];
        words.extend(global.iter().cloned());
        if self.aliases().is_file() {
            words.extend(["--aliases".into(), ALIASES.into()]);
        }
        words.extend([
            "run".into(),
            format!("{round}/{INBOX}"),
            "--out".into(),
            format!("{round}/{RESULTS}"),
        ]);
        if !settings.previous.is_empty() && self.has_results(&settings.previous) {
            words.extend([
                "--previous".into(),
                format!("{}/{RESULTS}", settings.previous),
            ]);
        }
        if let Some(roster) = self.roster() {
            let name = roster.file_name().map(|n| n.to_string_lossy().into_owned());
            words.extend([
                "--roster".into(),
                format!("{ROSTER}/{}", name.unwrap_or_default()),
            ]);
        }
        if let Some(day) = settings.deadline {
            words.extend(["--deadline".into(), day.format("%Y-%m-%d").to_string()]);
        }
        words.extend(tail.iter().cloned());
        words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
    }
}

/// A word of a command line, quoted for a shell when it needs it.
fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| !c.is_ascii() || c.is_ascii_alphanumeric() || "-_./=:".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A name starting with a dot (the tools' own scratch and lock files).
fn is_hidden(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// Every regular file under `dir` (links not followed, hidden names skipped when asked):
/// its path relative to `base` with `/`, its path, its size.
pub fn walk(base: &Path, dir: &Path, skip_hidden: bool, found: &mut Vec<(String, PathBuf, u64)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if skip_hidden && is_hidden(&path) {
            continue;
        }
        if meta.is_dir() {
            walk(base, &path, skip_hidden, found);
        } else if meta.is_file() {
            if let Ok(rel) = path.strip_prefix(base) {
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push((rel, path, meta.len()));
            }
        }
    }
}

/// Writes a file atomically (a temporary file beside it, then renamed).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| anyhow!("{} 没有上级文件夹", path.display()))?;
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建 {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("无法在 {} 写文件", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.persist(path)
        .map_err(|e| anyhow!("无法写入 {}（{}）", path.display(), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_are_named_in_chinese_numerals_and_read_back() {
        let names: Vec<String> = [1, 2, 9, 10, 11, 20, 21, 99].map(round_name).to_vec();
        assert_eq!(
            names,
            [
                "第一轮",
                "第二轮",
                "第九轮",
                "第十轮",
                "第十一轮",
                "第二十轮",
                "第二十一轮",
                "第九十九轮"
            ]
        );
        for n in 1..100 {
            assert_eq!(round_number(&round_name(n)), Some(n));
        }
        assert_eq!(round_number("第零轮"), None);
        assert_eq!(round_number("../第一轮"), None);
    }

    #[test]
    fn names_that_could_leave_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        for bad in [
            "../x.xlsx",
            "a/../../x.xlsx",
            "/etc/x.xlsx",
            "C:\\x.xlsx",
            "C:x.xlsx",
            "\\\\host\\share\\x.xlsx",
            "a//b.xlsx",
            "",
            ".",
            "a/./b",
            "a\u{0}b",
            "a\nb.xlsx",
        ] {
            assert!(inside(base, bad).is_err(), "{bad:?} was let through");
        }
        assert_eq!(
            inside(base, "上林村/房屋.xlsx").unwrap(),
            base.join("上林村").join("房屋.xlsx")
        );
        assert!(inside(base, &"长".repeat(90)).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_on_the_way_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/tmp", dir.path().join("out")).unwrap();
        assert!(inside(dir.path(), "out/x.xlsx").is_err());
    }

    #[test]
    fn a_new_round_follows_the_latest_round_with_results() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        assert_eq!(ws.new_round(None).unwrap(), "第一轮");
        assert_eq!(ws.settings("第一轮").previous, "");
        std::fs::create_dir_all(ws.root.join("第一轮/结果")).unwrap();
        std::fs::write(ws.root.join("第一轮/结果/summary.json"), "{}").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 15);
        assert_eq!(ws.new_round(day).unwrap(), "第二轮");
        let s = ws.settings("第二轮");
        assert_eq!((s.previous.as_str(), s.deadline), ("第一轮", day));
        assert_eq!(
            ws.command("第二轮", &[], &[]),
            "selfbuilt run 第二轮/收件 --out 第二轮/结果 --previous 第一轮/结果 --deadline 2026-12-15"
        );
        assert_eq!(ws.rounds(), ["第一轮", "第二轮"]);
    }
}
