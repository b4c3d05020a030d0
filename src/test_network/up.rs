//! `test-network up`, step by step. A failure stops whatever was started and leaves the
//! folder (logs, config, artifacts) for a look; nothing is left running.

use std::path::Path;
use std::time::{Duration, Instant};

use super::layout::{Layout, Options, CHANNEL_PROFILE, GENESIS_PROFILE, MARKER, SYSTEM_CHANNEL};
use super::process::Toolchain;
use super::{Event, NetworkError, BUILDERS, CORE_YAML, ORDERER_YAML};

/// Builds and starts the network `options` describe; returns its layout (with pids).
pub fn up(
    tools: &Toolchain,
    options: &Options,
    report: &mut dyn FnMut(Event),
) -> Result<Layout, NetworkError> {
    let mut options = options.clone();
    options.dir = absolute(&options.dir)?;
    prepare_dir(&options.dir)?;
    let mut layout = Layout::plan(&options)?;
    let result = bring_up(tools, &mut layout, options.peers_per_org, report);
    if let Err(e) = result {
        layout.stop_all();
        let _ = layout.save();
        return Err(e);
    }
    Ok(layout)
}

fn bring_up(
    tools: &Toolchain,
    layout: &mut Layout,
    peers_per_org: u32,
    report: &mut dyn FnMut(Event),
) -> Result<(), NetworkError> {
    super::step(
        report,
        "write core.yaml, orderer.yaml, crypto-config.yaml, configtx.yaml",
        || write_configs(layout, peers_per_org),
    )?;
    super::step(
        report,
        "cryptogen: MSPs of the orderer org and every peer org",
        || generate_crypto(tools, layout),
    )?;
    super::step(
        report,
        "configtxgen: genesis block, channel and anchor peer transactions",
        || generate_artifacts(tools, layout),
    )?;
    super::step(report, "start the orderer", || start_orderer(tools, layout))?;
    let what = format!("start {} peers", layout.peers.len());
    super::step(report, &what, || start_peers(tools, layout))?;
    let what = format!("create channel {} and join every peer", layout.channel);
    super::step(report, &what, || create_and_join(tools, layout))?;
    let what = format!("commit the anchor peers of {} orgs", layout.orgs);
    super::step(report, &what, || update_anchors(tools, layout))
}

