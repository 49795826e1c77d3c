//! The endpoints, one function each, as `routes` maps them (see `docs/serve-api.md`).
//! Answers are JSON; a refusal is `{ "error": "…" }` with its status.

use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::aliases::{self, Decision, Dismissed};
use super::app::App;
use super::guard::refuse;
use super::queue::State as RunState;
use super::runner;
use super::workspace::{RESULTS, ROSTER};

/// An answer or a refusal.
type Answer = Result<Response, Response>;

/// A refusal from an error, with its status.
fn fail(status: StatusCode) -> impl Fn(anyhow::Error) -> Response {
    move |e| {
        refuse(
            status,
            &crate::errors::error_text(&e, crate::finding::Lang::Zh),
        )
    }
}

/// `GET /api/hello`: who answers.
pub async fn hello(State(app): State<Arc<App>>, headers: axum::http::HeaderMap) -> Json<Value> {
    let cookies = headers.get("cookie").and_then(|v| v.to_str().ok());
    Json(json!({
        "app": "selfbuilt",
        "version": env!("CARGO_PKG_VERSION"),
        "workspace": app.ws.root.display().to_string(),
        "campaign": app.campaign,
        "campaign_name": app.campaign_name,
        "main_label": app.main_label,
        "roster_label": app.roster_label,
        "token_required": app.access.token.is_some(),
        "logged_in": super::guard::has_token(cookies, &app.access),
    }))
}

/// The body of `POST /api/login`.
#[derive(Deserialize)]
pub struct Login {
    token: String,
}

/// `POST /api/login`: the token, once; a cookie for the rest.
pub async fn login(State(app): State<Arc<App>>, Json(body): Json<Login>) -> Response {
    let cookie = format!("{}={}", super::guard::COOKIE_NAME, body.token);
    if !super::guard::has_token(Some(&cookie), &app.access) {
        return refuse(StatusCode::UNAUTHORIZED, "口令不对");
    }
    (
        [(
            SET_COOKIE,
            format!("{cookie}; HttpOnly; SameSite=Strict; Path=/"),
        )],
        Json(json!({})),
    )
        .into_response()
}

/// `POST /api/quit`: the server stops.
pub async fn quit(State(app): State<Arc<App>>) -> Json<Value> {
    let _ = app.stop.send(true);
    Json(json!({}))
}

/// A round as the page lists it.
fn round_info(app: &App, name: &str) -> Value {
    let ws = &app.ws;
    let settings = ws.settings(name);
    let files = ws.files(name);
    let view = app.view(name);
    let (state, error) = match app.runner.state(name) {
        RunState::Running => ("running", None),
        RunState::Queued(_) => ("queued", None),
        RunState::Failed(why) => ("failed", Some(why)),
        RunState::Idle if view.is_some() && ws.has_results(name) => ("done", None),
        RunState::Idle if files.is_empty() => ("empty", None),
        RunState::Idle => ("ready", None),
    };
    json!({
        "name": name,
        "previous": settings.previous,
        "deadline": settings.deadline.map(|d| d.format("%Y-%m-%d").to_string()),
        "files": files.len(),
        "bytes": files.iter().map(|f| f.1).sum::<u64>(),
        "state": state,
        "exit": view.as_ref().map(|v| v.results.exit),
        "error": error,
        "stale": if state == "done" { app.stale(name) } else { None },
        // The command the results were made by; before a first run, the one that would.
        "command": view.as_ref().map_or_else(
            || ws.command(name, &app.engine.global_words(), &app.engine.tail_words()),
            |v| v.results.command.clone(),
        ),
    })
}

/// `GET /api/workspace`: the rounds, the roster, the confirmed wordings.
pub async fn workspace(State(app): State<Arc<App>>) -> Json<Value> {
    let rounds: Vec<Value> = app
        .ws
        .rounds()
        .iter()
        .map(|r| round_info(&app, r))
        .collect();
    let roster = app.ws.roster().map(|p| {
        json!({
            "file": p.file_name().map(|n| n.to_string_lossy().into_owned()),
            "bytes": std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0),
        })
    });
    let book = aliases::read_book(&app.ws).unwrap_or_default();
    let desk = aliases::read_desk(&app.ws).unwrap_or_default();
    let (running, waiting) = app.runner.snapshot();
    Json(json!({
        "workspace": app.ws.root.display().to_string(),
        "campaign_name": app.campaign_name,
        "rounds": rounds,
        "roster": roster,
        "aliases": aliases::list(&book, &desk).len(),
        "busy": running.map(|r| json!({"round": r, "position": 0})),
        "waiting": waiting,
    }))
}

