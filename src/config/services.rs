//! Checks of the service settings (database, Redis, SMTP, `tls_ca_file`) that connect
//! to nothing but refuse whatever `serve` would refuse: each one asks the same parser
//! that `serve` uses, so a URL this build cannot follow fails `roster check-config` too.

use std::path::Path;
use std::str::FromStr;

use sea_orm::sqlx::postgres::PgConnectOptions;

/// What is wrong with `database_url`, if anything.
pub(super) fn database_url_problem(url: &str) -> Option<String> {
    if url.starts_with("sqlite:") {
        return None;
    }
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Some("must start with sqlite: or postgres://".into());
    }
    if let Err(e) = PgConnectOptions::from_str(url) {
        return Some(format!(
            "is not a PostgreSQL URL Roster can use ({e}); sslmode is one of disable, allow, \
             prefer, require, verify-ca, verify-full"
        ));
    }
    // sqlx reads the file at the first connection; a missing one would stop the start.
    let url = url::Url::parse(url).ok()?;
    let (_, root_cert) = url
        .query_pairs()
        .find(|(key, _)| matches!(&**key, "sslrootcert" | "ssl-root-cert" | "ssl-ca"))?;
    if root_cert.starts_with("-----BEGIN CERTIFICATE-----") {
        return None; // the certificate itself, which sqlx also takes
    }
    std::fs::metadata(&*root_cert)
        .err()
        .map(|e| format!("sslrootcert {root_cert} cannot be read: {e}"))
}

/// What is wrong with `redis_url`, if anything.
pub(super) fn redis_url_problem(url: &str) -> Option<String> {
    crate::store::RedisStore::check_url(url).err()
}

/// What is wrong with `smtp_url`, if anything.
pub(super) fn smtp_url_problem(url: &str) -> Option<String> {
    // lettre ignores parameters it does not know: a misspelt `?TLS=required` would
    // silently send credentials in clear.
    let unknown: Vec<String> = url::Url::parse(url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, _)| k.into_owned())
                .filter(|k| k != "tls")
                .collect()
        })
        .unwrap_or_default();
    if let Some(key) = unknown.first() {
        return Some(format!(
            "unknown parameter \"{key}\" (the only one is tls=required or tls=opportunistic, in lower case)"
        ));
    }
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
        .err()
        .map(|_| {
            "must be smtp:// (plain), smtp://…?tls=required (STARTTLS), smtp://…?tls=opportunistic \
             or smtps:// (TLS), with optional user:password@"
                .into()
        })
}

/// What is wrong with `tls_ca_file`, if anything.
pub(super) fn tls_ca_file_problem(path: &Path) -> Option<String> {
    crate::tls::ExtraRoots::load(path).err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_are_read_as_sqlx_reads_them() {
        assert_eq!(database_url_problem("sqlite://data/roster.db?mode=rwc"), None);
        assert_eq!(
            database_url_problem("postgres://roster@db.internal/roster?sslmode=verify-full"),
            None
        );
        let typo = database_url_problem("postgres://db/roster?sslmode=verify_full").unwrap();
        assert!(typo.contains("verify-full"), "{typo}");
        let missing =
            database_url_problem("postgres://db/roster?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem").unwrap();
        assert!(
            missing.starts_with("sslrootcert /nonexistent/ca.pem cannot be read"),
            "{missing}"
        );
        assert!(database_url_problem("mysql://db/roster").is_some());
    }

    #[test]
    fn redis_urls_are_the_ones_the_store_takes() {
        assert_eq!(redis_url_problem("redis://127.0.0.1:6379/0"), None);
        assert_eq!(redis_url_problem("rediss://redis.example.org:6380/0"), None);
        assert!(redis_url_problem("foo://x").unwrap().contains("rediss://"));
        assert!(redis_url_problem("rediss://redis.example.org/#insecure")
            .unwrap()
            .contains("tls_ca_file"));
    }

    #[test]
    fn smtp_urls_are_lettres() {
        for url in [
            "smtp://127.0.0.1:25",
            "smtp://u:p@smtp.example.org:587?tls=required",
            "smtp://smtp.example.org?tls=opportunistic",
            "smtps://smtp.example.org",
        ] {
            assert_eq!(smtp_url_problem(url), None, "{url}");
        }
        for url in [
            "smtpx://smtp.example.org",
            "smtp://smtp.example.org?tls=starttls",
            "smtp://u:p@smtp.example.org?TLS=required",
            "smtp://smtp.example.org?starttls=required",
        ] {
            assert!(smtp_url_problem(url).is_some(), "{url}");
        }
    }
}
