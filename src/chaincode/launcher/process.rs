//! Supervised child processes (builds and chaincodes): each runs in its own process group,
//! gets SIGKILL when the peer's spawning thread dies (PR_SET_PDEATHSIG), and is watched by a
//! tiny `sh` watchdog reading a pipe only the peer holds: when the peer ends, even killed
//! with -9, the pipe closes and the watchdog kills the whole group (the grandchildren npm or
//! a builder's script starts included). Children are spawned from one long-lived thread so
//! the parent-death signal does not fire when a short-lived worker thread exits.

use std::fs::File;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::{oneshot, watch};

/// Why a child could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("cannot open the log file {}: {source}", .path.display())]
    Log {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot start {program}: {source}")]
    Start {
        program: String,
        #[source]
        source: io::Error,
    },
    #[error("the process spawner thread is gone")]
    SpawnerGone,
}

/// How a supervised process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub Option<ExitStatus>);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(s) => match (s.code(), s.signal()) {
                (Some(code), _) => write!(f, "exit status {code}"),
                (None, Some(sig)) => write!(f, "killed by signal {sig}"),
                _ => write!(f, "{s}"),
            },
            None => write!(f, "unknown exit status"),
        }
    }
}

impl Exit {
    pub fn success(&self) -> bool {
        self.0.is_some_and(|s| s.success())
    }
}

/// A running supervised process: its pid (also its process group id) and its exit.
#[derive(Debug, Clone)]
pub struct Supervised {
    pub pid: u32,
    exit: watch::Receiver<Option<Exit>>,
}

impl Supervised {
    /// Waits for the process to end.
    pub async fn wait(&self) -> Exit {
        let mut rx = self.exit.clone();
        loop {
            if let Some(exit) = *rx.borrow_and_update() {
                return exit;
            }
            if rx.changed().await.is_err() {
                return Exit(None);
            }
        }
    }

    /// Whether it has ended.
    pub fn has_exited(&self) -> bool {
        self.exit.borrow().is_some()
    }

    /// Sends `signal` to its whole process group.
    pub fn signal_group(&self, signal: i32) {
        if !self.has_exited() {
            // SAFETY: kill(2) with a negative pid signals a process group; no memory is shared.
            unsafe {
                libc::kill(-(self.pid as i32), signal);
            }
        }
    }

    /// SIGTERM to the group, then SIGKILL when it has not ended within `deadline`.
    pub async fn stop(&self, deadline: Duration) -> Exit {
        self.signal_group(libc::SIGTERM);
        match tokio::time::timeout(deadline, self.wait()).await {
            Ok(exit) => exit,
            Err(_) => {
                self.signal_group(libc::SIGKILL);
                self.wait().await
            }
        }
    }
}

struct SpawnRequest {
    command: Command,
    log: PathBuf,
    reply: oneshot::Sender<Result<Supervised, SpawnError>>,
}

/// The thread that starts every supervised child.
pub struct Spawner {
    requests: std_mpsc::Sender<SpawnRequest>,
}

impl Spawner {
    /// Starts the spawner thread; it ends when the `Spawner` is dropped.
    pub fn start() -> io::Result<Self> {
        let (tx, rx) = std_mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("chaincode-spawner".into())
            .spawn(move || {
                while let Ok(req) = rx.recv() {
                    let result = spawn_supervised(req.command, &req.log);
                    let _ = req.reply.send(result);
                }
            })?;
        Ok(Spawner { requests: tx })
    }

    /// Starts `command` with stdout and stderr appended to `log`, supervised.
    pub async fn spawn(&self, command: Command, log: &Path) -> Result<Supervised, SpawnError> {
        let (reply, rx) = oneshot::channel();
        self.requests
            .send(SpawnRequest {
                command,
                log: log.to_path_buf(),
                reply,
            })
            .map_err(|_| SpawnError::SpawnerGone)?;
        rx.await.map_err(|_| SpawnError::SpawnerGone)?
    }
}