/// A deadline in a request.
#[derive(Deserialize, Default)]
pub struct Deadline {
    #[serde(default)]
    deadline: Option<String>,
}

/// A `YYYY-MM-DD` day, or a refusal.
fn day(text: Option<&str>) -> Result<Option<chrono::NaiveDate>, Response> {
    match text.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| refuse(StatusCode::BAD_REQUEST, &format!("“{t}”不是日期"))),
    }
}

/// `POST /api/rounds`: the next round.
pub async fn new_round(State(app): State<Arc<App>>, body: Option<Json<Deadline>>) -> Answer {
    let deadline = day(body.as_ref().and_then(|b| b.deadline.as_deref()))?;
    let name = app
        .ws
        .new_round(deadline)
        .map_err(fail(StatusCode::CONFLICT))?;
    Ok(Json(round_info(&app, &name)).into_response())
}

/// A round's folder, or 404.
fn round(app: &App, name: &str) -> Result<std::path::PathBuf, Response> {
    app.ws.round_dir(name).map_err(fail(StatusCode::NOT_FOUND))
}

/// `PATCH /api/rounds/{round}`: its deadline.
pub async fn set_round(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Json(body): Json<Deadline>,
) -> Answer {
    round(&app, &name)?;
    let mut settings = app.ws.settings(&name);
    settings.deadline = day(body.deadline.as_deref())?;
    app.ws
        .set_settings(&name, &settings)
        .map_err(fail(StatusCode::CONFLICT))?;
    Ok(Json(round_info(&app, &name)).into_response())
}

/// `GET /api/rounds/{round}/files`.
pub async fn files(State(app): State<Arc<App>>, Path(name): Path<String>) -> Answer {
    round(&app, &name)?;
    let files: Vec<Value> = app
        .ws
        .files(&name)
        .into_iter()
        .map(|(name, bytes)| json!({"name": name, "bytes": bytes}))
        .collect();
    Ok(Json(json!({ "files": files })).into_response())
}

/// Refuses changing a round's files while it runs or waits.
fn not_busy(app: &App, name: &str) -> Result<(), Response> {
    match app.runner.state(name) {
        RunState::Running | RunState::Queued(_) => Err(refuse(
            StatusCode::CONFLICT,
            "这一轮正在检查，等检查完再改它的文件",
        )),
        _ => Ok(()),
    }
}

/// `POST /api/rounds/{round}/files`: the villages' files.
pub async fn upload(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    form: Multipart,
) -> Answer {
    round(&app, &name)?;
    not_busy(&app, &name)?;
    let inbox = app.ws.inbox(&name).map_err(fail(StatusCode::CONFLICT))?;
    let already = app.ws.files(&name).len();
    app.runner.upload_started(&name);
    let out = super::upload::save_parts(form, "files", &inbox, already, app.uploads).await;
    app.runner.upload_ended(&name);
    let out = out.map_err(|e| refuse(e.status(), &format!("上传没有完成：{}", e.body_text())))?;
    Ok(Json(out).into_response())
}

/// `DELETE /api/rounds/{round}/files/{*path}`.
pub async fn remove_file(
    State(app): State<Arc<App>>,
    Path((name, path)): Path<(String, String)>,
) -> Answer {
    round(&app, &name)?;
    not_busy(&app, &name)?;
    let inbox = app.ws.inbox(&name).map_err(fail(StatusCode::CONFLICT))?;
    let target = super::workspace::inside(&inbox, &path).map_err(fail(StatusCode::BAD_REQUEST))?;
    std::fs::remove_file(&target)
        .map_err(|e| refuse(StatusCode::NOT_FOUND, &format!("无法删除：{e}")))?;
    Ok(Json(json!({})).into_response())
}

/// `POST /api/roster`: the roster, replacing the one before.
pub async fn upload_roster(State(app): State<Arc<App>>, form: Multipart) -> Answer {
    roster_free(&app)?;
    let dir = app.ws.root.join(ROSTER);
    let staged = app.ws.root.join(".名册上传");
    let _ = std::fs::remove_dir_all(&staged);
    let limits = super::upload::UploadLimits {
        files: 1,
        ..app.uploads
    };
    let out = super::upload::save_parts(form, "file", &staged, 0, limits)
        .await
        .map_err(|e| refuse(e.status(), &format!("上传没有完成：{}", e.body_text())))?;
    let Some(saved) = out.saved.first() else {
        let _ = std::fs::remove_dir_all(&staged);
        let why = out
            .refused
            .first()
            .map_or("没有收到名册文件".into(), |r| r.why.clone());
        return Err(refuse(StatusCode::BAD_REQUEST, &why));
    };
    if let Some(why) = not_a_table(&staged.join(&saved.name)) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(refuse(StatusCode::BAD_REQUEST, &why));
    }
    if saved.name.contains('/') {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "名册应是一个文件，不是文件夹",
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&staged, &dir)
        .map_err(|e| refuse(StatusCode::CONFLICT, &format!("无法保存名册：{e}")))?;
    Ok(Json(json!({"file": saved.name, "bytes": saved.bytes})).into_response())
}

