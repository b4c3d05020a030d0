//! What every binary reports about its build (Fabric's `common/metadata`): the Fabric release
//! it is compatible with, the commit and compiler it was built from, and the platform, in
//! the layout of Fabric's `version` commands. The binaries stamp the commit and compiler
//! ([`build_info!`](crate::build_info)) and pass them in; the library itself carries no
//! build identity, so a commit does not recompile it.

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

/// The identity of a build: the commit it was built from and the compiler that built it.
///
/// Only the binaries are stamped with it ([`build_info!`](crate::build_info) expands inside
/// them) and they hand it to the library, so a new commit relinks the binaries and recompiles
/// nothing else. The default is an unstamped build (tests, benches, examples).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildInfo {
    commit: Option<String>,
    rustc: Option<String>,
}

impl BuildInfo {
    /// A build of `commit` by `rustc`; empty strings count as unknown.
    pub fn new(commit: Option<&str>, rustc: Option<&str>) -> Self {
        let known = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        BuildInfo {
            commit: known(commit),
            rustc: known(rustc),
        }
    }

    /// What [`build_info!`](crate::build_info) stamped: `commit_override` (FABRIC_COMMIT at
    /// build time) when set, else the commit named by the last line of `head_log` (git's
    /// reflog format, `<old> <new> <who> <when>\t<what>`), shortened as `git rev-parse
    /// --short` does by default.
    pub fn from_stamp(commit_override: Option<&str>, head_log: &str, rustc: &str) -> Self {
        let logged = head_log
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| l.split(' ').nth(1))
            .filter(|c| c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|c| &c[..7]);
        let commit = commit_override.filter(|c| !c.is_empty()).or(logged);
        BuildInfo::new(commit, Some(rustc))
    }

    /// The commit, or `unknown`.
    pub fn commit(&self) -> &str {
        self.commit.as_deref().unwrap_or("unknown")
    }

    /// The compiler's version, or `unknown`.
    pub fn rustc(&self) -> &str {
        self.rustc.as_deref().unwrap_or("unknown")
    }

    /// The text `<program> version` prints: release, commit, the Rust compiler (where Fabric
    /// names its Go version) and OS/arch.
    pub fn version_info(&self, program: &str) -> String {
        format!(
            "{program}:\n Version: {FABRIC_VERSION}\n Commit SHA: {}\n Rust version: {}\n OS/Arch: {}/{}\n",
            self.commit(),
            self.rustc(),
            std::env::consts::OS,
            go_arch(std::env::consts::ARCH)
        )
    }
}

/// The [`BuildInfo`] of the crate that expands it: use it in a binary's `main` and pass the
/// value on. It reads the files and variables build.rs names, inside the binary's own
/// compilation, so only the binaries are rebuilt when the commit changes.
#[macro_export]
macro_rules! build_info {
    () => {
        $crate::metadata::BuildInfo::from_stamp(
            option_env!("FABRIC_COMMIT"),
            include_str!(env!("FABRIC_GIT_HEAD_LOG")),
            env!("FABRIC_RUSTC_VERSION"),
        )
    };
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
        let text = BuildInfo::default().version_info("peer");
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

    #[test]
    fn unstamped_build_says_unknown() {
        let text = BuildInfo::default().version_info("orderer");
        assert!(text.contains(" Commit SHA: unknown\n"), "{text}");
        assert!(text.contains(" Rust version: unknown\n"), "{text}");
    }

    #[test]
    fn stamp_reads_the_last_reflog_line() {
        let log = "0000000000000000000000000000000000000000 1111111aaaa a <a@b> 1 +0000\tclone\n\
                   1111111aaaa 059de66cfdf4685424e0eb327dd50a3b4c2ccbed a <a@b> 2 +0000\tcommit: x\n";
        let info = BuildInfo::from_stamp(None, log, "rustc 1.85.0");
        assert_eq!(info.commit(), "059de66");
        assert_eq!(info.rustc(), "rustc 1.85.0");
        let text = info.version_info("peer");
        assert!(text.contains(" Commit SHA: 059de66\n"), "{text}");
        assert!(text.contains(" Rust version: rustc 1.85.0\n"), "{text}");
    }

    #[test]
    fn stamp_override_and_unreadable_logs() {
        let info = BuildInfo::from_stamp(Some("abc1234"), "x y z", "");
        assert_eq!(info.commit(), "abc1234");
        assert_eq!(info.rustc(), "unknown");
        assert_eq!(BuildInfo::from_stamp(None, "", "r").commit(), "unknown");
        assert_eq!(
            BuildInfo::from_stamp(Some(""), "a notahash b", "r").commit(),
            "unknown"
        );
    }
}
