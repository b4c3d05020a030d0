//! Fabric's golang platform (`core/chaincode/platforms/golang`): the chaincode is an import
//! path in the first GOPATH entry; the package holds that directory's top-level source files
//! (`.c .h .s .go .yaml .json`) and its `META-INF` metadata, plus the source of every
//! non-standard dependency `go list` reports that exists in GOPATH (the shim and
//! `protos/peer`, which Fabric's build image provides, are left out), dependencies outside
//! the chaincode's own tree vendored under `src/<path>/vendor/`, sorted by name.
//!
//! Fabric v1.4 predates Go modules; `go list` runs with `GO111MODULE=off` so the GOPATH tree
//! is read the same way with any Go release.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::ccmetadata::validate_metadata_file;
use super::writer::TarPackage;
use super::{go_ext, PlatformError};

const INCLUDE_EXTS: [&str; 6] = [".c", ".h", ".s", ".go", ".yaml", ".json"];
const PROVIDED: [&str; 2] = [
    "github.com/hyperledger/fabric/core/chaincode/shim",
    "github.com/hyperledger/fabric/protos/peer",
];

/// The Go toolchain's view of the environment (`go env GOPATH GOROOT`).
#[derive(Debug, Clone)]
pub struct GoEnv {
    pub gopath: String,
    pub goroot: String,
}

