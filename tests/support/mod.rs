//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The Fabric v1.4.12 reference vectors, from FABRIC_VECTORS. When the variable is unset the
/// calling test is skipped (it says so on stderr and passes), so `cargo test` works on a
/// fresh machine; CI always sets it.
pub fn vectors_dir() -> Option<PathBuf> {
    match std::env::var_os("FABRIC_VECTORS") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            assert!(
                dir.join("README.md").is_file(),
                "FABRIC_VECTORS={} does not hold the Fabric vectors (no README.md)",
                dir.display()
            );
            Some(dir)
        }
        None => {
            eprintln!("skipped: FABRIC_VECTORS is not set");
            None
        }
    }
}
