//! Writes the sample local MSP and TLS material of `sampleconfig/` (the peer's defaults:
//! `peer.mspConfigPath: msp`, `peer.localMspId: SampleOrg`, `peer.tls.*: tls/...`) with our
//! own cryptogen code: a fresh SampleOrg CA and TLS CA, and one peer identity that is also
//! the MSP's admin, as Fabric's sample MSP is. The CA keys are thrown away.
//!
//! Run: `cargo run --example generate-sample-msp` (replaces sampleconfig/msp and
//! sampleconfig/tls).

use std::path::Path;

use fabric::tools::cryptogen::ca::CA;
use fabric::tools::cryptogen::msp::{generate_local_msp, NodeType};

fn main() -> anyhow::Result<()> {
    let sampleconfig = Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig");
    let cas = tempfile::tempdir()?;
    let ca = |dir: &str, name: &str| {
        CA::new(
            &cas.path().join(dir),
            "sampleorg",
            name,
            "US",
            "California",
            "San Francisco",
            "",
            "",
            "",
        )
    };
    let sign_ca = ca("ca", "ca.sampleorg")?;
    let tls_ca = ca("tlsca", "tlsca.sampleorg")?;
    for dir in ["msp", "tls"] {
        let path = sampleconfig.join(dir);
        if path.exists() {
            std::fs::remove_dir_all(&path)?;
        }
    }
    let sans = ["localhost".to_string(), "127.0.0.1".to_string()];
    generate_local_msp(
        &sampleconfig,
        "peer0.sampleorg",
        &sans,
        &sign_ca,
        &tls_ca,
        NodeType::Peer,
        false,
    )?;
    println!(
        "wrote {} and {}",
        sampleconfig.join("msp").display(),
        sampleconfig.join("tls").display()
    );
    Ok(())
}
