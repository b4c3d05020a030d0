//! The operations endpoint's TLS (Fabric's `core/operations/tls.go`): our certificate and
//! key, and the client roots; with `clientAuthRequired` a client must present a certificate
//! those roots verify (`RequireAndVerifyClientCert`), otherwise a certificate is verified
//! when given (`VerifyClientCertIfGiven`) and the handlers that need one ask for it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

/// Where the endpoint's TLS material is, paths already resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub client_auth_required: bool,
    pub client_root_cas: Vec<PathBuf>,
}

/// Why the endpoint's TLS settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("failed to read the operations TLS file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no PEM {what} found in {path}")]
    NoPem { what: &'static str, path: String },
    #[error("operations TLS: client authentication is required but no client root CA certificate was given")]
    NoClientRoots,
    #[error("operations TLS: a client root CA certificate of {path} is not usable: {source}")]
    ClientRoot {
        path: String,
        #[source]
        source: rustls::Error,
    },
    #[error("operations TLS: cannot verify client certificates: {source}")]
    Verifier {
        #[source]
        source: rustls::server::VerifierBuilderError,
    },
    #[error("operations TLS: the certificate and key are not usable: {source}")]
    Config {
        #[source]
        source: rustls::Error,
    },
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path)?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(TlsError::NoPem {
            what: "certificate",
            path: path.display().to_string(),
        });
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read(path)?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .ok()
        .flatten()
        .ok_or_else(|| TlsError::NoPem {
            what: "private key",
            path: path.display().to_string(),
        })
}

impl TlsOptions {
    /// The rustls server configuration.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        for path in &self.client_root_cas {
            for cert in certificates(path)? {
                roots.add(cert).map_err(|source| TlsError::ClientRoot {
                    path: path.display().to_string(),
                    source,
                })?;
            }
        }
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|source| TlsError::Config { source })?;
        let builder = if roots.is_empty() {
            if self.client_auth_required {
                return Err(TlsError::NoClientRoots);
            }
            // No roots: no certificate can be verified, so none is asked for (Go's empty
            // pool verifies none either); the handlers that need one answer 401.
            builder.with_no_client_auth()
        } else {
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if self.client_auth_required {
                verifier
            } else {
                verifier.allow_unauthenticated()
            };
            let verifier = verifier
                .build()
                .map_err(|source| TlsError::Verifier { source })?;
            builder.with_client_cert_verifier(verifier)
        };
        // No ALPN, as Fabric's listener (a tls.Listener under net/http) offers none.
        let config = builder
            .with_single_cert(certificates(&self.cert_file)?, private_key(&self.key_file)?)
            .map_err(|source| TlsError::Config { source })?;
        Ok(Arc::new(config))
    }
}
