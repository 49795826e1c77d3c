//! The map of the server: every path and the endpoint answering it, the upload limit on
//! the routes that take files, the guard on all of them, the common headers outermost
//! (so that a refusal carries them too).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::header::CONTENT_LENGTH;
use axum::http::{Request, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{middleware, Router};

use super::app::App;
use super::{api, assets, guard};

/// The largest request body: a round's files in one upload.
pub const MAX_BODY: usize = 2 << 30;

/// Every route.
pub fn router(app: Arc<App>) -> Router {
    let files = DefaultBodyLimit::max(MAX_BODY);
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{name}", get(assets::asset))
        .route("/api/hello", get(api::hello))
        .route("/api/login", post(api::login))
        .route("/api/quit", post(api::quit))
        .route("/api/workspace", get(api::workspace))
        .route("/api/rounds", post(api::new_round))
        .route("/api/rounds/{round}", axum::routing::patch(api::set_round))
        .route(
            "/api/rounds/{round}/files",
            get(api::files).post(api::upload).layer(files),
        )
        .route(
            "/api/rounds/{round}/files/{*path}",
            delete(api::remove_file),
        )
        .route(
            "/api/roster",
            post(api::upload_roster)
                .delete(api::remove_roster)
                .layer(files),
        )
        .route("/api/rounds/{round}/run", post(api::run))
        .route("/api/events", get(api::events))
        .route("/api/rounds/{round}/results", get(api::results))
        .route("/api/rounds/{round}/findings", get(api::findings))
        .route("/api/rounds/{round}/wordings", get(api::wordings))
        .route("/api/aliases", get(api::list_aliases).post(api::confirm))
        .route("/api/aliases/{id}", delete(api::undo))
        .route("/api/rounds/{round}/download/{file}", get(api::download))
        .route("/api/rounds/{round}/packages.zip", get(api::all_packages))
        .route("/api/rounds/{round}/packages/{file}", get(api::package))
        .fallback(|| async { guard::refuse(StatusCode::NOT_FOUND, "没有这个地址") })
        .layer(middleware::from_fn(declared_size))
        .layer(middleware::from_fn_with_state(app.clone(), guard::guard))
        .layer(middleware::map_response(guard::headers))
        .with_state(app)
}

/// Refuses at once (413) a request whose declared length is over `MAX_BODY`. The body
/// limit alone counts bytes only as they are read: a multipart body that closed early was
/// taken as whole (its files saved), any other was waited for, never refused.
async fn declared_size(req: Request<Body>, next: Next) -> Response {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return guard::refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "内容太大：一次最多上传 2 GB，请分几次上传",
        );
    }
    next.run(req).await
}

/// Serves the page on `listener` until `quit` resolves or `POST /api/quit` is asked.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    quit: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router(app.clone());
    let mut asked = app.stop.subscribe();
    let stop = app.stop.clone();
    let ended = async move {
        tokio::select! {
            () = quit => {}
            _ = asked.wait_for(|s| *s) => {}
        }
        let _ = stop.send(true);
    };
    axum::serve(listener, router)
        .with_graceful_shutdown(ended)
        .await
}
