//! Writes MSP folders as Fabric v1.4's cryptogen does (`common/tools/cryptogen/msp`):
//! a local MSP with TLS material for a node or user, and a verifying MSP for an org.

use std::path::Path;

use super::ca::CA;
use super::x509;
use super::{create_dir, io_error, write_file, CryptogenError, ExtKeyUsage, KeyUsage};
use crate::crypto::{Curve, FileKeyStore, KeyStore, PrivateKey};

/// The role a local MSP is generated for; with NodeOUs it becomes the certificate's OU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    Client,
    Orderer,
    Peer,
    Admin,
}

impl NodeType {
    /// The organizational unit Fabric's NodeOUs give this role.
    pub fn organizational_unit(self) -> &'static str {
        match self {
            NodeType::Client => "client",
            NodeType::Orderer => "orderer",
            NodeType::Peer => "peer",
            NodeType::Admin => "admin",
        }
    }
}

/// Creates `<base_dir>/msp/{admincerts,cacerts,tlscacerts,keystore,signcerts}` and
/// `<base_dir>/tls`, with a new signing identity named `name` issued by `sign_ca` and a TLS
/// key pair issued by `tls_ca` for `sans` (`server.*` for peers and orderers, `client.*`
/// for clients and admins).
pub fn generate_local_msp(
    base_dir: &Path,
    name: &str,
    sans: &[String],
    sign_ca: &CA,
    tls_ca: &CA,
    node_type: NodeType,
    node_ous: bool,
) -> Result<(), CryptogenError> {
    let msp_dir = base_dir.join("msp");
    let tls_dir = base_dir.join("tls");
    create_folder_structure(&msp_dir, true)?;
    create_dir(&tls_dir)?;

    let key = new_stored_key(&msp_dir.join("keystore"))?;
    let ous: Vec<String> = if node_ous {
        vec![node_type.organizational_unit().to_string()]
    } else {
        Vec::new()
    };
    let cert = sign_ca.sign_certificate(
        &msp_dir.join("signcerts"),
        name,
        &ous,
        &[],
        &key.public_key(),
        KeyUsage::DIGITAL_SIGNATURE,
        &[],
    )?;
    export_cert(
        &msp_dir.join("cacerts").join(sign_ca.cert_file_name()),
        sign_ca.cert_der(),
    )?;
    export_cert(
        &msp_dir.join("tlscacerts").join(tls_ca.cert_file_name()),
        tls_ca.cert_der(),
    )?;
    if node_ous {
        export_config(&msp_dir, &format!("cacerts/{}", sign_ca.cert_file_name()))?;
    } else {
        export_cert(
            &msp_dir.join("admincerts").join(format!("{name}-cert.pem")),
            &cert,
        )?;
    }

    let tls_key = new_stored_key(&tls_dir)?;
    tls_ca.sign_certificate(
        &tls_dir,
        name,
        &[],
        sans,
        &tls_key.public_key(),
        KeyUsage::DIGITAL_SIGNATURE | KeyUsage::KEY_ENCIPHERMENT,
        &[ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth],
    )?;
    export_cert(&tls_dir.join("ca.crt"), tls_ca.cert_der())?;
    let prefix = match node_type {
        NodeType::Client | NodeType::Admin => "client",
        NodeType::Orderer | NodeType::Peer => "server",
    };
    rename(
        &tls_dir.join(format!("{name}-cert.pem")),
        &tls_dir.join(format!("{prefix}.crt")),
    )?;
    let key_file = FileKeyStore::new(&tls_dir, true)?.key_path(&tls_key.ski());
    rename(&key_file, &tls_dir.join(format!("{prefix}.key")))
}

