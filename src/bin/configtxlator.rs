//! `configtxlator`: Fabric's protobuf/JSON translator and config update calculator.

use clap::Parser;
use fabric::tools::configtxlator::cmd::{run, Cli};

fn main() {
    let cli = Cli::parse();
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = run(cli, &mut stdin, &mut stdout) {
        eprintln!("configtxlator: error: {err}");
        std::process::exit(1);
    }
}
