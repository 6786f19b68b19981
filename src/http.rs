//! HTTP routes: per-tenant GraphQL (POST, GET, GraphiQL, WebSocket), health and readiness.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::{MultipartOptions, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::{ServerError, Value};
use async_graphql_poem::{GraphQLProtocol, GraphQLWebSocket};
use poem::http::{header, StatusCode};
use poem::middleware::CatchPanic;
use poem::web::websocket::WebSocket;
use poem::web::{Data, Path};
use poem::{get, handler, post, Body, Endpoint, EndpointExt, IntoResponse, Request, Response, Route};
use serde_json::json;

use crate::app::App;
use crate::auth::{resume_session, SessionState, Visitor};
use crate::config::Tenant;
use crate::graphql::Schemas;
use crate::{console, pages};

mod body;
mod cors;
mod playground;
mod serve;
mod socket;

use self::body::read_limited;
use self::cors::{websocket_origin_allowed, TenantCors};
pub use self::serve::serve;

/// How long in-flight requests get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// All routes, with the app and schema attached.
/// Long on purpose: the whole route table in one place, read top to bottom.
pub fn routes(app: App) -> impl Endpoint {
    let schemas = Schemas::new(&app.settings.limits);
    Route::new()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/metrics", get(metrics))
        .at(
            "/t/:tenant/graphql",
            get(graphql_get).post(graphql_post).with(TenantCors),
        )
        .at("/t/:tenant/graphql/ws", get(graphql_ws))
        .at("/t/:tenant/downloads/:token", get(download).with(TenantCors))
        .at(
            "/t/:tenant/invitations/accept",
            get(pages::accept_get).post(pages::accept_post),
        )
        .at("/t/:tenant/invitations/request-new", post(pages::request_new_post))
        .at(
            "/t/:tenant/password-reset",
            get(pages::reset_get).post(pages::reset_post),
        )
        .at(
            "/t/:tenant/password-reset/request",
            get(pages::reset_request_get).post(pages::reset_request_post),
        )
        .at("/t/:tenant/admin", get(console::home))
        .at(
            "/t/:tenant/admin/sign-in",
            get(console::sign_in_get).post(console::sign_in_post),
        )
        .at("/t/:tenant/admin/sign-out", post(console::sign_out_post))
        .at("/t/:tenant/admin/members", get(console::members))
        .at("/t/:tenant/admin/audit", get(console::audit_page))
        .at("/t/:tenant/admin/members/bulk", post(console::members_bulk))
        .at("/t/:tenant/admin/members/:id/roles", post(console::member_set_roles))
        .at(
            "/t/:tenant/admin/account",
            get(console::account_page).post(console::account_save),
        )
        .at("/t/:tenant/admin/account/email", post(console::account_change_email))
        .at(
            "/t/:tenant/admin/account/sign-out-everywhere",
            post(console::account_sign_out_everywhere),
        )
        .at(
            "/t/:tenant/admin/groups",
            get(console::groups_list).post(console::group_create),
        )
        .at("/t/:tenant/admin/groups/:id", post(console::group_rename))
        .at("/t/:tenant/admin/groups/:id/delete", post(console::group_delete))
        .at(
            "/t/:tenant/admin/members/activation",
            post(console::members_send_activation),
        )
        .at(
            "/t/:tenant/admin/invitations",
            get(console::invitations_list).post(console::invitations_act),
        )
        .at(
            "/t/:tenant/admin/invitations/new",
            get(console::invite_get).post(console::invite_post),
        )
        .at(
            "/t/:tenant/admin/members/new",
            get(console::member_new_get).post(console::member_new_post),
        )
        .at(
            "/t/:tenant/admin/members/:id",
            get(console::member_page).post(console::member_update),
        )
        .at("/t/:tenant/admin/members/:id/status", post(console::member_set_status))
        .at(
            "/t/:tenant/admin/members/:id/merge",
            get(console::member_merge_get).post(console::member_merge_post),
        )
        .at(
            "/t/:tenant/admin/members/:id/password-reset",
            post(console::member_send_reset),
        )
        .at(
            "/t/:tenant/admin/password",
            get(console::password_get).post(console::password_post),
        )
        .at(
            "/t/:tenant/admin/imports",
            get(console::imports_list).post(console::import_start),
        )
        .at("/t/:tenant/admin/imports/template", get(console::import_template))
        .at(
            "/t/:tenant/admin/imports/:id",
            get(console::import_page).post(console::import_act),
        )
        .at("/t/:tenant/admin/imports/:id/report", get(console::import_error_report))
        .at("/t/:tenant/admin/console.css", get(console::stylesheet))
        .at("/t/:tenant/admin/*rest", get(console::unknown_console_page))
        .at("/t/:tenant/assets/graphiql/:name", get(playground::asset))
        .at(
            "/t/:tenant/email-change",
            get(pages::email_change_get).post(pages::email_change_post),
        )
        .at(
            "/t/:tenant/email-change/revert",
            get(pages::revert_get).post(pages::revert_post),
        )
        .around(console::method_not_allowed_page)
        .around(crate::metrics::observe)
        .data(app)
        .data(schemas)
        .with(CatchPanic::new().with_handler(|_| {
            tracing::error!("a request handler panicked");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "Something went wrong on our side.",
            )
        }))
}

