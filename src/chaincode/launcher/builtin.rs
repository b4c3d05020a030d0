//! The built-in builders, used when no external builder claims a package:
//! - Node.js (Fabric's node platform and image): `src/` copied to `bld/`, then
//!   `npm ci --production` when a lock file is present, else `npm install --production`;
//!   started as Fabric's node image does, `npm start -- --peer.address <address>` in `bld/`.
//! - Go (Fabric's golang platform): `go build` of the import path (the spec's path) with
//!   GO111MODULE=off in a GOPATH made of the package (`source/`, laid out `src/<import
//!   path>`) and the GOPATH holding the shim (`chaincode.golang.gopath`, default the
//!   peer's GOPATH, else `go env GOPATH`); or, when the package has `go.mod` at its path,
//!   `go build .` there in module mode. Started as `chaincode -peer.address=<address>`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::build::{copy_tree, BuildDirs, PackageInfo};
use super::process::Exit;
use super::{LaunchError, Launcher};
use crate::protos::peer::chaincode_spec::Type as CcType;

/// A language the peer builds itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Node,
    Golang,
}

/// Variables of the peer's environment toolchains and chaincodes keep.
const TOOLCHAIN_ENV: [&str; 6] = ["PATH", "HOME", "TMPDIR", "LD_LIBRARY_PATH", "LANG", "USER"];

/// The Go shim's import path in Fabric v1.4.
pub const GO_SHIM: &str = "github.com/hyperledger/fabric/core/chaincode/shim";

impl Language {
    pub fn for_type(kind: CcType) -> Option<Self> {
        match kind {
            CcType::Node => Some(Language::Node),
            CcType::Golang => Some(Language::Golang),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::Node => "node",
            Language::Golang => "golang",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "node" => Some(Language::Node),
            "golang" => Some(Language::Golang),
            _ => None,
        }
    }

    /// The tool the builder runs.
    pub fn tool(self) -> &'static str {
        match self {
            Language::Node => "npm",
            Language::Golang => "go",
        }
    }
}

/// `program` found on the `PATH` of `environment`.
pub fn find_on_path(program: &str, environment: &[(OsString, OsString)]) -> Option<PathBuf> {
    let path = environment.iter().find(|(k, _)| k == "PATH")?.1.clone();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| super::external::is_executable(p))
}

/// A command with the toolchain variables of the peer's environment, plus `npm_config_*`
/// and `GO*` settings the user gave the peer.
fn toolchain_command(program: &Path, environment: &[(OsString, OsString)]) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear();
    for (k, v) in environment {
        let key = k.to_string_lossy();
        let lower = key.to_ascii_lowercase();
        if TOOLCHAIN_ENV.contains(&key.as_ref())
            || lower.starts_with("npm_config_")
            || (key.starts_with("GO") && key != "GOPATH" && key != "GO111MODULE")
        {
            cmd.env(k, v);
        }
    }
    cmd
}

fn missing(cname: &str, language: Language) -> LaunchError {
    LaunchError::MissingToolchain {
        cname: cname.to_string(),
        tool: language.tool(),
        language: language.name(),
    }
}

/// Builds `pkg` with the built-in builder of `language` into `dirs.bld`.
pub async fn build(
    launcher: &Launcher,
    pkg: &PackageInfo,
    language: Language,
    dirs: &BuildDirs,
) -> Result<(), LaunchError> {
    let env = &launcher.config.environment;
    let tool = find_on_path(language.tool(), env).ok_or_else(|| missing(&pkg.cname, language))?;
    let cmd = match language {
        Language::Node => node_build(pkg, &tool, dirs, launcher).await?,
        Language::Golang => go_build(pkg, &tool, dirs, launcher).await?,
    };
    let exit = run(launcher, &pkg.cname, cmd, &dirs.log).await?;
    if exit.success() {
        return Ok(());
    }
    if language == Language::Golang {
        let log =
            crate::chaincode::blocking(|| std::fs::read_to_string(&dirs.log)).unwrap_or_default();
        if log.contains(&format!("cannot find package \"{GO_SHIM}\"")) {
            return Err(LaunchError::GoShimMissing {
                cname: pkg.cname.clone(),
                gopath: go_shim_path(launcher).await.unwrap_or_default(),
                log: dirs.log.clone(),
            });
        }
    }
    Err(LaunchError::BuildFailed {
        cname: pkg.cname.clone(),
        language: language.name(),
        exit,
        log: dirs.log.clone(),
    })
}

async fn run(
    launcher: &Launcher,
    cname: &str,
    cmd: Command,
    log: &Path,
) -> Result<Exit, LaunchError> {
    let p = launcher
        .spawner
        .spawn(cmd, log)
        .await
        .map_err(|source| LaunchError::Spawn {
            cname: cname.to_string(),
            source,
        })?;
    Ok(p.wait().await)
}

