//! System chaincodes in-process (Fabric's `core/scc`): [`cscc`] (channels: join, config
//! block, channel list), [`lscc`] (chaincode install, instantiate/upgrade, chaincode queries),
//! [`qscc`] (ledger queries) and [`escc`] (the default endorsement: the peer's signature over
//! the proposal response). vscc lives with the committer.
//!
//! A system chaincode is invoked with an [`InvocationContext`] — the arguments, the signed
//! proposal, the channel and, for proposals that write, a transaction simulator — and answers
//! with a `protos.Response` as Fabric's shim builds them: status 200 with a payload, or 500
//! with a one-line message ([`success`], [`error`]).

pub mod cscc;
pub mod escc;
pub mod lscc;
pub mod qscc;
pub mod vscc;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::ledger::TxSimulator;
use crate::peer::Channel;
use crate::protos::peer::{ChaincodeEvent, Proposal, Response, SignedProposal};

/// Status of a successful chaincode response (Fabric's `shim.OK`).
pub const OK: i32 = 200;
/// Status from which a response is an error that fails endorsement (`shim.ERRORTHRESHOLD`).
pub const ERROR_THRESHOLD: i32 = 400;
/// Status of a failed chaincode response (`shim.ERROR`).
pub const ERROR: i32 = 500;

/// A successful response carrying `payload` (Fabric's `shim.Success`).
pub fn success(payload: Vec<u8>) -> Response {
    Response {
        status: OK,
        message: String::new(),
        payload,
    }
}

/// A failed response with a one-line message (Fabric's `shim.Error`).
pub fn error(message: impl Into<String>) -> Response {
    Response {
        status: ERROR,
        message: message.into(),
        payload: Vec::new(),
    }
}

/// What a system chaincode sees of one invocation (Fabric's stub, in-process).
pub struct InvocationContext<'a> {
    /// The chaincode input arguments; `args[0]` is the function name.
    pub args: &'a [Vec<u8>],
    pub signed_proposal: &'a SignedProposal,
    pub proposal: &'a Proposal,
    /// The channel the proposal names (empty for channel-less proposals).
    pub channel_id: &'a str,
    pub tx_id: &'a str,
    /// The joined channel, when the proposal names one this peer has.
    pub channel: Option<Arc<Channel>>,
    /// The transaction simulator (none for channel-less proposals and for qscc/cscc, as
    /// in Fabric).
    pub simulator: Option<&'a dyn TxSimulator>,
    /// The event the chaincode set (Fabric's `stub.SetEvent`).
    pub event: Option<ChaincodeEvent>,
}

impl InvocationContext<'_> {
    /// Argument `i` as text (lossy), empty when absent.
    pub fn arg_str(&self, i: usize) -> String {
        self.args
            .get(i)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .unwrap_or_default()
    }

    /// Sets the chaincode event of this invocation.
    pub fn set_event(&mut self, chaincode_id: &str, name: &str, payload: Vec<u8>) {
        self.event = Some(ChaincodeEvent {
            chaincode_id: chaincode_id.to_string(),
            tx_id: self.tx_id.to_string(),
            event_name: name.to_string(),
            payload,
        });
    }
}

/// A chaincode that runs inside the peer (Fabric's `SelfDescribingSysCC`).
pub trait SystemChaincode: Send + Sync {
    /// The chaincode name proposals use (`qscc`).
    fn name(&self) -> &'static str;
    /// Whether a client proposal may invoke it.
    fn invokable_external(&self) -> bool;
    /// Whether another chaincode may invoke it.
    fn invokable_cc2cc(&self) -> bool;
    /// Runs one invocation.
    fn invoke(&self, ctx: &mut InvocationContext<'_>) -> Response;
}

/// The registered system chaincodes by name (Fabric's `scc.Provider`).
#[derive(Default, Clone)]
pub struct Registry {
    sccs: BTreeMap<String, Arc<dyn SystemChaincode>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `scc` unless `enabled` (core.yaml `chaincode.system`) says otherwise.
    pub fn register(&mut self, scc: Arc<dyn SystemChaincode>) {
        tracing::info!(target: "sccapi", "system chaincode {} registered", scc.name());
        self.sccs.insert(scc.name().to_string(), scc);
    }

    /// Registers only the chaincodes `chaincode.system` enables (`cscc: enable`).
    pub fn register_enabled(
        &mut self,
        scc: Arc<dyn SystemChaincode>,
        whitelist: &BTreeMap<String, String>,
    ) {
        match whitelist.get(scc.name()).map(String::as_str) {
            Some("enable") | Some("true") | Some("yes") => self.register(scc),
            _ => {
                tracing::warn!(target: "sccapi", "system chaincode {} is not enabled in chaincode.system", scc.name())
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn SystemChaincode>> {
        self.sccs.get(name)
    }

    /// Fabric's `IsSysCC`.
    pub fn is_sys_cc(&self, name: &str) -> bool {
        self.sccs.contains_key(name)
    }

    /// Fabric's `IsSysCCAndNotInvokableExternal`.
    pub fn is_sys_cc_and_not_invokable_external(&self, name: &str) -> bool {
        self.sccs.get(name).is_some_and(|s| !s.invokable_external())
    }

    /// Fabric's `IsSysCCAndNotInvokableCC2CC`.
    pub fn is_sys_cc_and_not_invokable_cc2cc(&self, name: &str) -> bool {
        self.sccs.get(name).is_some_and(|s| !s.invokable_cc2cc())
    }

    /// Registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.sccs.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Probe(bool);
    impl SystemChaincode for Probe {
        fn name(&self) -> &'static str {
            "probe"
        }
        fn invokable_external(&self) -> bool {
            self.0
        }
        fn invokable_cc2cc(&self) -> bool {
            false
        }
        fn invoke(&self, _ctx: &mut InvocationContext<'_>) -> Response {
            success(b"ok".to_vec())
        }
    }

    #[test]
    fn registry_answers_fabric_questions() {
        let mut r = Registry::new();
        r.register(Arc::new(Probe(false)));
        assert!(r.is_sys_cc("probe"));
        assert!(!r.is_sys_cc("mycc"));
        assert!(r.is_sys_cc_and_not_invokable_external("probe"));
        assert!(r.is_sys_cc_and_not_invokable_cc2cc("probe"));
        assert!(!r.is_sys_cc_and_not_invokable_external("mycc"));
        let mut wl = BTreeMap::new();
        let mut r2 = Registry::new();
        r2.register_enabled(Arc::new(Probe(true)), &wl);
        assert!(!r2.is_sys_cc("probe"));
        wl.insert("probe".to_string(), "enable".to_string());
        r2.register_enabled(Arc::new(Probe(true)), &wl);
        assert_eq!(r2.names(), vec!["probe".to_string()]);
    }

    #[test]
    fn shim_responses() {
        assert_eq!(success(vec![1]).status, 200);
        let e = error("bad");
        assert_eq!((e.status, e.message.as_str()), (500, "bad"));
    }
}
