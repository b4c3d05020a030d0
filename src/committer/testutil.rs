//! Test doubles for the committer's unit tests: a small network (cryptogen material for
//! Org1, Org2 and Org3 with NodeOUs, a channel config with Org1 and Org2 built by the
//! configtxgen encoder), endorsed transactions built as a client would, and an in-memory
//! [`PeerLedger`].

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use prost::Message;

use crate::channelconfig::Bundle;
use crate::config::Environment;
use crate::crypto::SwOpts;
use crate::ledger::{
    CommitResult, HistoryQueryExecutor, LedgerError, LedgerResult, PeerLedger, QueryExecutor,
    ResultsIterator, TxSimulator,
};
use crate::msp::{load_local_msp, SigningIdentity};
use crate::protos::common::{Block, BlockchainInfo, Envelope, HeaderType};
use crate::protos::kvrwset::{KvWrite, KvrwSet};
use crate::protos::peer::{
    chaincode_spec, ChaincodeAction, ChaincodeId, ChaincodeInput, ChaincodeInvocationSpec,
    ChaincodeSpec, ProcessedTransaction, ProposalResponse, Response, TxValidationCode,
};
use crate::protos::rwset::{NsReadWriteSet, TxReadWriteSet};
use crate::protoutil::{
    create_chaincode_proposal, create_proposal_response, create_signed_tx, decode, new_block,
};
use crate::tools::configtxgen::encoder::{genesis_block, new_channel_group};
use crate::tools::configtxgen::localconfig::load_profile;

const CRYPTO_CONFIG: &str = "
OrdererOrgs:
  - Name: Orderer
    Domain: example.com
    Specs:
      - Hostname: orderer
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: true
    Template: {Count: 1}
    Users: {Count: 1}
  - Name: Org2
    Domain: org2.example.com
    EnableNodeOUs: true
    Template: {Count: 1}
    Users: {Count: 1}
  - Name: Org3
    Domain: org3.example.com
    EnableNodeOUs: true
    Template: {Count: 1}
    Users: {Count: 1}
";

fn configtx(app_capability: &str) -> String {
    format!(
        r#"
Organizations:
  - &OrdererOrg
    Name: OrdererOrg
    ID: OrdererMSP
    MSPDir: crypto/ordererOrganizations/example.com/msp
    Policies:
      Readers: {{Type: Signature, Rule: "OR('OrdererMSP.member')"}}
      Writers: {{Type: Signature, Rule: "OR('OrdererMSP.member')"}}
      Admins:  {{Type: Signature, Rule: "OR('OrdererMSP.admin')"}}
  - &Org1
    Name: Org1MSP
    ID: Org1MSP
    MSPDir: crypto/peerOrganizations/org1.example.com/msp
    Policies:
      Readers: {{Type: Signature, Rule: "OR('Org1MSP.member')"}}
      Writers: {{Type: Signature, Rule: "OR('Org1MSP.member')"}}
      Admins:  {{Type: Signature, Rule: "OR('Org1MSP.admin')"}}
    AnchorPeers:
      - {{Host: 127.0.0.1, Port: 7051}}
  - &Org2
    Name: Org2MSP
    ID: Org2MSP
    MSPDir: crypto/peerOrganizations/org2.example.com/msp
    Policies:
      Readers: {{Type: Signature, Rule: "OR('Org2MSP.member')"}}
      Writers: {{Type: Signature, Rule: "OR('Org2MSP.member')"}}
      Admins:  {{Type: Signature, Rule: "OR('Org2MSP.admin')"}}
Profiles:
  Committer:
    Policies:
      Readers: {{Type: ImplicitMeta, Rule: "ANY Readers"}}
      Writers: {{Type: ImplicitMeta, Rule: "ANY Writers"}}
      Admins:  {{Type: ImplicitMeta, Rule: "MAJORITY Admins"}}
    Capabilities: {{V1_4_3: true}}
    Orderer:
      OrdererType: solo
      Addresses: [127.0.0.1:7050]
      BatchTimeout: 2s
      BatchSize: {{MaxMessageCount: 10, AbsoluteMaxBytes: 99 MB, PreferredMaxBytes: 512 KB}}
      Organizations: [*OrdererOrg]
      Policies:
        Readers: {{Type: ImplicitMeta, Rule: "ANY Readers"}}
        Writers: {{Type: ImplicitMeta, Rule: "ANY Writers"}}
        Admins:  {{Type: ImplicitMeta, Rule: "MAJORITY Admins"}}
        BlockValidation: {{Type: ImplicitMeta, Rule: "ANY Writers"}}
      Capabilities: {{V1_4_2: true}}
    Application:
      Organizations: [*Org1, *Org2]
      Policies:
        Readers: {{Type: ImplicitMeta, Rule: "ANY Readers"}}
        Writers: {{Type: ImplicitMeta, Rule: "ANY Writers"}}
        Admins:  {{Type: ImplicitMeta, Rule: "MAJORITY Admins"}}
      Capabilities: {{{app_capability}: true}}
"#
    )
}