async fn node_build(
    pkg: &PackageInfo,
    npm: &Path,
    dirs: &BuildDirs,
    launcher: &Launcher,
) -> Result<Command, LaunchError> {
    let (src, bld) = (dirs.source.join("src"), dirs.bld.clone());
    let io = |source| LaunchError::Io {
        cname: pkg.cname.clone(),
        path: src.clone(),
        source,
    };
    let locked =
        {
            let (src, bld) = (src.clone(), bld.clone());
            tokio::task::spawn_blocking(move || {
                copy_tree(&src, &bld)?;
                Ok(bld.join("package-lock.json").is_file()
                    || bld.join("npm-shrinkwrap.json").is_file())
            })
            .await
            .map_err(|_| LaunchError::Abandoned(pkg.cname.clone()))?
            .map_err(io)?
        };
    let mut cmd = toolchain_command(npm, &launcher.config.environment);
    cmd.arg(if locked { "ci" } else { "install" })
        .arg("--production")
        .current_dir(&bld);
    if launcher.config.env("HOME").is_none() {
        cmd.env(
            "npm_config_cache",
            launcher.config.builds_dir().join(".npm"),
        );
    }
    Ok(cmd)
}

/// The GOPATH holding the Go shim: `chaincode.golang.gopath`, else the peer's GOPATH, else
/// `go env GOPATH`.
async fn go_shim_path(launcher: &Launcher) -> Option<String> {
    if let Some(p) = &launcher.config.go_path {
        return Some(p.clone());
    }
    if let Some(p) = launcher.config.env("GOPATH") {
        return Some(p.to_string_lossy().into_owned());
    }
    let go = find_on_path("go", &launcher.config.environment)?;
    let mut cmd = toolchain_command(&go, &launcher.config.environment);
    cmd.args(["env", "GOPATH"]);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

async fn go_build(
    pkg: &PackageInfo,
    go: &Path,
    dirs: &BuildDirs,
    launcher: &Launcher,
) -> Result<Command, LaunchError> {
    let module_dir = dirs.source.join("src").join(&pkg.path);
    let has_go_mod = {
        let go_mod = module_dir.join("go.mod");
        crate::chaincode::blocking(|| go_mod.is_file())
    };
    let mut cmd = toolchain_command(go, &launcher.config.environment);
    cmd.args(["build", "-o"]).arg(dirs.bld.join("chaincode"));
    if has_go_mod {
        // Module mode: the package's go.mod (and vendor/, used by go itself when present);
        // the user's GOPATH keeps the module cache.
        cmd.arg(".")
            .env("GO111MODULE", "on")
            .current_dir(&module_dir);
        if let Some(p) = launcher.config.env("GOPATH") {
            cmd.env("GOPATH", p);
        }
    } else {
        let mut gopath = dirs.source.clone().into_os_string();
        if let Some(shim) = go_shim_path(launcher).await {
            gopath.push(":");
            gopath.push(shim);
        }
        cmd.arg(&pkg.path)
            .env("GOPATH", gopath)
            .env("GO111MODULE", "off")
            .current_dir(&dirs.source);
    }
    if launcher.config.env("HOME").is_none() && launcher.config.env("GOCACHE").is_none() {
        cmd.env("GOCACHE", launcher.config.builds_dir().join(".gocache"));
    }
    Ok(cmd)
}

/// The command that starts a chaincode built by `language` in `bld`, with the toolchain
/// environment (the launcher adds Fabric's CORE_* variables).
pub fn run_command(
    language: Language,
    bld: &Path,
    run_dir: &Path,
    peer_address: &str,
    environment: &[(OsString, OsString)],
    cname: &str,
) -> Result<Command, LaunchError> {
    match language {
        Language::Node => {
            let npm = find_on_path("npm", environment).ok_or_else(|| missing(cname, language))?;
            let mut cmd = toolchain_command(&npm, environment);
            cmd.args(["start", "--", "--peer.address", peer_address])
                .current_dir(bld);
            Ok(cmd)
        }
        Language::Golang => {
            let mut cmd = toolchain_command(&bld.join("chaincode"), environment);
            cmd.arg(format!("-peer.address={peer_address}"))
                .current_dir(run_dir);
            Ok(cmd)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_path_lookup() {
        assert_eq!(Language::for_type(CcType::Node), Some(Language::Node));
        assert_eq!(Language::for_type(CcType::Java), None);
        assert_eq!(Language::from_name("golang"), Some(Language::Golang));
        let dir = tempfile::tempdir().unwrap();
        let env = vec![(OsString::from("PATH"), dir.path().as_os_str().to_owned())];
        assert_eq!(find_on_path("npm", &env), None);
        let npm = dir.path().join("npm");
        std::fs::write(&npm, "#!/bin/sh\n").unwrap();
        assert_eq!(find_on_path("npm", &env), None, "not executable");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&npm, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(find_on_path("npm", &env), Some(npm));
    }
}
