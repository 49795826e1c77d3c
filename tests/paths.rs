//! Folders and paths: inputs are never overwritten or read back, links never lead out of
//! the input tree or round in circles, a file is read once however it is named, and an
//! output folder holds exactly one finished run.

mod common;

use std::path::Path;

use common::*;

fn village(dir: &Path, name: &str, code: &str) {
    let b = building(code, IDS[0], "未发现安全隐患");
    write_table(&dir.join(name), &B_HEAD, &[b]);
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn outputs_never_replace_or_mix_with_inputs() {
    let t = tempfile::tempdir().unwrap();
    let v = t.path().join("v");
    std::fs::create_dir(&v).unwrap();
    village(&v, "平安村.csv", "YH450103000000001");
    let first = t.path().join("first");
    assert!(run(&["run", p(&v), "--out", p(&first)]).code <= 1);
    // A previous run's outputs given as inputs, with their own folder as --out.
    let e = first.join("errors.csv");
    let c = first.join("cleaned.xlsx");
    let before = (std::fs::read(&e).unwrap(), std::fs::read(&c).unwrap());
    let r = run(&["run", p(&e), p(&c), "--out", p(&first)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--out"), "{}", r.stderr);
    assert_eq!(
        before,
        (std::fs::read(&e).unwrap(), std::fs::read(&c).unwrap())
    );
    // --out inside the input folder, or the input folder itself.
    for out in [v.join("结果"), v.clone()] {
        let r = run(&["run", p(&v), "--out", p(&out)]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(!v.join("结果").exists());
    }
    assert_eq!(listing(&v), vec!["平安村.csv"]);
}

#[test]
fn a_second_run_into_the_same_folder_replaces_the_first_whole() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    let b = t.path().join("b");
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    // Village A has a finding (an annotated copy); village B has none.
    let mut bad = building("YH450103000000001", IDS[0], "未发现安全隐患");
    bad[10] = "三十".into();
    write_table(&a.join("甲村.csv"), &B_HEAD, &[bad]);
    village(&b, "乙村.csv", "YH450103000000002");
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("我的说明.txt"), "留着").unwrap();
    assert_eq!(run(&["run", p(&a), "--out", p(&out)]).code, 1);
    assert!(out.join("annotated").read_dir().unwrap().next().is_some());
    // The first run was stopped half-way: a marker and a staging folder are left.
    std::fs::write(out.join(".selfbuilt-incomplete"), "1").unwrap();
    std::fs::create_dir_all(out.join(".selfbuilt-staging/annotated")).unwrap();
    let r = run(&["run", p(&b), "--out", p(&out)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["tables"]["buildings"]["read"], 1);
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(cleaned.len(), 2);
    assert!(
        cleaned[1].iter().any(|c| c == "YH450103000000002"),
        "{cleaned:?}"
    );
    // Nothing of the first run is left; the user's own file is.
    let annotated: Vec<String> = match out.join("annotated").read_dir() {
        Ok(d) => d
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    assert!(
        annotated.iter().all(|n| !n.contains("甲村")),
        "{annotated:?}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("我的说明.txt")).unwrap(),
        "留着"
    );
    let hidden: Vec<String> = listing(&out)
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(hidden, vec![".selfbuilt-manifest"]);
}

#[test]
fn a_folder_another_run_is_writing_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let v = t.path().join("v");
    std::fs::create_dir(&v).unwrap();
    village(&v, "平安村.csv", "YH450103000000001");
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // pid 1 is always alive: another run holds the folder.
    std::fs::write(out.join(".selfbuilt.lock"), "1").unwrap();
    let r = run(&["run", p(&v), "--out", p(&out)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("另一个 selfbuilt"), "{}", r.stderr);
    assert!(!out.join("summary.json").exists());
}

#[cfg(unix)]
#[test]
fn links_out_of_the_tree_and_loops_are_not_followed() {
    let t = tempfile::tempdir().unwrap();
    let v = t.path().join("v");
    std::fs::create_dir(&v).unwrap();
    village(&v, "平安村.csv", "YH450103000000001");
    let secret = t.path().join("secret.csv");
    std::fs::write(
        &secret,
        "房屋编码,户主姓名\nYH450103009999999,机密内容不可外泄\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&secret, v.join("passwd.csv")).unwrap();
    std::os::unix::fs::symlink(".", v.join("loop")).unwrap();
    std::os::unix::fs::symlink(v.join("s2"), v.join("s1")).unwrap();
    std::os::unix::fs::symlink(v.join("s1"), v.join("s2")).unwrap();
    std::os::unix::fs::symlink(v.join("平安村.csv"), v.join("副本.csv")).unwrap();
    let out = t.path().join("out");
    let r = run(&["run", p(&v), p(&v.join("平安村.csv")), "--out", p(&out)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    assert!(errors[1..].iter().all(|e| e[7] != "B001"), "{errors:?}");
    assert!(errors[1..].iter().all(|e| e[6] == "warning"), "{errors:?}");
    let said: Vec<&str> = errors[1..].iter().map(|e| e[0].as_str()).collect();
    for x in ["passwd.csv", "loop", "s1", "s2"] {
        assert!(said.contains(&x), "{x}: {said:?}");
    }
    // 副本.csv sorts first and is read; the two other names of that file are passed over.
    assert_eq!(
        said.iter().filter(|x| **x == "平安村.csv").count(),
        2,
        "{said:?}"
    );
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(
        cleaned.len(),
        2,
        "the village once, and nothing from outside"
    );
    for f in walk(&out) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("机密内容"),
            "{}",
            f.display()
        );
    }
}

fn walk(d: &Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else {
            v.push(p);
        }
    }
    v
}

/// A full disk: exit 2 with a Chinese message, no panic, the last finished run untouched.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_exit_2_and_leaves_the_last_run_as_it_was() {
    let t = tempfile::tempdir().unwrap();
    let mnt = t.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "skipped: cannot mount a small tmpfs here (needs root); the full-disk case is not run"
        );
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _u = Unmount(mnt.clone());
    let v = t.path().join("v");
    std::fs::create_dir(&v).unwrap();
    village(&v, "平安村.csv", "YH450103000000001");
    let out = mnt.join("out");
    assert_eq!(run(&["run", p(&v), "--out", p(&out)]).code, 0);
    let before = std::fs::read(out.join("summary.json")).unwrap();
    // Fill the disk, then run the demo town into the same folder.
    let filler = mnt.join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 8 << 20]);
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-town");
    let r = run(&["run", p(&demo), "--out", p(&out)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("磁盘已满"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), before);
    assert!(!out.join(".selfbuilt-staging").exists());
    assert!(!out.join(".selfbuilt.lock").exists());
}

/// `chattr` on `path` (`+i` locks an entry even against root: it can be neither replaced,
/// moved nor deleted); false when the file system or the container does not allow it.
fn chattr(flag: &str, path: &Path) -> bool {
    std::process::Command::new("chattr")
        .arg(flag)
        .arg(path)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A run whose outputs cannot all be put in place — errors.xlsx locked (as a file open in
/// WPS is on Windows), or the whole folder read-only — exits 2 in Chinese, and every
/// output of the last finished run is still there, byte for byte.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_leaves_the_last_run_as_it_was() {
    let t = tempfile::tempdir().unwrap();
    let v = t.path().join("v");
    std::fs::create_dir(&v).unwrap();
    village(&v, "平安村.csv", "YH450103000000001");
    let out = t.path().join("out");
    assert_eq!(run(&["run", p(&v), "--out", p(&out)]).code, 0);
    let snapshot = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        walk(dir)
            .into_iter()
            .filter(|f| f.is_file())
            .map(|f| {
                (
                    f.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&f).unwrap(),
                )
            })
            .collect()
    };
    let before = snapshot(&out);
    assert!(before.iter().any(|(n, _)| n == "cleaned.xlsx"));
    village(&v, "团结村.csv", "YH450103000000002");
    for locked in [out.join("errors.xlsx"), out.clone()] {
        if !chattr("+i", &locked) {
            assert!(
                std::env::var_os("CI").is_none(),
                "chattr +i is needed in CI to lock an output"
            );
            eprintln!("skipped: chattr +i is not allowed here; the locked-output case is not run");
            return;
        }
        let r = run(&["run", p(&v), "--out", p(&out)]);
        chattr("-i", &locked);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains("上次的结果保持不变") || r.stderr.contains("无法"),
            "{}",
            r.stderr
        );
        // An operating system's error is said in Chinese first, its own words after:
        // the locked folder refuses the run's lock file.
        assert!(
            !r.stderr.contains("os error") || r.stderr.contains("（系统："),
            "{}",
            r.stderr
        );
        if locked == out {
            assert!(r.stderr.contains("没有权限"), "{}", r.stderr);
        }
        assert_eq!(snapshot(&out), before, "{}", locked.display());
        assert!(!out.join(".selfbuilt-incomplete").exists());
    }
    // Unlocked, the next run goes through.
    assert_eq!(run(&["run", p(&v), "--out", p(&out)]).code, 0);
    assert_ne!(snapshot(&out), before);
}