/// The channel `mychannel` with Org1 and Org2, and Org3 outside it.
pub(crate) struct Network {
    dir: tempfile::TempDir,
    pub genesis: Block,
    pub profile: crate::tools::configtxgen::localconfig::Profile,
}

impl Network {
    /// A network whose application capability is `app_capability` (`V1_4_2`, `V1_2`, ...).
    pub(crate) fn new(app_capability: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let crypto = crate::tools::cryptogen::config::Config::from_yaml(CRYPTO_CONFIG).unwrap();
        crate::tools::cryptogen::generate::generate(
            &crypto,
            &dir.path().join("crypto"),
            &mut |_| {},
        )
        .unwrap();
        std::fs::write(dir.path().join("configtx.yaml"), configtx(app_capability)).unwrap();
        let env = Environment::new(Vec::<(String, String)>::new(), dir.path());
        let profile = load_profile("Committer", Some(dir.path()), &env).unwrap();
        let mut group = new_channel_group(&profile).unwrap();
        // as after channel creation, where the creation update bumped the application group
        // and that carries no anchor peers yet
        let application = group.groups.get_mut("Application").unwrap();
        application.version = 1;
        for org in application.groups.values_mut() {
            org.values.remove("AnchorPeers");
        }
        let genesis = genesis_block("mychannel", group);
        Network {
            dir,
            genesis,
            profile,
        }
    }

    pub(crate) fn bundle(&self) -> Bundle {
        crate::peer::config_bundle_of(&self.genesis).unwrap()
    }

    fn signer(&self, org: u8, who: &str) -> Arc<dyn SigningIdentity> {
        let domain = format!("org{org}.example.com");
        let base = self
            .dir
            .path()
            .join("crypto/peerOrganizations")
            .join(&domain);
        let msp_dir = match who {
            "peer" => base.join(format!("peers/peer0.{domain}/msp")),
            _ => base.join(format!("users/{who}@{domain}/msp")),
        };
        load_local_msp(&msp_dir, &format!("Org{org}MSP"), &SwOpts::default())
            .unwrap()
            .default_signing_identity()
            .unwrap()
    }

    pub(crate) fn peer(&self, org: u8) -> Arc<dyn SigningIdentity> {
        self.signer(org, "peer")
    }

    pub(crate) fn user(&self, org: u8) -> Arc<dyn SigningIdentity> {
        self.signer(org, "User1")
    }

    pub(crate) fn admin(&self, org: u8) -> Arc<dyn SigningIdentity> {
        self.signer(org, "Admin")
    }

    pub(crate) fn orderer(&self) -> Arc<dyn SigningIdentity> {
        let dir = self
            .dir
            .path()
            .join("crypto/ordererOrganizations/example.com/orderers/orderer.example.com/msp");
        load_local_msp(&dir, "OrdererMSP", &SwOpts::default())
            .unwrap()
            .default_signing_identity()
            .unwrap()
    }

