//! The `test-network` binary: everything lives in [`fabric::test_network::cli`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(fabric::test_network::cli::run(std::env::args_os()))
}
