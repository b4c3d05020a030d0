//! Launching chaincodes without Docker (Fabric's `RuntimeLauncher`, `ContainerRuntime` and
//! Fabric 2.x's external builders): when a transaction needs a chaincode that is not
//! registered, the peer builds its installed package once per code hash and starts it as a
//! supervised child process (or, for chaincode as a service, dials it), then waits for its
//! REGISTER up to `chaincode.startuptimeout`.
//!
//! Map of the rooms:
//! - [`build`]: the build cache under `<peer.fileSystemPath>/chaincodes/builds`, the
//!   extracted package and `metadata.json`, and the choice of builder: the external
//!   builders of `chaincode.externalBuilders` first ([`external`]), then the built-in
//!   builder of the package's type ([`builtin`]).
//! - [`process`]: child processes in their own process group, killed with the peer.
//! - [`ccaas`]: `connection.json` and the dialed `Chaincode.Connect` stream.
//! - [`Launcher`]: one launch at a time per chaincode (concurrent callers wait on it),
//!   the startup timeout, the running processes and their stop.

pub mod build;
pub mod builtin;
pub mod ccaas;
pub mod external;
pub mod process;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::accesscontrol::{Authenticator, CertAndKey};
use super::handler_registry::HandlerRegistry;
use crate::scc::lscc::ccprovider::{CcProviderError, ChaincodeStore};
use build::Runnable;
pub use external::ExternalBuilderConfig;
use process::{Exit, SpawnError, Spawner, Supervised};

/// Settings of the launcher (core.yaml `chaincode.*`, `peer.fileSystemPath`).
#[derive(Debug, Clone)]
pub struct LauncherConfig {
    /// `peer.fileSystemPath` (installed packages, builds, run folders and logs under
    /// `chaincodes/`).
    pub file_system_path: PathBuf,
    /// The chaincode listener's address handed to chaincodes (`--peer.address`).
    pub peer_address: String,
    /// `chaincode.startuptimeout`.
    pub startup_timeout: Duration,
    /// `chaincode.externalBuilders`, tried in order.
    pub external_builders: Vec<ExternalBuilderConfig>,
    /// `chaincode.golang.gopath`: the GOPATH with the Go shim and its dependencies, appended
    /// to the package's; `None`: the peer's GOPATH, else `go env GOPATH`.
    pub go_path: Option<String>,
    /// `chaincode.logging.level`, `.shim`, `.format`.
    pub log_level: String,
    pub shim_log_level: String,
    pub log_format: String,
    /// The peer's MSP id (`chaincode.json`'s `mspid`).
    pub mspid: String,
    /// The environment builders and chaincodes start from (the peer's own).
    pub environment: Vec<(OsString, OsString)>,
    /// How long a stopping chaincode gets between SIGTERM and SIGKILL.
    pub stop_deadline: Duration,
}

impl LauncherConfig {
    /// A config with Fabric's defaults under `file_system_path`, the peer's environment.
    pub fn new(file_system_path: &Path, peer_address: &str) -> Self {
        LauncherConfig {
            file_system_path: file_system_path.to_path_buf(),
            peer_address: peer_address.to_string(),
            startup_timeout: Duration::from_secs(300),
            external_builders: Vec::new(),
            go_path: None,
            log_level: "info".into(),
            shim_log_level: "warning".into(),
            log_format: crate::config::DEFAULT_LOG_FORMAT.into(),
            mspid: String::new(),
            environment: std::env::vars_os().collect(),
            stop_deadline: Duration::from_secs(5),
        }
    }

