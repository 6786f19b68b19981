//! Password hashing with argon2id (OWASP: m = 19 MiB, t = 2, p = 1), always off
//! the async threads because one hash costs tens of milliseconds of CPU.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Error, Result};

/// The argon2id instance with the parameters every Roster hash uses.
pub fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes on the current thread; for load-time work (tenant default passwords) and blocking pools.
pub fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with a fresh salt cannot fail")
        .to_string()
}

/// Checks a password against a PHC string on the current thread; a malformed hash never matches.
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => hasher().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// True when `text` is an argon2 PHC string rather than a plaintext password.
pub fn is_phc(text: &str) -> bool {
    text.starts_with("$argon2") && PasswordHash::new(text).is_ok_and(|h| h.salt.is_some() && h.hash.is_some())
}

/// Hashes on a blocking thread.
pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| Error::Internal(format!("password hashing task: {e}")))
}

/// Verifies on a blocking thread.
pub async fn verify(password: String, phc: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || verify_blocking(&password, &phc))
        .await
        .map_err(|e| Error::Internal(format!("password verification task: {e}")))
}

/// Checks a password against a member's own hash, or the tenant's default for a member
/// on it. Always costs one verification — against a dummy hash when there is no member or
/// no password — so unknown identifiers take as long as wrong passwords.
pub async fn verify_member(
    tenant: &crate::config::Tenant,
    member: Option<&entity::members::Model>,
    password: &str,
) -> Result<bool> {
    let stored = member.and_then(|m| {
        if m.uses_default_password {
            tenant.accounts.default_password.as_ref().map(|d| d.phc.clone())
        } else {
            m.password_hash.clone()
        }
    });
    match stored {
        Some(phc) => verify(password.to_owned(), phc).await,
        None => {
            verify(password.to_owned(), dummy_hash().to_owned()).await?;
            Ok(false)
        }
    }
}

/// A hash of a random password, verified against when the identifier is unknown so that
/// a wrong identifier costs the same time as a wrong password (no account enumeration).
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking(&crate::auth::token::OpaqueToken::generate().plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_owasp_parameters() {
        let phc = hash_blocking("correct horse");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_blocking("correct horse", &phc));
        assert!(!verify_blocking("wrong horse", &phc));
        assert!(!verify_blocking("correct horse", "not a hash"));
        assert!(is_phc(&phc) && !is_phc("tempeos"));
    }
}
