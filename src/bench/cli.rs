//! The `fabric-bench` command line: a YAML config with command-line overrides; a live
//! progress bar on stderr while running; tables (or `--json`) on stdout at the end.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::config::{Checked, Config, Endpoint, Length, Mode};
use super::pipeline::Run;
use super::procstat::{self, Process, Sample};
use super::report::Summary;
use super::stats::Stats;
use super::BenchError;

/// A load generator for any Fabric v1.4 network, over its public gRPC services only:
/// endorse on one peer per org, assemble, broadcast on pipelined streams, and see the
/// commits on DeliverFiltered.
#[derive(Debug, Parser)]
#[command(name = "fabric-bench", version)]
pub struct Cli {
    /// The YAML config (peers, orderer, channel, chaincode, client MSP, load).
    #[arg(long)]
    pub config: PathBuf,
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Open loop: transactions started per second.
    #[arg(long)]
    pub rate: Option<u64>,
    /// Transactions in flight (closed loop; the in-flight bound in open loop).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Number of transactions.
    #[arg(long)]
    pub count: Option<u64>,
    /// How long to send instead of a count (`30s`, `2m`).
    #[arg(long)]
    pub duration: Option<String>,
    #[arg(long)]
    pub channel: Option<String>,
    #[arg(long)]
    pub chaincode: Option<String>,
    #[arg(long)]
    pub function: Option<String>,
    /// The argument template, replacing the config's (repeat for each argument).
    #[arg(long = "arg")]
    pub args: Vec<String>,
    #[arg(long = "conflict-rate")]
    pub conflict_rate: Option<f64>,
    /// gRPC connections per endpoint.
    #[arg(long)]
    pub connections: Option<usize>,
    /// Broadcast streams to the orderer.
    #[arg(long = "broadcast-streams")]
    pub broadcast_streams: Option<usize>,
    /// Replace the peers and the orderer by an in-process sink that accepts everything
    /// (the tool's own ceiling).
    #[arg(long)]
    pub sink: bool,
    /// Print the summary as JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Write throughput and latency over time as an SVG.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Processes whose CPU to report: `orderer=123,peer0=456`.
    #[arg(long)]
    pub pids: Option<String>,
    /// Processes whose CPU to report, found by the port they listen on:
    /// `orderer=7050,peer0=7051`.
    #[arg(long)]
    pub ports: Option<String>,
    /// No progress bar.
    #[arg(long = "no-progress")]
    pub no_progress: bool,
}

impl Cli {
    /// The config file with this command line's overrides applied.
    fn config(&self) -> Result<Config, BenchError> {
        let mut c = Config::load(&self.config)?;
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(v) = self.$field.clone() { c.$field = v; }
            )*};
        }
        set!(
            mode,
            rate,
            concurrency,
            channel,
            chaincode,
            function,
            conflict_rate,
            connections,
            broadcast_streams
        );
        if let Some(n) = self.count {
            c.count = n;
            c.duration = None;
        }
        if let Some(d) = &self.duration {
            c.duration = Some(d.clone());
            c.count = 0;
        }
        if !self.args.is_empty() {
            c.args = self.args.clone();
        }
        Ok(c)
    }
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
    match execute(&cli) {
        Ok(out) => {
            println!("{out}");
            0
        }
        Err(e) => {
            eprintln!("fabric-bench: {}", super::connect::error_chain(&e));
            1
        }
    }
}

fn execute(cli: &Cli) -> Result<String, BenchError> {
    let mut processes = Vec::new();
    if let Some(p) = &cli.pids {
        processes.extend(procstat::by_pid(p)?);
    }
    if let Some(p) = &cli.ports {
        processes.extend(procstat::by_port(p)?);
    }
    let config = cli.config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(BenchError::Runtime)?;
    let summary = runtime.block_on(bench(cli, config, &processes))?;
    if let Some(path) = &cli.plot {
        let title = format!("fabric-bench {:?}", summary.mode).to_lowercase();
        std::fs::write(path, super::plot::svg(&summary.series, &title)).map_err(|source| {
            BenchError::Write {
                path: path.clone(),
                source,
            }
        })?;
    }
    if cli.json {
        serde_json::to_string_pretty(&summary).map_err(BenchError::Json)
    } else {
        Ok(summary.tables())
    }
}

async fn bench(
    cli: &Cli,
    mut config: Config,
    processes: &[Process],
) -> Result<Summary, BenchError> {
    if cli.sink {
        let signer = {
            let client = config.client.clone();
            tokio::task::spawn_blocking(move || super::signer::load(&client))
                .await
                .map_err(BenchError::Task)??
        };
        let addr = super::sink::serve(signer).await?;
        let ep = Endpoint {
            name: "sink".into(),
            address: addr.to_string(),
            msp_id: config.client.msp_id.clone(),
            tls_ca: None,
            server_name: None,
        };
        config.peers = vec![ep.clone()];
        config.orderer = Some(ep);
        config.endorsers.clear();
        config.committers.clear();
    }
    let checked = config.check()?;
    let run = Arc::new(Run::prepare(checked).await?);
    let bar = progress(&run.checked, cli.no_progress || cli.json);
    let by_count = matches!(run.checked.length, Length::Count(_));
    let ticker = tokio::spawn(tick(bar.clone(), run.stats.clone(), by_count));
    let on_ctrl_c = {
        let run = run.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                run.interrupt();
            }
        })
    };
    let before = Sample::take(processes);
    let elapsed = if run.checked.config.mode == Mode::Observe {
        run.observe().await
    } else {
        run.drive().await
    };
    let cpu = before.since();
    ticker.abort();
    on_ctrl_c.abort();
    bar.finish_and_clear();
    run.stop();
    let mut summary = Summary::new(&run, elapsed, &cpu);
    if cli.sink {
        let verify =
            tokio::task::spawn_blocking(|| super::sink::p256_verify_rate(Duration::from_secs(2)))
                .await
                .map_err(BenchError::Task)??;
        summary.p256_verify_per_s = Some(verify);
    }
    Ok(summary)
}

fn progress(checked: &Checked, hidden: bool) -> ProgressBar {
    let bar = match checked.length {
        Length::Count(n) => ProgressBar::new(n),
        Length::Duration(d) => ProgressBar::new(d.as_secs().max(1)),
    };
    if hidden {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar
}

/// Updates the bar every 250ms with the rates over the last second.
/// The bar counts transactions started (`count`) or seconds (`duration`).
async fn tick(bar: ProgressBar, stats: Arc<Stats>, by_count: bool) {
    let counters = |s: &Stats| {
        [
            Stats::get(&s.submitted),
            Stats::get(&s.endorsed),
            Stats::get(&s.ordered),
            Stats::get(&s.committed_valid) + Stats::get(&s.committed_invalid),
        ]
    };
    let mut history =
        std::collections::VecDeque::from([(std::time::Instant::now(), counters(&stats))]);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = std::time::Instant::now();
        let c = counters(&stats);
        history.push_back((now, c));
        while history.len() > 5 {
            history.pop_front();
        }
        let (then, old) = history[0];
        let dt = now.duration_since(then).as_secs_f64().max(1e-3);
        let rate = |i: usize| (c[i] - old[i]) as f64 / dt;
        bar.set_position(if by_count {
            c[0]
        } else {
            stats.start.elapsed().as_secs()
        });
        bar.set_message(format!(
            "sent {:.0}/s endorsed {:.0}/s ordered {:.0}/s committed {:.0}/s, errors {}",
            rate(0),
            rate(1),
            rate(2),
            rate(3),
            stats.error_count()
        ));
    }
}
