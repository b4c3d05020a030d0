//! Fabric 2.x's external builders (`core/container/externalbuilder`): a folder with
//! `bin/detect`, `bin/build`, optional `bin/release` and `bin/run`, called with exactly
//! Fabric's arguments and an environment holding only the propagated variables
//! (`LD_LIBRARY_PATH`, `LIBPATH`, `PATH`, `TMPDIR` and the builder's
//! `propagateEnvironment`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

/// One entry of `chaincode.externalBuilders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalBuilderConfig {
    /// The builder's folder (holding `bin/`).
    pub path: PathBuf,
    pub name: String,
    /// Variables of the peer's environment handed to the builder's programs.
    pub propagate_environment: Vec<String>,
}

/// Fabric's `DefaultPropagateEnvironment`.
pub const DEFAULT_PROPAGATE_ENVIRONMENT: [&str; 4] =
    ["LD_LIBRARY_PATH", "LIBPATH", "PATH", "TMPDIR"];

impl ExternalBuilderConfig {
    /// `bin/<program>` of this builder.
    pub fn program(&self, program: &str) -> PathBuf {
        self.path.join("bin").join(program)
    }

    /// A command running `bin/<program> <args>` with the propagated environment only.
    pub fn command(
        &self,
        program: &str,
        args: &[&Path],
        environment: &[(OsString, OsString)],
    ) -> Command {
        let mut cmd = Command::new(self.program(program));
        cmd.args(args).env_clear();
        let mut keys: Vec<&str> = self
            .propagate_environment
            .iter()
            .map(String::as_str)
            .collect();
        for k in DEFAULT_PROPAGATE_ENVIRONMENT {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        for key in keys {
            if let Some((k, v)) = environment.iter().find(|(k, _)| k == key) {
                cmd.env(k, v);
            }
        }
        cmd
    }

    /// Whether the builder has an executable `bin/release` (it is optional).
    pub fn has_release(&self) -> bool {
        is_executable(&self.program("release"))
    }
}

/// Whether `path` is an executable file.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `metadata.json` in the build's metadata folder (Fabric 2.x's package metadata).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PackageMetadata {
    /// Lower-case name of the CDS type (`golang`, `node`, `java`, `car`, `undefined`).
    #[serde(rename = "type")]
    pub kind: String,
    pub path: String,
    /// `name:version`.
    pub label: String,
}

/// `chaincode.json`, handed to `bin/run` in its run metadata folder (Fabric 2.x's
/// `runConfig`): PEM client certificate, key and root when TLS is on, else empty.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RunConfig {
    pub chaincode_id: String,
    pub peer_address: String,
    pub client_cert: String,
    pub client_key: String,
    pub root_cert: String,
    pub mspid: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_get_only_the_propagated_environment() {
        let b = ExternalBuilderConfig {
            path: "/opt/b".into(),
            name: "b".into(),
            propagate_environment: vec!["HOME".into(), "PATH".into()],
        };
        let env: Vec<(OsString, OsString)> = [("PATH", "/bin"), ("HOME", "/h"), ("SECRET", "x")]
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect();
        let cmd = b.command("detect", &[Path::new("/s"), Path::new("/m")], &env);
        assert_eq!(cmd.get_program(), "/opt/b/bin/detect");
        let args: Vec<_> = cmd.get_args().collect();
        assert_eq!(args, ["/s", "/m"]);
        let mut envs: Vec<_> = cmd
            .get_envs()
            .map(|(k, v)| (k.to_string_lossy().into_owned(), v.map(|v| v.to_owned())))
            .collect();
        envs.sort();
        assert_eq!(
            envs,
            [
                ("HOME".to_string(), Some(OsString::from("/h"))),
                ("PATH".to_string(), Some(OsString::from("/bin")))
            ]
        );
    }

    #[test]
    fn run_config_is_fabric_2_json() {
        let rc = RunConfig {
            chaincode_id: "cc:1".into(),
            peer_address: "p:7052".into(),
            client_cert: String::new(),
            client_key: String::new(),
            root_cert: String::new(),
            mspid: "SampleOrg".into(),
        };
        assert_eq!(
            serde_json::to_string(&rc).unwrap(),
            r#"{"chaincode_id":"cc:1","peer_address":"p:7052","client_cert":"","client_key":"","root_cert":"","mspid":"SampleOrg"}"#
        );
    }
}