/// Why a file is no table a roster could be read from (an image, a PDF, an old or
/// locked workbook), by its first bytes as the reader tells them; None when it may be.
fn not_a_table(path: &std::path::Path) -> Option<String> {
    use crate::read::sniff::{sniff, Kind};
    use std::io::Read;
    let mut head = Vec::new();
    let file = std::fs::File::open(path).ok()?;
    file.take(8192).read_to_end(&mut head).ok()?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match sniff(&head, &ext) {
        Kind::Unknown => Some("这个文件不是表格（xlsx、xls、ods、csv 等），不能作为名册".into()),
        Kind::Encrypted => Some("这个表格设了密码，请去掉密码后再上传名册".into()),
        Kind::OldExcel => {
            Some("这是很老的 Excel 格式（Excel 4.0 以前），请另存为 xlsx 后再上传名册".into())
        }
        _ => None,
    }
}

/// `DELETE /api/roster`.
pub async fn remove_roster(State(app): State<Arc<App>>) -> Answer {
    roster_free(&app)?;
    let _ = std::fs::remove_dir_all(app.ws.root.join(ROSTER));
    Ok(Json(json!({})).into_response())
}

/// Refuses changing the roster while a round runs or waits (its results would not say
/// which roster they were checked against).
fn roster_free(app: &App) -> Result<(), Response> {
    if app.runner.busy() {
        return Err(refuse(StatusCode::CONFLICT, "正在检查，等检查完再换名册"));
    }
    Ok(())
}

/// `POST /api/rounds/{round}/run`: queued; 202 with how many runs are ahead.
pub async fn run(State(app): State<Arc<App>>, Path(name): Path<String>) -> Answer {
    round(&app, &name)?;
    if app.runner.uploading(&name) {
        return Err(refuse(
            StatusCode::CONFLICT,
            "这一轮的文件还在上传，传完再开始检查",
        ));
    }
    let position = runner::enqueue(&app, &name);
    Ok((StatusCode::ACCEPTED, Json(json!({ "position": position }))).into_response())
}

/// `GET /api/events`: live progress.
pub async fn events(State(app): State<Arc<App>>) -> Response {
    let (_, waiting) = app.runner.snapshot();
    let snapshot = json!({"busy": app.events.live(), "queue": waiting});
    app.events
        .stream(snapshot, app.stop.subscribe())
        .into_response()
}

/// A round's view, or 404 before its first run.
fn view_of(app: &App, name: &str) -> Result<Arc<super::view::View>, Response> {
    round(app, name)?;
    app.view(name)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "这一轮还没有检查过"))
}

/// `GET /api/rounds/{round}/results`.
pub async fn results(State(app): State<Arc<App>>, Path(name): Path<String>) -> Answer {
    let v = view_of(&app, &name)?;
    Ok(Json(&v.results).into_response())
}

/// The filters of `findings`.
#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    village: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    offset: usize,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /api/rounds/{round}/findings`: filtered, a page at a time, each with its row as
/// written.
pub async fn findings(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Query(f): Query<Filter>,
) -> Answer {
    let v = view_of(&app, &name)?;
    let keep = |i: &&super::view::Item| {
        (f.village.is_empty() || i.village == f.village)
            && (f.severity.is_empty() || i.severity == f.severity)
            && (f.rule.is_empty() || i.code == f.rule)
    };
    let mut villages: Vec<&str> = v.findings.iter().map(|i| i.village.as_str()).collect();
    villages.sort_unstable();
    villages.dedup();
    let mut rules: std::collections::BTreeMap<&str, (&str, usize)> = Default::default();
    for i in v
        .findings
        .iter()
        .filter(|i| f.village.is_empty() || i.village == f.village)
    {
        rules.entry(&i.code).or_insert((&i.title, 0)).1 += 1;
    }
    let chosen: Vec<&super::view::Item> = v.findings.iter().filter(keep).collect();
    let limit = f.limit.unwrap_or(100).clamp(1, 1000);
    let items: Vec<Value> = chosen
        .iter()
        .skip(f.offset)
        .take(limit)
        .map(|i| {
            let mut item = serde_json::to_value(i).unwrap_or_default();
            item["row_as_written"] = json!(v.rows.get(&i.row_key).cloned().unwrap_or_default());
            if let Some(fields) = item.as_object_mut() {
                fields.remove("row_key");
            }
            item
        })
        .collect();
    let rules: Vec<Value> = rules
        .into_iter()
        .map(|(code, (title, n))| json!({"code": code, "title": title, "n": n}))
        .collect();
    Ok(Json(json!({
        "total": chosen.len(),
        "villages": villages,
        "rules": rules,
        "items": items,
    }))
    .into_response())
}

