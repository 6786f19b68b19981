//! Cross-origin calls from browser apps, per tenant: a request whose `Origin` is in the
//! tenant's `[api] allowed_origins` is answered by poem's CORS middleware (preflights,
//! `Access-Control-Allow-Origin`, `Vary: Origin`); any other request goes through
//! untouched and carries no CORS header, so that browsers keep other origins' pages
//! out while same-origin pages (GraphiQL) and non-browser clients work as before.

use poem::http::{header, HeaderValue, Method};
use poem::middleware::Cors;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use crate::app::App;
use crate::config::Tenant;

/// How long a browser may reuse a preflight's answer, in seconds: short enough that a
/// change to `allowed_origins` reaches open tabs within minutes.
const PREFLIGHT_MAX_AGE: i32 = 600;

/// The request headers a browser app sends to the API: its session token, the body's
/// type (JSON, or multipart for uploads) and the reader's languages.
const ALLOWED_HEADERS: [header::HeaderName; 3] = [header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT_LANGUAGE];

/// Middleware for the routes under `/t/:tenant/` that browser apps call.
pub struct TenantCors;

impl<E: Endpoint> Middleware<E> for TenantCors {
    type Output = TenantCorsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        TenantCorsEndpoint { inner }
    }
}

/// See [`TenantCors`].
pub struct TenantCorsEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for TenantCorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let mut response = match allowed_origin(&req) {
            Some(origin) => {
                let cors = Cors::new()
                    .allow_origin(origin)
                    .allow_methods([Method::GET, Method::POST])
                    .allow_headers(ALLOWED_HEADERS)
                    .max_age(PREFLIGHT_MAX_AGE);
                cors.transform(&self.inner).call(req).await?
            }
            None => self.inner.call(req).await?.into_response(),
        };
        // Every answer here depends on the Origin (CORS headers or none): caches must
        // keep one per origin, preflights included.
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Origin"));
        Ok(response)
    }
}

/// The request's `Origin` when the tenant of the path allows it.
fn allowed_origin(req: &Request) -> Option<&HeaderValue> {
    let origin = req.header(header::ORIGIN)?;
    let tenant = tenant_of(req)?;
    tenant
        .api
        .allows(origin)
        .then(|| req.headers().get(header::ORIGIN))
        .flatten()
}

fn tenant_of(req: &Request) -> Option<std::sync::Arc<Tenant>> {
    let app = req.data::<App>()?;
    app.tenants.get(req.raw_path_param("tenant")?)
}

/// Whether a WebSocket upgrade may go on: browsers send `Origin` with every upgrade and
/// apply no CORS to WebSockets, so the server checks it. Allowed: no `Origin` (not a
/// browser), the tenant's `allowed_origins`, and Roster's own pages (the origin of the
/// request's `Host`, or of the public URL).
pub fn websocket_origin_allowed(req: &Request, tenant: &Tenant, public_origin: &str) -> bool {
    let Some(origin) = req.header(header::ORIGIN) else {
        return true;
    };
    if tenant.api.allows(origin) {
        return true;
    }
    let Some(origin) = crate::config::web_origin(origin) else {
        return false;
    };
    let same_host = req.header(header::HOST).is_some_and(|host| {
        origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
    });
    same_host || origin == public_origin
}
