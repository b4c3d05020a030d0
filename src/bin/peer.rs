//! The `peer` binary: everything lives in [`fabric::cli`].

fn main() -> std::process::ExitCode {
    fabric::cli::main(std::env::args_os())
}
