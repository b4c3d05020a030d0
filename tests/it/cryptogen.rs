//! The `cryptogen` binary end to end: the tree it writes against the one Fabric v1.4.12's
//! cryptogen wrote (tests/vectors/network), the MSPs it writes loaded by our MSP, `extend`,
//! `showtemplate`, and bad inputs.

use crate::support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fabric::crypto::{PrivateKey, PublicKey, SwOpts};
use fabric::msp::config::get_verifying_msp_config;
use fabric::msp::{load_local_msp, MspVersion, X509Msp};
use fabric::tools::cryptogen::config::Config;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::X509Certificate;

fn cryptogen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cryptogen"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("cryptogen runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "cryptogen failed: {}\n{}",
        stderr(out),
        stdout(out)
    );
}

/// Asserts exit status 1, one `cryptogen: error:` line on stderr mentioning `needle`.
fn assert_fails(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    assert!(err.starts_with("cryptogen: error: "), "{err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
}

/// Every file below `root`, relative, with `<64 hex>_sk` key names normalised.
fn tree(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(normalise(
                    &path.strip_prefix(root).unwrap().to_string_lossy(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn normalise(rel: &str) -> String {
    match rel.rsplit_once('/') {
        Some((dir, name)) if is_key_name(name) => format!("{dir}/<ski>_sk"),
        _ => rel.to_string(),
    }
}

fn is_key_name(name: &str) -> bool {
    name.strip_suffix("_sk")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn pem_der(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap();
    x509_parser::pem::parse_x509_pem(&raw)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .1
        .contents
}

/// What must agree between our certificate and Fabric's: names, SANs, key usages, basic
/// constraints, OUs (not keys, serials, dates or signatures).
fn cert_summary(der: &[u8]) -> BTreeMap<&'static str, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
    let mut s = BTreeMap::new();
    s.insert("subject", cert.subject().to_string());
    s.insert("issuer", cert.issuer().to_string());
    let ous: Vec<&str> = cert
        .subject()
        .iter_organizational_unit()
        .map(|a| a.as_str().unwrap())
        .collect();
    s.insert("ous", ous.join(","));
    for ext in cert.extensions() {
        let (key, value) = match ext.parsed_extension() {
            ParsedExtension::KeyUsage(ku) => {
                ("key usage", format!("{ku} critical={}", ext.critical))
            }
            ParsedExtension::ExtendedKeyUsage(eku) => ("ext key usage", format!("{eku:?}")),
            ParsedExtension::BasicConstraints(bc) => (
                "basic constraints",
                format!("{bc:?} critical={}", ext.critical),
            ),
            ParsedExtension::SubjectAlternativeName(san) => (
                "sans",
                san.general_names
                    .iter()
                    .map(general_name)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            _ => continue,
        };
        s.insert(key, value);
    }
    s
}

fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(d) => format!("DNS:{d}"),
        GeneralName::IPAddress(ip) => format!("IP:{}", hex::encode(ip)),
        other => format!("{other:?}"),
    }
}

fn is_cert(rel: &str) -> bool {
    rel.ends_with(".pem") || rel.ends_with(".crt")
}

#[test]
fn generate_writes_fabrics_tree_for_the_vector_config() {
    let vectors = support::vectors_dir();
    let golden = vectors.join("network/crypto-config");
    let config = vectors.join("network/crypto-config.yaml");
    let dir = tempfile::tempdir().unwrap();
    let out = cryptogen(
        dir.path(),
        &[
            "generate",
            &format!("--config={}", config.display()),
            "--output",
            "out",
        ],
    );
    assert_ok(&out);
    assert_eq!(stdout(&out), "org1.example.com\norg2.example.com\n");
    let ours = dir.path().join("out");
    let files = tree(&ours);
    assert_eq!(files, tree(&golden));

    // Same-path certificates agree; same-path config.yaml files are identical.
    let mut certs = 0;
    for rel in files.iter().filter(|r| is_cert(r)) {
        assert_eq!(
            cert_summary(&pem_der(&ours.join(rel))),
            cert_summary(&pem_der(&golden.join(rel))),
            "{rel}"
        );
        certs += 1;
    }
    assert!(certs > 60, "only {certs} certificates compared");
    for rel in files.iter().filter(|r| r.ends_with("config.yaml")) {
        assert_eq!(
            std::fs::read_to_string(ours.join(rel)).unwrap(),
            std::fs::read_to_string(golden.join(rel)).unwrap(),
            "{rel}"
        );
    }
    check_keys(&ours);
}

/// Every `<ski>_sk` is named after its key's SKI, and every TLS key matches its cert.
fn check_keys(root: &Path) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
            } else if is_key_name(&name) {
                let key = PrivateKey::from_pem(&std::fs::read(&path).unwrap()).unwrap();
                assert_eq!(format!("{}_sk", hex::encode(key.ski())), name);
            } else if let Some(prefix) = name.strip_suffix(".key") {
                let key = PrivateKey::from_pem(&std::fs::read(&path).unwrap()).unwrap();
                let cert = pem_der(&dir.join(format!("{prefix}.crt")));
                assert_eq!(
                    PublicKey::from_certificate_der(&cert).unwrap(),
                    key.public_key(),
                    "{}",
                    path.display()
                );
            }
        }
    }
}

