//! The endorser (Fabric's `core/endorser`): ProcessProposal behind a chain of auth filters.
//!
//! A signed proposal is validated ([`validation`]), checked for a replayed tx id on its
//! channel and, for application chaincodes, against the channel's `peer/Propose` ACL; the
//! chaincode runs (system chaincodes in-process, with a transaction simulator when the
//! proposal can write); the result is endorsed by the peer ([`crate::scc::escc`]) into a
//! `ProposalResponse` whose payload is the `ProposalResponsePayload` Fabric builds.
//!
//! Failures before the chaincode runs are errors ([`EndorserError`], a gRPC error in Fabric);
//! failures after are answered with a status-500 response, as Fabric does. [`service`] is
//! the thin tonic transport.

pub mod auth;
pub mod metrics;
pub mod service;
pub mod validation;

use std::sync::Arc;
use std::time::Instant;

use prost::Message;

use crate::aclmgmt::resources::{PEER_CHAINCODE_TO_CHAINCODE, PEER_PROPOSE};
use crate::aclmgmt::{AclError, AclProvider, AclSubject};
use crate::chaincode::blocking;
use crate::chaincode::transaction_context::{ChannelAccess, OtherChannel};
use crate::chaincode::{ChaincodeSupport, DefinitionError, ExecError, TxParams};
use crate::ledger::{HistoryQueryExecutor, LedgerError, LedgerResult, TxSimulator};
use crate::msp::{IdentityDeserializer, X509Msp};
use crate::peer::{Channel, Peer};
use crate::protos::peer::ChaincodeInput;
use crate::protos::peer::{
    ChaincodeAction, ChaincodeDeploymentSpec, ChaincodeId, ChaincodeInvocationSpec,
    ChaincodeProposalPayload, ProposalResponse, Response, SignedProposal,
};
use crate::scc::escc::DefaultEndorsement;
use crate::scc::{self, InvocationContext, Registry};
use metrics::{EndorserMetrics, Labels};
use validation::{validate_proposal_message, ValidatedProposal, ValidationError};

/// A boxed future of an endorsement.
pub type EndorseFuture<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<ProposalResponse, EndorserError>> + Send + 'a>,
>;

