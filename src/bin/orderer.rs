//! The `orderer` binary: everything lives in [`fabric::orderer::cli`].

fn main() -> std::process::ExitCode {
    fabric::orderer::cli::main(std::env::args_os(), &fabric::build_info!())
}
