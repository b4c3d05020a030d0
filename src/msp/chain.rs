//! Certification path building with the rules Fabric inherits from Go's
//! `x509.Certificate.Verify`: parents are looked up by authority key id (else by issuer
//! name) among the trusted roots and intermediates, each link's signature is checked, every
//! certificate must be inside its validity window at the verification time, intermediates
//! must be CAs within their path-length limit, and a chain whose extended key usages exclude
//! server authentication (Go's default usage) is rejected.

use super::cert::Certificate;

/// Why no certification path could be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("certificate has expired or is not yet valid at {0} (seconds since epoch)")]
    Expired(i64),
    #[error("certificate signed by unknown authority{0}")]
    UnknownAuthority(String),
    #[error("certificate specifies an incompatible key usage")]
    IncompatibleUsage,
}

/// A set of trusted certificates, deduplicated by DER (as Go's `CertPool`).
#[derive(Debug, Clone, Default)]
pub struct CertPool {
    certs: Vec<Certificate>,
}

impl CertPool {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, cert: Certificate) {
        if !self.contains(&cert) {
            self.certs.push(cert);
        }
    }

    pub fn contains(&self, cert: &Certificate) -> bool {
        self.certs.iter().any(|c| c.der() == cert.der())
    }

    pub fn certs(&self) -> &[Certificate] {
        &self.certs
    }

    fn potential_parents<'a>(&'a self, child: &Certificate) -> Vec<&'a Certificate> {
        if let Some(aki) = &child.authority_key_id {
            let by_key: Vec<&Certificate> = self
                .certs
                .iter()
                .filter(|c| c.subject_key_id.as_ref() == Some(aki))
                .collect();
            if !by_key.is_empty() {
                return by_key;
            }
        }
        self.certs
            .iter()
            .filter(|c| c.subject_raw == child.issuer_raw)
            .collect()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    Intermediate,
    Root,
}

fn within_validity(cert: &Certificate, now: i64) -> bool {
    now >= cert.not_before && now <= cert.not_after
}

const MAX_CHAIN_LEN: usize = 16;

struct Builder<'a> {
    roots: &'a CertPool,
    intermediates: &'a CertPool,
    now: i64,
    chains: Vec<Vec<Certificate>>,
    rejection: Option<String>,
}

impl Builder<'_> {
    fn candidate_ok(
        &mut self,
        chain: &[Certificate],
        candidate: &Certificate,
        pos: Position,
    ) -> bool {
        let child = chain.last().expect("chain starts with the leaf");
        if chain.iter().any(|c| c.der() == candidate.der()) {
            return false;
        }
        if !child.is_signed_by(candidate) {
            self.rejection
                .get_or_insert_with(|| "a candidate issuer's signature does not match".into());
            return false;
        }
        if !within_validity(candidate, self.now) {
            self.rejection =
                Some("the issuing CA certificate is outside its validity period".into());
            return false;
        }
        if pos == Position::Intermediate && !(candidate.basic_constraints_valid && candidate.is_ca)
        {
            self.rejection = Some("an intermediate certificate is not a CA".into());
            return false;
        }
        if let Some(max) = candidate.max_path_len {
            if chain.len() - 1 > max as usize {
                self.rejection =
                    Some("too many intermediates for the path length constraint".into());
                return false;
            }
        }
        true
    }

    fn build(&mut self, chain: &mut Vec<Certificate>) {
        let child = chain.last().expect("chain starts with the leaf").clone();
        for root in self.roots.potential_parents(&child) {
            if self.candidate_ok(chain, root, Position::Root) {
                let mut done = chain.clone();
                done.push(root.clone());
                self.chains.push(done);
            }
        }
        if chain.len() >= MAX_CHAIN_LEN {
            return;
        }
        for inter in self.intermediates.potential_parents(&child) {
            if self.candidate_ok(chain, inter, Position::Intermediate) {
                chain.push(inter.clone());
                self.build(chain);
                chain.pop();
            }
        }
    }
}

