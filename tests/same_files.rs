//! Same engine, same files: a round run from the page writes byte for byte what
//! `selfbuilt run` writes with the same inputs, previous round, roster, deadline and
//! confirmed wordings — and two command-line runs write the same bytes. The one field
//! allowed to differ is summary.json's `duration_seconds` (how long the run took).

mod common;
mod serve_client;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use serve_client::Server;

/// Every file under `dir`, by its path inside it, with its bytes (summary.json without
/// its duration).
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let mut bytes = std::fs::read(&path).unwrap();
                if rel == "summary.json" {
                    let text = String::from_utf8(bytes).unwrap();
                    bytes = text
                        .lines()
                        .filter(|l| !l.contains("\"duration_seconds\""))
                        .collect::<Vec<_>>()
                        .join("\n")
                        .into_bytes();
                }
                out.insert(rel, bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The two folders hold the same files with the same bytes.
fn assert_same(a: &Path, b: &Path) {
    let (x, y) = (contents(a), contents(b));
    assert_eq!(
        x.keys().collect::<Vec<_>>(),
        y.keys().collect::<Vec<_>>(),
        "the same files in {} and {}",
        a.display(),
        b.display()
    );
    for (name, bytes) in &x {
        assert!(
            *bytes == y[name],
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
    assert!(x.len() > 20, "a whole round's outputs: {}", x.len());
}

/// Two command-line runs of the demo town, one after the other, write the same bytes.
#[test]
fn two_runs_write_the_same_bytes() {
    let t = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (demo, roster) = (
        root.join("fixtures/demo-town"),
        root.join("fixtures/demo-roster/房屋名册.xlsx"),
    );
    for out in ["a", "b"] {
        let out = t.path().join(out);
        let o = run(&[
            "run",
            p(&demo),
            "--roster",
            p(&roster),
            "--deadline",
            "2026-12-15",
            "--as-of",
            "2026-12-01",
            "--out",
            p(&out),
            "--quiet",
        ]);
        assert_eq!(o.code, 1, "{}", o.stderr);
    }
    assert_same(&t.path().join("a"), &t.path().join("b"));
}

/// A folder's files as an upload: (name relative to it, bytes).
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Round one (the demo town, the roster, a deadline) and round two (the villages' new
/// files, one with a header and an option no village wrote before, one of them confirmed
/// on the page) run from the page; then each round's command, as the page shows it, run
/// by the command line in a copy of the workspace: every output the same, byte for byte.
#[test]
fn a_round_run_from_the_page_writes_what_run_writes() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = Server::start_in(&ws, &[]);
    // Round one.
    let one = server.call("POST", "/api/rounds", &serde_json::json!({}));
    assert_eq!(one["name"], "第一轮");
    server.call(
        "PATCH",
        "/api/rounds/第一轮",
        &serde_json::json!({"deadline": "2026-12-15"}),
    );
    let saved = server.upload_files(
        "/api/rounds/第一轮/files",
        "files",
        &files_of(&root.join("fixtures/demo-town")),
    );
    assert_eq!(saved["saved"].as_array().unwrap().len(), 10, "{saved}");
    server.upload_files(
        "/api/roster",
        "file",
        &files_of(&root.join("fixtures/demo-roster")),
    );
    server.call("POST", "/api/rounds/第一轮/run", &serde_json::json!({}));
    assert_eq!(server.wait_done("第一轮")["exit"], 1);
    // Round two: the villages' files again, one of them worded anew.
    let two = server.call("POST", "/api/rounds", &serde_json::json!({}));
    assert_eq!(
        (two["name"].as_str(), two["previous"].as_str()),
        (Some("第二轮"), Some("第一轮"))
    );
    let mut files = files_of(&root.join("fixtures/demo-town"));
    for (name, bytes) in &mut files {
        if name == "白沙村房屋信息.csv" {
            let (text, _, _) = encoding_rs::GBK.decode(bytes);
            let text = text
                .replacen("业主,", "房子归谁,", 1)
                .replacen(",物流,", ",卖早点,", 1);
            *bytes = encoding_rs::GBK.encode(&text).0.into_owned();
        }
    }
    server.upload_files("/api/rounds/第二轮/files", "files", &files);
    server.call("POST", "/api/rounds/第二轮/run", &serde_json::json!({}));
    server.wait_done("第二轮");
    let before = server.get_json("/api/rounds/第二轮/results");
    let wordings = server.get_json("/api/rounds/第二轮/wordings");
    let option = wordings["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["form"] == "卖早点")
        .unwrap_or_else(|| panic!("the new option is asked about: {wordings}"))
        .clone();
    let to = option["choices"][0]["to"].clone();
    server.call(
        "POST",
        "/api/aliases",
        &serde_json::json!({"round": "第二轮", "id": option["id"], "to": to}),
    );
    // The round runs again at once; wait until its results are the new ones.
    let end = Instant::now() + Duration::from_secs(300);
    let after = loop {
        server.wait_done("第二轮");
        let now = server.get_json("/api/rounds/第二轮/results");
        if now["wordings"] != before["wordings"] || Instant::now() > end {
            break now;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        after["wordings"].as_u64().unwrap() + 1,
        before["wordings"].as_u64().unwrap(),
        "the confirmed option is no longer asked about"
    );
    assert!(
        after["totals"]["errors"].as_u64() < before["totals"]["errors"].as_u64(),
        "the option's cell is read now: {} → {}",
        before["totals"]["errors"],
        after["totals"]["errors"]
    );
    let book = std::fs::read_to_string(ws.join("本镇写法.toml")).unwrap();
    assert!(book.contains("卖早点"), "{book}");
    // The same rounds by the command line, in a copy of the workspace.
    let copy = t.path().join("copy");
    for part in ["本镇写法.toml", "房屋名册", "第一轮/收件", "第二轮/收件"] {
        copy_all(&ws.join(part), &copy.join(part));
    }
    for (round, results) in [("第一轮", &one), ("第二轮", &after)] {
        let command = if round == "第一轮" {
            server.get_json("/api/rounds/第一轮/results")["command"].clone()
        } else {
            results["command"].clone()
        };
        let words: Vec<&str> = command.as_str().unwrap().split(' ').collect();
        assert_eq!(words[0], "selfbuilt");
        let o = Command::new(bin())
            .args(&words[1..])
            .arg("--quiet")
            .current_dir(&copy)
            .output()
            .unwrap();
        assert!(
            o.status.code() != Some(2),
            "{command}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_same(&ws.join(round).join("结果"), &copy.join(round).join("结果"));
    }
    let command = after["command"].as_str().unwrap();
    for part in [
        "--aliases 本镇写法.toml",
        "--previous 第一轮/结果",
        "--roster 房屋名册/房屋名册.xlsx",
    ] {
        assert!(command.contains(part), "{command} holds {part}");
    }
}

/// Copies a file or folder.
fn copy_all(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy_all(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}
