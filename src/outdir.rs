//! The output folder of `run`: refused when it is, holds or lies inside an input; locked
//! against a second concurrent run; written in a staging folder inside it and moved into
//! place at the end, so that it never mixes two runs and a run stopped half-way (kill -9,
//! a full disk) leaves a marker that says so instead of a folder that looks finished.
//!
//! Layout inside `--out` while a run works: `.selfbuilt.lock` (the run's pid),
//! `.selfbuilt-staging/` (the new outputs), and during the final moves
//! `.selfbuilt-incomplete` and `.selfbuilt-previous/` (the last run's outputs, moved back
//! if any move fails). Afterwards `.selfbuilt-manifest` lists what the run wrote, so
//! that the next run replaces exactly those and nothing of the user's. The names the
//! outputs take are the writers' (`output::names`), handed in by the caller: this module
//! knows no output by name.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};

const LOCK: &str = ".selfbuilt.lock";
const STAGING: &str = ".selfbuilt-staging";
const INCOMPLETE: &str = ".selfbuilt-incomplete";
const MANIFEST: &str = ".selfbuilt-manifest";
const PREVIOUS: &str = ".selfbuilt-previous";

/// A path made absolute and free of `.`/`..`, with symlinks resolved as far as it exists.
pub fn resolved(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    // The longest existing ancestor is canonicalised; the rest is appended as written.
    let mut existing = abs.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(n), Some(parent)) => {
                rest.push(n);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    for n in rest.into_iter().rev() {
        match Path::new(&n).components().next() {
            Some(Component::ParentDir) => {
                out.pop();
            }
            Some(Component::CurDir) | None => {}
            _ => out.push(n),
        }
    }
    out
}

/// Refuse an output folder that is an input, holds one, or lies inside one.
pub fn check_against_inputs(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    check_folder_against_inputs("--out", out, inputs)
}

/// `check_against_inputs` for the folder given by `flag` (`--out`, `--parquet`).
pub fn check_folder_against_inputs(flag: &str, out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let o = resolved(out);
    for i in inputs {
        let r = resolved(i);
        let shown = crate::read::walk::show(i);
        if o == r {
            bail!("输出文件夹 {flag} 不能就是输入 {shown}（会覆盖村里的原表）/ {flag} must not be the input {shown}");
        }
        if r.starts_with(&o) {
            bail!("输入 {shown} 在输出文件夹 {flag} 里面：输出会覆盖或混入原表，请另选一个空文件夹作 {flag} / the input {shown} lies inside {flag}; choose another folder");
        }
        if o.starts_with(&r) && r.is_dir() {
            bail!("输出文件夹 {flag} 在输入文件夹 {shown} 里面：下次运行会把结果当成村里的表读进来，请把 {flag} 放到输入文件夹之外 / {flag} lies inside the input folder {shown}; put it outside");
        }
    }
    Ok(())
}

/// Refuses a folder (`flag`) for copies of the outputs that lies in `own`, a folder of
/// `--out` every run replaces whole (`parquet/`): the next run would delete the copies.
pub fn check_not_replaced(flag: &str, dir: &Path, own: &Path) -> Result<()> {
    if resolved(dir).starts_with(resolved(own)) {
        bail!(
            "{flag} {} 在输出文件夹的 {} 里面：每次运行都会整体替换它，复制过去的文件会被删掉；请另选一个文件夹 / {flag} lies inside {}, which every run replaces whole; choose another folder",
            dir.display(),
            own.display(),
            own.display()
        );
    }
    Ok(())
}

/// The run's hold on `--out`; released (the lock file removed) when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

/// Whether the process `pid` is running (always true where that cannot be asked).
pub fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: signal 0 only asks whether the process exists.
        unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

impl Lock {
    /// Take the lock of `out` (which exists), or say which run holds it.
    pub fn take(out: &Path) -> Result<Lock> {
        let path = out.join(LOCK);
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if pid != std::process::id() && alive(pid) => bail!(
                            "另一个 selfbuilt（进程 {pid}）正在写入输出文件夹 {}，请等它结束或换一个 --out / another selfbuilt run (pid {pid}) is writing {}",
                            out.display(),
                            out.display()
                        ),
                        // Left by a run that was stopped: take it over.
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!(
                            "无法在输出文件夹 {} 中写入（权限或磁盘问题）",
                            out.display()
                        )
                    })
                }
            }
        }
        bail!("无法锁定输出文件夹 {}", out.display())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A fresh staging folder inside `out` (a previous one, left by a stopped run, removed).
pub fn staging(out: &Path) -> Result<PathBuf> {
    let s = out.join(STAGING);
    if s.exists() {
        std::fs::remove_dir_all(&s)
            .with_context(|| format!("无法清理上次未完成的临时文件夹 {}", s.display()))?;
    }
    std::fs::create_dir_all(&s)
        .with_context(|| format!("无法创建临时文件夹 {}（权限或磁盘已满）", s.display()))?;
    Ok(s)
}