const MIXED: &str = "
OrdererOrgs:
  - Name: Orderer
    Domain: example.com
    Specs:
      - Hostname: orderer
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: true
    Template:
      Count: 2
    Users:
      Count: 1
  - Name: Org2
    Domain: org2.example.com
    EnableNodeOUs: false
    CA:
      Country: DE
      OrganizationalUnit: Research
    Specs:
      - Hostname: alpha
        SANS: ['{{.Hostname}}.alt.{{.Domain}}', 10.0.0.7]
    Users:
      Count: 1
";

/// (org folder, MSP id, folder of the nodes) of the MIXED config.
fn mixed_orgs(root: &Path) -> Vec<(PathBuf, &'static str, &'static str)> {
    vec![
        (
            root.join("ordererOrganizations/example.com"),
            "OrdererMSP",
            "orderers",
        ),
        (
            root.join("peerOrganizations/org1.example.com"),
            "Org1MSP",
            "peers",
        ),
        (
            root.join("peerOrganizations/org2.example.com"),
            "Org2MSP",
            "peers",
        ),
    ]
}

/// Loads every local MSP below `org` and validates its signing identity with the org's
/// verifying MSP; returns how many were checked.
fn validate_org(org: &Path, msp_id: &str, nodes: &str) -> usize {
    let conf = get_verifying_msp_config(&org.join("msp"), msp_id).unwrap();
    let verifying = X509Msp::new(&conf, MspVersion::V1_4_3, None).unwrap();
    let mut checked = 0;
    for group in [nodes, "users"] {
        for entry in std::fs::read_dir(org.join(group)).unwrap() {
            let msp_dir = entry.unwrap().path().join("msp");
            let local = load_local_msp(&msp_dir, msp_id, &SwOpts::default())
                .unwrap_or_else(|e| panic!("{}: {e}", msp_dir.display()));
            let signer = local.default_signing_identity().unwrap();
            verifying
                .validate(signer.public().as_ref())
                .unwrap_or_else(|e| panic!("{}: {e}", msp_dir.display()));
            let seen = verifying
                .deserialize_identity_bytes(&pem_of_signcert(&msp_dir))
                .unwrap();
            let signature = signer.sign(b"cryptogen").unwrap();
            fabric::msp::Identity::verify(&seen, b"cryptogen", &signature).unwrap();
            checked += 1;
        }
    }
    checked
}

fn pem_of_signcert(msp_dir: &Path) -> Vec<u8> {
    let signcerts = msp_dir.join("signcerts");
    let file = std::fs::read_dir(&signcerts)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    std::fs::read(file.path()).unwrap()
}