    /// The CONFIG envelope of Org1's anchor peer update (the channel's next config), as the
    /// orderer would put it in a block.
    pub(crate) fn anchor_peer_config_tx(&self, bundle: &Bundle) -> Envelope {
        use crate::protos::common::ConfigUpdateEnvelope;
        let org1 = &self
            .profile
            .application
            .as_ref()
            .unwrap()
            .organizations
            .as_ref()
            .unwrap()[0];
        let unsigned =
            crate::tools::configtxgen::encoder::make_anchor_peers_update("mychannel", org1);
        let payload = crate::protoutil::payload(&unsigned).unwrap();
        let mut update: ConfigUpdateEnvelope =
            decode("ConfigUpdateEnvelope", &payload.data).unwrap();
        let admin = self.admin(1);
        crate::protoutil::sign_config_update(&mut update, admin.as_ref()).unwrap();
        let update_env = crate::protoutil::create_signed_envelope(
            HeaderType::ConfigUpdate,
            "mychannel",
            Some(admin.as_ref()),
            &update,
            0,
            0,
            vec![],
        )
        .unwrap();
        let config = bundle
            .validator()
            .propose_config_update(&update_env)
            .unwrap();
        let orderer = self.orderer();
        crate::protoutil::create_signed_envelope(
            HeaderType::Config,
            "mychannel",
            Some(orderer.as_ref()),
            &config,
            0,
            0,
            vec![],
        )
        .unwrap()
    }
}

/// A read-write set writing `writes` (key, value) in one namespace.
pub(crate) fn rwset(namespace: &str, writes: &[(&str, &[u8])]) -> Vec<u8> {
    let kv = KvrwSet {
        writes: writes
            .iter()
            .map(|(k, v)| KvWrite {
                key: k.to_string(),
                is_delete: false,
                value: v.to_vec(),
            })
            .collect(),
        ..Default::default()
    };
    TxReadWriteSet {
        data_model: 0,
        ns_rwset: vec![NsReadWriteSet {
            namespace: namespace.to_string(),
            rwset: kv.encode_to_vec(),
            collection_hashed_rwset: vec![],
        }],
    }
    .encode_to_vec()
}