/// Was the last run into `out` stopped before it finished?
pub fn was_interrupted(out: &Path) -> bool {
    out.join(INCOMPLETE).exists()
}

fn remove(p: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p),
        Ok(_) => std::fs::remove_file(p),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// What a run writes at the top of `--out`, by the names its writers give.
#[derive(Debug, Clone, Copy)]
pub struct Outputs<'a> {
    /// Every name a run writes (those of a run before manifests are replaced by them).
    pub names: &'a [&'a str],
    /// The one moved in last: its arrival says the run is complete.
    pub last: &'a str,
}

/// Replace the previous run's outputs in `out` by the staged ones, all or nothing: the
/// marker first; the old outputs moved aside (into `.selfbuilt-previous`), the new ones
/// moved in (`outputs.last` last), the manifest written, the old ones deleted, the marker
/// off. When any move fails (a file open in another program, a locked or read-only
/// entry) every move made is undone, so the last finished run stays as it was.
pub fn promote(out: &Path, staged: &Path, outputs: Outputs) -> Result<()> {
    promote_with(out, staged, outputs, &|from, to| std::fs::rename(from, to))
}

/// `promote` with the move given (tests make one fail).
fn promote_with(
    out: &Path,
    staged: &Path,
    outputs: Outputs,
    mv: &dyn Fn(&Path, &Path) -> std::io::Result<()>,
) -> Result<()> {
    let ctx = |what: &str| {
        format!(
            "{what}（磁盘已满、无写权限或文件被其他程序占用），上次的结果保持不变：{}",
            out.display()
        )
    };
    let aside = out.join(PREVIOUS);
    remove(&aside).with_context(|| ctx("无法清理上次留下的临时文件夹"))?;
    std::fs::create_dir(&aside).with_context(|| ctx("无法写入输出文件夹"))?;
    std::fs::write(out.join(INCOMPLETE), std::process::id().to_string())
        .with_context(|| ctx("无法写入输出文件夹"))?;
    let mut new: Vec<String> = std::fs::read_dir(staged)
        .with_context(|| ctx("无法读取临时文件夹"))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // The last one's arrival says the run is complete.
    new.sort_by_key(|n| (n == outputs.last, n.clone()));
    let mut old: Vec<String> = std::fs::read_to_string(out.join(MANIFEST))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    old.extend(outputs.names.iter().map(|s| s.to_string()));
    old.extend(new.iter().cloned());
    old.sort();
    old.dedup();
    // Only plain names: a manifest cannot point outside the folder.
    old.retain(|n| is_plain_name(n) && std::fs::symlink_metadata(out.join(n)).is_ok());
    let mut moved_aside: Vec<&str> = Vec::new();
    let mut moved_in: Vec<&str> = Vec::new();
    let undo = |aside_done: &[&str], in_done: &[&str]| {
        for n in in_done {
            let _ = mv(&out.join(n), &staged.join(n));
        }
        for n in aside_done {
            let _ = mv(&aside.join(n), &out.join(n));
        }
        let _ = std::fs::remove_file(out.join(INCOMPLETE));
        let _ = remove(&aside);
    };
    for n in &old {
        if let Err(e) = mv(&out.join(n), &aside.join(n)) {
            undo(&moved_aside, &[]);
            return Err(e).with_context(|| ctx(&format!("无法替换上次的 {n}")));
        }
        moved_aside.push(n);
    }
    for n in &new {
        if let Err(e) = mv(&staged.join(n), &out.join(n)) {
            undo(&moved_aside, &moved_in);
            return Err(e).with_context(|| ctx(&format!("无法写入 {n}")));
        }
        moved_in.push(n);
    }
    std::fs::write(out.join(MANIFEST), new.join("\n") + "\n")
        .with_context(|| ctx("无法写入输出清单"))?;
    let _ = remove(&aside);
    let _ = std::fs::remove_dir_all(staged);
    std::fs::remove_file(out.join(INCOMPLETE)).with_context(|| ctx("无法完成输出"))?;
    Ok(())
}

fn is_plain_name(n: &str) -> bool {
    !n.is_empty()
        && n != "."
        && n != ".."
        && !n.contains(['/', '\\'])
        && ![LOCK, STAGING, INCOMPLETE, MANIFEST, PREVIOUS].contains(&n)
}

#[cfg(test)]
mod tests {

