//! `test-network deploy` (and the last steps of `up`): a chaincode installed on every peer
//! from its source folder, instantiated on the channel with an endorsement policy (every
//! org's peer by default: `AND('Org1MSP.peer','Org2MSP.peer')`), then one invoke endorsed
//! by a peer of each org and waited for, and a query — all with the `peer` CLI, as each
//! org's admin would type it. The peers build the chaincode themselves through the external
//! builder that claims it (the Rust builder for a cargo project).

use std::path::{Path, PathBuf};

use super::layout::Layout;
use super::process::Toolchain;
use super::{Event, NetworkError};

/// What to deploy.
#[derive(Debug, Clone)]
pub struct Chaincode {
    pub name: String,
    pub version: String,
    /// The source folder (`peer chaincode install -p`).
    pub path: PathBuf,
    /// `-l`: golang, node, java, rust...
    pub lang: String,
    /// The instantiate constructor (`-c`).
    pub init: String,
    /// The endorsement policy; every org's peer when `None`.
    pub policy: Option<String>,
    /// An invoke (`-c`) sent after instantiation and waited for, then a query (`-c`)
    /// whose answer is returned.
    pub invoke: Option<String>,
    pub query: Option<String>,
}

impl Chaincode {
    /// The Rust example02 of this repository's shim: `a` holds 100, `b` 200; the invoke
    /// moves 10 from `a` to `b`; the query reads `a` (90).
    pub fn rust_example02() -> Chaincode {
        Chaincode {
            name: "mycc".into(),
            version: "1.0".into(),
            path: Path::new(env!("CARGO_MANIFEST_DIR")).join("shim/samples/example02"),
            lang: "rust".into(),
            init: r#"{"Args":["init","a","100","b","200"]}"#.into(),
            policy: None,
            invoke: Some(r#"{"Args":["invoke","a","b","10"]}"#.into()),
            query: Some(r#"{"Args":["query","a"]}"#.into()),
        }
    }
}

/// Every org's peer must endorse.
fn all_orgs_policy(orgs: u32) -> String {
    let members: Vec<String> = (1..=orgs).map(|o| format!("'Org{o}MSP.peer'")).collect();
    format!("AND({})", members.join(","))
}

/// Installs, instantiates, invokes and queries `cc`; returns the query's answer.
pub fn deploy(
    tools: &Toolchain,
    layout: &Layout,
    cc: &Chaincode,
    report: &mut dyn FnMut(Event),
) -> Result<Option<String>, NetworkError> {
    if !cc.path.is_dir() {
        return Err(NetworkError::NoChaincodeSource(cc.path.clone()));
    }
    let what = format!(
        "install {} {} on {} peers",
        cc.name,
        cc.version,
        layout.peers.len()
    );
    super::step(report, &what, || install(tools, layout, cc))?;
    let what = format!(
        "instantiate {} (the peer builds and starts it; a first Rust build takes minutes)",
        cc.name
    );
    super::step(report, &what, || instantiate(tools, layout, cc))?;
    if let Some(query) = &cc.query {
        let what = format!(
            "start {} on every peer (each builds it the first time)",
            cc.name
        );
        super::step(report, &what, || warm_up(tools, layout, cc, query))?;
    }
    if let Some(invoke) = &cc.invoke {
        let what = format!(
            "invoke {} on one peer of each org, wait for the commit",
            cc.name
        );
        super::step(report, &what, || self::invoke(tools, layout, cc, invoke))?;
    }
    let Some(query) = &cc.query else {
        return Ok(None);
    };
    let mut answer = String::new();
    let what = format!("query {}", cc.name);
    super::step(report, &what, || {
        answer = run_cli(
            tools,
            layout,
            1,
            &[
                "chaincode",
                "query",
                "-C",
                &layout.channel,
                "-n",
                &cc.name,
                "-c",
                query,
            ],
        )?;
        Ok(())
    })?;
    Ok(Some(answer.trim().to_string()))
}

fn run_cli(
    tools: &Toolchain,
    layout: &Layout,
    org: u32,
    args: &[&str],
) -> Result<String, NetworkError> {
    tools.run("peer", args, &layout.admin_env(org, None), &layout.dir)
}

/// Runs the query once on each peer, one peer at a time, so that each has built and
/// started the chaincode before an invoke needs them all.
fn warm_up(
    tools: &Toolchain,
    layout: &Layout,
    cc: &Chaincode,
    query: &str,
) -> Result<(), NetworkError> {
    for peer in &layout.peers {
        tools.run(
            "peer",
            &[
                "chaincode",
                "query",
                "-C",
                &layout.channel,
                "-n",
                &cc.name,
                "-c",
                query,
            ],
            &layout.admin_env(peer.org, Some(peer)),
            &layout.dir,
        )?;
    }
    Ok(())
}

fn install(tools: &Toolchain, layout: &Layout, cc: &Chaincode) -> Result<(), NetworkError> {
    let path = cc.path.display().to_string();
    for peer in &layout.peers {
        tools.run(
            "peer",
            &[
                "chaincode",
                "install",
                "-n",
                &cc.name,
                "-v",
                &cc.version,
                "-l",
                &cc.lang,
                "-p",
                &path,
            ],
            &layout.admin_env(peer.org, Some(peer)),
            &layout.dir,
        )?;
    }
    Ok(())
}

fn instantiate(tools: &Toolchain, layout: &Layout, cc: &Chaincode) -> Result<(), NetworkError> {
    let policy = cc
        .policy
        .clone()
        .unwrap_or_else(|| all_orgs_policy(layout.orgs));
    let before = channel_height(tools, layout)?;
    run_cli(
        tools,
        layout,
        1,
        &[
            "chaincode",
            "instantiate",
            "-o",
            &layout.orderer.address,
            "-C",
            &layout.channel,
            "-n",
            &cc.name,
            "-v",
            &cc.version,
            "-l",
            &cc.lang,
            "-c",
            &cc.init,
            "-P",
            &policy,
        ],
    )?;
    super::up::wait_for_height(tools, layout, before + 1)
}

fn invoke(
    tools: &Toolchain,
    layout: &Layout,
    cc: &Chaincode,
    ctor: &str,
) -> Result<(), NetworkError> {
    let mut args: Vec<String> = [
        "chaincode",
        "invoke",
        "-o",
        &layout.orderer.address,
        "-C",
        &layout.channel,
        "-n",
        &cc.name,
        "-c",
        ctor,
        "--waitForEvent",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for org in 1..=layout.orgs {
        if let Some(peer) = layout.anchor_peer(org) {
            args.push("--peerAddresses".into());
            args.push(peer.address.clone());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_cli(tools, layout, 1, &args)?;
    Ok(())
}

fn channel_height(tools: &Toolchain, layout: &Layout) -> Result<u64, NetworkError> {
    let peer = layout
        .anchor_peer(1)
        .ok_or(NetworkError::NoSuchOrg(1, layout.orgs))?;
    super::up::height(tools, layout, peer).ok_or_else(|| NetworkError::Height {
        channel: layout.channel.clone(),
        height: 1,
        peer: peer.name.clone(),
        log: layout.log_path(peer),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_needs_a_peer_of_every_org() {
        assert_eq!(all_orgs_policy(1), "AND('Org1MSP.peer')");
        assert_eq!(
            all_orgs_policy(3),
            "AND('Org1MSP.peer','Org2MSP.peer','Org3MSP.peer')"
        );
    }

    #[test]
    fn the_rust_sample_is_in_the_repository() {
        assert!(Chaincode::rust_example02()
            .path
            .join("Cargo.toml")
            .is_file());
    }
}
