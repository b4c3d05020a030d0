//! Where unit tests find the Fabric v1.4.12 reference vectors: `tests/vectors` in this
//! repository (see its PROVENANCE.md), or the folder FABRIC_VECTORS names.

use std::path::PathBuf;

/// The vectors folder; a folder without the vectors fails the calling test.
pub(crate) fn dir() -> PathBuf {
    let dir = std::env::var_os("FABRIC_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"));
    assert!(
        dir.join("descriptors/fabric-v1.4.12.pb").is_file(),
        "{} does not hold the Fabric reference vectors (no descriptors/fabric-v1.4.12.pb)",
        dir.display()
    );
    dir
}