    #[test]
    fn copies_inside_a_folder_every_run_replaces_are_refused() {
        let out = tempfile::tempdir().unwrap();
        let own = out.path().join("parquet");
        assert!(check_not_replaced("--parquet", &own.join("hive"), &own).is_err());
        assert!(check_not_replaced("--parquet", &own, &own).is_err());
        assert!(check_not_replaced("--parquet", &out.path().join("hive"), &own).is_ok());
    }
    use super::*;

    /// Some of a run's outputs, as its writers name them.
    const OUTPUTS: Outputs = Outputs {
        names: &[
            "cleaned.xlsx",
            "errors.csv",
            "errors.xlsx",
            "tally.csv",
            "annotated",
            "summary.json",
        ],
        last: "summary.json",
    };

    #[test]
    fn out_may_not_be_hold_or_lie_inside_an_input() {
        let t = tempfile::tempdir().unwrap();
        let v = t.path().join("v");
        std::fs::create_dir(&v).unwrap();
        std::fs::write(v.join("errors.csv"), "x").unwrap();
        assert!(check_against_inputs(&v, std::slice::from_ref(&v)).is_err());
        assert!(check_against_inputs(&v, &[v.join("errors.csv")]).is_err());
        assert!(check_against_inputs(&v.join("out"), std::slice::from_ref(&v)).is_err());
        assert!(check_against_inputs(&v.join("a/../out"), std::slice::from_ref(&v)).is_err());
        assert!(check_against_inputs(&t.path().join("out"), std::slice::from_ref(&v)).is_ok());
    }

    #[test]
    fn a_second_run_is_refused_and_a_stale_lock_taken_over() {
        let t = tempfile::tempdir().unwrap();
        let l = Lock::take(t.path()).unwrap();
        // Our own pid: a lock of this process is taken over (one process, one run).
        drop(l);
        // A pid that is alive and not ours: pid 1.
        std::fs::write(t.path().join(LOCK), "1").unwrap();
        let e = Lock::take(t.path()).unwrap_err().to_string();
        assert!(e.contains("另一个 selfbuilt"), "{e}");
        // A pid that is gone.
        std::fs::write(t.path().join(LOCK), "4000000000").unwrap();
        assert!(Lock::take(t.path()).is_ok());
    }

    #[test]
    fn promotion_replaces_the_last_run_and_nothing_else() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path();
        std::fs::write(out.join("我的笔记.txt"), "keep").unwrap();
        std::fs::create_dir(out.join("annotated")).unwrap();
        std::fs::write(out.join("annotated/旧村.xlsx"), "old").unwrap();
        std::fs::write(out.join("tally.csv"), "old").unwrap();
        let s = staging(out).unwrap();
        std::fs::write(s.join("tally.csv"), "new").unwrap();
        std::fs::write(s.join("summary.json"), "{}").unwrap();
        promote(out, &s, OUTPUTS).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("tally.csv")).unwrap(),
            "new"
        );
        assert!(
            !out.join("annotated").exists(),
            "the last run's annotated copies are gone"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("我的笔记.txt")).unwrap(),
            "keep"
        );
        assert!(!was_interrupted(out));
        assert!(!out.join(STAGING).exists());
    }

    /// A move that fails half-way (a file held open by another program) undoes every
    /// move made: the last run's outputs are all there, unchanged.
    #[test]
    fn a_failed_move_leaves_the_last_run_as_it_was() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path();
        for n in ["cleaned.xlsx", "errors.csv", "errors.xlsx", "summary.json"] {
            std::fs::write(out.join(n), "old").unwrap();
        }
        std::fs::create_dir(out.join("annotated")).unwrap();
        std::fs::write(out.join("annotated/村.xlsx"), "old").unwrap();
        for fails in ["errors.xlsx", "summary.json"] {
            let s = staging(out).unwrap();
            for n in ["cleaned.xlsx", "errors.csv", "errors.xlsx", "summary.json"] {
                std::fs::write(s.join(n), "new").unwrap();
            }
            // Moving the old one aside fails, or moving the new one in does.
            let e = promote_with(out, &s, OUTPUTS, &|from, to| {
                let failing = if fails == "errors.xlsx" {
                    from == out.join(fails) && to.starts_with(out.join(PREVIOUS))
                } else {
                    from == s.join(fails)
                };
                if failing {
                    return Err(std::io::Error::other("locked"));
                }
                std::fs::rename(from, to)
            })
            .unwrap_err();
            assert!(format!("{e:#}").contains("上次的结果保持不变"), "{e:#}");
            for n in [
                "cleaned.xlsx",
                "errors.csv",
                "errors.xlsx",
                "summary.json",
                "annotated/村.xlsx",
            ] {
                assert_eq!(
                    std::fs::read_to_string(out.join(n)).unwrap(),
                    "old",
                    "{fails}: {n}"
                );
            }
            assert!(!was_interrupted(out));
            assert!(!out.join(PREVIOUS).exists());
        }
    }
}
