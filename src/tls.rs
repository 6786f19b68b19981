//! TLS to the services (PostgreSQL, Redis, SMTP): one crypto provider for the whole
//! process, and the certificates of `tls_ca_file`, trusted beside Mozilla's public roots.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// Makes ring the process's rustls provider. lettre and sqlx name ring themselves, but
/// redis asks rustls for the process default, which rustls cannot pick on its own when
/// a second provider is compiled in (the test suite's mail server brings aws-lc-rs).
/// Harmless when a provider is installed already.
pub fn use_ring_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The CA certificates of `tls_ca_file` (a private CA, a cloud's database CA, a test's
/// throw-away CA), read once and handed to each service's client.
#[derive(Clone)]
pub struct ExtraRoots {
    path: PathBuf,
    pem: Arc<Vec<u8>>,
    certificates: Arc<Vec<CertificateDer<'static>>>,
}

impl ExtraRoots {
    /// Reads a PEM file holding at least one certificate; the error speaks to a person.
    pub fn load(path: &Path) -> Result<Self, String> {
        let pem = std::fs::read(path).map_err(|e| format!("{} cannot be read: {e}", path.display()))?;
        let certificates = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{} is not a PEM certificate file: {e}", path.display()))?;
        if certificates.is_empty() {
            return Err(format!("{} holds no PEM certificate", path.display()));
        }
        for certificate in &certificates {
            // The check each client makes later, made now so that a bad file fails at start.
            webpki_anchor(certificate).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(Self {
            path: path.to_owned(),
            pem: Arc::new(pem),
            certificates: Arc::new(certificates),
        })
    }

    /// The file they came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's bytes, as read.
    pub fn pem(&self) -> &[u8] {
        &self.pem
    }

    /// The certificates, DER-encoded.
    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.certificates
    }

    /// Mozilla's roots followed by these, as one PEM bundle: for clients whose own extra
    /// roots replace the public ones instead of joining them (redis).
    pub fn with_public_roots_pem(&self) -> Vec<u8> {
        let mut bundle = Vec::new();
        for certificate in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
            bundle.extend_from_slice(pem_certificate(certificate).as_bytes());
        }
        for certificate in self.certificates() {
            bundle.extend_from_slice(pem_certificate(certificate).as_bytes());
        }
        bundle
    }
}

impl std::fmt::Debug for ExtraRoots {
    /// The file and how many certificates it held, not their bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtraRoots")
            .field("path", &self.path)
            .field("certificates", &self.certificates.len())
            .finish()
    }
}

fn webpki_anchor(certificate: &CertificateDer<'_>) -> Result<(), String> {
    let mut store = rustls::RootCertStore::empty();
    store
        .add(certificate.clone())
        .map_err(|e| format!("not a usable CA certificate: {e}"))
}

fn pem_certificate(certificate: &CertificateDer<'_>) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(certificate.as_ref());
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_holds_the_public_roots_and_the_extra_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        let first = webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].clone();
        std::fs::write(&path, pem_certificate(&first)).unwrap();
        let roots = ExtraRoots::load(&path).unwrap();
        assert_eq!(roots.certificates(), [first]);
        let bundle = roots.with_public_roots_pem();
        let parsed: Vec<_> = CertificateDer::pem_slice_iter(&bundle).map(Result::unwrap).collect();
        assert_eq!(parsed.len(), webpki_root_certs::TLS_SERVER_ROOT_CERTS.len() + 1);
        assert_eq!(&parsed[..parsed.len() - 1], webpki_root_certs::TLS_SERVER_ROOT_CERTS);
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        assert!(ExtraRoots::load(&path).unwrap_err().contains("cannot be read"));
        std::fs::write(&path, "not a certificate\n").unwrap();
        assert!(ExtraRoots::load(&path)
            .unwrap_err()
            .contains("holds no PEM certificate"));
        std::fs::write(&path, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap();
        assert!(ExtraRoots::load(&path)
            .unwrap_err()
            .contains("not a usable CA certificate"));
    }
}
