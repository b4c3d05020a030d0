//! The `discover` binary (Fabric's `cmd/discover`): everything lives in
//! [`fabric::cli::discover`].

fn main() -> std::process::ExitCode {
    if let Ok(logging) = fabric::flogging::Logging::from_env() {
        // Without a logging system the errors are still printed.
        let _ = logging.install_global();
    }
    fabric::cli::discover::main(std::env::args_os())
}
