//! Who may ask the server, and the headers every answer carries.
//!
//! A request is refused (403) when its `Host` is not this server as a browser on this
//! computer names it (so that a web page elsewhere cannot reach it by DNS rebinding),
//! when it comes from a page of another origin, or when it changes something without the
//! `X-Selfbuilt: 1` header (which a page elsewhere cannot send without a preflight this
//! server never grants). When the server listens beyond this computer, every API request
//! but `hello` and `login` needs the token's cookie (401).
//!
//! Every answer says: nothing but this server's own scripts, styles and images may load
//! (`Content-Security-Policy`), no sniffing, no referrer.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, COOKIE, HOST, ORIGIN, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::app::App;

/// The page's policy: its own scripts, styles, images and connections only.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The cookie holding the token.
pub const COOKIE_NAME: &str = "selfbuilt_token";

/// The header a changing request must carry.
pub const MARK: &str = "x-selfbuilt";

/// A refusal with its reason in Chinese.
pub fn refuse(status: StatusCode, why: &str) -> Response {
    (status, Json(json!({ "error": why }))).into_response()
}

/// Checks the request's host, origin, mark and token.
pub async fn guard(State(app): State<Arc<App>>, req: Request<Body>, next: Next) -> Response {
    let headers = req.headers();
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let Some(host) = text(HOST).filter(|h| host_allowed(h, &app.access)) else {
        return refuse(StatusCode::FORBIDDEN, "拒绝：请求的地址不是本机的这个页面");
    };
    if let Some(origin) = text(ORIGIN) {
        if origin != format!("http://{host}") {
            return refuse(StatusCode::FORBIDDEN, "拒绝：请求来自其他网页");
        }
    }
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD);
    if changes && text(MARK.parse().expect("a header name")) != Some("1") {
        return refuse(StatusCode::FORBIDDEN, "拒绝：请求不是由本页面发出的");
    }
    let path = req.uri().path();
    let open = !path.starts_with("/api/") || path == "/api/hello" || path == "/api/login";
    if !open && !has_token(text(COOKIE), &app.access) {
        return refuse(StatusCode::UNAUTHORIZED, "请先输入口令");
    }
    next.run(req).await
}

/// Whether the request's Host names this server: on this computer its loopback names
/// and port; listening beyond it, any name with its port (the token guards it).
pub fn host_allowed(host: &str, access: &super::app::Access) -> bool {
    let port = access.addr.port();
    let Some((name, p)) = host.rsplit_once(':') else {
        return false;
    };
    if p.parse::<u16>() != Ok(port) {
        return false;
    }
    if access.addr.ip().is_loopback() {
        let own = match access.addr.ip() {
            std::net::IpAddr::V4(ip) => ip.to_string(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        };
        matches!(name, "127.0.0.1" | "localhost" | "[::1]") || name == own
    } else {
        !name.is_empty()
    }
}

/// Whether the cookies hold the token (always, when there is none).
pub fn has_token(cookies: Option<&str>, access: &super::app::Access) -> bool {
    let Some(token) = &access.token else {
        return true;
    };
    cookies.is_some_and(|c| {
        c.split(';').any(|kv| {
            kv.trim()
                .split_once('=')
                .is_some_and(|(k, v)| k == COOKIE_NAME && same(v.as_bytes(), token.as_bytes()))
        })
    })
}

/// Equal, in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The headers every answer carries (a download that sets its own policy keeps it).
pub async fn headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    if !h.contains_key(CONTENT_SECURITY_POLICY) {
        h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::app::Access;

    fn access(addr: &str, token: Option<&str>) -> Access {
        Access {
            addr: addr.parse().unwrap(),
            token: token.map(str::to_string),
        }
    }

    #[test]
    fn only_this_servers_names_are_hosts() {
        let a = access("127.0.0.1:8848", None);
        for ok in ["127.0.0.1:8848", "localhost:8848", "[::1]:8848"] {
            assert!(host_allowed(ok, &a), "{ok}");
        }
        for bad in [
            "evil.example:8848",
            "127.0.0.1:80",
            "127.0.0.1",
            "localhost.evil:8848",
            "",
        ] {
            assert!(!host_allowed(bad, &a), "{bad}");
        }
        let wide = access("0.0.0.0:8848", Some("t"));
        assert!(host_allowed("192.168.1.9:8848", &wide));
        assert!(!host_allowed("192.168.1.9:9000", &wide));
    }

    #[test]
    fn the_token_is_read_from_its_cookie() {
        let a = access("0.0.0.0:1", Some("s3cret-42"));
        assert!(has_token(Some("x=1; selfbuilt_token=s3cret-42"), &a));
        assert!(!has_token(Some("selfbuilt_token=s3cret-4"), &a));
        assert!(!has_token(None, &a));
        assert!(has_token(None, &access("127.0.0.1:1", None)));
    }
}
