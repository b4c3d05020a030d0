//! The orderer's operations endpoint is the shared [`crate::operations`] system, configured
//! from orderer.yaml's `Operations` and `Metrics` sections.

pub use crate::operations::*;

use super::localconfig::TopLevel;

/// `Operations.ListenAddress`, `Operations.TLS` (paths resolved against the config folder)
/// and `Metrics.Provider`.
pub fn options(config: &TopLevel) -> OperationsOptions {
    let t = &config.operations.tls;
    let resolve = |p: &Option<String>| config.resolve_path(p.as_deref().unwrap_or_default());
    OperationsOptions {
        tls: t.enabled.then(|| TlsOptions {
            cert_file: resolve(&t.certificate),
            key_file: resolve(&t.private_key),
            client_auth_required: t.client_auth_required,
            client_root_cas: t
                .client_root_cas
                .iter()
                .map(|f| config.resolve_path(f))
                .collect(),
        }),
        ..OperationsOptions::new(&config.operations.listen_address, &config.metrics.provider)
    }
}