/// Why a proposal was refused before it ran; the text is Fabric's. The gRPC service returns
/// it as an error status (code Unknown), as Fabric's endorser does.
#[derive(Debug, thiserror::Error)]
pub enum EndorserError {
    /// The signed proposal is malformed or its creator is not accepted.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// An auth filter refused it.
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    /// A system chaincode closed to proposals (vscc, escc...).
    #[error("chaincode {0} cannot be invoked through a proposal")]
    NotInvokable(String),
    /// The tx id is already in the channel's ledger.
    #[error("duplicate transaction found [{tx_id}]. Creator [{creator_hex}]")]
    DuplicateTxId { tx_id: String, creator_hex: String },
    /// The channel's `peer/Propose` policy refused the creator.
    #[error(transparent)]
    Acl(#[from] crate::aclmgmt::AclError),
}

/// Why a proposal that passed pre-processing was not simulated: answered with a status-500
/// response carrying this text, as Fabric's endorser does.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("error unmarshaling ChaincodeProposalPayload: {0}")]
    ProposalPayload(#[source] prost::DecodeError),
    #[error("error unmarshaling ChaincodeInvocationSpec: {0}")]
    InvocationSpec(#[source] prost::DecodeError),
    /// The channel's ledger could not give a simulator or the simulation's results.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("channel {0} not found")]
    ChannelNotFound(String),
    #[error("chaincode {name} can only be invoked on a channel this peer has joined (channel '{channel}')")]
    NotOnChannel { name: String, channel: String },
    #[error(
        "make sure the chaincode {name} has been successfully instantiated and try again: {source}"
    )]
    NotInstantiated {
        name: String,
        #[source]
        source: DefinitionError,
    },
    #[error("chaincode support is not configured on this endorser; user chaincodes cannot run")]
    NoChaincodeSupport,
    #[error("chaincode {name} cannot run: no async runtime to wait for it on (version {version})")]
    NoRuntime { name: String, version: String },
    /// The chaincode's execution failed.
    #[error(transparent)]
    Chaincode(#[from] ExecError),
    /// The Init of an instantiation or upgrade failed.
    #[error(transparent)]
    Init(#[from] InitError),
}

/// Why the Init that follows an lscc deploy or upgrade failed (Fabric's
/// `ExecuteLegacyInit`); [`InitError::Chaincode`] is what Fabric counts in
/// `endorser_chaincode_instantiation_failures`.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("error unmarshaling ChaincodeDeploymentSpec: {0}")]
    DeploymentSpec(#[source] prost::DecodeError),
    #[error("attempting to deploy a system chaincode {name}/{channel}")]
    SystemChaincode { name: String, channel: String },
    #[error("chaincode support is not configured on this endorser; user chaincodes cannot run")]
    NoChaincodeSupport,
    /// The chaincode (`name:version` of the deployment spec) failed its Init.
    #[error("{source}")]
    Chaincode {
        chaincode: String,
        #[source]
        source: ExecError,
    },
}

/// Why an endorsement could not be made of a successful simulation (status 500, and
/// `endorser_endorsement_failures{chaincodeerror="false"}`).
#[derive(Debug, thiserror::Error)]
enum EndorseError {
    #[error("error computing proposal hash: {0}")]
    ProposalHash(#[source] crate::protoutil::ProtoutilError),
    #[error("could not sign the proposal response payload: {0}")]
    Sign(#[source] crate::msp::MspError),
}

impl EndorserError {
    /// The status-500 response Fabric builds beside the error.
    pub fn response(&self) -> ProposalResponse {
        failure(self.to_string())
    }
}

/// A response carrying only status 500 and `message`.
pub fn failure(message: impl Into<String>) -> ProposalResponse {
    ProposalResponse {
        response: Some(scc::error(message)),
        ..Default::default()
    }
}

/// Anything that processes signed proposals: the endorser, or the endorser behind filters.
pub trait ProposalProcessor: Send + Sync {
    /// Processes a proposal on the calling thread (which may block on the ledger and, on a
    /// blocking thread of a runtime, on a chaincode).
    fn process_proposal(&self, signed: &SignedProposal) -> Result<ProposalResponse, EndorserError>;

    /// Processes a proposal from async code: blocking work runs as such, the wait for a
    /// chaincode's answer holds no thread. By default, [`Self::process_proposal`] as
    /// blocking work.
    fn process_proposal_async<'a>(&'a self, signed: &'a SignedProposal) -> EndorseFuture<'a> {
        Box::pin(async move { blocking(|| self.process_proposal(signed)) })
    }
}

/// Fabric's `Endorser`.
pub struct Endorser {
    peer: Arc<Peer>,
    local_msp: X509Msp,
    acl: Arc<dyn AclProvider>,
    sccs: Arc<Registry>,
    escc: DefaultEndorsement,
    chaincodes: Option<Arc<ChaincodeSupport>>,
    metrics: EndorserMetrics,
}

/// What simulation produced.
struct Simulation {
    response: Response,
    results: Vec<u8>,
    event: Vec<u8>,
    /// The instantiated version of a user chaincode (system chaincodes: none).
    version: Option<String>,
}

impl Endorser {
    /// An endorser over the peer's channels; `local_msp` validates channel-less proposals
    /// and its default signing identity endorses.
    pub fn new(
        peer: Arc<Peer>,
        local_msp: X509Msp,
        acl: Arc<dyn AclProvider>,
        sccs: Arc<Registry>,
    ) -> Result<Self, crate::msp::MspError> {
        let signer = local_msp.default_signing_identity()?;
        Ok(Endorser {
            peer,
            local_msp,
            acl,
            sccs,
            escc: DefaultEndorsement::new(signer),
            chaincodes: None,
            metrics: EndorserMetrics::default(),
        })
    }

    /// Counts into `metrics` (the peer's registry) instead of a private one.
    pub fn with_metrics(mut self, metrics: EndorserMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Notes what escc signs in `own`, so this peer's committer need not verify it again.
    pub fn remembering_endorsements(mut self, own: Arc<crate::scc::escc::OwnEndorsements>) -> Self {
        self.escc = self.escc.remembering(own);
        self
    }

    /// Runs user chaincodes through `support` (without it they fail as not running).
    pub fn with_chaincode_support(mut self, support: Arc<ChaincodeSupport>) -> Self {
        self.chaincodes = Some(support);
        self
    }

    /// Fabric's `preProcess`: validation, system chaincodes closed to proposals, duplicate
    /// tx ids, and `peer/Propose` for application chaincodes.
    fn pre_process(
        &self,
        signed: &SignedProposal,
    ) -> Result<(ValidatedProposal, Option<Arc<Channel>>), EndorserError> {
        let channel_id = peek_channel_id(signed);
        let channel = (!channel_id.is_empty())
            .then(|| self.peer.channel(&channel_id))
            .flatten();
        let bundle = channel.as_ref().map(|c| c.bundle());
        let deserializer: Option<&dyn IdentityDeserializer> = if channel_id.is_empty() {
            Some(&self.local_msp)
        } else {
            bundle
                .as_ref()
                .map(|b| b.msp_manager().as_ref() as &dyn IdentityDeserializer)
        };
        let vp = validate_proposal_message(signed, deserializer).inspect_err(|_| {
            self.metrics.validation_failed();
        })?;
        let name = vp.chaincode_name().to_string();
        if self.sccs.is_sys_cc_and_not_invokable_external(&name) {
            tracing::error!(target: "endorser", "an attempt was made to invoke system chaincode {name}");
            return Err(EndorserError::NotInvokable(name));
        }
        let tx_id = &vp.channel_header.tx_id;
        if let Some(channel) = &channel {
            if channel.ledger().get_transaction_by_id(tx_id).is_ok() {
                self.metrics.duplicate_tx(&labels(&vp));
                return Err(EndorserError::DuplicateTxId {
                    tx_id: tx_id.clone(),
                    creator_hex: hex::encode(&vp.signature_header.creator),
                });
            }
            if !self.sccs.is_sys_cc(&name) {
                self.acl
                    .check_acl(PEER_PROPOSE, &channel_id, AclSubject::Proposal(signed))
                    .inspect_err(|_| self.metrics.acl_failed(&labels(&vp)))?;
            }
        }
        Ok((vp, channel))
    }

    /// Runs the chaincode the proposal names; `Err` is answered with status 500.
    async fn simulate(
        &self,
        signed: &SignedProposal,
        vp: &ValidatedProposal,
        channel: Option<Arc<Channel>>,
    ) -> Result<Simulation, SimulateError> {
        let cis = invocation_spec(&vp.proposal.payload)?;
        match self.sccs.get(vp.chaincode_name()) {
            Some(scc) => blocking(|| self.simulate_system(signed, vp, channel, cis, scc)),
            None => self.simulate_user(signed, vp, channel, cis).await,
        }
    }

    /// Runs a system chaincode in-process (and, after an lscc deploy, the new chaincode's
    /// Init).
    fn simulate_system(
        &self,
        signed: &SignedProposal,
        vp: &ValidatedProposal,
        channel: Option<Arc<Channel>>,
        cis: ChaincodeInvocationSpec,
        scc: &Arc<dyn scc::SystemChaincode>,
    ) -> Result<Simulation, SimulateError> {
        let name = vp.chaincode_name();
        let channel_id = vp.channel_header.channel_id.as_str();
        let simulator = match &channel {
            Some(c) if name != "qscc" && name != "cscc" => {
                Some(c.ledger().new_tx_simulator(&vp.channel_header.tx_id)?)
            }
            _ => None,
        };
        let args = cis
            .chaincode_spec
            .and_then(|s| s.input)
            .map(|i| i.args)
            .unwrap_or_default();
        let mut ctx = InvocationContext {
            args: &args,
            signed_proposal: signed,
            proposal: &vp.proposal,
            channel_id,
            tx_id: &vp.channel_header.tx_id,
            channel,
            simulator: simulator.as_deref(),
            event: None,
        };
        tracing::info!(target: "endorser", "[{channel_id}][{}] Entry chaincode: {name}", short(ctx.tx_id));
        let response = scc.invoke(&mut ctx);
        let event = ctx
            .event
            .take()
            .map(|e| e.encode_to_vec())
            .unwrap_or_default();
        if response.status < scc::ERROR_THRESHOLD && name == "lscc" {
            let function = args.first().map(|f| f.as_slice());
            if args.len() >= 3 && matches!(function, Some(b"deploy") | Some(b"upgrade")) {
                let (Some(sim), Some(channel)) = (simulator.as_deref(), ctx.channel.clone()) else {
                    return Err(SimulateError::ChannelNotFound(channel_id.to_string()));
                };
                self.legacy_init(signed, vp, &channel, sim, &args[2])
                    .inspect_err(|e| {
                        if let InitError::Chaincode { chaincode, .. } = e {
                            self.metrics.init_failed(channel_id, chaincode);
                        }
                    })?;
            }
        }
        let results = match &simulator {
            Some(sim) if response.status < scc::ERROR => {
                sim.get_tx_simulation_results()?.encode_to_vec()
            }
            _ => Vec::new(),
        };
        Ok(Simulation {
            response,
            results,
            event,
            version: None,
        })
    }

    fn support(&self) -> Result<&Arc<ChaincodeSupport>, SimulateError> {
        self.chaincodes
            .as_ref()
            .ok_or(SimulateError::NoChaincodeSupport)
    }

    /// What a user chaincode runs with: a simulator, the history, its definition from lscc
    /// (read through the simulator), its input (Fabric's `callChaincode`, first half).
    fn prepare_user(
        &self,
        vp: &ValidatedProposal,
        channel: Option<Arc<Channel>>,
        cis: ChaincodeInvocationSpec,
    ) -> Result<UserRun, SimulateError> {
        let name = vp.chaincode_name();
        let channel_id = vp.channel_header.channel_id.as_str();
        let Some(channel) = channel else {
            return Err(SimulateError::NotOnChannel {
                name: name.to_string(),
                channel: channel_id.to_string(),
            });
        };
        let tx_id = vp.channel_header.tx_id.as_str();
        let sim = channel.ledger().new_tx_simulator(tx_id)?;
        let history = channel.ledger().new_history_query_executor().ok();
        let definition =
            crate::chaincode::chaincode_support::chaincode_definition(sim.as_ref(), name).map_err(
                |source| SimulateError::NotInstantiated {
                    name: name.to_string(),
                    source,
                },
            )?;
        Ok(UserRun {
            sim,
            history,
            version: definition.version,
            channel,
            input: cis.chaincode_spec.and_then(|s| s.input).unwrap_or_default(),
        })
    }

    /// Runs a user chaincode, awaiting its answer (no thread held meanwhile).
    async fn simulate_user(
        &self,
        signed: &SignedProposal,
        vp: &ValidatedProposal,
        channel: Option<Arc<Channel>>,
        cis: ChaincodeInvocationSpec,
    ) -> Result<Simulation, SimulateError> {
        let run = blocking(|| self.prepare_user(vp, channel, cis))?;
        let support = self.support()?;
        let params = tx_params(
            signed,
            vp,
            &run.channel,
            run.sim.as_ref(),
            run.history.as_deref(),
            self,
        );
        let name = vp.chaincode_name();
        let cid = format!("name:\"{name}\" version:\"{}\" ", run.version);
        let (channel_id, tx_id) = (params.channel_id, short(params.tx_id));
        tracing::info!(target: "endorser", "[{channel_id}][{tx_id}] Entry chaincode: {cid}");
        let started = std::time::Instant::now();
        let outcome = support
            .execute(&params, name, &run.version, run.input.clone(), false)
            .await;
        tracing::info!(target: "endorser", "[{channel_id}][{tx_id}] Exit chaincode: {cid} ({}ms)", started.elapsed().as_millis());
        let (response, event) = outcome?;
        let results = blocking(|| run.sim.get_tx_simulation_results())?.encode_to_vec();
        Ok(Simulation {
            response,
            results,
            event: event.map(|e| e.encode_to_vec()).unwrap_or_default(),
            version: Some(run.version),
        })
    }

    /// After lscc deploy/upgrade: the chaincode's Init in the same simulator (Fabric's
    /// `ExecuteLegacyInit`); its response is not looked at, only a failure is.
    fn legacy_init(
        &self,
        signed: &SignedProposal,
        vp: &ValidatedProposal,
        channel: &Arc<Channel>,
        sim: &dyn crate::ledger::TxSimulator,
        cds_bytes: &[u8],
    ) -> Result<(), InitError> {
        let cds = ChaincodeDeploymentSpec::decode(cds_bytes).map_err(InitError::DeploymentSpec)?;
        let spec = cds.chaincode_spec.unwrap_or_default();
        let id = spec.chaincode_id.unwrap_or_default();
        if self.sccs.is_sys_cc(&id.name) {
            return Err(InitError::SystemChaincode {
                name: id.name,
                channel: vp.channel_header.channel_id.clone(),
            });
        }
        let support = self
            .chaincodes
            .as_ref()
            .ok_or(InitError::NoChaincodeSupport)?;
        let history = channel.ledger().new_history_query_executor().ok();
        let params = tx_params(signed, vp, channel, sim, history.as_deref(), self);
        support
            .execute_blocking(
                &params,
                &id.name,
                &id.version,
                spec.input.unwrap_or_default(),
                true,
            )
            .map(|_| ())
            .map_err(|source| InitError::Chaincode {
                chaincode: crate::chaincode::canonical_name(&id.name, &id.version),
                source,
            })
    }

    /// The proposal response payload of a simulation, as Fabric's
    /// `GetBytesProposalResponsePayload`.
    fn response_payload(
        &self,
        vp: &ValidatedProposal,
        sim: &Simulation,
        chaincode_id: ChaincodeId,
    ) -> Result<Vec<u8>, EndorseError> {
        let action = ChaincodeAction {
            results: sim.results.clone(),
            events: sim.event.clone(),
            response: Some(sim.response.clone()),
            chaincode_id: Some(chaincode_id),
            ..Default::default()
        };
        crate::protoutil::proposal_response_payload(&vp.proposal, &action)
            .map_err(EndorseError::ProposalHash)
    }

    async fn process(&self, signed: &SignedProposal) -> Result<ProposalResponse, EndorserError> {
        let started = Instant::now();
        self.metrics.received();
        let (vp, channel) = blocking(|| self.pre_process(signed))?;
        let sim = self.simulate(signed, &vp, channel).await;
        Ok(blocking(|| self.answer(&vp, sim, started)))
    }

    /// [`Self::respond`], counted and timed as Fabric's `ProcessProposal` does.
    fn answer(
        &self,
        vp: &ValidatedProposal,
        sim: Result<Simulation, SimulateError>,
        started: Instant,
    ) -> ProposalResponse {
        let (response, success) = self.respond(vp, sim);
        if success {
            self.metrics.successful();
        }
        self.metrics
            .duration(&labels(vp), success, started.elapsed());
        response
    }

    /// The answer to a simulated proposal: endorsed, or the chaincode's error response, or
    /// a status-500 failure; and whether it counts as a successful proposal.
    fn respond(
        &self,
        vp: &ValidatedProposal,
        sim: Result<Simulation, SimulateError>,
    ) -> (ProposalResponse, bool) {
        let sim = match sim {
            Ok(sim) => sim,
            Err(e) => return (failure(e.to_string()), false),
        };
        let mut chaincode_id = vp.extension.chaincode_id.clone().unwrap_or_default();
        if sim.response.status >= scc::ERROR {
            tracing::error!(target: "endorser", "simulateProposal() resulted in chaincode {} response status {} for txid: {}", chaincode_id.name, sim.response.status, vp.channel_header.tx_id);
            let answer = match self.response_payload(vp, &sim, chaincode_id) {
                Ok(payload) => ProposalResponse {
                    payload,
                    response: Some(sim.response),
                    ..Default::default()
                },
                Err(e) => failure(e.to_string()),
            };
            return (answer, false);
        }
        let plain = ProposalResponse {
            response: Some(sim.response.clone()),
            ..Default::default()
        };
        if vp.channel_header.channel_id.is_empty() {
            return (plain, true);
        }
        if sim.response.status >= scc::ERROR_THRESHOLD {
            self.metrics.endorsement_failed(&labels(vp), true);
            return (plain, false);
        }
        chaincode_id.version = sim
            .version
            .clone()
            .unwrap_or_else(|| crate::metadata::FABRIC_VERSION.to_string());
        match self.endorse(vp, &sim, chaincode_id) {
            Ok(answer) => (answer, true),
            Err(e) => {
                self.metrics.endorsement_failed(&labels(vp), false);
                (failure(e.to_string()), false)
            }
        }
    }

    /// The endorsed response to a successful simulation (Fabric's `endorseProposal`).
    fn endorse(
        &self,
        vp: &ValidatedProposal,
        sim: &Simulation,
        chaincode_id: ChaincodeId,
    ) -> Result<ProposalResponse, EndorseError> {
        let payload = self.response_payload(vp, sim, chaincode_id)?;
        let endorsement = self.escc.endorse(&payload).map_err(EndorseError::Sign)?;
        Ok(ProposalResponse {
            version: 1,
            timestamp: None,
            response: Some(sim.response.clone()),
            payload,
            endorsement: Some(endorsement),
        })
    }
}

impl ProposalProcessor for Endorser {
    /// On a thread of its own: blocks on the ledger, and for a user chaincode on the
    /// runtime it is a blocking thread of (there is none outside a runtime, and the
    /// chaincode is then reported as failing).
    fn process_proposal(&self, signed: &SignedProposal) -> Result<ProposalResponse, EndorserError> {
        let started = Instant::now();
        self.metrics.received();
        let (vp, channel) = self.pre_process(signed)?;
        let sim = invocation_spec(&vp.proposal.payload).and_then(|cis| {
            match self.sccs.get(vp.chaincode_name()) {
                Some(scc) => self.simulate_system(signed, &vp, channel, cis, scc),
                None => self.simulate_user_blocking(signed, &vp, channel, cis),
            }
        });
        Ok(self.answer(&vp, sim, started))
    }

    fn process_proposal_async<'a>(&'a self, signed: &'a SignedProposal) -> EndorseFuture<'a> {
        Box::pin(self.process(signed))
    }
}

impl Endorser {
    /// [`Endorser::simulate_user`] on a blocking thread of a runtime.
    fn simulate_user_blocking(
        &self,
        signed: &SignedProposal,
        vp: &ValidatedProposal,
        channel: Option<Arc<Channel>>,
        cis: ChaincodeInvocationSpec,
    ) -> Result<Simulation, SimulateError> {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => runtime.block_on(self.simulate_user(signed, vp, channel, cis)),
            Err(_) => {
                let run = self.prepare_user(vp, channel, cis)?;
                self.support()?;
                Err(SimulateError::NoRuntime {
                    name: vp.chaincode_name().to_string(),
                    version: run.version,
                })
            }
        }
    }
}

/// What a user chaincode runs with (see [`Endorser::prepare_user`]).
struct UserRun {
    sim: Box<dyn TxSimulator>,
    history: Option<Box<dyn HistoryQueryExecutor>>,
    version: String,
    channel: Arc<Channel>,
    input: ChaincodeInput,
}

/// The endorser behind its auth filters (Fabric's `auth.ChainFilters`).
pub struct FilteredEndorser {
    filters: Vec<Box<dyn auth::Filter>>,
    inner: Arc<dyn ProposalProcessor>,
}

impl FilteredEndorser {
    pub fn new(inner: Arc<dyn ProposalProcessor>, filters: Vec<Box<dyn auth::Filter>>) -> Self {
        FilteredEndorser { filters, inner }
    }
}

impl ProposalProcessor for FilteredEndorser {
    fn process_proposal(&self, signed: &SignedProposal) -> Result<ProposalResponse, EndorserError> {
        for filter in &self.filters {
            filter.check(signed)?;
        }
        self.inner.process_proposal(signed)
    }

    fn process_proposal_async<'a>(&'a self, signed: &'a SignedProposal) -> EndorseFuture<'a> {
        Box::pin(async move {
            for filter in &self.filters {
                filter.check(signed)?;
            }
            self.inner.process_proposal_async(signed).await
        })
    }
}

/// The channel id a proposal names, if its headers decode (validation reports otherwise).
fn peek_channel_id(signed: &SignedProposal) -> String {
    use crate::protos::common::{ChannelHeader, Header};
    use crate::protos::peer::Proposal;
    Proposal::decode(signed.proposal_bytes.as_slice())
        .ok()
        .and_then(|p| Header::decode(p.header.as_slice()).ok())
        .and_then(|h| ChannelHeader::decode(h.channel_header.as_slice()).ok())
        .map(|c| c.channel_id)
        .unwrap_or_default()
}

/// The ChaincodeInvocationSpec inside a proposal payload (Fabric's
/// `GetChaincodeInvocationSpec`).
fn invocation_spec(payload: &[u8]) -> Result<ChaincodeInvocationSpec, SimulateError> {
    let cpp = ChaincodeProposalPayload::decode(payload).map_err(SimulateError::ProposalPayload)?;
    ChaincodeInvocationSpec::decode(cpp.input.as_slice()).map_err(SimulateError::InvocationSpec)
}

/// The labels of the endorser's metrics for a validated proposal: its channel and the
/// chaincode as its header extension names it (`name:version`, the version usually empty).
fn labels(vp: &ValidatedProposal) -> Labels<'_> {
    let id = vp.extension.chaincode_id.as_ref();
    Labels {
        channel: &vp.channel_header.channel_id,
        chaincode: format!(
            "{}:{}",
            id.map_or("", |c| c.name.as_str()),
            id.map_or("", |c| c.version.as_str())
        ),
    }
}

/// The transaction parameters of a proposal on `channel`; `channels` reach the peer's other
/// channels for chaincode-to-chaincode calls.
fn tx_params<'a>(
    signed: &'a SignedProposal,
    vp: &'a ValidatedProposal,
    channel: &Arc<Channel>,
    simulator: &'a dyn crate::ledger::TxSimulator,
    history: Option<&'a dyn crate::ledger::HistoryQueryExecutor>,
    channels: &'a dyn ChannelAccess,
) -> TxParams<'a> {
    TxParams {
        channel_id: &vp.channel_header.channel_id,
        tx_id: &vp.channel_header.tx_id,
        signed_proposal: Some(signed),
        proposal: Some(&vp.proposal),
        simulator,
        history,
        key_level_endorsement: key_level_endorsement(channel),
        channels: Some(channels),
    }
}

/// Whether `channel` has the V1_3 application capability (state metadata APIs).
fn key_level_endorsement(channel: &Channel) -> bool {
    channel
        .bundle()
        .application_config()
        .is_some_and(|a| a.capabilities().key_level_endorsement())
}

/// The peer's channels as chaincode-to-chaincode calls reach them: the
/// `peer/ChaincodeToChaincode` ACL and a simulator on the target channel.
impl ChannelAccess for Endorser {
    fn check_cc2cc(&self, channel: &str, signed: &SignedProposal) -> Result<(), AclError> {
        self.acl.check_acl(
            PEER_CHAINCODE_TO_CHAINCODE,
            channel,
            AclSubject::Proposal(signed),
        )
    }

    fn open(&self, channel: &str, tx_id: &str) -> Option<LedgerResult<OtherChannel>> {
        let channel = self.peer.channel(channel)?;
        let open = || {
            Ok(OtherChannel {
                simulator: channel.ledger().new_tx_simulator(tx_id)?,
                history: channel.ledger().new_history_query_executor().ok(),
                key_level_endorsement: key_level_endorsement(&channel),
            })
        };
        Some(open())
    }
}

fn short(tx_id: &str) -> &str {
    tx_id.get(..8).unwrap_or(tx_id)
}
