//! The `cryptogen` binary: everything lives in [`fabric::tools::cryptogen::cli`].

fn main() -> std::process::ExitCode {
    let code = fabric::tools::cryptogen::cli::run(
        std::env::args_os(),
        &fabric::build_info!(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::ExitCode::from(code)
}