/// Builds every certification path from `leaf` to a root at time `now` (seconds since the
/// Unix epoch). A leaf that is itself one of the roots yields the one-element chain.
pub fn verify(
    leaf: &Certificate,
    roots: &CertPool,
    intermediates: &CertPool,
    now: i64,
) -> Result<Vec<Vec<Certificate>>, ChainError> {
    if !within_validity(leaf, now) {
        return Err(ChainError::Expired(now));
    }
    let chains = if roots.contains(leaf) {
        vec![vec![leaf.clone()]]
    } else {
        let mut builder = Builder {
            roots,
            intermediates,
            now,
            chains: Vec::new(),
            rejection: None,
        };
        builder.build(&mut vec![leaf.clone()]);
        if builder.chains.is_empty() {
            let why = builder
                .rejection
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            return Err(ChainError::UnknownAuthority(why));
        }
        builder.chains
    };
    let usable: Vec<Vec<Certificate>> = chains
        .into_iter()
        .filter(|chain| chain.iter().all(allows_server_auth))
        .collect();
    if usable.is_empty() {
        return Err(ChainError::IncompatibleUsage);
    }
    Ok(usable)
}

fn allows_server_auth(cert: &Certificate) -> bool {
    match &cert.ext_key_usage {
        None => true,
        Some(eku) => eku.any || eku.server_auth,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    pub(crate) struct Ca {
        pub params: CertificateParams,
        pub key: KeyPair,
        pub cert: Certificate,
    }

    pub(crate) fn ca(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca {
            cert: Certificate::from_der(cert.der()).unwrap(),
            params,
            key,
        }
    }

    pub(crate) fn issue(issuer: &Ca, name: &str, is_ca: bool, ous: &[&str]) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        for ou in ous {
            params
                .distinguished_name
                .push(DnType::OrganizationalUnitName, *ou);
        }
        if is_ca {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().unwrap();
        let issuer_ref = Issuer::from_params(&issuer.params, &issuer.key);
        let cert = params.signed_by(&key, &issuer_ref).unwrap();
        Ca {
            cert: Certificate::from_der(cert.der()).unwrap(),
            params,
            key,
        }
    }

    fn pool(certs: &[&Certificate]) -> CertPool {
        let mut p = CertPool::new();
        for c in certs {
            p.add((*c).clone());
        }
        p
    }

    #[test]
    fn builds_chain_through_intermediate() {
        let root = ca("root");
        let inter = issue(&root, "inter", true, &[]);
        let leaf = issue(&inter, "leaf", false, &[]);
        let now = leaf.cert.not_before + 1;
        let chains = verify(&leaf.cert, &pool(&[&root.cert]), &pool(&[&inter.cert]), now).unwrap();
        assert_eq!(chains.len(), 1);
        assert_eq!(chains[0].len(), 3);
        assert_eq!(chains[0][2].der(), root.cert.der());
    }

    #[test]
    fn foreign_leaf_is_rejected() {
        let root = ca("root");
        let other = ca("other");
        let leaf = issue(&other, "leaf", false, &[]);
        let err = verify(
            &leaf.cert,
            &pool(&[&root.cert]),
            &CertPool::new(),
            leaf.cert.not_before + 1,
        )
        .unwrap_err();
        assert!(matches!(err, ChainError::UnknownAuthority(_)));
    }

    #[test]
    fn intermediate_that_is_not_a_ca_cannot_issue() {
        let root = ca("root");
        let inter = issue(&root, "inter", false, &[]);
        let leaf = issue(&inter, "leaf", false, &[]);
        let err = verify(
            &leaf.cert,
            &pool(&[&root.cert]),
            &pool(&[&inter.cert]),
            leaf.cert.not_before + 1,
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a CA"), "{err}");
    }

    #[test]
    fn root_verifies_as_single_element_chain_and_time_is_checked() {
        let root = ca("root");
        let roots = pool(&[&root.cert]);
        let chains = verify(
            &root.cert,
            &roots,
            &CertPool::new(),
            root.cert.not_before + 1,
        )
        .unwrap();
        assert_eq!(chains.len(), 1);
        assert_eq!(chains[0].len(), 1);
        let err = verify(
            &root.cert,
            &roots,
            &CertPool::new(),
            root.cert.not_after + 10,
        )
        .unwrap_err();
        assert!(matches!(err, ChainError::Expired(_)));
    }
}
