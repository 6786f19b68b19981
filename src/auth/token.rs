//! Opaque secret tokens (sessions, invitations, one-time links): 32 random bytes
//! in URL-safe base64 for the holder, only their SHA-256 for us.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A freshly generated token: `plain` goes to the holder once, `hash` is what we store.
pub struct OpaqueToken {
    pub plain: String,
    pub hash: String,
}

impl OpaqueToken {
    /// 32 bytes from the OS random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let plain = URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash_token(&plain);
        Self { plain, hash }
    }
}

/// The stored form of a token: hex SHA-256 of its text.
pub fn hash_token(plain: &str) -> String {
    hex::encode(Sha256::digest(plain.as_bytes()))
}

/// True when the text has the shape of one of our tokens (43 URL-safe base64 chars),
/// so garbage is turned away before any lookup.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = OpaqueToken::generate();
        let b = OpaqueToken::generate();
        assert_ne!(a.plain, b.plain);
        assert!(looks_like_token(&a.plain));
        assert_eq!(a.hash, hash_token(&a.plain));
        assert_eq!(a.hash.len(), 64);
        assert!(!looks_like_token("short") && !looks_like_token(&format!("{}!", &a.plain[..42])));
    }
}