/// A JSON body in GraphQL's error shape, for errors raised before GraphQL runs.
fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body.to_string())
}

fn unknown_tenant(slug: &str) -> Response {
    let slug: String = slug.chars().take(64).collect();
    error_response(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("There is no organization named \"{slug}\" here."),
    )
}

#[handler]
fn healthz() -> &'static str {
    "ok"
}

/// Prometheus text format (scrape from the internal network; see README).
#[handler]
async fn metrics(Data(app): Data<&App>) -> Response {
    match crate::metrics::render(app).await {
        Ok(text) => Response::builder().content_type("text/plain; version=0.0.4").body(text),
        Err(err) => error_response(StatusCode::SERVICE_UNAVAILABLE, err.code(), "metrics unavailable"),
    }
}

#[handler]
async fn readyz(Data(app): Data<&App>) -> Response {
    match app.ready().await {
        Ok(()) => "ready".into_response(),
        Err(err) => {
            tracing::warn!(error = ?err, "not ready");
            error_response(StatusCode::SERVICE_UNAVAILABLE, err.code(), "not ready")
        }
    }
}

#[handler]
async fn graphql_post(
    req: &Request,
    body: Body,
    Path(slug): Path<String>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(tenant) = app.tenants.get(&slug) else {
        return unknown_tenant(&slug);
    };
    // As sent: a multipart boundary is case-sensitive (browsers mix cases in theirs).
    let content_type = req.content_type().unwrap_or_default();
    let media_type = content_type.to_ascii_lowercase();
    let multipart = media_type.starts_with("multipart/form-data");
    if !(multipart || media_type.starts_with("application/json") || media_type.starts_with("application/graphql")) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            "Send the query as application/json (or multipart/form-data for file uploads).",
        );
    }
    let limits = &app.settings.limits;
    let limit = if multipart {
        limits.upload_bytes + 64 * 1024
    } else {
        limits.request_bytes
    };
    let declared = req.header(header::CONTENT_LENGTH).and_then(|n| n.parse().ok());
    let bytes = match read_limited(body, declared, limit).await {
        Ok(bytes) => bytes,
        Err(err) => {
            let (status, message) = err.answer(limit, app.settings.http.body_read_timeout);
            // The rest of the body stays unread, so the connection cannot serve another
            // request: it closes after the answer (lingering: see http/socket.rs).
            let mut response = error_response(status, "VALIDATION", &message);
            response
                .headers_mut()
                .insert(header::CONNECTION, header::HeaderValue::from_static("close"));
            return response;
        }
    };
    let options = MultipartOptions::default()
        .max_file_size(limits.upload_bytes as usize)
        .max_num_files(4);
    let request = match async_graphql::http::receive_body(Some(content_type), bytes.as_ref(), options).await {
        Ok(request) => request,
        Err(err) => {
            let message = format!("The request could not be read: {err}");
            return error_response(StatusCode::BAD_REQUEST, "VALIDATION", &message);
        }
    };
    execute(app, schemas, tenant, req, request).await
}

