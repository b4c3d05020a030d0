//! The build cache: `<peer.fileSystemPath>/chaincodes/builds/<name>-<code hash>/` holds
//! `source/` (the extracted code package, so paths start with `src/`), `metadata/`
//! (`metadata.json`), `bld/` (the build output), `release/`, `build.log`, and last
//! `build-info.json` naming the builder (Fabric 2.x's marker of a finished build). A
//! package is built once per code hash; a folder without `build-info.json` is an
//! unfinished or failed build and is built again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::builtin::{self, Language};
use super::ccaas::{self, ConnectionInfo};
use super::external::{ExternalBuilderConfig, PackageMetadata};
use super::{sanitize, LaunchError, Launcher};
use crate::protos::peer::chaincode_spec::Type as CcType;

/// How a built chaincode runs.
#[derive(Debug, Clone)]
pub enum Runnable {
    /// Built by the built-in builder of `Language`, output in `bld`.
    Builtin { language: Language, bld: PathBuf },
    /// Built by an external builder; its `bin/run` starts it.
    External {
        builder: ExternalBuilderConfig,
        bld: PathBuf,
    },
    /// Chaincode as a service: the peer dials it.
    Server(ConnectionInfo),
}

/// A finished build.
#[derive(Debug, Clone)]
pub struct Built {
    pub dir: PathBuf,
    /// The builder's name (`build-info.json`'s `builder_name`).
    pub builder: String,
    pub runnable: Runnable,
}

/// Fabric 2.x's `build-info.json`.
#[derive(Debug, Serialize, Deserialize)]
struct BuildInfo {
    builder_name: String,
}

/// One async lock per build folder.
#[derive(Default)]
pub struct BuildLocks(Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>);

impl BuildLocks {
    async fn lock(&self, dir: &Path) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(dir.to_path_buf())
            .or_default()
            .clone();
        lock.lock_owned().await
    }
}

/// What a launch builds: the installed package's spec and code.
#[derive(Debug, Clone)]
pub struct PackageInfo {
    pub cname: String,
    pub kind: CcType,
    pub path: String,
    pub code: Arc<Vec<u8>>,
}

impl PackageInfo {
    /// The lower-case type name of `metadata.json`.
    pub fn type_name(&self) -> String {
        self.kind.as_str_name().to_ascii_lowercase()
    }
}

/// The build folders of one build.
#[derive(Debug, Clone)]
pub struct BuildDirs {
    pub root: PathBuf,
    pub source: PathBuf,
    pub metadata: PathBuf,
    pub bld: PathBuf,
    pub release: PathBuf,
    pub log: PathBuf,
}

impl BuildDirs {
    fn new(root: PathBuf) -> Self {
        BuildDirs {
            source: root.join("source"),
            metadata: root.join("metadata"),
            bld: root.join("bld"),
            release: root.join("release"),
            log: root.join("build.log"),
            root,
        }
    }
}

/// Builtin builder names as recorded in `build-info.json`.
const BUILTIN_PREFIX: &str = "builtin-";

fn io_err(cname: &str, path: &Path) -> impl FnOnce(std::io::Error) -> LaunchError {
    let (cname, path) = (cname.to_string(), path.to_path_buf());
    move |source| LaunchError::Io {
        cname,
        path,
        source,
    }
}

/// Runs blocking work on a blocking thread.
async fn blocking<R: Send + 'static>(
    cname: &str,
    work: impl FnOnce() -> Result<R, LaunchError> + Send + 'static,
) -> Result<R, LaunchError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| LaunchError::Abandoned(cname.to_string()))?
}