fn run_go(args: &[&str], gopath: Option<&str>) -> Result<String, PlatformError> {
    let mut cmd = Command::new("go");
    cmd.args(args).env("GO111MODULE", "off");
    if let Some(gopath) = gopath {
        cmd.env("GOPATH", gopath);
    }
    let line = format!("go {}", args.join(" "));
    let out = cmd.output().map_err(|source| PlatformError::GoMissing {
        command: line.clone(),
        source,
    })?;
    if !out.status.success() {
        return Err(PlatformError::GoFailed {
            command: line,
            stderr: one_line(&String::from_utf8_lossy(&out.stderr)),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The tool's diagnostics as one line (Go prints a list of searched folders, one a line).
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl GoEnv {
    /// Asks `go env` (which honours the GOPATH environment variable).
    pub fn detect() -> Result<Self, PlatformError> {
        let out = run_go(&["env", "GOPATH", "GOROOT"], None)?;
        let mut lines = out.lines();
        Ok(GoEnv {
            gopath: lines.next().unwrap_or_default().to_string(),
            goroot: lines.next().unwrap_or_default().to_string(),
        })
    }

    /// Fabric's `getGopath`: the first GOPATH entry.
    pub fn first_gopath(&self) -> Result<PathBuf, PlatformError> {
        std::env::split_paths(&self.gopath)
            .find(|p| !p.as_os_str().is_empty())
            .ok_or_else(|| PlatformError::NoGopath(self.gopath.clone()))
    }
}

fn has_url_scheme(path: &str) -> bool {
    // Go's url.Parse: a scheme is letters/digits/+-. before ':' starting with a letter.
    match path.split_once(':') {
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// Fabric's `ValidatePath`: a local import path must exist under `$GOPATH/src`.
pub fn validate_path(env: &GoEnv, path: &str) -> Result<(), PlatformError> {
    if has_url_scheme(path) {
        return Ok(());
    }
    let full = env.first_gopath()?.join("src").join(path);
    if full.exists() {
        Ok(())
    } else {
        Err(PlatformError::PathMissing(full.display().to_string()))
    }
}

/// One file bound for the package (Fabric's `SourceDescriptor`).
#[derive(Debug, Clone)]
struct Source {
    local: PathBuf,
    metadata: bool,
}

/// Fabric's `findSource`: top-level files of `pkg` and its META-INF tree, by package name.
fn find_source(
    gopath: &Path,
    pkg: &str,
    out: &mut BTreeMap<String, Source>,
) -> Result<(), PlatformError> {
    let tld = gopath.join("src").join(pkg);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PlatformError::Io { path, source }
    };
    let mut stack = vec![tld.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let local = entry.map_err(io(&dir))?.path();
            let meta = std::fs::symlink_metadata(&local).map_err(io(&local))?;
            let in_meta_inf = local.starts_with(tld.join("META-INF"))
                || local
                    .to_string_lossy()
                    .starts_with(&*tld.join("META-INF").to_string_lossy());
            if meta.is_dir() {
                if in_meta_inf {
                    stack.push(local);
                }
                continue;
            }
            let rel = local
                .strip_prefix(gopath)
                .unwrap_or(&local)
                .to_string_lossy()
                .into_owned();
            if !INCLUDE_EXTS.contains(&go_ext(&rel)) {
                continue;
            }
            out.insert(
                rel,
                Source {
                    local,
                    metadata: in_meta_inf,
                },
            );
        }
    }
    Ok(())
}

fn go_list(gopath: &str, template: &str, pkg: &str) -> Result<Vec<String>, PlatformError> {
    let out = run_go(&["list", "-f", template, pkg], Some(gopath))?;
    Ok(out
        .trim_matches('\n')
        .split('\n')
        .map(str::to_string)
        .collect())
}

/// The non-standard, non-provided packages the chaincode needs, direct and transitive.
fn dependencies(env: &GoEnv, pkg: &str) -> Result<BTreeSet<String>, PlatformError> {
    let imports = go_list(&env.gopath, "{{ join .Imports \"\\n\"}}", pkg)?;
    let goroots: Vec<PathBuf> = std::env::split_paths(&env.goroot).collect();
    let mut deps = BTreeSet::new();
    for import in imports {
        let provided = PROVIDED.contains(&import.as_str()) || import == "C";
        let in_goroot = goroots.iter().any(|r| r.join("src").join(&import).exists());
        if provided || in_goroot {
            continue;
        }
        deps.extend(go_list(&env.gopath, "{{ join .Deps \"\\n\"}}", &import)?);
        deps.insert(import);
    }
    deps.remove("");
    Ok(deps)
}

/// Fabric's `vendorDependencies`: files outside the chaincode's tree and its vendor
/// folders move under `src/<pkg>/vendor/`.
fn vendored_name(pkg: &str, name: &str) -> String {
    let mut exclusions = Vec::new();
    let mut prev = String::from("src");
    for element in pkg.split('/') {
        prev = format!("{prev}/{element}");
        exclusions.push(format!("{prev}/vendor"));
    }
    exclusions.push(format!("src/{pkg}"));
    if exclusions.iter().any(|e| name.starts_with(e.as_str())) {
        name.to_string()
    } else {
        name.replacen("src", &format!("src/{pkg}/vendor"), 1)
    }
}

/// Fabric's `GetDeploymentPayload` for golang.
pub fn deployment_payload(env: &GoEnv, path: &str) -> Result<Vec<u8>, PlatformError> {
    if path.is_empty() {
        return Err(PlatformError::EmptyPath);
    }
    let gopath = env.first_gopath()?;
    let tld = gopath.join("src").join(path);
    if !tld.is_dir() {
        return Err(PlatformError::PathMissing(tld.display().to_string()));
    }
    let deps = dependencies(env, path)?;
    let mut files = BTreeMap::new();
    find_source(&gopath, path, &mut files)?;
    for gp in std::env::split_paths(&env.gopath) {
        for dep in &deps {
            if gp.join("src").join(dep).exists() {
                find_source(&gp, dep, &mut files)?;
            }
        }
    }
    let mut named: Vec<(String, Source)> = files
        .into_iter()
        .map(|(name, s)| (vendored_name(path, &name), s))
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let mut tar = TarPackage::new();
    let root = format!("src/{path}/");
    for (name, source) in named {
        let name = if source.metadata {
            let rel = name.strip_prefix(&root).unwrap_or(&name).to_string();
            if rel.rsplit('/').next().is_some_and(|f| f.starts_with('.')) {
                tracing::warn!(target: "chaincode.platform.golang", "Ignoring hidden file in metadata directory: {rel}");
                continue;
            }
            let bytes = std::fs::read(&source.local).map_err(|e| PlatformError::Io {
                path: source.local.clone(),
                source: e,
            })?;
            validate_metadata_file(&rel, &bytes)?;
            rel
        } else {
            name
        };
        tar.write_file(&source.local, &name)?;
    }
    tar.into_gzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_outside_the_tree_are_vendored() {
        let pkg = "github.com/me/cc";
        assert_eq!(
            vendored_name(pkg, "src/github.com/me/cc/main.go"),
            "src/github.com/me/cc/main.go"
        );
        assert_eq!(
            vendored_name(pkg, "src/github.com/me/vendor/x/x.go"),
            "src/github.com/me/vendor/x/x.go"
        );
        assert_eq!(
            vendored_name(pkg, "src/github.com/other/lib/lib.go"),
            "src/github.com/me/cc/vendor/github.com/other/lib/lib.go"
        );
    }

    #[test]
    fn go_diagnostics_become_one_line() {
        assert_eq!(
            one_line(
                "cannot find package \"x\" in any of:\n\t/a (from $GOROOT)\n\t/b (from $GOPATH)\n"
            ),
            "cannot find package \"x\" in any of: /a (from $GOROOT) /b (from $GOPATH)"
        );
    }

    #[test]
    fn urls_are_not_checked_locally() {
        let env = GoEnv {
            gopath: "/nonexistent-gopath".into(),
            goroot: String::new(),
        };
        validate_path(&env, "https://example.com/cc").unwrap();
        let err = validate_path(&env, "github.com/nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            "path to chaincode does not exist: /nonexistent-gopath/src/github.com/nope"
        );
    }

    #[test]
    fn top_level_sources_and_meta_inf_only() {
        let gp = tempfile::tempdir().unwrap();
        let cc = gp.path().join("src/example.com/cc");
        for p in [
            "main.go",
            "README.md",
            "conf.yaml",
            "sub/x.go",
            "META-INF/statedb/couchdb/indexes/i.json",
        ] {
            std::fs::create_dir_all(cc.join(p).parent().unwrap()).unwrap();
            std::fs::write(cc.join(p), "x").unwrap();
        }
        let mut out = BTreeMap::new();
        find_source(gp.path(), "example.com/cc", &mut out).unwrap();
        let names: Vec<_> = out.iter().map(|(k, v)| (k.as_str(), v.metadata)).collect();
        assert_eq!(
            names,
            [
                (
                    "src/example.com/cc/META-INF/statedb/couchdb/indexes/i.json",
                    true
                ),
                ("src/example.com/cc/conf.yaml", false),
                ("src/example.com/cc/main.go", false)
            ]
        );
    }
}