/// Creates an organization's verifying MSP in `base_dir`: `cacerts`, `tlscacerts`, and
/// either the NodeOUs `config.yaml` or (without NodeOUs) an admin certificate for a
/// throw-away key in `admincerts`, as Fabric does.
pub fn generate_verifying_msp(
    base_dir: &Path,
    sign_ca: &CA,
    tls_ca: &CA,
    node_ous: bool,
) -> Result<(), CryptogenError> {
    create_folder_structure(base_dir, false)?;
    export_cert(
        &base_dir.join("cacerts").join(sign_ca.cert_file_name()),
        sign_ca.cert_der(),
    )?;
    export_cert(
        &base_dir.join("tlscacerts").join(tls_ca.cert_file_name()),
        tls_ca.cert_der(),
    )?;
    if node_ous {
        return export_config(base_dir, &format!("cacerts/{}", sign_ca.cert_file_name()));
    }
    let throwaway = PrivateKey::generate(Curve::P256)?;
    sign_ca.sign_certificate(
        &base_dir.join("admincerts"),
        &sign_ca.name,
        &[],
        &[],
        &throwaway.public_key(),
        KeyUsage::DIGITAL_SIGNATURE,
        &[],
    )?;
    Ok(())
}

fn create_folder_structure(root: &Path, local: bool) -> Result<(), CryptogenError> {
    let mut folders = vec!["admincerts", "cacerts", "tlscacerts"];
    if local {
        folders.extend(["keystore", "signcerts"]);
    }
    folders.iter().try_for_each(|f| create_dir(&root.join(f)))
}

/// Generates a P-256 key and stores it as `<dir>/<ski>_sk`.
fn new_stored_key(dir: &Path) -> Result<PrivateKey, CryptogenError> {
    let key = PrivateKey::generate(Curve::P256)?;
    FileKeyStore::new(dir, false)?.store_key(&key)?;
    Ok(key)
}

fn export_cert(path: &Path, der: &[u8]) -> Result<(), CryptogenError> {
    write_file(path, x509::pem("CERTIFICATE", der).as_bytes())
}

fn rename(from: &Path, to: &Path) -> Result<(), CryptogenError> {
    std::fs::rename(from, to).map_err(|e| io_error(from, e))
}

