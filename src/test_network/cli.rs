//! The `test-network` command line: `up`, `down`, `status`, `env`. Progress goes to
//! stderr as a live spinner with one line per finished step; tables and exports go to
//! stdout.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use indicatif::{ProgressBar, ProgressStyle};

use super::{Chaincode, Event, Layout, Leader, NetworkError, NodeStatus, Options, Toolchain};

/// A local Fabric v1.4 network in one command, with this toolchain's own binaries (no
/// Docker): an orderer org with a solo orderer, N peer orgs of M peers, one channel.
#[derive(Debug, Parser)]
#[command(name = "test-network", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate crypto and channel artifacts, start the orderer and the peers, create the
    /// channel, join every peer and commit each org's anchor peer.
    Up {
        #[command(flatten)]
        dir: DirArg,
        /// Number of peer organizations (Org1MSP, Org2MSP, ...).
        #[arg(long, default_value_t = 2)]
        orgs: u32,
        /// Number of peers in each organization; they share blocks by gossip, the org's
        /// leader pulling them from the orderer.
        #[arg(long = "peers-per-org", default_value_t = 1)]
        peers_per_org: u32,
        /// How each org picks its leader: `election` (peer.gossip.useLeaderElection) or
        /// `static` (peer0 is peer.gossip.orgLeader). A comma-separated list gives one per
        /// org, org 1 first, the last one also for the orgs after it.
        #[arg(long, value_enum, value_delimiter = ',', default_value = "election")]
        leader: Vec<Leader>,
        /// The application channel to create.
        #[arg(short = 'c', long, default_value = "mychannel")]
        channel: String,
        /// The orderer's port; the peers' follow (peer0.org1 on base+1, peer0.org2 on
        /// base+2001). 0 picks any free ports.
        #[arg(long = "base-port", default_value_t = 7050)]
        base_port: u16,
        /// Leave out the sample chaincode (by default the Rust example02 is installed,
        /// instantiated with every org's peer in its policy, invoked and queried).
        #[arg(long = "no-chaincode")]
        no_chaincode: bool,
    },
    /// Install a chaincode from its source folder on every peer, instantiate it with an
    /// endorsement policy (every org's peer by default), then invoke and query it.
    Deploy {
        #[command(flatten)]
        dir: DirArg,
        /// The chaincode's name.
        #[arg(short = 'n', long, default_value = "mycc")]
        name: String,
        /// Its version.
        #[arg(short = 'v', long, default_value = "1.0")]
        version: String,
        /// Its source folder (the repository's Rust example02 by default).
        #[arg(short = 'p', long)]
        path: Option<PathBuf>,
        /// Its language, as `peer chaincode install -l` takes it.
        #[arg(short = 'l', long, default_value = "rust")]
        lang: String,
        /// The instantiate constructor.
        #[arg(
            short = 'c',
            long = "ctor",
            default_value = r#"{"Args":["init","a","100","b","200"]}"#
        )]
        ctor: String,
        /// The endorsement policy (default: a peer of every org).
        #[arg(short = 'P', long)]
        policy: Option<String>,
        /// An invoke to send and wait for after instantiation.
        #[arg(long)]
        invoke: Option<String>,
        /// A query to run last; its answer is printed.
        #[arg(long)]
        query: Option<String>,
    },
    /// Stop every node (SIGTERM, SIGKILL after 10s) and remove the network's folder.
    Down {
        #[command(flatten)]
        dir: DirArg,
        /// Keep the folder (ledgers, logs, crypto material).
        #[arg(long)]
        keep: bool,
    },
    /// Show each node: whether it runs, its endpoints, the channel height on each peer and
    /// whether it leads its org (from its operations endpoint's metrics).
    Status {
        #[command(flatten)]
        dir: DirArg,
    },
    /// Print the environment of an org's admin for the `peer` CLI (`eval $(test-network env
    /// --org 1)`).
    Env {
        #[command(flatten)]
        dir: DirArg,
        /// The organization (1 for Org1MSP).
        #[arg(long, default_value_t = 1)]
        org: u32,
    },
}

#[derive(Debug, clap::Args)]
pub struct DirArg {
    /// The network's folder.
    #[arg(long, default_value = "test-network")]
    pub dir: PathBuf,
}

/// Runs the command line `args`; returns the exit code.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let mut out = std::io::stdout().lock();
    match execute(cli.command, &mut out) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("test-network: {e}");
            1
        }
    }
}