impl Launcher {
    /// The installed package of `name:version`, read on a blocking thread.
    async fn package(&self, name: &str, version: &str) -> Result<PackageInfo, LaunchError> {
        let cname = super::super::canonical_name(name, version);
        let store = self.store.clone();
        let (n, v) = (name.to_string(), version.to_string());
        let c = cname.clone();
        blocking(&cname, move || {
            let pkg = store.get(&n, &v).map_err(LaunchError::Package)?;
            let spec = pkg.spec.chaincode_spec.clone().unwrap_or_default();
            Ok(PackageInfo {
                cname: c,
                kind: CcType::try_from(spec.r#type).unwrap_or(CcType::Undefined),
                path: pkg.path(),
                code: Arc::new(pkg.spec.code_package),
            })
        })
        .await
    }

    /// The build of `name:version`: the cached one, else a fresh one. A fresh build runs in
    /// its own task, so a launch that stops waiting (startup timeout) does not leave it
    /// half done.
    pub(super) async fn build(
        self: &Arc<Self>,
        name: &str,
        version: &str,
    ) -> Result<Built, LaunchError> {
        let pkg = self.package(name, version).await?;
        let hash = hex::encode(&Sha256::digest(pkg.code.as_slice())[..16]);
        let dirs = BuildDirs::new(
            self.config
                .builds_dir()
                .join(format!("{}-{hash}", sanitize(name))),
        );
        let guard = self.builds.lock(&dirs.root).await;
        if let Some(built) = super::super::blocking(|| self.cached(&pkg.cname, &dirs))? {
            return Ok(built);
        }
        let me = self.clone();
        let task = tokio::spawn(async move {
            let _guard = guard;
            me.fresh_build(&pkg, &dirs).await
        });
        task.await
            .map_err(|_| LaunchError::Abandoned(name.to_string()))?
    }

    /// The finished build in `dirs`, if any (Fabric 2.x's `CachedBuild`).
    fn cached(&self, cname: &str, dirs: &BuildDirs) -> Result<Option<Built>, LaunchError> {
        let info_path = dirs.root.join("build-info.json");
        let Ok(bytes) = std::fs::read(&info_path) else {
            return Ok(None);
        };
        let Ok(info) = serde_json::from_slice::<BuildInfo>(&bytes) else {
            return Ok(None);
        };
        self.built(cname, dirs, &info.builder_name).map(Some)
    }

    /// A [`Built`] of builder `builder_name` in `dirs`.
    fn built(
        &self,
        cname: &str,
        dirs: &BuildDirs,
        builder_name: &str,
    ) -> Result<Built, LaunchError> {
        let ccaas_err = |source| LaunchError::Ccaas {
            cname: cname.to_string(),
            source,
        };
        let runnable = if let Some(info) = ccaas::read_release(&dirs.release).map_err(ccaas_err)? {
            Runnable::Server(info)
        } else if let Some(language) = builder_name
            .strip_prefix(BUILTIN_PREFIX)
            .and_then(Language::from_name)
        {
            Runnable::Builtin {
                language,
                bld: dirs.bld.clone(),
            }
        } else {
            let builder = self
                .config
                .external_builders
                .iter()
                .find(|b| b.name == builder_name)
                .cloned()
                .ok_or_else(|| LaunchError::BuilderGone {
                    cname: cname.to_string(),
                    builder: builder_name.to_string(),
                    dir: dirs.root.clone(),
                })?;
            Runnable::External {
                builder,
                bld: dirs.bld.clone(),
            }
        };
        Ok(Built {
            dir: dirs.root.clone(),
            builder: builder_name.to_string(),
            runnable,
        })
    }

    async fn fresh_build(&self, pkg: &PackageInfo, dirs: &BuildDirs) -> Result<Built, LaunchError> {
        let cname = pkg.cname.clone();
        tracing::info!(target: "chaincode", "building chaincode {cname} in {} (build log {})", dirs.root.display(), dirs.log.display());
        let metadata = PackageMetadata {
            kind: pkg.type_name(),
            path: pkg.path.clone(),
            label: cname.clone(),
        };
        {
            let (d, code, c) = (dirs.clone(), pkg.code.clone(), cname.clone());
            blocking(&cname, move || prepare(&c, &d, &code, &metadata)).await?;
        }
        let builder_name = match self.detect(dirs).await {
            Some(builder) => {
                self.run_external_build(&cname, &builder, dirs).await?;
                builder.name
            }
            None => {
                let language =
                    Language::for_type(pkg.kind).ok_or_else(|| LaunchError::NoBuilder {
                        cname: cname.clone(),
                        kind: pkg.type_name(),
                    })?;
                builtin::build(self, pkg, language, dirs).await?;
                format!("{BUILTIN_PREFIX}{}", language.name())
            }
        };
        let info = serde_json::to_vec(&BuildInfo {
            builder_name: builder_name.clone(),
        })
        .expect("build info serializes");
        let path = dirs.root.join("build-info.json");
        super::super::blocking(|| std::fs::write(&path, info)).map_err(io_err(&cname, &path))?;
        tracing::info!(target: "chaincode", "built chaincode {cname} with builder {builder_name}");
        super::super::blocking(|| self.built(&cname, dirs, &builder_name))
    }

    /// The first external builder whose `bin/detect` exits 0.
    async fn detect(&self, dirs: &BuildDirs) -> Option<ExternalBuilderConfig> {
        for builder in &self.config.external_builders {
            if !super::external::is_executable(&builder.program("detect")) {
                tracing::debug!(target: "chaincode", "external builder '{}' has no executable {}", builder.name, builder.program("detect").display());
                continue;
            }
            let cmd = builder.command(
                "detect",
                &[&dirs.source, &dirs.metadata],
                &self.config.environment,
            );
            match self.spawner.spawn(cmd, &dirs.log).await {
                Ok(p) if p.wait().await.success() => return Some(builder.clone()),
                Ok(_) => {
                    tracing::debug!(target: "chaincode", "external builder '{}' did not detect {}", builder.name, dirs.root.display())
                }
                Err(e) => {
                    tracing::warn!(target: "chaincode", "external builder '{}' detect failed: {e}", builder.name)
                }
            }
        }
        None
    }

    /// `bin/build`, then `bin/release` when the builder has one.
    async fn run_external_build(
        &self,
        cname: &str,
        builder: &ExternalBuilderConfig,
        dirs: &BuildDirs,
    ) -> Result<(), LaunchError> {
        let steps: [(&'static str, Vec<&Path>); 2] = [
            ("build", vec![&dirs.source, &dirs.metadata, &dirs.bld]),
            ("release", vec![&dirs.bld, &dirs.release]),
        ];
        for (step, args) in steps {
            if step == "release" && !builder.has_release() {
                continue;
            }
            let cmd = builder.command(step, &args, &self.config.environment);
            let exit = match self.spawner.spawn(cmd, &dirs.log).await {
                Ok(p) => p.wait().await,
                Err(e) => {
                    return Err(LaunchError::Spawn {
                        cname: cname.to_string(),
                        source: e,
                    })
                }
            };
            if !exit.success() {
                return Err(LaunchError::ExternalBuildFailed {
                    cname: cname.to_string(),
                    builder: builder.name.clone(),
                    step,
                    exit,
                    log: dirs.log.clone(),
                });
            }
        }
        Ok(())
    }
}

/// A clean build folder: the code package extracted into `source/`, `metadata.json`
/// written, empty `bld/` and `release/`.
fn prepare(
    cname: &str,
    dirs: &BuildDirs,
    code: &[u8],
    metadata: &PackageMetadata,
) -> Result<(), LaunchError> {
    if dirs.root.exists() {
        std::fs::remove_dir_all(&dirs.root).map_err(io_err(cname, &dirs.root))?;
    }
    for d in [&dirs.source, &dirs.metadata, &dirs.bld, &dirs.release] {
        std::fs::create_dir_all(d).map_err(io_err(cname, d))?;
    }
    untar(code, &dirs.source).map_err(io_err(cname, &dirs.source))?;
    let path = dirs.metadata.join("metadata.json");
    let json = serde_json::to_vec(metadata).expect("metadata serializes");
    std::fs::write(&path, json).map_err(io_err(cname, &path))
}

/// Extracts a gzipped tar into `dir` (entries escaping `dir` are refused by `tar`).
pub fn untar(code: &[u8], dir: &Path) -> std::io::Result<()> {
    if code.is_empty() {
        return Ok(());
    }
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(code));
    archive.set_preserve_permissions(true);
    archive.unpack(dir)
}

/// Copies the tree `from` into `to` (created), files and folders only.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        for (path, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn prepare_extracts_and_writes_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = BuildDirs::new(dir.path().join("b"));
        let code = tgz(&[("src/a/b.txt", b"hi")]);
        let md = PackageMetadata {
            kind: "node".into(),
            path: "p".into(),
            label: "cc:1".into(),
        };
        std::fs::create_dir_all(dirs.root.join("stale")).unwrap();
        prepare("cc:1", &dirs, &code, &md).unwrap();
        assert_eq!(
            std::fs::read(dirs.source.join("src/a/b.txt")).unwrap(),
            b"hi"
        );
        assert!(!dirs.root.join("stale").exists());
        assert_eq!(
            std::fs::read_to_string(dirs.metadata.join("metadata.json")).unwrap(),
            r#"{"type":"node","path":"p","label":"cc:1"}"#
        );
        assert!(dirs.bld.is_dir() && dirs.release.is_dir());
        copy_tree(&dirs.source.join("src"), &dir.path().join("copy")).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("copy/a/b.txt")).unwrap(),
            b"hi"
        );
    }
}
