//! Hash families (core.yaml `peer.BCCSP.SW.Hash`) and the digests MSP identities use.

use sha3::Digest as _;

use super::CryptoError;

/// The hash family of the SW BCCSP, as core.yaml names it (`SHA2` or `SHA3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashFamily {
    Sha2,
    Sha3,
}

impl HashFamily {
    /// Parses core.yaml's spelling; like Fabric, only the exact upper-case names are valid.
    pub fn parse(s: &str) -> Result<Self, CryptoError> {
        match s {
            "SHA2" => Ok(HashFamily::Sha2),
            "SHA3" => Ok(HashFamily::Sha3),
            other => Err(CryptoError::UnsupportedHashFamily(other.to_string())),
        }
    }

    /// The name core.yaml uses for this family.
    pub fn as_str(self) -> &'static str {
        match self {
            HashFamily::Sha2 => "SHA2",
            HashFamily::Sha3 => "SHA3",
        }
    }
}

impl std::fmt::Display for HashFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The 256-bit digest MSP identities sign and verify over: SHA-256 for `SHA2`,
/// SHA3-256 for `SHA3` (whatever the curve, as Fabric's msp does).
pub fn hash(family: HashFamily, msg: &[u8]) -> Vec<u8> {
    match family {
        HashFamily::Sha2 => sha256(msg).to_vec(),
        HashFamily::Sha3 => sha3_256(msg).to_vec(),
    }
}

/// SHA-256 of `msg`.
pub fn sha256(msg: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, msg);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// SHA3-256 of `msg`.
pub(crate) fn sha3_256(msg: &[u8]) -> [u8; 32] {
    sha3::Sha3_256::digest(msg).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_only_fabric_names() {
        assert_eq!(HashFamily::parse("SHA2").unwrap(), HashFamily::Sha2);
        assert_eq!(HashFamily::parse("SHA3").unwrap(), HashFamily::Sha3);
        let err = HashFamily::parse("sha2").unwrap_err().to_string();
        assert!(
            err.contains("[sha2]") && err.contains("SHA2 or SHA3"),
            "{err}"
        );
    }

    #[test]
    fn digests_match_known_answers() {
        assert_eq!(
            hex::encode(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(hash(HashFamily::Sha3, b"abc")),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"
        );
        assert_eq!(hash(HashFamily::Sha2, b"abc"), sha256(b"abc").to_vec());
    }
}