fn execute(command: Command, out: &mut dyn Write) -> Result<(), NetworkError> {
    let written = |e| NetworkError::Io {
        path: PathBuf::from("stdout"),
        source: e,
    };
    match command {
        Command::Up {
            dir,
            orgs,
            peers_per_org,
            leader,
            channel,
            base_port,
            no_chaincode,
        } => {
            let tools = Toolchain::beside_current_exe()?;
            let options = Options {
                dir: dir.dir,
                orgs,
                peers_per_org,
                channel,
                base_port,
                leaders: leader,
            };
            let started = std::time::Instant::now();
            let layout = with_progress(|report| super::up(&tools, &options, report))?;
            if !no_chaincode {
                let cc = Chaincode::rust_example02();
                let answer = with_progress(|report| super::deploy(&tools, &layout, &cc, report))?;
                let answer = answer.unwrap_or_default();
                writeln!(out, "{} answered query a: {answer}", cc.name).map_err(written)?;
            }
            let took = started.elapsed();
            let (_, nodes) = super::status(&tools, &layout.dir)?;
            writeln!(out, "{}", table(&layout, &nodes)).map_err(written)?;
            writeln!(out, "{}", next_steps(&layout, took)?).map_err(written)
        }
        Command::Deploy {
            dir,
            name,
            version,
            path,
            lang,
            ctor,
            policy,
            invoke,
            query,
        } => {
            let tools = Toolchain::beside_current_exe()?;
            let layout = Layout::load(&dir.dir)?;
            let cc = Chaincode {
                name,
                version,
                path: path.unwrap_or(Chaincode::rust_example02().path),
                lang,
                init: ctor,
                policy,
                invoke,
                query,
            };
            let answer = with_progress(|report| super::deploy(&tools, &layout, &cc, report))?;
            if let Some(answer) = answer {
                writeln!(out, "{answer}").map_err(written)?;
            }
            Ok(())
        }
        Command::Down { dir, keep } => {
            let killed = super::down(&dir.dir, keep)?;
            for name in killed {
                eprintln!("test-network: {name} did not stop within 10s and was killed");
            }
            Ok(())
        }
        Command::Status { dir } => {
            let tools = Toolchain::beside_current_exe()?;
            let (layout, nodes) = super::status(&tools, &dir.dir)?;
            writeln!(out, "{}", table(&layout, &nodes)).map_err(written)
        }
        Command::Env { dir, org } => {
            write!(out, "{}", super::admin_exports(&dir.dir, org)?).map_err(written)
        }
    }
}

/// Runs `work` under a spinner, one line per finished step.
fn with_progress<T>(
    work: impl FnOnce(&mut dyn FnMut(Event)) -> Result<T, NetworkError>,
) -> Result<T, NetworkError> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("static template"));
    bar.enable_steady_tick(Duration::from_millis(100));
    let result = work(&mut |event| match event {
        Event::Begin(what) => bar.set_message(what.to_string()),
        // suspend, not println: the line must show when the bar is hidden (no terminal).
        Event::Done(what, took) => {
            bar.suspend(|| eprintln!("  ✔ {what} ({:.1}s)", took.as_secs_f64()))
        }
    });
    bar.finish_and_clear();
    result
}

fn table(layout: &Layout, nodes: &[NodeStatus]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "node",
        "MSP",
        "state",
        "endpoint",
        "operations",
        "height",
        "leads",
        "log",
    ]);
    for n in nodes {
        let state = match (n.running, n.node.pid) {
            (true, Some(pid)) => format!("running (pid {pid})"),
            _ => "stopped".to_string(),
        };
        let height = match (n.node.org, n.height) {
            (0, _) => String::new(),
            (_, Some(h)) => format!("{}: {h}", layout.channel),
            (_, None) => "?".to_string(),
        };
        let leads = match (n.node.org, n.leads, layout.leader_mode(n.node.org)) {
            (0, _, _) => "",
            (_, None, _) => "?",
            (_, Some(true), Leader::Election) => "yes (elected)",
            (_, Some(false), Leader::Election) => "no",
            (_, Some(true), Leader::Static) => "yes (static)",
            (_, Some(false), Leader::Static) => "no (static)",
        };
        let log = n.log.strip_prefix(&layout.dir).unwrap_or(&n.log);
        table.add_row([
            n.node.name.clone(),
            n.node.msp_id.clone(),
            state,
            n.node.address.clone(),
            n.node.operations.clone(),
            height,
            leads.to_string(),
            log.display().to_string(),
        ]);
    }
    table
}

fn next_steps(layout: &Layout, took: Duration) -> Result<String, NetworkError> {
    let dir = layout.dir.display();
    let mut text = format!("Up in {:.1}s. Network folder: {dir}\n", took.as_secs_f64());
    for org in 1..=layout.orgs {
        text.push_str(&format!("\n# the peer CLI as Org{org}'s admin:\n"));
        text.push_str(&super::admin_exports(&layout.dir, org)?);
    }
    text.push_str(&format!(
        "\npeer channel getinfo -c {}   # with one of the environments above\n\
         test-network status --dir {dir}\n\
         test-network down --dir {dir}",
        layout.channel
    ));
    Ok(text)
}
