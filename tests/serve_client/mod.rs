//! What the tests that talk to `selfbuilt serve` (`tests/serve.rs`, `tests/same_files.rs`,
//! `tests/browser.rs`) go through: the real binary started as `selfbuilt serve` on a free
//! port in a temporary workspace or one the test names (killed when dropped), and a raw
//! HTTP/1.1 client over `TcpStream` that sends exactly what a test writes — any Host,
//! Origin or cookie, any multipart file name byte for byte — and reads the whole answer.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long any one wait may last before a test fails (generous: CI may be loaded).
pub const PATIENCE: Duration = Duration::from_secs(180);

/// An answer: status, headers as sent, body (de-chunked).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    /// A header's value (the first of that name, any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let h = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name));
        h.map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (the test fails, showing it, when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", self.status, self.text()))
    }
}

/// Writes a request: the request line, `head` verbatim (no Host unless given), a
/// Content-Length unless `head` has one, `Connection: close`, the body.
pub fn write_request(
    port: u16,
    method: &str,
    target: &str,
    head: &[(&str, &str)],
    body: &[u8],
) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to the server");
    s.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut req = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for (k, v) in head {
        req.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    if !head
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        req.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    req.extend_from_slice(b"Connection: close\r\n\r\n");
    req.extend_from_slice(body);
    // A server that answers before reading the whole body may close early: its answer
    // is still there to read.
    let _ = s.write_all(&req);
    s
}

/// Sends a request (see `write_request`) and reads the whole answer.
pub fn send(port: u16, method: &str, target: &str, head: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut s = write_request(port, method, target, head, body);
    let mut raw = Vec::new();
    if let Err(e) = s.read_to_end(&mut raw) {
        assert!(!raw.is_empty(), "{method} {target}: no answer ({e})");
    }
    parse(&raw).unwrap_or_else(|| {
        panic!(
            "{method} {target}: not HTTP: {}",
            String::from_utf8_lossy(&raw)
        )
    })
}

/// An answer from its bytes.
fn parse(raw: &[u8]) -> Option<Answer> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut a = Answer {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    };
    if a.header("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        a.body = dechunk(&a.body);
    }
    Some(a)
}

/// A chunked body's data (as much as came).
pub fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&raw[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok());
        let Some(size) = size.filter(|n| *n > 0) else {
            break;
        };
        let data = &raw[eol + 2..];
        out.extend_from_slice(&data[..size.min(data.len())]);
        raw = data.get(size + 2..).unwrap_or_default();
    }
    out
}

/// A multipart body of parts named `field`, each with its file name as raw bytes; its
/// Content-Type and bytes.
pub fn multipart(field: &str, parts: &[(&[u8], &[u8])]) -> (String, Vec<u8>) {
    const B: &str = "selfbuilt-test-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, bytes) in parts {
        body.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"")
                .as_bytes(),
        );
        body.extend_from_slice(name);
        body.extend_from_slice(b"\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{B}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={B}"), body)
}

/// A path (with its query) as a request target: non-ASCII, controls and spaces
/// percent-encoded, everything else (`/`, `..`, `?`, `&`) as written.
pub fn target(path: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>');
    percent_encoding::utf8_percent_encode(path, SET).to_string()
}

