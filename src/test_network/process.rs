//! The network's processes: the toolchain's binaries found beside this one, tools run to
//! completion (their last error line becomes ours), and nodes started in a session of
//! their own so that they outlive `up` and a Ctrl-C in its terminal, then stopped by pid
//! with a deadline.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::NetworkError;

/// How long a node may take to listen, and to exit after SIGTERM.
const START_LIMIT: Duration = Duration::from_secs(30);
const STOP_LIMIT: Duration = Duration::from_secs(10);

/// The folder holding `peer`, `orderer`, `cryptogen` and `configtxgen`: this program's own.
#[derive(Debug, Clone)]
pub struct Toolchain {
    bin: PathBuf,
}

impl Toolchain {
    pub const BINARIES: [&'static str; 4] = ["peer", "orderer", "cryptogen", "configtxgen"];

    /// The toolchain beside the running executable; every binary must be there.
    pub fn beside_current_exe() -> Result<Toolchain, NetworkError> {
        let exe = std::env::current_exe().map_err(|source| NetworkError::Io {
            path: PathBuf::from("/proc/self/exe"),
            source,
        })?;
        let bin = exe.parent().unwrap_or(Path::new(".")).to_path_buf();
        Toolchain::at(bin)
    }

    pub fn at(bin: PathBuf) -> Result<Toolchain, NetworkError> {
        for name in Self::BINARIES {
            if !bin.join(name).is_file() {
                return Err(NetworkError::MissingBinary(bin.join(name)));
            }
        }
        Ok(Toolchain { bin })
    }

    pub fn path(&self, program: &str) -> PathBuf {
        self.bin.join(program)
    }

    /// Runs `program args` with `env` in `dir` to completion; a failure is its last error
    /// line.
    pub fn run(
        &self,
        program: &str,
        args: &[&str],
        env: &[(String, String)],
        dir: &Path,
    ) -> Result<String, NetworkError> {
        let out = Command::new(self.path(program))
            .args(args)
            .envs(env.iter().cloned())
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| NetworkError::Io {
                path: self.path(program),
                source,
            })?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("(no output)")
            .trim()
            .to_string();
        Err(NetworkError::Tool {
            command: format!("{program} {}", args.join(" ")),
            line,
        })
    }

    /// Starts a node in a session of its own, its output in `log`, and waits until it
    /// listens on `address` (or exits, or the start-up limit passes).
    pub fn start_node(
        &self,
        program: &str,
        args: &[&str],
        env: &[(String, String)],
        address: &str,
        log: &Path,
    ) -> Result<u32, NetworkError> {
        if TcpStream::connect(address).is_ok() {
            return Err(NetworkError::PortInUse(address.to_string()));
        }
        let io = |source| NetworkError::Io {
            path: log.to_path_buf(),
            source,
        };
        let file = std::fs::File::create(log).map_err(io)?;
        let stdout = file.try_clone().map_err(io)?;
        let mut command = Command::new(self.path(program));
        command
            .args(args)
            .envs(env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(file);
        // SAFETY: setsid is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(|source| NetworkError::Io {
            path: self.path(program),
            source,
        })?;
        wait_listening(&mut child, program, address, log)?;
        Ok(child.id())
    }
}

fn wait_listening(
    child: &mut Child,
    program: &str,
    address: &str,
    log: &Path,
) -> Result<(), NetworkError> {
    let started = Instant::now();
    while TcpStream::connect(address).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(NetworkError::Exited {
                node: program.to_string(),
                status: status.to_string(),
                log: log.to_path_buf(),
            });
        }
        if started.elapsed() > START_LIMIT {
            stop(child.id(), program);
            return Err(NetworkError::NotListening {
                node: program.to_string(),
                address: address.to_string(),
                log: log.to_path_buf(),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Whether `pid` is a running `program` of ours (not a process that reused the pid).
pub fn is_running(pid: u32, program: &str) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let exe = cmdline.split(|b| *b == 0).next().unwrap_or_default();
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false);
    !zombie && Path::new(&*String::from_utf8_lossy(exe)).file_name() == Some(program.as_ref())
}

/// Stops `pid` if it is a running `program`: SIGTERM, then SIGKILL after the deadline.
/// Returns whether it had to be killed.
pub fn stop(pid: u32, program: &str) -> bool {
    if !is_running(pid, program) {
        return false;
    }
    let signal = |sig| {
        // SAFETY: kill(2) with a pid we checked is ours; no memory is touched.
        unsafe { libc::kill(pid as libc::pid_t, sig) };
    };
    signal(libc::SIGTERM);
    let started = Instant::now();
    while started.elapsed() < STOP_LIMIT {
        if !is_running(pid, program) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(libc::SIGKILL);
    true
}
