//! `selfbuilt serve` over HTTP, as a browser — or anything else that can reach the port —
//! meets it: every endpoint's shape (docs/serve-api.md), and the guard: foreign Hosts and
//! Origins, changes without the page's mark, upload names that could leave the round's
//! inbox, files too big or too many, bodies over the limit, the token when listening
//! beyond this computer, the Content-Security-Policy, deletes that could leave the inbox,
//! runs queued one at a time, and quitting with a page still listening.
//!
//! Each test starts the real binary on a free port in a temporary workspace and talks to
//! it through the raw client of `serve_client`.

mod serve_client;

use std::collections::BTreeSet;
use std::io::Read;
use std::net::Shutdown;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use serve_client::*;

const R1: &str = "第一轮";
const R2: &str = "第二轮";

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

/// Asserts that `v` has every one of `want` among its keys.
fn has_keys(v: &Value, want: &[&str]) {
    let k = keys(v);
    for w in want {
        assert!(k.contains(w), "no {w:?} in {v}");
    }
}

/// A refusal: this status and a Chinese `error` sentence.
fn refusal(a: &Answer, status: u16) {
    assert_eq!(a.status, status, "{}", a.text());
    let e = a.json();
    let why = e["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {e}"));
    assert!(!why.is_empty() && !why.is_ascii(), "{why}");
}

/// A new round, by `POST /api/rounds`.
fn new_round(s: &Server, body: &Value) -> Value {
    let a = s.json("POST", "/api/rounds", body);
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()
}

/// The names saved and refused by an upload.
fn outcome(a: &Answer) -> (Vec<String>, Vec<String>) {
    assert_eq!(a.status, 200, "{}", a.text());
    let v = a.json();
    let names = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap_or_else(|| panic!("no {k} in {v}"))
            .iter()
            .map(|x| x["name"].as_str().unwrap().to_string())
            .collect()
    };
    (names("saved"), names("refused"))
}

/// The files `tree` lists (folders left out).
fn files_only(t: &BTreeSet<String>) -> BTreeSet<String> {
    t.iter().filter(|p| !p.ends_with('/')).cloned().collect()
}

// ---------------------------------------------------------------- endpoints' shapes

