//! Password hashing with argon2id (OWASP: m = 19 MiB, t = 2, p = 1), always off
//! the async threads because one hash costs tens of milliseconds of CPU; and the one
//! password policy. Passwords are normalised to Unicode NFC before hashing and verifying
//! (NIST SP 800-63B §5.1.1.2): `é` typed composed or decomposed (as some Mac input methods
//! send it) is the same password.

use std::borrow::Cow;

use unicode_normalization::{is_nfc, UnicodeNormalization};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Error, Result};

/// The argon2id instance with the parameters every Roster hash uses.
pub fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Longest password accepted, in characters.
pub const MAX_LENGTH: usize = 256;

/// Why a chosen password is refused by the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    /// Fewer characters than the tenant's minimum (the minimum).
    TooShort(usize),
    /// More than [`MAX_LENGTH`] characters.
    TooLong,
    /// Only white space, whatever its length.
    Blank,
}

/// The password policy, the one place it is decided: at least the tenant's
/// `password_min_length` characters (counted after NFC normalisation), at most
/// [`MAX_LENGTH`], not only white space. Spaces around a password are kept as typed.
pub fn check_policy(password: &str, min_length: usize) -> Result<(), Weakness> {
    let length = normalized(password).chars().count();
    if password.chars().all(char::is_whitespace) {
        Err(Weakness::Blank)
    } else if length < min_length {
        Err(Weakness::TooShort(min_length))
    } else if length > MAX_LENGTH {
        Err(Weakness::TooLong)
    } else {
        Ok(())
    }
}

/// The password as hashed: its NFC form.
fn normalized(password: &str) -> Cow<'_, str> {
    if is_nfc(password) {
        Cow::Borrowed(password)
    } else {
        Cow::Owned(password.nfc().collect())
    }
}

/// Hashes (the NFC form) on the current thread; for load-time work (tenant default
/// passwords) and blocking pools.
pub fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()
        .hash_password(normalized(password).as_bytes(), &salt)
        .expect("argon2 hashing with a fresh salt cannot fail")
        .to_string()
}

/// What checking a password against a hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    Wrong,
    Right,
    /// Right, against a hash made before passwords were normalised (of the decomposed or
    /// typed form): the caller stores a new hash of the NFC form.
    RightButStale,
}

impl Checked {
    pub fn is_right(self) -> bool {
        self != Checked::Wrong
    }
}

/// Checks a password against a PHC string on the current thread: its NFC form first,
/// then — for hashes older than normalisation — the form typed and the NFD form, when
/// they differ (never for ASCII). A malformed hash never matches.
pub fn check_blocking(password: &str, phc: &str) -> Checked {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return Checked::Wrong;
    };
    let matches = |form: &str| hasher().verify_password(form.as_bytes(), &parsed).is_ok();
    let nfc = normalized(password);
    if matches(&nfc) {
        return Checked::Right;
    }
    let nfd: String = password.nfd().collect();
    let older = [password, nfd.as_str()];
    let mut tried = vec![nfc.as_ref()];
    for form in older {
        if !tried.contains(&form) {
            if matches(form) {
                return Checked::RightButStale;
            }
            tried.push(form);
        }
    }
    Checked::Wrong
}

/// Whether a password matches a PHC string, on the current thread.
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    check_blocking(password, phc).is_right()
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

/// Checks on a blocking thread.
pub async fn check(password: String, phc: String) -> Result<Checked> {
    tokio::task::spawn_blocking(move || check_blocking(&password, &phc))
        .await
        .map_err(|e| Error::Internal(format!("password verification task: {e}")))
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

    #[test]
    fn composed_and_decomposed_accents_are_one_password() {
        let composed = "Crème brûlée Ñandú";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        for set in [composed, decomposed.as_str()] {
            let phc = hash_blocking(set);
            assert_eq!(check_blocking(composed, &phc), Checked::Right);
            assert_eq!(check_blocking(&decomposed, &phc), Checked::Right);
        }
        // Hashes made of the typed form before normalisation still open, and ask for a new hash.
        let legacy = hasher()
            .hash_password(decomposed.as_bytes(), &SaltString::generate(&mut rand::rngs::OsRng))
            .unwrap()
            .to_string();
        assert_eq!(check_blocking(composed, &legacy), Checked::RightButStale);
        assert_eq!(check_blocking(&decomposed, &legacy), Checked::RightButStale);
        assert_eq!(check_blocking("Creme brulee Nandu", &legacy), Checked::Wrong);
    }

    #[test]
    fn the_policy_counts_characters_and_refuses_blank_passwords() {
        assert_eq!(check_policy("            ", 10), Err(Weakness::Blank));
        assert_eq!(check_policy("\u{3000}\u{a0}\t\n", 2), Err(Weakness::Blank));
        assert_eq!(check_policy("short", 10), Err(Weakness::TooShort(10)));
        // Ten letters, decomposed into fourteen code points: still ten characters.
        let decomposed: String = "éééé-abcde".nfd().collect();
        assert_eq!(check_policy(&decomposed, 11), Err(Weakness::TooShort(11)));
        assert_eq!(check_policy(&decomposed, 10), Ok(()));
        assert_eq!(check_policy("  spaced out  ", 10), Ok(()), "spaces around are kept");
        assert_eq!(check_policy(&"x".repeat(257), 10), Err(Weakness::TooLong));
    }
}