#[test]
fn generated_msps_load_and_their_identities_validate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("crypto.yaml"), MIXED).unwrap();
    assert_ok(&cryptogen(
        dir.path(),
        &["generate", "--config", "crypto.yaml"],
    ));
    let root = dir.path().join("crypto-config");
    let checked: usize = mixed_orgs(&root)
        .iter()
        .map(|(org, id, nodes)| validate_org(org, id, nodes))
        .sum();
    // orderer + Admin; 2 peers + User1 + Admin; alpha + User1 + Admin
    assert_eq!(checked, 9);

    let org2 = root.join("peerOrganizations/org2.example.com");
    let tls = pem_der(&org2.join("peers/alpha.org2.example.com/tls/server.crt"));
    let summary = cert_summary(&tls);
    assert_eq!(
        summary["sans"],
        "DNS:alpha.org2.example.com,DNS:alpha,DNS:alpha.alt.org2.example.com,IP:0a000007"
    );
    let signcert = pem_der(
        &org2.join("peers/alpha.org2.example.com/msp/signcerts/alpha.org2.example.com-cert.pem"),
    );
    let (_, cert) = x509_parser::parse_x509_certificate(&signcert).unwrap();
    assert_eq!(
        cert.subject().to_string(),
        "C=DE, ST=California, L=San Francisco, OU=Research, CN=alpha.org2.example.com"
    );
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn extend_adds_new_peers_users_and_orgs_and_keeps_existing_material() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("crypto.yaml"), MIXED).unwrap();
    assert_ok(&cryptogen(
        dir.path(),
        &["generate", "--config=crypto.yaml"],
    ));
    let root = dir.path().join("crypto-config");
    let before = snapshot(&root);

    let raised = MIXED.replace("Count: 2", "Count: 3").replace(
        "      - Hostname: alpha\n",
        "      - Hostname: alpha\n      - Hostname: beta\n",
    )
        + "  - Name: Org3\n    Domain: org3.example.com\n    Template:\n      Count: 1\n";
    std::fs::write(dir.path().join("crypto.yaml"), raised).unwrap();
    let out = cryptogen(
        dir.path(),
        &["extend", "--config", "crypto.yaml", "--input=crypto-config"],
    );
    assert_ok(&out);
    assert_eq!(stdout(&out), "org3.example.com\n");

    let after = snapshot(&root);
    for (rel, bytes) in &before {
        assert_eq!(after.get(rel), Some(bytes), "{rel} changed or vanished");
    }
    let org1 = root.join("peerOrganizations/org1.example.com");
    assert!(org1
        .join("peers/peer2.org1.example.com/msp/keystore")
        .is_dir());
    let org2 = root.join("peerOrganizations/org2.example.com");
    let beta = org2.join("peers/beta.org2.example.com/msp");
    assert_eq!(
        std::fs::read(beta.join("admincerts/Admin@org2.example.com-cert.pem")).unwrap(),
        std::fs::read(
            org2.join("users/Admin@org2.example.com/msp/signcerts/Admin@org2.example.com-cert.pem")
        )
        .unwrap()
    );
    assert!(root.join("peerOrganizations/org3.example.com/ca").is_dir());
    let leftovers: Vec<String> = after
        .keys()
        .filter(|k| k.contains(".partial-"))
        .cloned()
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let mut orgs = mixed_orgs(&root);
    orgs.push((
        root.join("peerOrganizations/org3.example.com"),
        "Org3MSP",
        "peers",
    ));
    let checked: usize = orgs
        .iter()
        .map(|(org, id, nodes)| validate_org(org, id, nodes))
        .sum();
    assert_eq!(checked, 9 + 2 + 2);

    // Nothing more to add: a second extend changes nothing.
    let settled = snapshot(&root);
    assert_ok(&cryptogen(
        dir.path(),
        &["extend", "--config", "crypto.yaml"],
    ));
    assert_eq!(snapshot(&root), settled);
}

#[test]
fn showtemplate_prints_the_default_config_that_generate_uses() {
    let dir = tempfile::tempdir().unwrap();
    let out = cryptogen(dir.path(), &["showtemplate"]);
    assert_ok(&out);
    let template = stdout(&out);
    let orgs = Config::from_yaml(&template).unwrap().render().unwrap();
    assert_eq!(orgs.len(), 3);
    std::fs::write(dir.path().join("template.yaml"), &template).unwrap();
    let with_file = cryptogen(
        dir.path(),
        &["generate", "--config", "template.yaml", "--output", "a"],
    );
    assert_ok(&with_file);
    let default = cryptogen(dir.path(), &["generate", "--output=b"]);
    assert_ok(&default);
    assert_eq!(stdout(&default), "org1.example.com\norg2.example.com\n");
    assert_eq!(tree(&dir.path().join("a")), tree(&dir.path().join("b")));
    assert!(dir
        .path()
        .join("b/ordererOrganizations/example.com/orderers/orderer.example.com/tls/server.key")
        .is_file());
}

