//! The GraphQL playground: GraphiQL, served from the binary with everything it loads
//! (no CDN), so that it works offline, behind strict proxies and under a
//! content-security policy. The vendored builds and their licenses are in
//! `assets/graphiql/`.

use poem::http::{header, StatusCode};
use poem::web::Path;
use poem::{handler, IntoResponse, Response};

use crate::config::Tenant;

/// The vendored files: name in the URL, content type, bytes.
const ASSETS: [(&str, &str, &[u8]); 6] = [
    (
        "graphiql.min.js",
        JAVASCRIPT,
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        JAVASCRIPT,
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        JAVASCRIPT,
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "playground.js",
        JAVASCRIPT,
        include_bytes!("../../assets/graphiql/playground.js"),
    ),
    (
        "LICENSES.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../../assets/graphiql/LICENSES.txt"),
    ),
];

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// Scripts and styles from Roster only. GraphiQL sets element styles and embeds its
/// fonts and icons as data: URLs; it needs no eval and no inline script.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     font-src 'self' data:; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The page: GraphiQL on the tenant's endpoint and WebSocket, under a link back to the console.
pub fn page(tenant: &Tenant) -> Response {
    let slug = html_escape(&tenant.slug);
    let title = html_escape(&tenant.name);
    let assets = format!("/t/{slug}/assets/graphiql");
    let body = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — Roster GraphQL playground</title>
<link rel="stylesheet" href="{assets}/graphiql.min.css">
<style>html, body {{ height: 100%; margin: 0; }} body {{ display: flex; flex-direction: column; }} #graphiql {{ flex: 1; min-height: 0; }} .roster-bar {{ padding: .3rem .8rem; font: 14px system-ui, sans-serif; border-bottom: 1px solid #ddd; }}</style>
</head>
<body>
<nav class="roster-bar" aria-label="Roster"><a href="/t/{slug}/admin">{title} · Console</a></nav>
<div id="graphiql" data-endpoint="/t/{slug}/graphql" data-subscriptions="/t/{slug}/graphql/ws">Loading the playground…</div>
<script src="{assets}/react.production.min.js"></script>
<script src="{assets}/react-dom.production.min.js"></script>
<script src="{assets}/graphiql.min.js"></script>
<script src="{assets}/playground.js"></script>
</body>
</html>
"#
    );
    Response::builder()
        .content_type("text/html; charset=utf-8")
        .header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
        .header(header::X_FRAME_OPTIONS, "DENY")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "no-referrer")
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
}

/// A vendored file, cached for a day (the version is in the binary, not the URL).
#[handler]
pub fn asset(Path((_tenant, name)): Path<(String, String)>) -> Response {
    match ASSETS.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, bytes)) => Response::builder()
            .content_type(*content_type)
            .header(header::CACHE_CONTROL, "public, max-age=86400")
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .body(*bytes),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
