//! Cross-site request forgery on the pages' forms: a signed double-submit cookie. A
//! page sets a random cookie (once per browser and tenant) and puts its HMAC, under
//! the server's `secret_key` and bound to the tenant, in a hidden `csrf` field; a
//! posted form counts only when the field signs the cookie the browser sent with it.
//! Another site can make a browser post a form, but cannot read the field, and with
//! `SameSite=Lax` the browser does not even send the cookie along such a post.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use poem::http::header;
use poem::Request;
use sha2::Sha256;

use crate::auth::token::{looks_like_token, OpaqueToken};

/// The cookie's name; its path is the tenant's `/t/{slug}/`.
const COOKIE: &str = "roster_csrf";

/// The visitor's CSRF cookie (the one the browser sent, or a new one to set).
pub struct Csrf {
    cookie: String,
    /// The browser sent none: the page must set it, and no form can be checked yet.
    fresh: bool,
}

impl Csrf {
    /// The cookie the request carries, or a new random one.
    pub fn of(req: &Request) -> Self {
        match sent_cookies(req).into_iter().next() {
            Some(cookie) => Csrf { cookie, fresh: false },
            None => Csrf {
                cookie: OpaqueToken::generate().plain,
                fresh: true,
            },
        }
    }

    /// The value of the forms' hidden `csrf` field.
    pub fn field(&self, secret: &[u8], tenant: &str) -> String {
        URL_SAFE_NO_PAD.encode(mac(secret, tenant, &self.cookie).finalize().into_bytes())
    }

    /// The `Set-Cookie` header when the browser has no cookie yet.
    pub fn set_cookie(&self, tenant: &str, secure: bool) -> Option<String> {
        self.fresh.then(|| {
            let secure = if secure { "; Secure" } else { "" };
            format!(
                "{COOKIE}={}; Path=/t/{tenant}/; HttpOnly; SameSite=Lax{secure}",
                self.cookie
            )
        })
    }
}

/// Whether a posted `csrf` field signs one of the cookies the request carries.
pub fn verify(req: &Request, secret: &[u8], tenant: &str, field: Option<&str>) -> bool {
    let Some(signature) = field.and_then(|f| URL_SAFE_NO_PAD.decode(f.trim()).ok()) else {
        return false;
    };
    // Constant-time comparison: a forged field learns nothing from timing.
    sent_cookies(req)
        .iter()
        .any(|cookie| mac(secret, tenant, cookie).verify_slice(&signature).is_ok())
}

fn mac(secret: &[u8], tenant: &str, cookie: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    // Bound to the tenant: a field of one tenant's page is worth nothing on another's.
    mac.update(b"pages-csrf\0");
    mac.update(tenant.as_bytes());
    mac.update(b"\0");
    mac.update(cookie.as_bytes());
    mac
}

/// Well-formed `roster_csrf` values of the request's Cookie headers (browsers may send
/// several of one name for different paths).
fn sent_cookies(req: &Request) -> Vec<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, value)| *name == COOKIE && looks_like_token(value))
        .map(|(_, value)| value.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> Request {
        Request::builder()
            .header(header::COOKIE, format!("other=1; {COOKIE}={value}"))
            .finish()
    }

    #[test]
    fn a_field_counts_only_with_its_cookie_and_tenant() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let first = Csrf::of(&Request::builder().finish());
        let cookie = first.set_cookie("coop", false).expect("a new cookie is set");
        let value = cookie.trim_start_matches("roster_csrf=").split(';').next().unwrap();
        let req = with_cookie(value);
        let again = Csrf::of(&req);
        assert!(again.set_cookie("coop", true).is_none(), "kept, not set again");

        let field = again.field(secret, "coop");
        assert!(verify(&req, secret, "coop", Some(&field)));
        assert!(!verify(&req, secret, "other", Some(&field)), "bound to the tenant");
        assert!(!verify(&req, b"another secret, another server!!", "coop", Some(&field)));
        assert!(!verify(&req, secret, "coop", None));
        let stranger = with_cookie(&OpaqueToken::generate().plain);
        assert!(
            !verify(&stranger, secret, "coop", Some(&field)),
            "another browser's cookie"
        );
        assert!(!verify(&Request::builder().finish(), secret, "coop", Some(&field)));
    }
}