#[test]
fn version_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = cryptogen(dir.path(), &["version"]);
    assert_ok(&out);
    assert!(stdout(&out).starts_with("cryptogen:\n Version: 1.4.12\n"));
    let out = cryptogen(dir.path(), &["--version"]);
    assert_ok(&out);
    assert_eq!(stdout(&out), "0.0.1\n");
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn bad_inputs_fail_with_one_line_and_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_fails(
        &cryptogen(d, &["generate", "--config", "missing.yaml"]),
        "missing.yaml",
    );
    std::fs::write(d.join("broken.yaml"), "PeerOrgs: [\n").unwrap();
    assert_fails(
        &cryptogen(d, &["generate", "--config=broken.yaml"]),
        "broken.yaml",
    );
    std::fs::write(
        d.join("typo.yaml"),
        "PeerOrgs:\n  - Name: A\n    Domian: a.com\n",
    )
    .unwrap();
    assert_fails(
        &cryptogen(d, &["generate", "--config=typo.yaml"]),
        "unknown field `Domian`",
    );
    std::fs::write(
        d.join("template.yaml"),
        "PeerOrgs:\n  - Name: A\n    Domain: a.com\n    Template:\n      Count: 1\n      Hostname: '{{.Nope}}'\n",
    )
    .unwrap();
    assert_fails(
        &cryptogen(d, &["generate", "--config=template.yaml"]),
        "Nope",
    );
    assert_fails(&cryptogen(d, &["generate", "--outptu=x"]), "--outptu");
    assert_fails(&cryptogen(d, &[]), "command not specified");
    assert_eq!(
        entries(d),
        ["broken.yaml", "template.yaml", "typo.yaml"],
        "a failed run wrote something"
    );

    // An output directory that cannot be created.
    std::fs::write(d.join("a-file"), "").unwrap();
    let run = cryptogen(d, &["generate", "--output", "a-file/out"]);
    assert_fails(&run, "a-file");
    assert_eq!(
        stdout(&run),
        "",
        "no organization is announced when none can be written"
    );

    // A failure after some organizations were written takes them back: the peer orgs are
    // generated first, then ordererOrganizations cannot be created.
    let out = d.join("half");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("ordererOrganizations"), "in the way").unwrap();
    let run = cryptogen(d, &["generate", "--output", "half"]);
    assert_fails(&run, "ordererOrganizations");
    assert_eq!(entries(&out), ["ordererOrganizations"]);

    // Generating over an existing organization is refused; the existing one is untouched.
    assert_ok(&cryptogen(d, &["generate", "--output", "full"]));
    let before = snapshot(&d.join("full"));
    assert_fails(
        &cryptogen(d, &["generate", "--output", "full"]),
        "cryptogen extend",
    );
    assert_eq!(snapshot(&d.join("full")), before);

    // Extending an organization whose CA is gone fails before writing anything.
    let ca = d.join("full/peerOrganizations/org1.example.com/ca");
    std::fs::remove_dir_all(&ca).unwrap();
    std::fs::create_dir(&ca).unwrap();
    let raised = Config::default_config().unwrap();
    assert_eq!(raised.peer_orgs.len(), 2);
    let yaml = fabric::tools::cryptogen::config::DEFAULT_TEMPLATE.replace("Count: 1", "Count: 2");
    std::fs::write(d.join("raised.yaml"), yaml).unwrap();
    let before = snapshot(&d.join("full"));
    assert_fails(
        &cryptogen(d, &["extend", "--input=full", "--config=raised.yaml"]),
        "no CA found",
    );
    assert_eq!(snapshot(&d.join("full")), before);
}

#[test]
fn certificates_keep_the_fabric_x509_shape() {
    let dir = tempfile::tempdir().unwrap();
    assert_ok(&cryptogen(dir.path(), &["generate"]));
    let org = dir
        .path()
        .join("crypto-config/peerOrganizations/org1.example.com");
    let ca = pem_der(&org.join("ca/ca.org1.example.com-cert.pem"));
    let (_, ca_cert) = x509_parser::parse_x509_certificate(&ca).unwrap();
    assert!(ca_cert.is_ca());
    let peer = pem_der(&org.join("peers/peer0.org1.example.com/tls/server.crt"));
    let (_, peer_cert): (_, X509Certificate<'_>) =
        x509_parser::parse_x509_certificate(&peer).unwrap();
    assert!(!peer_cert.is_ca());
    assert_eq!(
        peer_cert.issuer().to_string(),
        "C=US, ST=California, L=San Francisco, O=org1.example.com, CN=tlsca.org1.example.com"
    );
    let eku = peer_cert.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.server_auth && eku.client_auth);
}
