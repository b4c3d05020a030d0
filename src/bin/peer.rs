//! The `peer` binary: logging is set up here, at the edge; everything else lives in
//! [`fabric::cli`].

fn main() -> std::process::ExitCode {
    let logging = fabric::flogging::Logging::from_env();
    if let Ok(system) = &logging {
        // Installing fails only when a subscriber is already set, which cannot happen here.
        let _ = system.install_global();
    }
    fabric::cli::main(std::env::args_os(), logging, &fabric::build_info!())
}