/// The NodeOUs `config.yaml` Fabric 1.4.12's cryptogen writes (all four OU identifiers,
/// each certified by the signing CA's certificate).
fn export_config(msp_dir: &Path, ca_file: &str) -> Result<(), CryptogenError> {
    let mut yaml = String::from("NodeOUs:\n  Enable: true\n");
    for (key, ou) in [
        ("ClientOUIdentifier", "client"),
        ("PeerOUIdentifier", "peer"),
        ("AdminOUIdentifier", "admin"),
        ("OrdererOUIdentifier", "orderer"),
    ] {
        yaml.push_str(&format!(
            "  {key}:\n    Certificate: {ca_file}\n    OrganizationalUnitIdentifier: {ou}\n"
        ));
    }
    write_file(&msp_dir.join("config.yaml"), yaml.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::PublicKey;
    use crate::tools::cryptogen::ca::tests::{assert_signed_by, parse_pem_file};
    use std::path::PathBuf;

    fn cas(dir: &Path) -> (CA, CA) {
        let org = "org1.example.com";
        let sign = CA::new(
            &dir.join("ca"),
            org,
            "ca.org1.example.com",
            "",
            "",
            "",
            "",
            "",
            "",
        )
        .unwrap();
        let tls = CA::new(
            &dir.join("tlsca"),
            org,
            "tlsca.org1.example.com",
            "",
            "",
            "",
            "",
            "",
            "",
        )
        .unwrap();
        (sign, tls)
    }

    fn only_file(dir: &Path) -> PathBuf {
        let files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{}", dir.display());
        files.into_iter().next().unwrap()
    }

    #[test]
    fn local_msp_for_a_peer_with_node_ous() {
        let dir = tempfile::tempdir().unwrap();
        let (sign_ca, tls_ca) = cas(dir.path());
        let node = dir.path().join("peers/peer0.org1.example.com");
        let sans = vec![
            "peer0.org1.example.com".to_string(),
            "127.0.0.1".to_string(),
        ];
        generate_local_msp(
            &node,
            "peer0.org1.example.com",
            &sans,
            &sign_ca,
            &tls_ca,
            NodeType::Peer,
            true,
        )
        .unwrap();

        let msp = node.join("msp");
        for sub in [
            "admincerts",
            "cacerts",
            "tlscacerts",
            "keystore",
            "signcerts",
        ] {
            assert!(msp.join(sub).is_dir(), "{sub}");
        }
        assert!(std::fs::read_dir(msp.join("admincerts"))
            .unwrap()
            .next()
            .is_none());
        assert_eq!(
            parse_pem_file(&msp.join("cacerts/ca.org1.example.com-cert.pem")),
            sign_ca.cert_der()
        );
        assert_eq!(
            parse_pem_file(&msp.join("tlscacerts/tlsca.org1.example.com-cert.pem")),
            tls_ca.cert_der()
        );
        let signcert = parse_pem_file(&msp.join("signcerts/peer0.org1.example.com-cert.pem"));
        assert_signed_by(&signcert, &sign_ca.signer().public_key());
        let key_file = only_file(&msp.join("keystore"));
        let key = PrivateKey::from_pem(&std::fs::read(&key_file).unwrap()).unwrap();
        assert_eq!(
            key_file.file_name().unwrap().to_str().unwrap(),
            format!("{}_sk", hex::encode(key.ski()))
        );
        assert_eq!(
            PublicKey::from_certificate_der(&signcert).unwrap(),
            key.public_key()
        );
        let (_, cert) = x509_parser::parse_x509_certificate(&signcert).unwrap();
        assert_eq!(
            cert.subject()
                .iter_organizational_unit()
                .next()
                .unwrap()
                .as_str()
                .unwrap(),
            "peer"
        );

        let tls = node.join("tls");
        let mut names: Vec<String> = std::fs::read_dir(&tls)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["ca.crt", "server.crt", "server.key"]);
        let tls_cert = parse_pem_file(&tls.join("server.crt"));
        assert_signed_by(&tls_cert, &tls_ca.signer().public_key());
        let tls_key =
            PrivateKey::from_pem(&std::fs::read(tls.join("server.key")).unwrap()).unwrap();
        assert_eq!(
            PublicKey::from_certificate_der(&tls_cert).unwrap(),
            tls_key.public_key()
        );
        assert_eq!(parse_pem_file(&tls.join("ca.crt")), tls_ca.cert_der());

        let config = std::fs::read_to_string(msp.join("config.yaml")).unwrap();
        assert!(config.contains("  PeerOUIdentifier:\n    Certificate: cacerts/ca.org1.example.com-cert.pem\n    OrganizationalUnitIdentifier: peer\n"));
        let golden = crate::test_vectors::dir()
            .join("network/crypto-config/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp/config.yaml");
        assert_eq!(config, std::fs::read_to_string(golden).unwrap());
    }

    #[test]
    fn local_msp_for_a_user_without_node_ous() {
        let dir = tempfile::tempdir().unwrap();
        let (sign_ca, tls_ca) = cas(dir.path());
        let user = dir.path().join("users/User1@org1.example.com");
        generate_local_msp(
            &user,
            "User1@org1.example.com",
            &[],
            &sign_ca,
            &tls_ca,
            NodeType::Client,
            false,
        )
        .unwrap();
        let msp = user.join("msp");
        assert!(!msp.join("config.yaml").exists());
        let admincert = parse_pem_file(&msp.join("admincerts/User1@org1.example.com-cert.pem"));
        assert_eq!(
            admincert,
            parse_pem_file(&msp.join("signcerts/User1@org1.example.com-cert.pem"))
        );
        let (_, cert) = x509_parser::parse_x509_certificate(&admincert).unwrap();
        assert_eq!(cert.subject().iter_organizational_unit().count(), 0);
        assert!(user.join("tls/client.crt").is_file() && user.join("tls/client.key").is_file());
        assert!(!user.join("tls/server.crt").exists());
    }

    #[test]
    fn verifying_msp_with_and_without_node_ous() {
        let dir = tempfile::tempdir().unwrap();
        let (sign_ca, tls_ca) = cas(dir.path());
        let with = dir.path().join("msp-ous");
        generate_verifying_msp(&with, &sign_ca, &tls_ca, true).unwrap();
        assert!(with.join("config.yaml").is_file());
        assert!(with.join("cacerts/ca.org1.example.com-cert.pem").is_file());
        assert!(with
            .join("tlscacerts/tlsca.org1.example.com-cert.pem")
            .is_file());
        assert!(!with.join("keystore").exists());
        let without = dir.path().join("msp");
        generate_verifying_msp(&without, &sign_ca, &tls_ca, false).unwrap();
        assert!(!without.join("config.yaml").exists());
        let admin = parse_pem_file(&without.join("admincerts/ca.org1.example.com-cert.pem"));
        assert_signed_by(&admin, &sign_ca.signer().public_key());
    }

    /// Our certificates have the same subject attribute types and string encodings, the
    /// same extensions in the same order with the same criticality, as Fabric's.
    #[test]
    fn certificate_layout_matches_fabric_vectors() {
        let golden_org = crate::test_vectors::dir()
            .join("network/crypto-config/peerOrganizations/org1.example.com");
        let dir = tempfile::tempdir().unwrap();
        let (sign_ca, tls_ca) = cas(dir.path());
        let sans = vec![
            "peer0.org1.example.com".to_string(),
            "peer0".into(),
            "localhost".into(),
            "127.0.0.1".into(),
        ];
        let peer = dir.path().join("peer0.org1.example.com");
        generate_local_msp(
            &peer,
            "peer0.org1.example.com",
            &sans,
            &sign_ca,
            &tls_ca,
            NodeType::Peer,
            true,
        )
        .unwrap();
        let admin = dir.path().join("Admin@org1.example.com");
        generate_local_msp(
            &admin,
            "Admin@org1.example.com",
            &[],
            &sign_ca,
            &tls_ca,
            NodeType::Admin,
            true,
        )
        .unwrap();
        let pairs = [
            (
                dir.path().join("ca/ca.org1.example.com-cert.pem"),
                golden_org.join("ca/ca.org1.example.com-cert.pem"),
            ),
            (
                dir.path().join("tlsca/tlsca.org1.example.com-cert.pem"),
                golden_org.join("tlsca/tlsca.org1.example.com-cert.pem"),
            ),
            (
                peer.join("msp/signcerts/peer0.org1.example.com-cert.pem"),
                golden_org.join(
                    "peers/peer0.org1.example.com/msp/signcerts/peer0.org1.example.com-cert.pem",
                ),
            ),
            (
                peer.join("tls/server.crt"),
                golden_org.join("peers/peer0.org1.example.com/tls/server.crt"),
            ),
            (
                admin.join("msp/signcerts/Admin@org1.example.com-cert.pem"),
                golden_org.join(
                    "users/Admin@org1.example.com/msp/signcerts/Admin@org1.example.com-cert.pem",
                ),
            ),
            (
                admin.join("tls/client.crt"),
                golden_org.join("users/Admin@org1.example.com/tls/client.crt"),
            ),
        ];
        for (ours, golden) in pairs {
            assert_eq!(
                layout(&parse_pem_file(&ours)),
                layout(&parse_pem_file(&golden)),
                "{}",
                golden.display()
            );
        }
    }

    /// Everything about a certificate except keys, serials, dates and signatures.
    fn layout(der: &[u8]) -> Vec<String> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
        let mut out = vec![
            format!("version {:?}", cert.version()),
            format!("alg {}", cert.signature_algorithm.algorithm),
        ];
        for (label, name) in [("subject", cert.subject()), ("issuer", cert.issuer())] {
            for attr in name.iter_attributes() {
                out.push(format!(
                    "{label} {} {:?} {:?}",
                    attr.attr_type(),
                    attr.attr_value().header.tag(),
                    attr.as_str()
                ));
            }
        }
        for ext in cert.extensions() {
            let value = match ext.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(_)
                | x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(_) => {
                    format!("len {}", ext.value.len())
                }
                _ => hex::encode(ext.value),
            };
            out.push(format!("ext {} critical={} {value}", ext.oid, ext.critical));
        }
        out
    }
}