/// `GET /api/rounds/{round}/wordings`.
pub async fn wordings(State(app): State<Arc<App>>, Path(name): Path<String>) -> Answer {
    let v = view_of(&app, &name)?;
    Ok(Json(json!({ "items": v.wordings })).into_response())
}

/// `GET /api/aliases`: every confirmed choice.
pub async fn list_aliases(State(app): State<Arc<App>>) -> Answer {
    let book = aliases::read_book(&app.ws).map_err(fail(StatusCode::CONFLICT))?;
    let desk = aliases::read_desk(&app.ws).map_err(fail(StatusCode::CONFLICT))?;
    let words = app
        .engine
        .schemas(&[])
        .map(|s| crate::rules::words::Words::new(&s))
        .map_err(fail(StatusCode::CONFLICT))?;
    let items: Vec<Value> = aliases::list(&book, &desk)
        .into_iter()
        .map(|c| {
            let mut item = serde_json::to_value(&c).unwrap_or_default();
            item["table_label"] = json!(words.table(&c.table, crate::finding::Lang::Zh));
            item["field_label"] = json!(if c.field.is_empty() {
                ""
            } else {
                words.field(&c.field, crate::finding::Lang::Zh)
            });
            item["to_label"] = json!(match (&c.to, c.kind.as_str()) {
                (Some(to), "header") => words.field(to, crate::finding::Lang::Zh).to_string(),
                (Some(to), _) => to.clone(),
                (None, _) => "都不是".to_string(),
            });
            item
        })
        .collect();
    Ok(Json(json!({ "items": items })).into_response())
}

/// The body of `POST /api/aliases`.
#[derive(Deserialize)]
pub struct Confirm {
    round: String,
    id: String,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    none: bool,
}

/// `POST /api/aliases`: a wording confirmed (or “都不是”); the round runs again.
pub async fn confirm(State(app): State<Arc<App>>, Json(body): Json<Confirm>) -> Answer {
    let v = view_of(&app, &body.round)?;
    let Some(w) = v.wordings.iter().find(|w| w.id == body.id) else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "没有这个写法（可能已经确认过）",
        ));
    };
    let decision = if body.none {
        Decision::None {
            wording: Dismissed {
                kind: w.kind.clone(),
                table: w.table.clone(),
                field: w.field.clone(),
                form: w.form.clone(),
            },
            taken: w.taken.clone(),
        }
    } else {
        let to = body.to.clone().unwrap_or_default();
        if !w.choices.iter().any(|c| c.to == to) {
            return Err(refuse(StatusCode::BAD_REQUEST, "请从列出的选项里选一个"));
        }
        if w.kind == "header" {
            Decision::Header {
                table: w.table.clone(),
                field: to,
                form: w.form.clone(),
            }
        } else {
            Decision::Value {
                table: w.table.clone(),
                field: w.field.clone(),
                form: w.form.clone(),
                to,
            }
        }
    };
    let _turn = app.words.lock().await;
    let book = aliases::read_book(&app.ws).map_err(fail(StatusCode::CONFLICT))?;
    let desk = aliases::read_desk(&app.ws).map_err(fail(StatusCode::CONFLICT))?;
    let (book, desk) = aliases::decide(book, desk, decision);
    save_and_rerun(&app, &body.round, &book, &desk)
}

/// The round of an undo.
#[derive(Deserialize)]
pub struct Which {
    round: String,
}

/// `DELETE /api/aliases/{id}?round=`: that choice undone (409 when it is gone already);
/// the round runs again.
pub async fn undo(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(which): Query<Which>,
) -> Answer {
    round(&app, &which.round)?;
    let _turn = app.words.lock().await;
    let book = aliases::read_book(&app.ws).map_err(fail(StatusCode::CONFLICT))?;
    let desk = aliases::read_desk(&app.ws).map_err(fail(StatusCode::CONFLICT))?;
    let (book, desk) = aliases::undo(book, desk, &id).map_err(fail(StatusCode::CONFLICT))?;
    save_and_rerun(&app, &which.round, &book, &desk)
}