    /// A variable of the peer's environment.
    pub fn env(&self, key: &str) -> Option<&OsString> {
        self.environment
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn chaincodes_dir(&self) -> PathBuf {
        self.file_system_path.join("chaincodes")
    }

    /// `<fsp>/chaincodes/logs/<name>-<version>.log`, a chaincode's output.
    pub fn log_path(&self, name: &str, version: &str) -> PathBuf {
        self.chaincodes_dir()
            .join("logs")
            .join(format!("{}.log", sanitize(&format!("{name}-{version}"))))
    }

    /// `<fsp>/chaincodes/run/<name>-<version>`: TLS files and `chaincode.json` of a run.
    pub fn run_dir(&self, name: &str, version: &str) -> PathBuf {
        self.chaincodes_dir()
            .join("run")
            .join(sanitize(&format!("{name}-{version}")))
    }

    /// `<fsp>/chaincodes/builds`.
    pub fn builds_dir(&self) -> PathBuf {
        self.chaincodes_dir().join("builds")
    }
}

/// A name made safe as a path element (Fabric 2.x's `SanitizeCCIDPath`).
pub fn sanitize(id: &str) -> String {
    id.chars()
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*' | '&' => '-',
            c => c,
        })
        .collect()
}

/// Why a chaincode could not be launched; each one line naming what to look at.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("failed to get chaincode package: {0}")]
    Package(#[source] CcProviderError),
    #[error("timeout expired while starting chaincode {cname} for transaction (chaincode.startuptimeout {timeout:?}; chaincode log: {})", .log.display())]
    StartupTimeout {
        cname: String,
        timeout: Duration,
        log: PathBuf,
    },
    #[error("chaincode registration failed: chaincode {cname} exited with {exit} before registering; see its log {}", .log.display())]
    ExitedBeforeRegister {
        cname: String,
        exit: Exit,
        log: PathBuf,
    },
    #[error("cannot build chaincode {cname}: {tool} is not installed or not on the peer's PATH (the built-in {language} builder runs it)")]
    MissingToolchain {
        cname: String,
        tool: &'static str,
        language: &'static str,
    },
    #[error("external builder '{builder}' failed to build chaincode {cname} ({step}: {exit}); see the build log {}", .log.display())]
    ExternalBuildFailed {
        cname: String,
        builder: String,
        step: &'static str,
        exit: Exit,
        log: PathBuf,
    },
    #[error("the built-in {language} builder failed to build chaincode {cname} ({exit}); see the build log {}", .log.display())]
    BuildFailed {
        cname: String,
        language: &'static str,
        exit: Exit,
        log: PathBuf,
    },
    #[error("cannot build Go chaincode {cname}: the Go shim (github.com/hyperledger/fabric/core/chaincode/shim) is not in GOPATH {gopath}; put Fabric's source there or set chaincode.golang.gopath (build log {})", .log.display())]
    GoShimMissing {
        cname: String,
        gopath: String,
        log: PathBuf,
    },
    #[error("no builder for chaincode {cname} of type {kind}: no builder of chaincode.externalBuilders detected it and the peer itself builds only golang and node")]
    NoBuilder { cname: String, kind: String },
    #[error("chaincode '{cname}' was already built with builder '{builder}', but that builder is no longer available (build cache {})", .dir.display())]
    BuilderGone {
        cname: String,
        builder: String,
        dir: PathBuf,
    },
    #[error("cannot prepare chaincode {cname} in {}: {source}", .path.display())]
    Io {
        cname: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("error starting chaincode {cname}: {source}")]
    Spawn {
        cname: String,
        #[source]
        source: SpawnError,
    },
    #[error("chaincode {cname} as a service: {source}")]
    Ccaas {
        cname: String,
        #[source]
        source: ccaas::CcaasError,
    },
    #[error("cannot issue the TLS client certificate of chaincode {cname}: {reason}")]
    Certificate { cname: String, reason: String },
    #[error("the launch of chaincode {0} ended without a result")]
    Abandoned(String),
    #[error("chaincode {0} runs as a service and has no process to start")]
    NotAProcess(String),
    #[error("claimed to start chaincode container for {0} but could not find handler")]
    NoHandler(String),
}

type LaunchResult = Option<Result<(), Arc<LaunchError>>>;

/// A chaincode started by this peer.
struct Running {
    process: Option<Supervised>,
    log: PathBuf,
}

/// The peer's chaincode launcher.
pub struct Launcher {
    config: LauncherConfig,
    store: ChaincodeStore,
    registry: Arc<HandlerRegistry>,
    spawner: Spawner,
    authenticator: Option<Arc<Authenticator>>,
    /// Launches in progress by canonical name; later callers wait on the first.
    launching: Mutex<HashMap<String, watch::Receiver<LaunchResult>>>,
    running: Mutex<HashMap<String, Running>>,
    /// One build at a time per build folder.
    builds: build::BuildLocks,
}

