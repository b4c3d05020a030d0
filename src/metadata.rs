//! What every binary reports about its build (Fabric's `common/metadata`): the Fabric release
//! it is compatible with, the commit and compiler it was built from, and the platform, in
//! the layout of Fabric's `version` commands.

/// The Fabric release this build is compatible with.
pub const FABRIC_VERSION: &str = "1.4.12";

/// Go's name for the CPU architecture (amd64, arm64, ...), as Fabric reports it.
pub fn go_arch(rust_arch: &str) -> &str {
    match rust_arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        other => other,
    }
}

/// The text `<program> version` prints: release, commit (set by build.rs from git, or
/// FABRIC_COMMIT), the Rust compiler (where Fabric names its Go version) and OS/arch.
pub fn version_info(program: &str) -> String {
    let commit = option_env!("FABRIC_COMMIT").unwrap_or("unknown");
    let rustc = option_env!("FABRIC_RUSTC_VERSION").unwrap_or("unknown");
    format!(
        "{program}:\n Version: {FABRIC_VERSION}\n Commit SHA: {commit}\n Rust version: {rustc}\n OS/Arch: {}/{}\n",
        std::env::consts::OS,
        go_arch(std::env::consts::ARCH)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_uses_go_names() {
        assert_eq!(go_arch("x86_64"), "amd64");
        assert_eq!(go_arch("aarch64"), "arm64");
        assert_eq!(go_arch("riscv64"), "riscv64");
    }

    #[test]
    fn info_has_every_field() {
        let text = version_info("peer");
        for field in [
            "peer:\n",
            " Version: 1.4.12\n",
            " Commit SHA: ",
            " Rust version: ",
            " OS/Arch: ",
        ] {
            assert!(text.contains(field), "{field} missing from {text}");
        }
    }
}
