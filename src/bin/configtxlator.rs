//! `configtxlator`: Fabric's protobuf/JSON translator and config update calculator.

use clap::Parser;
use fabric::tools::configtxlator::cmd::{run, Cli};

fn main() {
    let cli = Cli::parse();
    if let Ok(logging) = fabric::flogging::Logging::from_env() {
        // Without a logging system the errors are still printed below.
        let _ = logging.install_global();
    }
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = run(cli, &fabric::build_info!(), &mut stdin, &mut stdout) {
        eprintln!("configtxlator: error: {err}");
        std::process::exit(1);
    }
}