impl Launcher {
    /// A launcher reading packages from `store` and waiting for registrations in
    /// `registry`; with `authenticator`, each launch gets a TLS client certificate.
    pub fn new(
        config: LauncherConfig,
        store: ChaincodeStore,
        registry: Arc<HandlerRegistry>,
        authenticator: Option<Arc<Authenticator>>,
    ) -> std::io::Result<Self> {
        Ok(Launcher {
            config,
            store,
            registry,
            spawner: Spawner::start()?,
            authenticator,
            launching: Mutex::new(HashMap::new()),
            running: Mutex::new(HashMap::new()),
            builds: build::BuildLocks::default(),
        })
    }

    pub fn config(&self) -> &LauncherConfig {
        &self.config
    }

    /// The handler registry launches wait on.
    pub fn registry(&self) -> &Arc<HandlerRegistry> {
        &self.registry
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts `name:version` unless it is registered, and waits until it registers (Fabric's
    /// `Launch`); concurrent calls for the same chaincode share one launch.
    pub async fn launch(
        self: &Arc<Self>,
        name: &str,
        version: &str,
    ) -> Result<(), Arc<LaunchError>> {
        let cname = super::canonical_name(name, version);
        if self.registry.handler(&cname).is_some() {
            return Ok(());
        }
        let mut rx = {
            let mut launching = Self::lock(&self.launching);
            match launching.get(&cname) {
                Some(rx) => rx.clone(),
                None => {
                    let (tx, rx) = watch::channel(None);
                    launching.insert(cname.clone(), rx.clone());
                    let me = self.clone();
                    let (name, version) = (name.to_string(), version.to_string());
                    tokio::spawn(async move {
                        let result = me.launch_once(&name, &version).await.map_err(Arc::new);
                        Self::lock(&me.launching).remove(&super::canonical_name(&name, &version));
                        let _ = tx.send(Some(result));
                    });
                    rx
                }
            }
        };
        loop {
            if let Some(result) = rx.borrow_and_update().clone() {
                return result;
            }
            if rx.changed().await.is_err() {
                return Err(Arc::new(LaunchError::Abandoned(cname)));
            }
        }
    }

    /// One launch: build (cached), start, wait for REGISTER within the startup timeout;
    /// on failure whatever was started is stopped.
    async fn launch_once(self: &Arc<Self>, name: &str, version: &str) -> Result<(), LaunchError> {
        let cname = super::canonical_name(name, version);
        let log = self.config.log_path(name, version);
        let timeout = self.config.startup_timeout;
        let attempt = tokio::time::timeout(timeout, self.start_and_register(name, version)).await;
        let result = match attempt {
            Ok(result) => result,
            Err(_) => Err(LaunchError::StartupTimeout {
                cname: cname.clone(),
                timeout,
                log: log.clone(),
            }),
        };
        if let Err(e) = &result {
            tracing::error!(target: "chaincode", "could not launch chaincode {cname}: {e}");
            self.stop_one(&cname).await;
        }
        result
    }

    async fn start_and_register(
        self: &Arc<Self>,
        name: &str,
        version: &str,
    ) -> Result<(), LaunchError> {
        let cname = super::canonical_name(name, version);
        // Subscribe before anything starts, so a fast REGISTER is not missed.
        let registered = self.registry.wait_for(&cname);
        let built = self.build(name, version).await?;
        let log = self.config.log_path(name, version);
        match &built.runnable {
            Runnable::Server(info) => {
                let info = info.clone();
                let ccaas_err = |source| LaunchError::Ccaas {
                    cname: cname.clone(),
                    source,
                };
                let stream = ccaas::connect(&cname, &info, self.registry.clone())
                    .await
                    .map_err(ccaas_err)?;
                tokio::select! {
                    _ = registered => {}
                    _ = stream => {
                        return Err(ccaas_err(ccaas::CcaasError::EndedBeforeRegister {
                            address: info.address.clone(),
                        }))
                    }
                }
                tracing::info!(target: "chaincode", "chaincode {cname} reached as a service at {}", info.address);
                Ok(())
            }
            _ => {
                let tls = self.issue_certificate(&cname)?;
                let command = super::blocking(|| {
                    self.run_command(name, version, &built.runnable, tls.as_ref())
                })?;
                let process = self.spawner.spawn(command, &log).await.map_err(|source| {
                    LaunchError::Spawn {
                        cname: cname.clone(),
                        source,
                    }
                })?;
                tracing::info!(target: "chaincode", "launched chaincode {cname} (pid {}, builder {}), its log: {}", process.pid, built.builder, log.display());
                self.track(&cname, process.clone(), log.clone());
                tokio::select! {
                    _ = registered => Ok(()),
                    exit = process.wait() => Err(LaunchError::ExitedBeforeRegister { cname, exit, log }),
                }
            }
        }
    }

    /// The command starting a built chaincode: the built-in builder's start command with
    /// Fabric's CORE_* environment, or the external builder's `bin/run` with
    /// `chaincode.json` in the run folder. TLS material goes to files (mode 0600) in the run
    /// folder `<fsp>/chaincodes/run/<name>-<version>`.
    fn run_command(
        &self,
        name: &str,
        version: &str,
        runnable: &Runnable,
        tls: Option<&CertAndKey>,
    ) -> Result<std::process::Command, LaunchError> {
        let cname = super::canonical_name(name, version);
        let run_dir = self.config.run_dir(name, version);
        let io = |path: &Path| {
            let (cname, path) = (cname.clone(), path.to_path_buf());
            move |source| LaunchError::Io {
                cname,
                path,
                source,
            }
        };
        if run_dir.exists() {
            std::fs::remove_dir_all(&run_dir).map_err(io(&run_dir))?;
        }
        create_private_dir(&run_dir).map_err(io(&run_dir))?;
        let root = self
            .authenticator
            .as_ref()
            .map(|a| a.ca().cert_pem().to_string())
            .unwrap_or_default();
        match runnable {
            Runnable::Builtin { language, bld } => {
                let mut cmd = builtin::run_command(
                    *language,
                    bld,
                    &run_dir,
                    &self.config.peer_address,
                    &self.config.environment,
                    &cname,
                )?;
                self.fabric_env(&mut cmd, &cname);
                match tls {
                    Some(pair) => {
                        use base64::Engine;
                        let b64 = base64::engine::general_purpose::STANDARD;
                        let files = [
                            ("client.key", b64.encode(&pair.key)),
                            ("client.crt", b64.encode(&pair.cert)),
                            ("peer.crt", root),
                        ];
                        for (file, content) in &files {
                            let path = run_dir.join(file);
                            write_private(&path, content.as_bytes()).map_err(io(&path))?;
                        }
                        cmd.env("CORE_PEER_TLS_ENABLED", "true")
                            .env("CORE_TLS_CLIENT_KEY_PATH", run_dir.join("client.key"))
                            .env("CORE_TLS_CLIENT_CERT_PATH", run_dir.join("client.crt"))
                            .env("CORE_PEER_TLS_ROOTCERT_FILE", run_dir.join("peer.crt"));
                    }
                    None => {
                        cmd.env("CORE_PEER_TLS_ENABLED", "false");
                    }
                }
                Ok(cmd)
            }
            Runnable::External { builder, bld } => {
                let rc = external::RunConfig {
                    chaincode_id: cname.clone(),
                    peer_address: self.config.peer_address.clone(),
                    client_cert: tls.map(|t| t.cert.clone()).unwrap_or_default(),
                    client_key: tls.map(|t| t.key.clone()).unwrap_or_default(),
                    root_cert: if tls.is_some() { root } else { String::new() },
                    mspid: self.config.mspid.clone(),
                };
                let path = run_dir.join("chaincode.json");
                let json = serde_json::to_vec(&rc).expect("run config serializes");
                write_private(&path, &json).map_err(io(&path))?;
                Ok(builder.command("run", &[bld, &run_dir], &self.config.environment))
            }
            Runnable::Server(_) => Err(LaunchError::NotAProcess(cname)),
        }
    }

    /// What Fabric hands every chaincode container (`ContainerRuntime.LaunchConfig`).
    fn fabric_env(&self, cmd: &mut std::process::Command, cname: &str) {
        let c = &self.config;
        cmd.env("CORE_CHAINCODE_ID_NAME", cname)
            .env("CORE_PEER_ADDRESS", &c.peer_address)
            .env("CORE_CHAINCODE_LOGGING_LEVEL", &c.log_level)
            .env("CORE_CHAINCODE_LOGGING_SHIM", &c.shim_log_level)
            .env("CORE_CHAINCODE_LOGGING_FORMAT", &c.log_format);
    }

    /// A fresh client certificate for `cname` when the chaincode listener uses TLS.
    fn issue_certificate(&self, cname: &str) -> Result<Option<CertAndKey>, LaunchError> {
        let Some(auth) = &self.authenticator else {
            return Ok(None);
        };
        auth.generate(super::handler::parse_name(cname))
            .map(Some)
            .map_err(|e| LaunchError::Certificate {
                cname: cname.to_string(),
                reason: e.to_string(),
            })
    }

    /// Records a started process and watches for its end: then it is logged and a handler
    /// it left registered is removed, so the next call launches it again.
    fn track(self: &Arc<Self>, cname: &str, process: Supervised, log: PathBuf) {
        Self::lock(&self.running).insert(
            cname.to_string(),
            Running {
                process: Some(process.clone()),
                log: log.clone(),
            },
        );
        let me = Arc::downgrade(self);
        let cname = cname.to_string();
        tokio::spawn(async move {
            let exit = process.wait().await;
            tracing::info!(target: "chaincode", "chaincode {cname} (pid {}) exited: {exit}; its log: {}", process.pid, log.display());
            let Some(me) = me.upgrade() else { return };
            // Only while no newer process of the chaincode was started: a handler then
            // registered is the newer one's.
            let mut running = Self::lock(&me.running);
            if running
                .get(&cname)
                .and_then(|r| r.process.as_ref())
                .is_some_and(|p| p.pid == process.pid)
            {
                running.remove(&cname);
                me.registry.remove(&cname);
            }
        });
    }

    /// The chaincodes this launcher started that still run: (canonical name, pid, log).
    pub fn running(&self) -> Vec<(String, Option<u32>, PathBuf)> {
        let mut v: Vec<_> = Self::lock(&self.running)
            .iter()
            .map(|(k, r)| (k.clone(), r.process.as_ref().map(|p| p.pid), r.log.clone()))
            .collect();
        v.sort();
        v
    }

    async fn stop_one(&self, cname: &str) {
        let running = Self::lock(&self.running).remove(cname);
        if let Some(process) = running.and_then(|r| r.process) {
            process.stop(self.config.stop_deadline).await;
        }
        self.registry.remove(cname);
    }

    /// Stops every chaincode this launcher started: SIGTERM to every process group at once,
    /// SIGKILL to those still running at the stop deadline.
    pub async fn stop_all(&self) {
        let all: Vec<(String, Running)> = Self::lock(&self.running).drain().collect();
        let processes: Vec<(String, Supervised)> = all
            .into_iter()
            .filter_map(|(cname, r)| r.process.map(|p| (cname, p)))
            .collect();
        for (_, p) in &processes {
            p.signal_group(libc::SIGTERM);
        }
        let deadline = tokio::time::Instant::now() + self.config.stop_deadline;
        for (cname, p) in &processes {
            let exit = match tokio::time::timeout_at(deadline, p.wait()).await {
                Ok(exit) => exit,
                Err(_) => {
                    p.signal_group(libc::SIGKILL);
                    p.wait().await
                }
            };
            tracing::info!(target: "chaincode", "stopped chaincode {cname} (pid {}): {exit}", p.pid);
        }
    }
}

impl Drop for Launcher {
    fn drop(&mut self) {
        for (_, r) in Self::lock(&self.running).drain() {
            if let Some(p) = r.process {
                p.signal_group(libc::SIGKILL);
            }
        }
    }
}

/// Creates `dir` (and its parents) with mode 0700.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Writes `path` with mode 0600.
fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::peer::{ChaincodeDeploymentSpec, ChaincodeId, ChaincodeSpec};
    use crate::scc::lscc::ccprovider::CdsPackage;
    use prost::Message;

    fn script(path: &Path, body: &str) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A launcher over a temp peer folder with `cc:1` installed and one external builder
    /// whose `bin/run` is `run`; its build appends a line to `<dir>/builds.count`.
    fn launcher(dir: &Path, run: &str, startup: Duration) -> Arc<Launcher> {
        let mut code = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        let mut h = tar::Header::new_gnu();
        h.set_size(2);
        h.set_mode(0o644);
        h.set_cksum();
        code.append_data(&mut h, "src/x.txt", &b"hi"[..]).unwrap();
        let cds = ChaincodeDeploymentSpec {
            chaincode_spec: Some(ChaincodeSpec {
                chaincode_id: Some(ChaincodeId {
                    name: "cc".into(),
                    version: "1".into(),
                    path: "cc".into(),
                }),
                ..Default::default()
            }),
            code_package: code.into_inner().unwrap().finish().unwrap(),
            ..Default::default()
        };
        let fsp = dir.join("fsp");
        let store = ChaincodeStore::new(&fsp);
        store
            .put(&CdsPackage::from_bytes(&cds.encode_to_vec()).unwrap())
            .unwrap();
        let builder = dir.join("builder");
        script(&builder.join("bin/detect"), "exit 0");
        script(
            &builder.join("bin/build"),
            &format!("echo built >> {}/builds.count", dir.display()),
        );
        script(&builder.join("bin/run"), run);
        let config = LauncherConfig {
            startup_timeout: startup,
            external_builders: vec![ExternalBuilderConfig {
                path: builder,
                name: "test".into(),
                propagate_environment: Vec::new(),
            }],
            environment: vec![("PATH".into(), "/usr/bin:/bin".into())],
            stop_deadline: Duration::from_secs(2),
            ..LauncherConfig::new(&fsp, "127.0.0.1:7052")
        };
        let registry = Arc::new(HandlerRegistry::new());
        Arc::new(Launcher::new(config, store, registry, None).unwrap())
    }

    fn builds(dir: &Path) -> usize {
        std::fs::read_to_string(dir.join("builds.count"))
            .unwrap_or_default()
            .lines()
            .count()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_launches_share_one_launch_and_builds_are_cached() {
        let dir = tempfile::tempdir().unwrap();
        let l = launcher(dir.path(), "echo no luck; exit 3", Duration::from_secs(60));
        let (a, b) = tokio::join!(l.launch("cc", "1"), l.launch("cc", "1"));
        let (a, b) = (a.unwrap_err(), b.unwrap_err());
        assert!(
            Arc::ptr_eq(&a, &b),
            "both callers got the one launch's result"
        );
        assert!(
            a.to_string().starts_with(
                "chaincode registration failed: chaincode cc:1 exited with exit status 3 before registering; see its log "
            ),
            "{a}"
        );
        let log = l.config().log_path("cc", "1");
        assert!(std::fs::read_to_string(&log).unwrap().contains("no luck"));
        assert_eq!(builds(dir.path()), 1);
        // The next launch runs again from the cached build.
        l.launch("cc", "1").await.unwrap_err();
        assert_eq!(builds(dir.path()), 1);
        assert!(l.running().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_startup_timeout_stops_what_was_started() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let l = launcher(
            dir.path(),
            &format!("echo $$ > {}; exec sleep 60", pidfile.display()),
            Duration::from_secs(1),
        );
        let err = l.launch("cc", "1").await.unwrap_err();
        assert!(
            err.to_string()
                .starts_with("timeout expired while starting chaincode cc:1 for transaction"),
            "{err}"
        );
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let gone = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| {
                    s.rsplit_once(')')
                        .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
                })
                .unwrap_or(true)
        };
        let start = std::time::Instant::now();
        while !gone() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the run process survived"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(l.running().is_empty());
    }
}