#[handler]
async fn graphql_get(
    req: &Request,
    Path(slug): Path<String>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(tenant) = app.tenants.get(&slug) else {
        return unknown_tenant(&slug);
    };
    let query_string = req.uri().query().unwrap_or_default();
    let wants_html = req
        .header(header::ACCEPT)
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !query_string.contains("query=") {
        return playground::page(&tenant);
    }
    let request = match async_graphql::http::parse_query_string(query_string) {
        Ok(request) => request,
        Err(err) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "VALIDATION",
                &format!("Bad query string: {err}"),
            )
        }
    };
    if is_mutation(&request) {
        return error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "VALIDATION",
            "Mutations must be sent with POST.",
        );
    }
    execute(app, schemas, tenant, req, request).await
}

/// True when the operation to run is a mutation (refused over GET).
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false; // execution reports the syntax error
    };
    doc.operations.iter().any(|(name, op)| {
        let chosen = match (&request.operation_name, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            _ => true,
        };
        chosen && op.node.ty == async_graphql::parser::types::OperationType::Mutation
    })
}

async fn execute(
    app: &App,
    schemas: &Schemas,
    tenant: Arc<Tenant>,
    req: &Request,
    request: async_graphql::Request,
) -> Response {
    let relations = crate::graphql::member_relations(app, &tenant);
    let visitor = build_visitor(app, tenant, req, bearer_token(req)).await;
    let (query, operation) = (request.query.clone(), request.operation_name.clone());
    let mut response = schemas
        .for_request(&request)
        .execute(request.data(app.clone()).data(visitor).data(relations))
        .await;
    if matches!(response.data, Value::Object(_)) {
        crate::graphql::response_order::in_query_order(&mut response.data, &query, operation.as_deref());
    }
    let response = with_error_codes(response);
    let body = serde_json::to_string(&response).unwrap_or_else(|_| "{}".into());
    Response::builder()
        .content_type("application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
}

/// Gives every error a code: those raised before execution (syntax, validation,
/// depth and complexity limits) are VALIDATION; anything else uncoded is INTERNAL.
fn with_error_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    let before_execution = matches!(response.data, Value::Null);
    for error in &mut response.errors {
        let has_code = error.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some());
        if !has_code {
            set_code(error, before_execution);
        }
    }
    response
}

fn set_code(error: &mut ServerError, before_execution: bool) {
    let code = if (before_execution && error.path.is_empty()) || is_bad_argument(&error.message) {
        "VALIDATION"
    } else {
        tracing::error!(message = %error.message, "uncoded GraphQL error");
        error.message = "Something went wrong on our side. It has been logged.".into();
        "INTERNAL"
    };
    error.extensions.get_or_insert_with(Default::default).set("code", code);
}

/// Whether async-graphql refused an argument's value while resolving a field (an explicit
/// null for a non-null argument, a value of the wrong type): the client's mistake.
fn is_bad_argument(message: &str) -> bool {
    [
        "Expected input type ",
        "Failed to parse ",
        "Invalid value for argument ",
    ]
    .iter()
    .any(|prefix| message.starts_with(prefix))
}

fn bearer_token(req: &Request) -> Option<String> {
    let value = req.header(header::AUTHORIZATION)?;
    Some(match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim().to_owned(),
        _ => String::new(), // present but unusable: an invalid session, not an anonymous one
    })
}

pub(crate) async fn build_visitor(app: &App, tenant: Arc<Tenant>, req: &Request, bearer: Option<String>) -> Visitor {
    let session = match bearer {
        None => SessionState::Anonymous,
        Some(token) => session_state(app, &tenant, &token).await,
    };
    Visitor {
        tenant,
        session,
        client_ip: client_ip(req, app.settings.trust_proxy_headers),
        languages: accepted_languages(req.header(header::ACCEPT_LANGUAGE).unwrap_or_default()),
    }
}

async fn session_state(app: &App, tenant: &Tenant, token: &str) -> SessionState {
    match resume_session(app, tenant, token).await {
        Ok(Some(session)) => SessionState::Active(session),
        Ok(None) => SessionState::Invalid,
        Err(err) => SessionState::Unavailable(err.to_string()),
    }
}

