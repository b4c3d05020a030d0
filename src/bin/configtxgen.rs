//! The `configtxgen` binary: everything lives in [`fabric::tools::configtxgen`].

fn main() -> std::process::ExitCode {
    if let Ok(logging) = fabric::flogging::Logging::from_env() {
        // Without a logging system the errors are still printed by the command itself.
        let _ = logging.install_global();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = fabric::config::Environment::from_process();
    let code = fabric::tools::configtxgen::cmd::main(
        &args,
        &env,
        &fabric::build_info!(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    std::process::ExitCode::from(code as u8)
}