/// Writes the choices (checked against the schemas first) and runs the round again.
fn save_and_rerun(
    app: &Arc<App>,
    round: &str,
    book: &aliases::Book,
    desk: &aliases::Desk,
) -> Answer {
    let schemas = app
        .engine
        .schemas(&[])
        .map_err(fail(StatusCode::CONFLICT))?;
    aliases::save(&app.ws, &schemas, book, desk).map_err(fail(StatusCode::CONFLICT))?;
    let position = runner::enqueue(app, round);
    Ok((StatusCode::ACCEPTED, Json(json!({ "position": position }))).into_response())
}

/// A file's type by its name.
fn kind_of(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "json" => "application/json",
        "zip" => "application/zip",
        _ => "text/plain; charset=utf-8",
    }
}

/// Bytes as a download named `name` (RFC 6266/5987: the name in UTF-8).
fn attachment(name: &str, bytes: Vec<u8>) -> Response {
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    let ext = name.rsplit('.').next().unwrap_or("bin");
    let disposition =
        format!("attachment; filename=\"selfbuilt.{ext}\"; filename*=UTF-8''{encoded}");
    (
        [
            (CONTENT_TYPE, kind_of(name).to_string()),
            (CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /api/rounds/{round}/download/{name}`: one of the results' files. report.html
/// opens in the browser, in a sandbox of its own (its inline styles and scripts run,
/// it can reach nothing).
pub async fn download(
    State(app): State<Arc<App>>,
    Path((name, file)): Path<(String, String)>,
) -> Answer {
    let v = view_of(&app, &name)?;
    if !v.results.downloads.iter().any(|d| d.name == file) {
        return Err(refuse(StatusCode::NOT_FOUND, "没有这个文件"));
    }
    let path = app.ws.root.join(&name).join(RESULTS).join(&file);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| refuse(StatusCode::NOT_FOUND, &format!("无法读取：{e}")))?;
    if file.ends_with(".html") {
        return Ok((
            [
                (CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; sandbox allow-scripts",
                ),
            ],
            bytes,
        )
            .into_response());
    }
    Ok(attachment(&file, bytes))
}

/// `GET /api/rounds/{round}/packages/{file}`: a village's package (`<村>.zip`), or all
/// of them (`全部.zip`, also at `/packages.zip`).
pub async fn package(
    State(app): State<Arc<App>>,
    Path((name, file)): Path<(String, String)>,
) -> Answer {
    let v = view_of(&app, &name)?;
    let returns = returns_folder(&app, &name);
    let village = file.strip_suffix(".zip").unwrap_or(&file);
    let folders: Vec<(String, std::path::PathBuf)> = v
        .results
        .packages
        .iter()
        .filter(|p| p.village == village && returns.join(&p.village).is_dir())
        .map(|p| (p.village.clone(), returns.join(&p.village)))
        .collect();
    if folders.is_empty() {
        return Err(refuse(StatusCode::NOT_FOUND, "没有这个村的材料"));
    }
    zipped(format!("{name}-{village}.zip"), folders).await
}

/// `GET /api/rounds/{round}/packages.zip`: every village's package in one zip.
pub async fn all_packages(State(app): State<Arc<App>>, Path(name): Path<String>) -> Answer {
    let v = view_of(&app, &name)?;
    let returns = returns_folder(&app, &name);
    let folders: Vec<(String, std::path::PathBuf)> = v
        .results
        .packages
        .iter()
        .map(|p| (p.village.clone(), returns.join(&p.village)))
        .collect();
    zipped(
        format!("{name}-{}.zip", crate::output::folders::RETURNS),
        folders,
    )
    .await
}

/// A round's folder of the villages' packages (`结果/退回各村/`).
fn returns_folder(app: &App, round: &str) -> std::path::PathBuf {
    app.ws
        .root
        .join(round)
        .join(RESULTS)
        .join(crate::output::folders::RETURNS)
}

/// Folders zipped on a blocking thread, as a download.
async fn zipped(name: String, folders: Vec<(String, std::path::PathBuf)>) -> Answer {
    let bytes = tokio::task::spawn_blocking(move || super::packages::zip_folders(&folders))
        .await
        .map_err(|_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "打包中断"))?
        .map_err(fail(StatusCode::INTERNAL_SERVER_ERROR))?;
    Ok(attachment(&name, bytes))
}