/// An endorser transaction invoking `cc` (version `version`) with `args`, created by
/// `creator`, whose proposal response carries `results` and is endorsed by `endorsers`.
pub(crate) fn endorser_tx(
    creator: &dyn SigningIdentity,
    endorsers: &[&dyn SigningIdentity],
    cc: &str,
    version: &str,
    args: &[&[u8]],
    results: Vec<u8>,
) -> Envelope {
    let cis = ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: chaincode_spec::Type::Golang as i32,
            chaincode_id: Some(ChaincodeId {
                name: cc.to_string(),
                ..Default::default()
            }),
            input: Some(ChaincodeInput {
                args: args.iter().map(|a| a.to_vec()).collect(),
                ..Default::default()
            }),
            timeout: 0,
        }),
    };
    let prop = create_chaincode_proposal(
        HeaderType::EndorserTransaction,
        "mychannel",
        &cis,
        creator.serialize(),
        BTreeMap::new(),
    )
    .proposal;
    let action = ChaincodeAction {
        results,
        events: vec![],
        response: Some(Response {
            status: 200,
            ..Default::default()
        }),
        chaincode_id: Some(ChaincodeId {
            name: cc.to_string(),
            version: version.to_string(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let responses: Vec<ProposalResponse> = endorsers
        .iter()
        .map(|e| create_proposal_response(&prop, &action, *e).unwrap())
        .collect();
    create_signed_tx(&prop, creator, &responses).unwrap()
}

/// A block `number` holding `envelopes`.
pub(crate) fn block_of(number: u64, envelopes: &[Envelope]) -> Block {
    let mut block = new_block(number, vec![]);
    block.data.as_mut().unwrap().data = envelopes.iter().map(|e| e.encode_to_vec()).collect();
    block
}

type State = BTreeMap<(String, String), Vec<u8>>;
type Metadata = BTreeMap<(String, String), BTreeMap<String, Vec<u8>>>;

/// An in-memory ledger: state, known tx ids, committed blocks.
#[derive(Default)]
pub(crate) struct FakeLedger {
    pub state: Mutex<State>,
    pub metadata: Mutex<Metadata>,
    pub tx_ids: Mutex<HashSet<String>>,
    pub committed: Mutex<Vec<Block>>,
}

impl FakeLedger {
    pub(crate) fn put(&self, ns: &str, key: &str, value: Vec<u8>) {
        self.state
            .lock()
            .unwrap()
            .insert((ns.to_string(), key.to_string()), value);
    }
}

struct Snapshot {
    state: State,
    metadata: Metadata,
}

fn unsupported<T>() -> LedgerResult<T> {
    Err(LedgerError::InvalidRequest(
        "not supported by the fake ledger".into(),
    ))
}

impl QueryExecutor for Snapshot {
    fn get_state(&self, namespace: &str, key: &str) -> LedgerResult<Option<Vec<u8>>> {
        Ok(self
            .state
            .get(&(namespace.to_string(), key.to_string()))
            .cloned())
    }
    fn get_state_multiple_keys(
        &self,
        namespace: &str,
        keys: &[String],
    ) -> LedgerResult<Vec<Option<Vec<u8>>>> {
        keys.iter().map(|k| self.get_state(namespace, k)).collect()
    }
    fn get_state_range_scan_iterator(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> LedgerResult<Box<dyn ResultsIterator>> {
        unsupported()
    }
    fn get_state_metadata(
        &self,
        namespace: &str,
        key: &str,
    ) -> LedgerResult<BTreeMap<String, Vec<u8>>> {
        Ok(self
            .metadata
            .get(&(namespace.to_string(), key.to_string()))
            .cloned()
            .unwrap_or_default())
    }
}

impl PeerLedger for FakeLedger {
    fn ledger_id(&self) -> &str {
        "mychannel"
    }
    fn get_blockchain_info(&self) -> LedgerResult<BlockchainInfo> {
        unsupported()
    }
    fn get_block_by_number(&self, _: u64) -> LedgerResult<Block> {
        unsupported()
    }
    fn get_block_by_hash(&self, _: &[u8]) -> LedgerResult<Block> {
        unsupported()
    }
    fn get_transaction_by_id(&self, _: &str) -> LedgerResult<ProcessedTransaction> {
        unsupported()
    }
    fn get_block_by_tx_id(&self, _: &str) -> LedgerResult<Block> {
        unsupported()
    }
    fn get_tx_validation_code_by_tx_id(&self, _: &str) -> LedgerResult<TxValidationCode> {
        unsupported()
    }
    fn tx_id_exists(&self, tx_id: &str) -> LedgerResult<bool> {
        Ok(self.tx_ids.lock().unwrap().contains(tx_id))
    }
    fn new_tx_simulator(&self, _: &str) -> LedgerResult<Box<dyn TxSimulator>> {
        unsupported()
    }
    fn new_query_executor(&self) -> LedgerResult<Box<dyn QueryExecutor>> {
        Ok(Box::new(Snapshot {
            state: self.state.lock().unwrap().clone(),
            metadata: self.metadata.lock().unwrap().clone(),
        }))
    }
    fn new_history_query_executor(&self) -> LedgerResult<Box<dyn HistoryQueryExecutor>> {
        unsupported()
    }
    fn commit(&self, block: Block) -> LedgerResult<CommitResult> {
        let filter = block.metadata.as_ref().unwrap().metadata[2].clone();
        let result = CommitResult {
            block_number: block.header.as_ref().unwrap().number,
            tx_validation_codes: filter
                .iter()
                .map(|c| TxValidationCode::try_from(i32::from(*c)).unwrap())
                .collect(),
            timings: Default::default(),
        };
        self.committed.lock().unwrap().push(block);
        Ok(result)
    }
    fn height_watch(&self) -> tokio::sync::watch::Receiver<u64> {
        tokio::sync::watch::channel(0).1
    }
}
