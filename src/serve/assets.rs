//! The page, compiled into the binary: nothing is loaded from anywhere else, so it works
//! on a computer with no network, and no build step stands between the files in
//! `assets/` and what is served.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Every asset: its name under `/assets/`, its type, its bytes.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../../assets/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/app.css"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../../assets/icon.svg"),
    ),
];

/// An asset as an answer (404 when there is none of that name).
pub fn answer(name: &str) -> Response {
    match ASSETS.iter().find(|a| a.0 == name) {
        Some((_, kind, bytes)) => {
            ([(CONTENT_TYPE, *kind), (CACHE_CONTROL, "no-cache")], *bytes).into_response()
        }
        None => super::guard::refuse(StatusCode::NOT_FOUND, "没有这个文件"),
    }
}

/// `GET /`: the page.
pub async fn index() -> Response {
    answer("index.html")
}

/// `GET /assets/{name}`.
pub async fn asset(Path(name): Path<String>) -> Response {
    answer(&name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_loads_nothing_from_elsewhere_and_runs_no_inline_code() {
        let outside = [
            "src=\"http",
            "href=\"http",
            "url(http",
            "url(\"http",
            "url('http",
            "@import",
            "fetch(\"http",
            "fetch('http",
            "<script>",
            " style=\"",
            " onclick=",
            " onload=",
        ];
        for (name, _, bytes) in super::ASSETS {
            let text = String::from_utf8_lossy(bytes);
            for o in outside {
                assert!(!text.contains(o), "{name} holds {o}");
            }
        }
    }
}