/// The client's address: the socket peer, or the first X-Forwarded-For hop when the
/// server is configured to sit behind a trusted load balancer.
fn client_ip(req: &Request, trust_proxy_headers: bool) -> Option<IpAddr> {
    if trust_proxy_headers {
        let forwarded = req
            .header("x-forwarded-for")
            .and_then(|v| v.split(',').next())
            .and_then(|ip| ip.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    req.remote_addr().as_socket_addr().map(|a| a.ip())
}

/// Accept-Language tags, best first.
fn accepted_languages(header: &str) -> Vec<String> {
    let mut tagged: Vec<(f32, String)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            if tag.is_empty() || tag == "*" {
                return None;
            }
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse().ok())
                .unwrap_or(1.0);
            Some((q, tag.to_owned()))
        })
        .collect();
    tagged.sort_by(|a, b| b.0.total_cmp(&a.0));
    tagged.into_iter().map(|(_, tag)| tag).collect()
}

#[handler]
async fn graphql_ws(
    req: &Request,
    Path(slug): Path<String>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
    protocol: GraphQLProtocol,
    websocket: WebSocket,
) -> Response {
    let Some(tenant) = app.tenants.get(&slug) else {
        return unknown_tenant(&slug);
    };
    let public_origin = tenant
        .public_url(&app.settings.public_url)
        .origin()
        .ascii_serialization();
    if !websocket_origin_allowed(req, &tenant, &public_origin) {
        return error_response(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "Pages of this origin may not open this organization's API: add the origin to [api] allowed_origins.",
        );
    }
    let app = app.clone();
    let schema = schemas.api.clone();
    let anonymous = build_visitor(&app, tenant.clone(), req, None).await;
    websocket
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    // The token travels in the connection_init payload, as browsers cannot set headers.
                    let token = payload
                        .get("authorization")
                        .or_else(|| payload.get("Authorization"))
                        .and_then(|v| v.as_str())
                        .map(|v| v.trim_start_matches("Bearer ").trim().to_owned());
                    let mut visitor = anonymous;
                    if let Some(token) = token {
                        visitor.session = session_state(&app, &tenant, &token).await;
                    }
                    let mut data = async_graphql::Data::default();
                    data.insert(crate::graphql::member_relations(&app, &tenant));
                    data.insert(app);
                    data.insert(visitor);
                    Ok(data)
                })
                .serve()
        })
        .into_response()
}

/// A signed download link: the file with its name, or 404 for anything else.
#[handler]
async fn download(req: &Request, Path((slug, token)): Path<(String, String)>, Data(app): Data<&App>) -> Response {
    let Some(tenant) = app.tenants.get(&slug) else {
        return unknown_tenant(&slug);
    };
    match crate::downloads::fetch(app, &tenant, &token).await {
        Ok(Some(file)) => {
            // RFC 6266: an ASCII fallback name and the exact UTF-8 one.
            let ascii: String = deunicode::deunicode(&file.name)
                .chars()
                .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\')
                .collect();
            let encoded = url::form_urlencoded::byte_serialize(file.name.as_bytes()).collect::<String>();
            Response::builder()
                .content_type(file.content_type)
                .header(
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                        encoded.replace('+', "%20")
                    ),
                )
                .header(header::CACHE_CONTROL, "private, no-store")
                .header("X-Content-Type-Options", "nosniff")
                .body(match file.body {
                    crate::downloads::Body::Whole(bytes) => poem::Body::from(bytes),
                    crate::downloads::Body::Streamed(stream) => poem::Body::from_bytes_stream(stream),
                })
        }
        // A person who clicked an old link gets a page in their language; a program, JSON.
        Ok(None) if wants_html(req) => pages::download_gone(app, req, &slug)
            .await
            .unwrap_or_else(|| unknown_tenant(&slug)),
        Ok(None) => error_response(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "This download link is not valid or has expired.",
        ),
        Err(err) => {
            let gql = err.to_graphql();
            error_response(StatusCode::INTERNAL_SERVER_ERROR, err.code(), &gql.message)
        }
    }
}

/// Whether the client is a browser asking for a page (its Accept names `text/html`).
fn wants_html(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_sorted_by_quality() {
        assert_eq!(
            accepted_languages("en;q=0.5, fr-FR, nl;q=0.8, *"),
            vec!["fr-FR", "nl", "en"]
        );
        assert!(accepted_languages("").is_empty());
    }
}
