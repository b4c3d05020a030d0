//! The `fabric-bench` binary: everything lives in [`fabric::bench::cli`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(fabric::bench::cli::run(std::env::args_os()))
}
