//! The map of the server: every path and the endpoint answering it, the upload limit on
//! the routes that take files, the guard on all of them, the common headers outermost
//! (so that a refusal carries them too).

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::{middleware, Router};

use super::{api, assets, guard, App};

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
        .route("/api/aliases/{n}", delete(api::undo))
        .route("/api/rounds/{round}/download/{file}", get(api::download))
        .route("/api/rounds/{round}/packages.zip", get(api::all_packages))
        .route("/api/rounds/{round}/packages/{file}", get(api::package))
        .layer(middleware::from_fn_with_state(app.clone(), guard::guard))
        .layer(middleware::map_response(guard::headers))
        .with_state(app)
}