fn absolute(dir: &Path) -> Result<std::path::PathBuf, NetworkError> {
    if dir.is_absolute() {
        return Ok(dir.to_path_buf());
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(dir))
        .map_err(|source| NetworkError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

/// An empty folder for the network: a previous network of ours is replaced (when none of
/// its nodes runs); anything else is left alone.
fn prepare_dir(dir: &Path) -> Result<(), NetworkError> {
    let io = |source| NetworkError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if dir.exists() {
        if let Ok(old) = Layout::load(dir) {
            let running: Vec<String> = old
                .nodes()
                .filter(|n| n.is_running())
                .map(|n| n.name.clone())
                .collect();
            if !running.is_empty() {
                return Err(NetworkError::AlreadyUp {
                    dir: dir.to_path_buf(),
                    running: running.join(", "),
                });
            }
        }
        let empty = std::fs::read_dir(dir).map_err(io)?.next().is_none();
        if !empty && !dir.join(MARKER).exists() {
            return Err(NetworkError::ForeignDir(dir.to_path_buf()));
        }
        std::fs::remove_dir_all(dir).map_err(io)?;
    }
    for sub in ["config", "crypto", "artifacts", "data", "logs"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(io)?;
    }
    std::fs::write(dir.join(MARKER), b"").map_err(io)
}

fn write(path: &Path, text: &str) -> Result<(), NetworkError> {
    std::fs::write(path, text).map_err(|source| NetworkError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write_configs(layout: &Layout, peers_per_org: u32) -> Result<(), NetworkError> {
    let config = layout.config_dir();
    write(&config.join("core.yaml"), CORE_YAML)?;
    write_builders(&config)?;
    write(&config.join("orderer.yaml"), ORDERER_YAML)?;
    write(
        &config.join("crypto-config.yaml"),
        &layout.crypto_config_yaml(peers_per_org),
    )?;
    write(&config.join("configtx.yaml"), &layout.configtx_yaml())?;
    layout.save()
}

/// The external builders core.yaml lists (`externalbuilders/<name>/bin/...`, relative to
/// the config folder), executable.
fn write_builders(config: &Path) -> Result<(), NetworkError> {
    use std::os::unix::fs::PermissionsExt;
    for (path, text) in BUILDERS {
        let file = config.join("externalbuilders").join(path);
        let io = |source| NetworkError::Io {
            path: file.clone(),
            source,
        };
        std::fs::create_dir_all(file.parent().unwrap_or(config)).map_err(io)?;
        write(&file, text)?;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).map_err(io)?;
    }
    Ok(())
}

fn generate_crypto(tools: &Toolchain, layout: &Layout) -> Result<(), NetworkError> {
    let config = layout.config_dir().join("crypto-config.yaml");
    let args = [
        "generate".to_string(),
        format!("--config={}", config.display()),
        format!("--output={}", layout.crypto_dir().display()),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tools.run("cryptogen", &args, &[], &layout.dir)?;
    Ok(())
}

fn generate_artifacts(tools: &Toolchain, layout: &Layout) -> Result<(), NetworkError> {
    let env = vec![(
        "FABRIC_CFG_PATH".to_string(),
        layout.config_dir().display().to_string(),
    )];
    let artifacts = layout.artifacts_dir();
    let out = |name: &str| artifacts.join(name).display().to_string();
    let genesis = out("genesis.block");
    tools.run(
        "configtxgen",
        &[
            "-profile",
            GENESIS_PROFILE,
            "-channelID",
            SYSTEM_CHANNEL,
            "-outputBlock",
            &genesis,
        ],
        &env,
        &layout.dir,
    )?;
    let channel = &layout.channel;
    let tx = out(&format!("{channel}.tx"));
    tools.run(
        "configtxgen",
        &[
            "-profile",
            CHANNEL_PROFILE,
            "-channelID",
            channel,
            "-outputCreateChannelTx",
            &tx,
        ],
        &env,
        &layout.dir,
    )?;
    for org in 1..=layout.orgs {
        let msp = format!("Org{org}MSP");
        let anchors = out(&format!("{msp}anchors.tx"));
        tools.run(
            "configtxgen",
            &[
                "-profile",
                CHANNEL_PROFILE,
                "-channelID",
                channel,
                "-asOrg",
                &msp,
                "-outputAnchorPeersUpdate",
                &anchors,
            ],
            &env,
            &layout.dir,
        )?;
    }
    Ok(())
}

fn start_orderer(tools: &Toolchain, layout: &mut Layout) -> Result<(), NetworkError> {
    let log = layout.log_path(&layout.orderer);
    let env = layout.orderer_env();
    let pid = tools.start_node("orderer", &[], &env, &layout.orderer.address, &log)?;
    layout.orderer.pid = Some(pid);
    layout.save()
}

fn start_peers(tools: &Toolchain, layout: &mut Layout) -> Result<(), NetworkError> {
    for i in 0..layout.peers.len() {
        let peer = &layout.peers[i];
        let (env, log) = (layout.peer_env(peer), layout.log_path(peer));
        let pid = tools.start_node("peer", &["node", "start"], &env, &peer.address, &log)?;
        layout.peers[i].pid = Some(pid);
        layout.save()?;
    }
    Ok(())
}

fn create_and_join(tools: &Toolchain, layout: &Layout) -> Result<(), NetworkError> {
    let channel = &layout.channel;
    let artifacts = layout.artifacts_dir();
    let tx = artifacts
        .join(format!("{channel}.tx"))
        .display()
        .to_string();
    let block = artifacts
        .join(format!("{channel}.block"))
        .display()
        .to_string();
    let orderer = &layout.orderer.address;
    tools.run(
        "peer",
        &[
            "channel",
            "create",
            "-o",
            orderer,
            "-c",
            channel,
            "-f",
            &tx,
            "--outputBlock",
            &block,
        ],
        &layout.admin_env(1, None),
        &layout.dir,
    )?;
    for peer in &layout.peers {
        tools.run(
            "peer",
            &["channel", "join", "-b", &block],
            &layout.admin_env(peer.org, Some(peer)),
            &layout.dir,
        )?;
    }
    Ok(())
}

fn update_anchors(tools: &Toolchain, layout: &Layout) -> Result<(), NetworkError> {
    let channel = &layout.channel;
    for org in 1..=layout.orgs {
        let tx = layout
            .artifacts_dir()
            .join(format!("Org{org}MSPanchors.tx"));
        let tx = tx.display().to_string();
        tools.run(
            "peer",
            &[
                "channel",
                "update",
                "-o",
                &layout.orderer.address,
                "-c",
                channel,
                "-f",
                &tx,
            ],
            &layout.admin_env(org, None),
            &layout.dir,
        )?;
    }
    // Every peer has the genesis block and one config block per org.
    wait_for_height(tools, layout, 1 + u64::from(layout.orgs))
}

/// Waits until every peer has `want` blocks.
pub(super) fn wait_for_height(
    tools: &Toolchain,
    layout: &Layout,
    want: u64,
) -> Result<(), NetworkError> {
    for peer in &layout.peers {
        let started = Instant::now();
        while height(tools, layout, peer).unwrap_or(0) < want {
            if started.elapsed() > Duration::from_secs(30) {
                return Err(NetworkError::Height {
                    channel: layout.channel.clone(),
                    height: want,
                    peer: peer.name.clone(),
                    log: layout.log_path(peer),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Ok(())
}

/// The channel's height on `peer`: its `ledger_blockchain_height` metric, or else what
/// `peer channel getinfo` reports.
pub(super) fn height(tools: &Toolchain, layout: &Layout, peer: &super::Node) -> Option<u64> {
    let metric = super::metrics::ChannelMetrics::of(&peer.operations, &layout.channel)
        .and_then(|m| m.height);
    metric.or_else(|| getinfo_height(tools, layout, peer))
}

fn getinfo_height(tools: &Toolchain, layout: &Layout, peer: &super::Node) -> Option<u64> {
    let out = tools
        .run(
            "peer",
            &["channel", "getinfo", "-c", &layout.channel],
            &layout.admin_env(peer.org, Some(peer)),
            &layout.dir,
        )
        .ok()?;
    let json = out.split_once("Blockchain info: ")?.1;
    let value: serde_json::Value = serde_json::from_str(json.trim()).ok()?;
    value["height"].as_u64()
}