/// hello, workspace, rounds (new, deadline, 404s), files (upload, list, delete), the
/// roster (upload, replace, delete), aliases: each answers in the documented shape.
#[test]
fn rounds_files_and_the_roster_answer_in_the_documented_shapes() {
    let s = Server::start(&[]);
    let hello = s.get("/api/hello");
    assert_eq!(hello.status, 200);
    let h = hello.json();
    has_keys(
        &h,
        &[
            "app",
            "version",
            "workspace",
            "campaign",
            "campaign_name",
            "token_required",
            "logged_in",
        ],
    );
    assert_eq!(h["app"], "selfbuilt");
    assert_eq!(h["campaign"], "selfbuilt");
    assert_eq!(h["campaign_name"], "自建房安全专项整治");
    assert_eq!(
        (h["token_required"].clone(), h["logged_in"].clone()),
        (json!(false), json!(true))
    );

    let ws = s.get("/api/workspace").json();
    has_keys(
        &ws,
        &[
            "workspace",
            "campaign_name",
            "rounds",
            "roster",
            "aliases",
            "busy",
        ],
    );
    assert_eq!(ws["rounds"], json!([]));
    assert_eq!(
        (
            ws["roster"].clone(),
            ws["busy"].clone(),
            ws["aliases"].clone()
        ),
        (json!(null), json!(null), json!(0))
    );

    // Rounds: named in order, the first follows none; deadlines set, changed, refused.
    let r1 = new_round(&s, &json!({}));
    has_keys(
        &r1,
        &[
            "name", "previous", "deadline", "files", "bytes", "state", "exit", "error", "command",
        ],
    );
    assert_eq!(
        (
            r1["name"].as_str(),
            r1["previous"].as_str(),
            r1["state"].as_str()
        ),
        (Some(R1), Some(""), Some("empty"))
    );
    assert_eq!(
        (
            r1["deadline"].clone(),
            r1["exit"].clone(),
            r1["files"].clone()
        ),
        (json!(null), json!(null), json!(0))
    );
    assert!(
        r1["command"]
            .as_str()
            .unwrap()
            .starts_with("selfbuilt run 第一轮/收件 --out 第一轮/结果"),
        "{r1}"
    );
    let r2 = new_round(&s, &json!({"deadline": "2026-12-15"}));
    assert_eq!(
        (
            r2["name"].as_str(),
            r2["previous"].as_str(),
            r2["deadline"].as_str()
        ),
        (Some(R2), Some(""), Some("2026-12-15"))
    );
    refusal(
        &s.json("POST", "/api/rounds", &json!({"deadline": "十二月"})),
        400,
    );
    let p = s.json(
        "PATCH",
        "/api/rounds/第一轮",
        &json!({"deadline": "2026-12-20"}),
    );
    assert_eq!(p.status, 200, "{}", p.text());
    assert_eq!(p.json()["deadline"], "2026-12-20");
    assert!(p.json()["command"]
        .as_str()
        .unwrap()
        .contains("--deadline 2026-12-20"));
    refusal(
        &s.json(
            "PATCH",
            "/api/rounds/第一轮",
            &json!({"deadline": "2026-13-40"}),
        ),
        400,
    );
    assert_eq!(
        s.round(R1).unwrap()["deadline"],
        "2026-12-20",
        "a bad date changes nothing"
    );
    let p = s.json("PATCH", "/api/rounds/第一轮", &json!({"deadline": null}));
    assert_eq!(p.json()["deadline"], json!(null));
    refusal(
        &s.json("PATCH", "/api/rounds/第九轮", &json!({"deadline": null})),
        404,
    );
    let names: Vec<Value> = s.get("/api/workspace").json()["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(names, [json!(R1), json!(R2)]);

    // Files: saved under their relative path, listed, deleted.
    let a = s.upload(
        "/api/rounds/第一轮/files",
        "files",
        &[
            ("上林村/房屋.xlsx".as_bytes(), b"12345"),
            ("六合村.csv".as_bytes(), b"abc"),
        ],
    );
    let v = a.json();
    assert_eq!(
        v["saved"],
        json!([{"name": "上林村/房屋.xlsx", "bytes": 5}, {"name": "六合村.csv", "bytes": 3}]),
        "{v}"
    );
    assert_eq!(v["refused"], json!([]));
    let listed = s.get("/api/rounds/第一轮/files").json();
    assert_eq!(
        listed,
        json!({"files": [{"name": "上林村/房屋.xlsx", "bytes": 5}, {"name": "六合村.csv", "bytes": 3}]})
    );
    let r = s.round(R1).unwrap();
    assert_eq!(
        (r["state"].as_str(), r["files"].clone(), r["bytes"].clone()),
        (Some("ready"), json!(2), json!(8))
    );
    let d = s.delete("/api/rounds/第一轮/files/上林村/房屋.xlsx");
    assert_eq!((d.status, d.json()), (200, json!({})));
    assert!(!s.ws.join("第一轮/收件/上林村/房屋.xlsx").exists());
    assert_eq!(
        s.get("/api/rounds/第一轮/files").json()["files"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    refusal(&s.delete("/api/rounds/第一轮/files/上林村/房屋.xlsx"), 404);
    refusal(&s.get("/api/rounds/第九轮/files"), 404);
    refusal(
        &s.upload("/api/rounds/第九轮/files", "files", &[(b"a.xlsx", b"1")]),
        404,
    );
    refusal(&s.delete("/api/rounds/第九轮/files/a.xlsx"), 404);
    refusal(&s.get("/api/rounds/第一轮/results"), 404);
    refusal(&s.get("/api/rounds/第一轮/findings"), 404);
    refusal(&s.get("/api/rounds/第一轮/wordings"), 404);
    refusal(&s.json("POST", "/api/rounds/第九轮/run", &json!({})), 404);

    // The roster: one file, replaced by the next, deleted.
    let a = s.upload("/api/roster", "file", &[("名册.csv".as_bytes(), b"a,b\n")]);
    assert_eq!(
        (a.status, a.json()),
        (200, json!({"file": "名册.csv", "bytes": 4}))
    );
    assert_eq!(
        s.get("/api/workspace").json()["roster"],
        json!({"file": "名册.csv", "bytes": 4})
    );
    let a = s.upload(
        "/api/roster",
        "file",
        &[("新名册.csv".as_bytes(), b"c,d\n")],
    );
    assert_eq!(a.json(), json!({"file": "新名册.csv", "bytes": 4}));
    let on_disk: Vec<String> = std::fs::read_dir(s.ws.join("房屋名册"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(on_disk, ["新名册.csv"]);
    refusal(
        &s.upload("/api/roster", "file", &[("村/名册.xlsx".as_bytes(), b"1")]),
        400,
    );
    assert_eq!(
        s.get("/api/workspace").json()["roster"]["file"],
        "新名册.csv",
        "a refused roster keeps the old one"
    );
    let d = s.delete("/api/roster");
    assert_eq!((d.status, d.json()), (200, json!({})));
    assert_eq!(s.get("/api/workspace").json()["roster"], json!(null));

    let al = s.get("/api/aliases");
    assert_eq!((al.status, al.json()), (200, json!({"items": []})));
}

/// A round run on the demo town: results (report sentences, villages with numbers),
/// findings with each filter and paging and the row as written, wordings, every download
/// (type, UTF-8 file name; report.html in its own sandbox), each village's package and
/// all of them as zips, and 404s for unknown rounds, files and villages.
#[test]
fn a_finished_round_answers_results_findings_downloads_and_packages() {
    let s = Server::start(&["--demo"]);
    let r = s.wait_done(R1);
    assert_eq!(
        (r["exit"].clone(), r["error"].clone()),
        (json!(1), json!(null)),
        "the demo town has errors: {r}"
    );

    let res = s.get("/api/rounds/第一轮/results");
    assert_eq!(res.status, 200);
    let res = res.json();
    has_keys(
        &res,
        &[
            "round",
            "exit",
            "seconds",
            "as_of",
            "deadline",
            "command",
            "notes",
            "report",
            "totals",
            "villages",
            "writeoffs",
            "coverage",
            "wordings",
            "downloads",
            "packages",
        ],
    );
    assert_eq!(
        (res["round"].as_str(), res["as_of"].as_str()),
        (Some(R1), Some("2026-12-01"))
    );
    let report = res["report"].as_array().unwrap();
    assert!(
        !report.is_empty()
            && report
                .iter()
                .all(|s| !s.as_str().unwrap().trim().is_empty()),
        "{report:?}"
    );
    let t = &res["totals"];
    has_keys(
        t,
        &[
            "files",
            "surveyed",
            "accepted",
            "errors",
            "warnings",
            "held",
            "writeoffs",
        ],
    );
    assert!(
        t["surveyed"].as_u64().unwrap() > 0 && t["errors"].as_u64().unwrap() > 0,
        "{t}"
    );
    let villages = res["villages"].as_array().unwrap();
    assert!(villages.len() >= 2, "{villages:?}");
    let mut surveyed = 0;
    for v in villages {
        has_keys(
            v,
            &[
                "village", "files", "surveyed", "accepted", "errors", "warnings", "held", "fixed",
            ],
        );
        // A village on the roster that sent nothing has a line too, with no files.
        assert!(v["files"].is_u64() && v["fixed"].is_null(), "{v}");
        surveyed += v["surveyed"].as_u64().unwrap();
    }
    assert_eq!(
        surveyed,
        t["surveyed"].as_u64().unwrap(),
        "the villages add up to the town"
    );
    assert!(
        res["coverage"]["listed"].as_u64().unwrap() > 0,
        "the demo roster is checked"
    );

    // Findings: the filters narrow, the pages add up, each item carries its row.
    let all = s.get("/api/rounds/第一轮/findings?limit=1000").json();
    has_keys(&all, &["total", "villages", "rules", "items"]);
    let total = all["total"].as_u64().unwrap() as usize;
    let items = all["items"].as_array().unwrap();
    assert!(
        total > 0 && items.len() == total.min(1000),
        "{total} {}",
        items.len()
    );
    for i in items {
        has_keys(
            i,
            &[
                "village",
                "file",
                "sheet",
                "row",
                "cell",
                "field",
                "value",
                "severity",
                "code",
                "title",
                "message",
                "fix",
                "row_as_written",
            ],
        );
    }
    let with_row = items
        .iter()
        .find(|i| !i["row_as_written"].as_array().unwrap().is_empty())
        .expect("a finding with its row");
    let pair = &with_row["row_as_written"][0];
    assert!(
        pair.as_array()
            .is_some_and(|p| p.len() == 2 && p[0].is_string() && p[1].is_string()),
        "{pair}"
    );
    let rule_n: u64 = all["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["n"].as_u64().unwrap())
        .sum();
    assert_eq!(rule_n as usize, total, "the rules count every finding");
    let page = s.get("/api/rounds/第一轮/findings?offset=2&limit=3").json();
    assert_eq!(page["total"].as_u64().unwrap() as usize, total);
    assert_eq!(page["items"].as_array().unwrap(), &items[2..5].to_vec());
    assert_eq!(
        s.get("/api/rounds/第一轮/findings").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        total.min(100),
        "100 by default"
    );
    let village = items[0]["village"].as_str().unwrap();
    let f = s
        .get(&format!(
            "/api/rounds/第一轮/findings?village={village}&limit=1000"
        ))
        .json();
    let n = items.iter().filter(|i| i["village"] == village).count();
    assert_eq!(f["total"].as_u64().unwrap() as usize, n);
    assert!(f["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["village"] == village));
    let f = s
        .get("/api/rounds/第一轮/findings?severity=error&limit=1000")
        .json();
    assert!(f["total"].as_u64().unwrap() > 0);
    assert!(f["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["severity"] == "error"));
    let rule = all["rules"][0]["code"].as_str().unwrap();
    let f = s
        .get(&format!(
            "/api/rounds/第一轮/findings?rule={rule}&severity=&limit=1000"
        ))
        .json();
    assert_eq!(f["total"], all["rules"][0]["n"]);
    assert!(f["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["code"] == rule));
    assert_eq!(
        s.get("/api/rounds/第一轮/findings?village=没有这个村")
            .json()["total"],
        0
    );

    let w = s.get("/api/rounds/第一轮/wordings");
    assert_eq!(w.status, 200);
    assert!(w.json()["items"].is_array());
    assert_eq!(
        w.json()["items"].as_array().unwrap().len() as u64,
        res["wordings"].as_u64().unwrap()
    );

    // Downloads: each listed name, with its type and its name in UTF-8.
    let downloads = res["downloads"].as_array().unwrap();
    let names: Vec<&str> = downloads
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for want in [
        "cleaned.xlsx",
        "errors.xlsx",
        "report.md",
        "report.html",
        "summary.json",
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    for d in downloads {
        let name = d["name"].as_str().unwrap();
        let a = s.get(&format!("/api/rounds/第一轮/download/{name}"));
        assert_eq!(a.status, 200, "{name}: {}", a.text());
        assert_eq!(a.body.len() as u64, d["bytes"].as_u64().unwrap(), "{name}");
        let kind = a.header("content-type").unwrap_or_default();
        let want = match name.rsplit('.').next().unwrap() {
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "csv" => "text/csv",
            "md" => "text/markdown",
            "html" => "text/html",
            "json" => "application/json",
            _ => "text/plain",
        };
        assert!(kind.starts_with(want), "{name}: {kind}");
        if name == "report.html" {
            // Opened in the browser, in a sandbox of its own.
            let csp = a.header("content-security-policy").unwrap_or_default();
            assert!(
                csp.contains("sandbox") && csp.contains("default-src 'none'"),
                "{csp}"
            );
            assert!(!csp.contains("allow-same-origin"), "{csp}");
            continue;
        }
        let cd = a.header("content-disposition").unwrap_or_default();
        let encoded =
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        assert!(
            cd.starts_with("attachment;") && cd.contains(&format!("filename*=UTF-8''{encoded}")),
            "{name}: {cd}"
        );
    }
    refusal(&s.get("/api/rounds/第一轮/download/nothing.xlsx"), 404);
    refusal(&s.get("/api/rounds/第一轮/download/..%2F轮次.toml"), 404);
    refusal(&s.get("/api/rounds/第九轮/download/report.md"), 404);

    // Packages: a village's zip holds its folder; the whole zip holds every village's.
    let packages = res["packages"].as_array().unwrap();
    assert!(packages.len() >= 2, "{packages:?}");
    let zip_names = |a: &Answer| -> Vec<String> {
        assert_eq!(a.status, 200, "{}", a.text());
        assert_eq!(a.header("content-type"), Some("application/zip"));
        assert!(a
            .header("content-disposition")
            .unwrap_or_default()
            .contains("filename*=UTF-8''"));
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(a.body.clone())).expect("a zip");
        (0..z.len())
            .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
            .collect()
    };
    let mut every = BTreeSet::new();
    for p in packages {
        let village = p["village"].as_str().unwrap();
        let names = zip_names(&s.get(&format!("/api/rounds/第一轮/packages/{village}.zip")));
        assert_eq!(
            names.len() as u64,
            p["files"].as_u64().unwrap(),
            "{village}: {names:?}"
        );
        assert!(
            names.iter().all(|n| n.starts_with(&format!("{village}/"))),
            "{village}: {names:?}"
        );
        every.extend(names);
    }
    let all_zip: BTreeSet<String> = zip_names(&s.get("/api/rounds/第一轮/packages.zip"))
        .into_iter()
        .collect();
    assert_eq!(all_zip, every, "the whole zip is every village's");
    refusal(&s.get("/api/rounds/第一轮/packages/没有这个村.zip"), 404);
    refusal(
        &s.get("/api/rounds/第一轮/packages/..%2F..%2F结果.zip"),
        404,
    );
    refusal(&s.get("/api/rounds/第九轮/packages.zip"), 404);
    refusal(&s.get("/api/rounds/第九轮/results"), 404);
    refusal(&s.get("/api/rounds/..%2F第一轮/results"), 404);
    refusal(&s.get("/api/rounds/第九轮/findings"), 404);
}

/// Two rounds asked to run at once: the second waits its turn (position 1, asked again
/// still 1, its files locked), they run in the order asked, both finish with whole results
/// folders; a new round follows the latest round with results (previous, `--previous`,
/// villages' `fixed`); the page hears it all as events.
#[test]
fn two_rounds_asked_at_once_run_one_after_the_other() {
    const R3: &str = "第三轮";
    let s = Server::start(&["--demo"]);
    s.wait_done(R1);
    // Two villages' files again, in two new rounds, both following 第一轮.
    let inbox = s.ws.join("第一轮/收件");
    let sent: Vec<(&str, Vec<u8>)> = ["上林村.xlsx", "六合村.xlsx"]
        .into_iter()
        .map(|n| (n, std::fs::read(inbox.join(n)).unwrap()))
        .collect();
    let parts: Vec<(&[u8], &[u8])> = sent
        .iter()
        .map(|(n, b)| (n.as_bytes(), b.as_slice()))
        .collect();
    for name in [R2, R3] {
        let r = new_round(&s, &json!({}));
        assert_eq!(
            (r["name"].as_str(), r["previous"].as_str()),
            (Some(name), Some(R1)),
            "{r}"
        );
        let (saved, refused) =
            outcome(&s.upload(&format!("/api/rounds/{name}/files"), "files", &parts));
        assert_eq!((saved.len(), refused.len()), (2, 0));
    }

    // The page listening.
    let heard = Arc::new(Mutex::new(Vec::<u8>::new()));
    let mut events = write_request(s.port, "GET", "/api/events", &[("Host", &s.host())], b"");
    let kept = heard.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = events.read(&mut buf) {
            if n == 0 {
                break;
            }
            kept.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let start = Instant::now();
    while !sse(&heard.lock().unwrap())
        .iter()
        .any(|(e, _)| e == "snapshot")
    {
        assert!(start.elapsed() < PATIENCE, "no snapshot");
        std::thread::sleep(Duration::from_millis(20));
    }

    let one = s.json("POST", "/api/rounds/第二轮/run", &json!({}));
    let two = s.json("POST", "/api/rounds/第三轮/run", &json!({}));
    assert_eq!((one.status, one.json()), (202, json!({"position": 0})));
    assert_eq!((two.status, two.json()), (202, json!({"position": 1})));
    let again = s.json("POST", "/api/rounds/第三轮/run", &json!({}));
    assert_eq!(again.json(), json!({"position": 1}), "not queued twice");
    let r = s.round(R3).unwrap();
    assert_eq!(r["state"], "queued", "{r}");
    let late = s.upload("/api/rounds/第三轮/files", "files", &[(b"late.xlsx", b"1")]);
    refusal(&late, 409);

    s.wait_done(R2);
    let r3 = s.wait_done(R3);
    for round in [R2, R3] {
        let out = s.ws.join(round).join("结果");
        for f in [
            "summary.json",
            "cleaned.xlsx",
            "errors.xlsx",
            "report.html",
            "parquet/round.parquet",
        ] {
            assert!(out.join(f).is_file(), "{round}: no {f}");
        }
        let summary: Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert!(summary.is_object(), "{round}: {summary}");
    }
    let command = r3["command"].as_str().unwrap();
    assert!(command.contains("--previous 第一轮/结果"), "{command}");
    let villages = s.get("/api/rounds/第三轮/results").json()["villages"].clone();
    let fixed: Vec<&str> = villages
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["fixed"].is_u64())
        .map(|v| v["village"].as_str().unwrap())
        .collect();
    assert!(
        fixed.contains(&"上林村") && fixed.contains(&"六合村"),
        "fixed is counted against the previous round: {villages}"
    );

    // The events: each round queued, then run in the order asked (the second's first
    // stage after the first's end).
    let start = Instant::now();
    let heard = loop {
        let events = sse(&heard.lock().unwrap());
        if events.iter().filter(|(e, _)| e == "finished").count() >= 2 {
            break events;
        }
        assert!(start.elapsed() < PATIENCE, "events heard: {events:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let at = |event: &str, round: &str| {
        heard
            .iter()
            .position(|(e, d)| e == event && d["round"] == round)
            .unwrap_or_else(|| panic!("no {event} for {round}: {heard:?}"))
    };
    assert_eq!(heard[0].0, "snapshot");
    assert!(at("queued", R2) < at("queued", R3));
    assert_eq!(heard[at("queued", R3)].1["position"], 1);
    assert!(
        at("finished", R2) < at("stage", R3),
        "the second round ran before the first ended: {heard:?}"
    );
    assert!(heard
        .iter()
        .any(|(e, d)| e == "step" && d["round"] == R3 && d["done"].is_u64()));
    assert!(heard[at("finished", R3)].1["exit"].is_i64());
}

/// Server-sent events as (name, data) pairs.
fn sse(raw: &[u8]) -> Vec<(String, Value)> {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Vec::new();
    };
    let body = String::from_utf8_lossy(&dechunk(&raw[end + 4..])).into_owned();
    body.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = Some(n.to_string());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(d).ok();
                }
            }
            Some((name?, data?))
        })
        .collect()
}

// ---------------------------------------------------------------- the guard

/// A request naming another host (DNS rebinding) is refused; our own names are served.
#[test]
fn a_foreign_host_is_refused_and_our_own_is_served() {
    let s = Server::start(&[]);
    let port = s.port;
    for bad in [
        format!("evil.example:{port}"),
        "127.0.0.1:1".to_string(),
        "127.0.0.1".to_string(),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1:{port}.evil.example"),
        format!("192.168.1.9:{port}"),
        String::new(),
    ] {
        for path in ["/api/workspace", "/api/hello", "/"] {
            let a = send(port, "GET", path, &[("Host", &bad)], b"");
            assert_eq!(a.status, 403, "Host {bad:?} {path}: {}", a.text());
        }
    }
    let a = send(port, "GET", "/api/workspace", &[], b"");
    assert!(
        a.status == 403 || a.status == 400,
        "no Host at all: {}",
        a.status
    );
    let a = send(
        port,
        "POST",
        "/api/rounds",
        &[
            ("Host", &format!("evil.example:{port}")),
            ("X-Selfbuilt", "1"),
        ],
        b"{}",
    );
    assert_eq!(a.status, 403);
    assert!(!s.ws.join(R1).exists(), "a refused request changes nothing");
    for good in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let a = send(port, "GET", "/api/workspace", &[("Host", &good)], b"");
        assert_eq!(a.status, 200, "Host {good}");
    }
}

/// A request from a page of another origin is refused, reading as well as changing.
#[test]
fn a_foreign_origin_is_refused_even_on_get() {
    let s = Server::start(&[]);
    let (host, port) = (s.host(), s.port);
    let own = format!("http://{host}");
    for bad in [
        "http://evil.example".to_string(),
        "null".to_string(),
        format!("https://{host}"),
        format!("http://localhost:{port}"),
        format!("http://{host}.evil.example"),
    ] {
        let a = send(
            port,
            "GET",
            "/api/workspace",
            &[("Host", &host), ("Origin", &bad)],
            b"",
        );
        assert_eq!(a.status, 403, "GET from {bad}: {}", a.text());
        let a = send(
            port,
            "POST",
            "/api/rounds",
            &[("Host", &host), ("Origin", &bad), ("X-Selfbuilt", "1")],
            b"{}",
        );
        assert_eq!(a.status, 403, "POST from {bad}");
    }
    assert!(!s.ws.join(R1).exists(), "nothing was created");
    let a = send(
        port,
        "GET",
        "/api/workspace",
        &[("Host", &host), ("Origin", &own)],
        b"",
    );
    assert_eq!(a.status, 200);
    let a = send(
        port,
        "POST",
        "/api/rounds",
        &[("Host", &host), ("Origin", &own), ("X-Selfbuilt", "1")],
        b"{}",
    );
    assert_eq!(a.status, 200, "{}", a.text());
}

/// POST, DELETE and PATCH without `X-Selfbuilt: 1` are refused and change nothing (quit
/// included: the server stays up).
#[test]
fn a_change_without_the_mark_is_refused() {
    let s = Server::start(&[]);
    new_round(&s, &json!({}));
    s.upload("/api/roster", "file", &[(b"r.csv", b"1")]);
    let (host, port) = (s.host(), s.port);
    let before = tree(s.root.path());
    let (kind, body) = multipart("files", &[(b"a.xlsx", b"1")]);
    let json = "application/json";
    let r1 = "/api/rounds/%E7%AC%AC%E4%B8%80%E8%BD%AE";
    // (method, path, Content-Type, body)
    let asks: [(&str, String, &str, &[u8]); 8] = [
        ("POST", "/api/rounds".into(), json, b"{}"),
        ("PATCH", r1.into(), json, br#"{"deadline":"2026-12-20"}"#),
        ("POST", format!("{r1}/files"), &kind, &body),
        ("DELETE", "/api/roster".into(), "", b""),
        ("POST", format!("{r1}/run"), "", b""),
        ("POST", "/api/quit".into(), "", b""),
        ("POST", "/api/login".into(), json, br#"{"token":"x"}"#),
        (
            "DELETE",
            "/api/aliases/1?round=%E7%AC%AC%E4%B8%80%E8%BD%AE".into(),
            "",
            b"",
        ),
    ];
    for (method, path, kind, body) in &asks {
        for mark in [None, Some("0"), Some("true"), Some("")] {
            let mut h = vec![("Host", host.as_str())];
            if let Some(m) = mark {
                h.push(("X-Selfbuilt", m));
            }
            if !kind.is_empty() {
                h.push(("Content-Type", kind));
            }
            let a = send(port, method, path, &h, body);
            assert_eq!(
                a.status,
                403,
                "{method} {path} with mark {mark:?}: {}",
                a.text()
            );
        }
    }
    assert!(s.alive(), "quit without the mark left the server running");
    assert_eq!(tree(s.root.path()), before, "nothing changed");
    assert_eq!(s.round(R1).unwrap()["state"], "empty");
    let a = s.json(
        "PATCH",
        "/api/rounds/第一轮",
        &json!({"deadline": "2026-12-20"}),
    );
    assert_eq!(a.status, 200, "with the mark");
}

/// Upload names that could leave the round's inbox (`..`, absolute, drive, UNC, control
/// characters, empty, too long) are each refused, and nothing is written anywhere but the
/// inbox; the roster's upload refuses them too.
#[test]
fn upload_names_that_could_leave_the_inbox_are_refused_and_nothing_is_written_outside() {
    let s = Server::start(&[]);
    new_round(&s, &json!({}));
    let before = tree(s.root.path());
    let long = "长".repeat(100); // 300 bytes
    let bad: Vec<String> = [
        "../x.xlsx",
        "a/../../x.xlsx",
        "/etc/x.xlsx",
        "C:\\x.xlsx",
        "C:x.xlsx",
        "\\\\host\\share\\x.xlsx",
        "..\\..\\x.xlsx",
        "..",
        ".",
        "a/./b.xlsx",
        "a//b.xlsx",
        "村/",
        "",
        "a\tb.xlsx",
        "a\u{85}b.xlsx",
        &format!("{long}.xlsx"),
        &format!("村/{long}"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Odd but harmless: a literal %2F, dots inside a name, a Unicode line separator
    // (not a control character).
    let good = [
        "上林村/房屋.xlsx",
        "ok.xlsx",
        "..%2Fliteral.xlsx",
        "a..b.xlsx",
        "a\u{2028}b.xlsx",
    ];
    let mut parts: Vec<(&[u8], &[u8])> = bad
        .iter()
        .map(|n| (n.as_bytes(), b"PK-bad".as_slice()))
        .collect();
    parts.extend(good.iter().map(|n| (n.as_bytes(), b"PK-good".as_slice())));
    let (saved, refused) = outcome(&s.upload("/api/rounds/第一轮/files", "files", &parts));
    assert_eq!(saved, good, "saved");
    assert_eq!(refused, bad, "each bad name refused, by its name as sent");

    let mut want = before.clone();
    for rel in [
        "工作区/第一轮/收件/上林村/",
        "工作区/第一轮/收件/上林村/房屋.xlsx",
    ] {
        want.insert(rel.to_string());
    }
    for n in &good[1..] {
        want.insert(format!("工作区/第一轮/收件/{n}"));
    }
    assert_eq!(
        tree(s.root.path()),
        want,
        "only the good files, inside the inbox"
    );
    assert_eq!(
        std::fs::read(s.ws.join("第一轮/收件/ok.xlsx")).unwrap(),
        b"PK-good"
    );

    // Raw NUL, newline or DEL in the name: the multipart parser refuses the part's
    // headers (400), or the server refuses the name; either way nothing is written.
    let before = tree(s.root.path());
    for raw in [
        &b"a\0b.xlsx"[..],
        b"a\nb.xlsx",
        b"a\r\nb.xlsx",
        b"../\0x.xlsx",
        b"a\x7fb.xlsx",
    ] {
        let a = s.upload(
            "/api/rounds/第一轮/files",
            "files",
            &[(raw, b"PK"), (b"after.xlsx", b"PK")],
        );
        if a.status == 200 {
            let (saved, refused) = outcome(&a);
            assert!(
                !saved.iter().any(|n| n.contains('\0') || n.contains('\n')),
                "{raw:?}: {saved:?}"
            );
            assert_eq!(refused.len(), 1, "{raw:?}");
        } else {
            assert_eq!(a.status, 400, "{raw:?}: {}", a.text());
        }
        let mut after = tree(s.root.path());
        after.remove("工作区/第一轮/收件/after.xlsx");
        assert_eq!(after, before, "{raw:?}");
    }

    // The roster: the same names are refused, nothing written.
    let before = tree(s.root.path());
    for n in [
        "../x.xlsx",
        "/etc/x.xlsx",
        "C:\\x.xlsx",
        "\\\\host\\share\\x.xlsx",
        "",
        "a/../../x.xlsx",
        &format!("{long}.xlsx"),
    ] {
        let a = s.upload("/api/roster", "file", &[(n.as_bytes(), b"PK")]);
        refusal(&a, 400);
    }
    assert_eq!(
        tree(s.root.path()),
        before,
        "the roster's refusals leave nothing"
    );
}

/// A file over `--max-file-mb` is refused and leaves nothing behind (no temporary file),
/// while a small one beside it is saved; so does an upload cut off half way.
#[test]
fn a_file_over_the_size_limit_is_refused_and_leaves_nothing_behind() {
    let s = Server::start(&["--max-file-mb", "1"]);
    new_round(&s, &json!({}));
    let before = files_only(&tree(s.root.path()));
    let big = vec![b'x'; 2 << 20];
    let just = vec![b'y'; 1 << 20];
    let parts: [(&[u8], &[u8]); 4] = [
        (b"big.xlsx", &big),
        ("村/big.xlsx".as_bytes(), &big),
        (b"small.xlsx", b"PK"),
        (b"just.xlsx", &just),
    ];
    let (saved, refused) = outcome(&s.upload("/api/rounds/第一轮/files", "files", &parts));
    assert_eq!(
        saved,
        ["small.xlsx", "just.xlsx"],
        "1 MB exactly is allowed"
    );
    assert_eq!(refused, ["big.xlsx", "村/big.xlsx"]);
    let mut want = before.clone();
    want.insert("工作区/第一轮/收件/small.xlsx".into());
    want.insert("工作区/第一轮/收件/just.xlsx".into());
    assert_eq!(
        files_only(&tree(s.root.path())),
        want,
        "no big file, no temporary file"
    );
    let a = s.upload("/api/roster", "file", &[(b"roster.xlsx", &big)]);
    refusal(&a, 400);
    assert_eq!(files_only(&tree(s.root.path())), want, "nor a big roster");

    // An upload whose body stops half way: the answer is an error, nothing is kept.
    let (kind, body) = multipart("files", &[(b"cut.xlsx", &just)]);
    let full = body.len().to_string();
    let h = [
        ("Host", s.host()),
        ("X-Selfbuilt", "1".into()),
        ("Content-Type", kind),
        ("Content-Length", full),
    ];
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut conn = write_request(
        s.port,
        "POST",
        &target("/api/rounds/第一轮/files"),
        &h,
        &body[..body.len() / 2],
    );
    conn.shutdown(Shutdown::Write).unwrap();
    let mut raw = Vec::new();
    let _ = conn.read_to_end(&mut raw);
    let start = Instant::now();
    while files_only(&tree(s.root.path())) != want {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "left behind: {:?}",
            files_only(&tree(s.root.path()))
                .difference(&want)
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A round holds at most 5000 files: 5001 sent at once save 5000 and refuse the last;
/// one more later is refused too.
#[test]
fn a_round_holds_at_most_5000_files() {
    let s = Server::start(&[]);
    new_round(&s, &json!({}));
    let names: Vec<String> = (0..5001)
        .map(|i| format!("村{}/{i:04}.csv", i % 10))
        .collect();
    let parts: Vec<(&[u8], &[u8])> = names
        .iter()
        .map(|n| (n.as_bytes(), b"1".as_slice()))
        .collect();
    let start = Instant::now();
    let (saved, refused) = outcome(&s.upload("/api/rounds/第一轮/files", "files", &parts));
    eprintln!("5001 parts answered in {:?}", start.elapsed());
    assert_eq!((saved.len(), refused.as_slice()), (5000, &names[5000..]));
    assert_eq!(
        s.get("/api/rounds/第一轮/files").json()["files"]
            .as_array()
            .unwrap()
            .len(),
        5000
    );
    let a = s.upload(
        "/api/rounds/第一轮/files",
        "files",
        &[(b"one-more.csv", b"1")],
    );
    assert_eq!(outcome(&a), (vec![], vec!["one-more.csv".to_string()]));
    assert!(!s.ws.join("第一轮/收件/one-more.csv").exists());
    assert!(!s.ws.join("第一轮/收件/村0/5000.csv").exists());
}

/// A body declared bigger than the server's limit (`routes::MAX_BODY`, 2 GiB) is refused
/// with 413 at once, before it is read, and nothing is written.
#[test]
fn a_body_declared_over_the_limit_is_refused_at_once() {
    let s = Server::start(&[]);
    new_round(&s, &json!({}));
    let before = tree(s.root.path());
    let over = ((2u64 << 30) + 1).to_string();
    let (kind, body) = multipart("files", &[(b"a.xlsx", b"PK")]);
    for (path, kind, body) in [
        ("/api/rounds/第一轮/files", kind.as_str(), body.as_slice()),
        ("/api/roster", kind.as_str(), body.as_slice()),
        ("/api/rounds", "application/json", b"{}".as_slice()),
    ] {
        let h = [
            ("Host", s.host()),
            ("X-Selfbuilt", "1".into()),
            ("Content-Type", kind.to_string()),
            ("Content-Length", over.clone()),
        ];
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let start = Instant::now();
        // The body is not sent whole and the connection stays open: only an answer that
        // does not wait for the body comes back.
        let mut conn = write_request(s.port, "POST", &target(path), &h, body);
        conn.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
        let head = String::from_utf8_lossy(&raw);
        assert!(
            head.starts_with("HTTP/1.1 413"),
            "{path}: after {:?}: {head}",
            start.elapsed()
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("content-security-policy"),
            "{head}"
        );
    }
    assert_eq!(tree(s.root.path()), before);
    // A body over a JSON endpoint's own limit (2 MB), sent whole, is refused as read.
    let big = format!(r#"{{"deadline": null, "pad": "{}"}}"#, "x".repeat(3 << 20));
    let a = s.ask(
        "POST",
        "/api/rounds",
        &[("Content-Type", "application/json")],
        big.as_bytes(),
    );
    assert_eq!(a.status, 413, "{}", a.text());
    assert_eq!(tree(s.root.path()), before);
}

/// `--bind 0.0.0.0` without `--token` exits 2 naming --token, serving nothing; a token
/// too short is refused the same way.
#[test]
fn listening_beyond_this_computer_needs_a_token() {
    for (args, says) in [
        (&["--bind", "0.0.0.0"][..], "--token"),
        (&["--bind", "0.0.0.0", "--token", "short"][..], "--token"),
        (&["--token", "bad token!"][..], "--token"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_selfbuilt"))
            .args(["serve", "--port", "0", "--workspace"])
            .arg(dir.path().join("ws"))
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("{args:?}: still serving");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            !stdout.contains("http://"),
            "{args:?}: no address: {stdout}"
        );
    }
}

/// With `--token`: the API needs the cookie that `POST /api/login` sets for the right
/// token (401 without, with a wrong one, for a wrong token); hello and the page stay open.
#[test]
fn with_a_token_the_api_needs_its_cookie() {
    let s = Server::start(&["--bind", "0.0.0.0", "--token", "abcdefgh12"]);
    let (host, port) = (s.host(), s.port);
    let get = |path: &str, cookie: Option<&str>| {
        let mut h = vec![("Host", host.as_str())];
        if let Some(c) = cookie {
            h.push(("Cookie", c));
        }
        send(port, "GET", path, &h, b"")
    };
    refusal(&get("/api/workspace", None), 401);
    refusal(
        &get("/api/workspace", Some("selfbuilt_token=abcdefgh13")),
        401,
    );
    refusal(
        &get("/api/workspace", Some("selfbuilt_token=abcdefgh1")),
        401,
    );
    refusal(&get("/api/workspace", Some("other=abcdefgh12")), 401);
    refusal(
        &get("/api/rounds/%E7%AC%AC%E4%B8%80%E8%BD%AE/results", None),
        401,
    );
    refusal(&s.json("POST", "/api/rounds", &json!({})), 401);
    refusal(&s.json("POST", "/api/quit", &json!({})), 401);
    assert!(s.alive());
    let h = get("/api/hello", None);
    assert_eq!(h.status, 200);
    assert_eq!(
        (
            h.json()["token_required"].clone(),
            h.json()["logged_in"].clone()
        ),
        (json!(true), json!(false))
    );
    let page = get("/", None);
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/html"));
    assert_eq!(get("/assets/app.js", None).status, 200);
    // Another name for this computer, on its port, is fine when listening wide.
    assert_eq!(
        send(
            port,
            "GET",
            "/api/hello",
            &[("Host", &format!("192.168.1.9:{port}"))],
            b""
        )
        .status,
        200
    );
    assert_eq!(
        send(port, "GET", "/api/hello", &[("Host", "192.168.1.9:1")], b"").status,
        403
    );

    refusal(
        &s.json("POST", "/api/login", &json!({"token": "abcdefgh13"})),
        401,
    );
    refusal(&s.json("POST", "/api/login", &json!({"token": ""})), 401);
    let login = s.json("POST", "/api/login", &json!({"token": "abcdefgh12"}));
    assert_eq!((login.status, login.json()), (200, json!({})));
    let set = login.header("set-cookie").expect("a cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap();
    assert_eq!(cookie, "selfbuilt_token=abcdefgh12");
    let ws = get("/api/workspace", Some(cookie));
    assert_eq!(ws.status, 200, "{}", ws.text());
    assert_eq!(
        get("/api/workspace", Some(&format!("a=1; {cookie}; b=2"))).status,
        200
    );
    assert_eq!(get("/api/hello", Some(cookie)).json()["logged_in"], true);
    let a = s.ask(
        "POST",
        "/api/rounds",
        &[("Cookie", cookie), ("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(a.status, 200, "{}", a.text());
}

/// The page, its script, a refusal and a 404 all carry the page's
/// Content-Security-Policy (nothing but this server's own scripts) and no-sniff.
#[test]
fn every_answer_carries_the_content_security_policy() {
    let s = Server::start(&[]);
    let page = s.get("/");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/html"));
    let js = s.get("/assets/app.js");
    assert_eq!(js.status, 200);
    assert!(js
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/javascript"));
    let forbidden = send(s.port, "GET", "/", &[("Host", "evil.example:80")], b"");
    assert_eq!(forbidden.status, 403);
    let cross = s.ask(
        "POST",
        "/api/rounds",
        &[("Origin", "http://evil.example")],
        b"{}",
    );
    assert_eq!(cross.status, 403);
    let missing = s.get("/assets/nothing.js");
    assert_eq!(missing.status, 404);
    let nowhere = s.get("/api/nothing");
    assert_eq!(nowhere.status, 404);
    let no_round = s.get("/api/rounds/第九轮/results");
    assert_eq!(no_round.status, 404);
    for (what, a) in [
        ("page", &page),
        ("app.js", &js),
        ("403 host", &forbidden),
        ("403 origin", &cross),
        ("404 asset", &missing),
        ("404 route", &nowhere),
        ("404 round", &no_round),
    ] {
        let csp = a
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{what}: no CSP"));
        for part in [
            "default-src 'none'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "{what}: {csp}");
        }
        assert!(!csp.contains("unsafe"), "{what}: {csp}");
        assert_eq!(
            a.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
    }
}

/// DELETE of a path that could leave the inbox (`..`, encoded or not, absolute, a
/// backslash) is refused, and nothing is removed anywhere.
#[test]
fn deleting_a_path_with_dotdot_is_refused_and_removes_nothing() {
    let s = Server::start(&[]);
    new_round(&s, &json!({}));
    new_round(&s, &json!({}));
    s.upload(
        "/api/rounds/第一轮/files",
        "files",
        &[("村/a.xlsx".as_bytes(), b"1")],
    );
    s.upload("/api/rounds/第二轮/files", "files", &[(b"b.xlsx", b"1")]);
    std::fs::write(s.ws.join("victim.txt"), "keep").unwrap();
    std::fs::write(s.root.path().join("outside.txt"), "keep").unwrap();
    let before = tree(s.root.path());
    let r = "/api/rounds/%E7%AC%AC%E4%B8%80%E8%BD%AE/files/";
    for path in [
        "../../victim.txt",
        "../../../outside.txt",
        "..%2F..%2Fvictim.txt",
        "%2E%2E/%2E%2E/victim.txt",
        "%2e%2e%2f%2e%2e%2f%2e%2e%2foutside.txt",
        "..%5C..%5Cvictim.txt",
        "%2F%2Fetc%2Fpasswd",
        "村/../../../第二轮/收件/b.xlsx",
        "..%2F..%2F%E7%AC%AC%E4%BA%8C%E8%BD%AE%2F%E6%94%B6%E4%BB%B6%2Fb.xlsx",
        "村",
        "村/",
        "",
    ] {
        let a = send(
            s.port,
            "DELETE",
            &format!("{r}{path}"),
            &[("Host", &s.host()), ("X-Selfbuilt", "1")],
            b"",
        );
        assert!(
            (400..500).contains(&a.status),
            "DELETE {path}: {} {}",
            a.status,
            a.text()
        );
    }
    for path in [
        "/api/rounds/..%2F%E7%AC%AC%E4%BA%8C%E8%BD%AE/files/b.xlsx",
        "/api/rounds/../files/victim.txt",
        "/api/rounds/%2E%2E/files/victim.txt",
    ] {
        let a = send(
            s.port,
            "DELETE",
            path,
            &[("Host", &s.host()), ("X-Selfbuilt", "1")],
            b"",
        );
        assert!(
            (400..500).contains(&a.status),
            "DELETE {path}: {} {}",
            a.status,
            a.text()
        );
    }
    assert_eq!(tree(s.root.path()), before, "nothing removed");
    let a = s.delete("/api/rounds/第一轮/files/村/a.xlsx");
    assert_eq!(a.status, 200, "the file itself can be removed");
}

/// `POST /api/quit` ends the process by itself within seconds, even while a page holds
/// `/api/events` open; the event stream ends with it.
#[test]
fn quit_ends_the_server_even_with_an_event_stream_open() {
    let mut s = Server::start(&[]);
    let mut events = write_request(s.port, "GET", "/api/events", &[("Host", &s.host())], b"");
    let mut heard = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&heard).contains("event: snapshot") {
        let n = events.read(&mut buf).expect("the event stream");
        assert!(
            n > 0,
            "the stream ended early: {}",
            String::from_utf8_lossy(&heard)
        );
        heard.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&heard).to_string();
    assert!(
        head.starts_with("HTTP/1.1 200") && head.contains("text/event-stream"),
        "{head}"
    );
    let a = s.json("POST", "/api/quit", &json!({}));
    assert_eq!((a.status, a.json()), (200, json!({})));
    let code = s.wait_exit(Duration::from_secs(10));
    assert_eq!(
        code,
        Some(0),
        "the server did not end by itself; stderr: {}",
        s.stderr()
    );
    // The stream was ended, not left hanging.
    events
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = events.read_to_end(&mut rest);
}

/// Results that no longer match the round are said to be so: a file added to the inbox
/// by hand, the results folder written by the command line, or the round deleted and
/// made again never leave old results shown as the round's own.
#[test]
fn results_that_no_longer_match_the_round_are_said_to_be_stale() {
    let s = Server::start(&["--demo"]);
    let r = s.wait_done(R1);
    assert_eq!(r["stale"], json!(null), "fresh results: {r}");
    // A village's file added outside the page.
    let inbox = s.ws.join(R1).join("收件");
    let first = std::fs::read_dir(&inbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_file())
        .unwrap();
    std::fs::copy(&first, inbox.join("另一份.xlsx")).unwrap();
    let r = s.round(R1).unwrap();
    assert_eq!(r["state"], "done");
    assert!(
        r["stale"].as_str().is_some_and(|w| w.contains("收件")),
        "the inbox changed: {r}"
    );
    // Run again: fresh.
    assert_eq!(
        s.json("POST", "/api/rounds/第一轮/run", &json!({})).status,
        202
    );
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        let r = s.round(R1).unwrap();
        if r["state"] == "done" && r["stale"].is_null() {
            break;
        }
        assert!(Instant::now() < end, "the round ran again: {r}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The results folder rewritten by something else.
    let summary = s.ws.join(R1).join("结果").join("summary.json");
    let text = std::fs::read_to_string(&summary).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&summary, text).unwrap();
    let r = s.round(R1).unwrap();
    assert!(
        r["stale"].as_str().is_some_and(|w| w.contains("结果")),
        "{r}"
    );
    // The round deleted by hand and made again: no old results.
    std::fs::remove_dir_all(s.ws.join(R1)).unwrap();
    let again = s.json("POST", "/api/rounds", &json!({})).json();
    assert_eq!(again["name"], R1);
    let r = s.round(R1).unwrap();
    assert_eq!(
        (r["state"].as_str(), r["exit"].clone()),
        (Some("empty"), json!(null)),
        "{r}"
    );
    assert_eq!(s.get("/api/rounds/第一轮/results").status, 404);
    assert_eq!(s.get("/api/rounds/第一轮/packages/上林村.zip").status, 404);
}

/// A file that is no table (a photo, a PDF) is refused as the roster, said why, and the
/// roster before it stays: a run never loses its coverage to a wrong upload silently.
#[test]
fn a_roster_that_is_no_table_is_refused_and_the_old_one_stays() {
    let s = Server::start(&[]);
    let a = s.upload(
        "/api/roster",
        "file",
        &[("名册.csv".as_bytes(), "编码,户主\n1,甲\n".as_bytes())],
    );
    assert_eq!(a.status, 200, "{}", a.text());
    let photo: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0\x90\x91h6";
    let pdf: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\0\0\x01\x02";
    for (name, bytes) in [("名册.xlsx", photo), ("名册.pdf", pdf)] {
        let a = s.upload("/api/roster", "file", &[(name.as_bytes(), bytes)]);
        assert_eq!(a.status, 400, "{name}: {}", a.text());
        assert!(
            a.json()["error"].as_str().unwrap().contains("不是表格"),
            "{}",
            a.text()
        );
    }
    let ws = s.get("/api/workspace").json();
    assert_eq!(ws["roster"]["file"], "名册.csv", "{ws}");
}