fn open_log(path: &Path) -> Result<File, SpawnError> {
    let log_err = |source| SpawnError::Log {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(log_err)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(log_err)
}

/// A pipe whose both ends are close-on-exec (only the fd a child gets as stdin is not).
fn cloexec_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two fds into the array; we own them from here.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both fds were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn spawn_supervised(mut command: Command, log: &Path) -> Result<Supervised, SpawnError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let start_err = |source| SpawnError::Start {
        program: program.clone(),
        source,
    };
    let out = open_log(log)?;
    let err = out.try_clone().map_err(start_err)?;
    // SAFETY: the closure only calls async-signal-safe functions (setpgid, prctl, getppid).
    let parent = std::process::id() as libc::pid_t;
    unsafe {
        command.pre_exec(move || {
            if libc::setpgid(0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                // The peer died between fork and prctl.
                return Err(io::Error::other("the peer is gone"));
            }
            Ok(())
        });
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(start_err)?;
    let pid = child.id();
    let guard = match watchdog(pid) {
        Ok(g) => g,
        Err(e) => {
            // SAFETY: signalling the group we just created.
            unsafe {
                libc::kill(-(pid as i32), libc::SIGKILL);
            }
            let _ = child.wait();
            return Err(start_err(e));
        }
    };
    let (tx, rx) = watch::channel(None);
    std::thread::Builder::new()
        .name(format!("wait-{pid}"))
        .spawn(move || reap(child, guard, tx))
        .map_err(start_err)?;
    Ok(Supervised { pid, exit: rx })
}

/// The watchdog of group `pgid`: `sh` blocked reading a pipe whose write end (returned)
/// only this peer holds; EOF (the peer gone, or the guard dropped) kills the group.
fn watchdog(pgid: u32) -> io::Result<WatchdogGuard> {
    let (read, write) = cloexec_pipe()?;
    let mut sh = Command::new("/bin/sh");
    sh.args([
        "-c",
        "read _ignored; kill -KILL -$1 2>/dev/null",
        "watchdog",
    ])
    .arg(pgid.to_string())
    .stdin(Stdio::from(read))
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    // SAFETY: setpgid is async-signal-safe; the watchdog must not be in the group it kills
    // nor get signals sent to the peer's terminal group.
    unsafe {
        sh.pre_exec(|| {
            libc::setpgid(0, 0);
            Ok(())
        });
    }
    let child = sh.spawn()?;
    Ok(WatchdogGuard {
        _write: File::from(write),
        child,
    })
}

struct WatchdogGuard {
    _write: File,
    child: Child,
}

fn reap(mut child: Child, guard: WatchdogGuard, tx: watch::Sender<Option<Exit>>) {
    let status = child.wait().ok();
    // Closing the pipe lets the watchdog kill what the child left in its group, then end.
    let WatchdogGuard { _write, mut child } = guard;
    drop(_write);
    let _ = child.wait();
    let _ = tx.send(Some(Exit(status)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `pid` runs (a zombie waiting for its reaper counts as gone).
    fn alive(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, rest)| rest.trim_start().to_string())
            })
            .is_some_and(|rest| !rest.starts_with('Z'))
    }

    #[tokio::test]
    async fn exit_status_and_log_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("logs/x.log");
        let spawner = Spawner::start().unwrap();
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let p = spawner.spawn(cmd, &log).await.unwrap();
        let exit = p.wait().await;
        assert_eq!(exit.to_string(), "exit status 3");
        assert!(!exit.success());
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains("out") && text.contains("err"), "{text}");
    }

    #[tokio::test]
    async fn stop_kills_the_whole_group_with_a_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("grandchild");
        let spawner = Spawner::start().unwrap();
        let mut cmd = Command::new("/bin/sh");
        // Ignores TERM; its grandchild writes its pid and sleeps.
        cmd.arg("-c").arg(format!(
            "trap '' TERM; sh -c 'echo $$ > {0}; exec sleep 600' & wait",
            pidfile.display()
        ));
        let p = spawner.spawn(cmd, &dir.path().join("l.log")).await.unwrap();
        let grandchild = loop {
            if let Ok(t) = std::fs::read_to_string(&pidfile) {
                if let Ok(pid) = t.trim().parse::<i32>() {
                    break pid;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(alive(grandchild));
        let exit = p.stop(Duration::from_millis(300)).await;
        assert!(!exit.success());
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while alive(grandchild) {
            assert!(std::time::Instant::now() < deadline, "grandchild survived");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn a_missing_program_is_a_start_error() {
        let dir = tempfile::tempdir().unwrap();
        let spawner = Spawner::start().unwrap();
        let err = spawner
            .spawn(Command::new("/nonexistent/prog"), &dir.path().join("l.log"))
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot start /nonexistent/prog"),
            "{err}"
        );
    }
}