/// The folder holding a server's workspace: a temporary one of its own (`Server::start`,
/// removed when dropped) or the one the test chose (`Server::start_in`, left to the test).
pub struct Root {
    path: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Root {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A running `selfbuilt serve`, killed when dropped.
pub struct Server {
    pub port: u16,
    /// The folder holding the workspace (and nothing else the server writes).
    pub root: Root,
    /// The workspace: `root/工作区`, or the one given to `start_in`.
    pub ws: PathBuf,
    pub child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// `selfbuilt serve --workspace <root/工作区> --port 0 --as-of 2026-12-01 <extra>`,
    /// once it has said its address.
    pub fn start(extra: &[&str]) -> Server {
        let temp = tempfile::tempdir().expect("temp dir");
        let root = Root {
            path: temp.path().to_path_buf(),
            _temp: Some(temp),
        };
        let ws = root.path().join("工作区");
        Server::spawn(root, ws, extra)
    }

    /// `selfbuilt serve --workspace <workspace> --port 0 --as-of 2026-12-01 <extra>`, once it
    /// has said its address: a workspace the test chose (its `root` is the folder holding it).
    pub fn start_in(workspace: &Path, extra: &[&str]) -> Server {
        let root = Root {
            path: workspace
                .parent()
                .expect("a workspace in a folder")
                .to_path_buf(),
            _temp: None,
        };
        Server::spawn(root, workspace.to_path_buf(), extra)
    }

    fn spawn(root: Root, ws: PathBuf, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_selfbuilt"))
            .args(["serve", "--workspace"])
            .arg(&ws)
            .args(["--port", "0", "--as-of", "2026-12-01"])
            .args(extra)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start selfbuilt serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (mut err, kept) = (child.stderr.take().expect("stderr"), stderr.clone());
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            kept.lock().unwrap().push_str(&text);
        });
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(out);
            let mut first = String::new();
            let _ = lines.read_line(&mut first);
            let _ = tx.send(first);
            // Kept read, so that the server never blocks on a full pipe.
            std::io::copy(&mut lines, &mut std::io::sink()).ok();
        });
        let first = rx.recv_timeout(PATIENCE).unwrap_or_default();
        let port = first
            .trim()
            .strip_prefix("请在浏览器中打开 http://127.0.0.1:")
            .and_then(|r| r.strip_suffix('/'))
            .and_then(|p| p.parse().ok());
        let mut s = Server {
            port: 0,
            root,
            ws,
            child,
            stderr,
        };
        match port {
            Some(p) => s.port = p,
            None => panic!(
                "no address on the first line: {first:?}; stderr: {}",
                s.stderr()
            ),
        }
        s
    }

    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Our own Host.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The page's address, as the server says it.
    pub fn url(&self) -> String {
        format!("http://{}/", self.host())
    }

    /// A request as the page sends it: our Host, and the mark on anything but GET.
    pub fn ask(&self, method: &str, path: &str, head: &[(&str, &str)], body: &[u8]) -> Answer {
        let host = self.host();
        let mut all = vec![("Host", host.as_str())];
        if method != "GET" {
            all.push(("X-Selfbuilt", "1"));
        }
        all.extend_from_slice(head);
        send(self.port, method, &target(path), &all, body)
    }

    pub fn get(&self, path: &str) -> Answer {
        self.ask("GET", path, &[], b"")
    }

    pub fn delete(&self, path: &str) -> Answer {
        self.ask("DELETE", path, &[], b"")
    }

    /// A JSON request.
    pub fn json(&self, method: &str, path: &str, body: &Value) -> Answer {
        let body = body.to_string();
        self.ask(
            method,
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }

    /// A JSON request that must succeed (any 2xx); the answer's JSON.
    pub fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let a = self.json(method, path, body);
        assert!(a.status < 300, "{method} {path}: {} {}", a.status, a.text());
        a.json()
    }

    /// A GET that must succeed (any 2xx); the answer's JSON.
    pub fn get_json(&self, path: &str) -> Value {
        let a = self.get(path);
        assert!(a.status < 300, "GET {path}: {} {}", a.status, a.text());
        a.json()
    }

    /// A multipart upload of parts named `field`.
    pub fn upload(&self, path: &str, field: &str, parts: &[(&[u8], &[u8])]) -> Answer {
        let (kind, body) = multipart(field, parts);
        self.ask("POST", path, &[("Content-Type", &kind)], &body)
    }

    /// An upload of files (name as sent, bytes) as the parts named `field`, which must be
    /// taken (200); the answer's JSON.
    pub fn upload_files(&self, path: &str, field: &str, files: &[(String, Vec<u8>)]) -> Value {
        let parts: Vec<(&[u8], &[u8])> = files
            .iter()
            .map(|(name, bytes)| (name.as_bytes(), bytes.as_slice()))
            .collect();
        let a = self.upload(path, field, &parts);
        assert_eq!(a.status, 200, "{}", a.text());
        a.json()
    }

    /// A round as `/api/workspace` lists it.
    pub fn round(&self, name: &str) -> Option<Value> {
        let ws = self.get("/api/workspace");
        assert_eq!(ws.status, 200, "{}", ws.text());
        ws.json()["rounds"]
            .as_array()?
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
    }

    /// Waits until a round's state is "done" (fails on "failed" or after `PATIENCE`).
    pub fn wait_done(&self, name: &str) -> Value {
        let start = Instant::now();
        loop {
            if let Some(r) = self.round(name) {
                match r["state"].as_str() {
                    Some("done") => return r,
                    Some("failed") => panic!("{name} failed: {r}; stderr: {}", self.stderr()),
                    _ => {}
                }
            }
            assert!(
                start.elapsed() < PATIENCE,
                "{name} not done in time: {:?}",
                self.round(name)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the server still answers.
    pub fn alive(&self) -> bool {
        TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            && send(
                self.port,
                "GET",
                "/api/hello",
                &[("Host", &self.host())],
                b"",
            )
            .status
                != 0
    }

    /// Waits for the process to end by itself; its exit code (None: still running).
    pub fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < within {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every file and folder under `dir`, relative to it (links not followed).
pub fn tree(dir: &Path) -> std::collections::BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, out: &mut std::collections::BTreeSet<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            out.insert(if is_dir { format!("{rel}/") } else { rel });
            if is_dir {
                walk(base, &p, out);
            }
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}
