//! One transaction executing in a chaincode (Fabric's `TransactionContext` and the request
//! handlers of its `Handler`): answers the shim's state requests against the proposal's
//! simulator, keeping the open query iterators by id. Answers are RESPONSE (with the
//! payload Fabric puts there) or ERROR with `"<TYPE> failed: transaction ID: <txid>: <why>"`.

use std::collections::{BTreeMap, HashMap};

use prost::Message;

use super::chaincode_support::{ChaincodeSupport, TxParams};
use super::handler::type_name;
use super::{DefinitionError, ExecError};
use crate::aclmgmt::AclError;
use crate::ledger::{
    HistoryQueryExecutor, LedgerError, LedgerResult, ResultsIterator, TxSimulator,
};
use crate::protos::peer::chaincode_message::Type;
use crate::protos::peer::{
    ChaincodeMessage, ChaincodeSpec, DelState, GetHistoryForKey, GetQueryResult, GetState,
    GetStateByRange, GetStateMetadata, PutState, PutStateMetadata, QueryMetadata, QueryResponse,
    QueryResponseMetadata, QueryResultBytes, QueryStateClose, QueryStateNext, SignedProposal,
    StateMetadata, StateMetadataResult,
};
use crate::protos::queryresult::{KeyModification, Kv};

/// Results per QueryResponse batch (Fabric's `MaxResultLimit`).
pub const MAX_RESULT_LIMIT: usize = 100;

/// Why a request of the shim was refused; the text follows Fabric's and ends the ERROR
/// answer `"<TYPE> failed: transaction ID: <txid>: <text>"`.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("unmarshal failed: {0}")]
    Unmarshal(#[source] prost::DecodeError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("query iterator not found")]
    QueryNotFound,
    #[error("ExecuteQuery not supported for leveldb")]
    RichQueryNotSupported,
    #[error("private data APIs are not allowed in chaincode Init()")]
    PrivateDataInInit,
    #[error("private data (collection {0}) is not supported by this peer build; use public state")]
    PrivateData(String),
    #[error("key level endorsement is not enabled, channel application capability of V1_3 or later is required")]
    NoKeyLevelEndorsement,
    #[error("history database is not available on this channel")]
    NoHistory,
    #[error("message type {0} is not a chaincode request")]
    NotARequest(String),
    #[error("txid [{0}]: Paginated queries are supported only in a read-only transaction")]
    PaginatedAfterWrite(String),
    #[error(
        "txid [{0}]: Transaction has already performed a paginated query. Writes are not allowed"
    )]
    WriteAfterPaginated(String),
    #[error("invoking chaincode {name} on channel {target} from channel {channel} is not possible here: this peer gives chaincode-to-chaincode calls no access to other channels")]
    CrossChannel {
        name: String,
        target: String,
        channel: String,
    },
    #[error("failed to find ledger for channel: {0}")]
    NoLedger(String),
    #[error("signed proposal must not be nil from caller [{0}]")]
    NoSignedProposal(String),
    #[error(transparent)]
    Acl(AclError),
    #[error("system chaincode {0} cannot be invoked with a cc2cc invocation")]
    SysCcNotInvokable(String),
    #[error("invoking system chaincode {0} from a chaincode is not supported by this peer build")]
    SysCcUnsupported(String),
    #[error("execute failed: {0}")]
    Definition(#[source] DefinitionError),
    #[error("execute failed: {0}")]
    Execute(#[source] ExecError),
}

/// What a chaincode-to-chaincode call needs of the peer beyond its own transaction (Fabric's
/// ACL provider and ledger getter in `HandleInvokeChaincode`).
pub trait ChannelAccess: Send + Sync {
    /// The `peer/ChaincodeToChaincode` ACL of `channel` for the caller's proposal.
    fn check_cc2cc(&self, channel: &str, signed: &SignedProposal) -> Result<(), AclError>;
    /// A fresh simulator (and history) on another channel for a read-only call; `None`
    /// when the peer has no ledger for it.
    fn open(&self, channel: &str, tx_id: &str) -> Option<LedgerResult<OtherChannel>>;
}

/// A simulation on another channel: the callee reads there, its writes are dropped.
pub struct OtherChannel {
    pub simulator: Box<dyn TxSimulator>,
    pub history: Option<Box<dyn HistoryQueryExecutor>>,
    /// Whether that channel has the V1_3 application capability.
    pub key_level_endorsement: bool,
}

type HistoryIter = Box<dyn Iterator<Item = LedgerResult<KeyModification>> + Send>;

/// An open query: its iterator, a result read ahead, and how many it returned.
struct OpenQuery {
    source: QuerySource,
    pending: Option<Vec<u8>>,
    returned: usize,
}

enum QuerySource {
    State(Box<dyn ResultsIterator>),
    History(HistoryIter),
}

impl QuerySource {
    /// The next result, marshalled as the shim expects (a `KV` or a `KeyModification`).
    fn next_bytes(&mut self) -> Result<Option<Vec<u8>>, LedgerError> {
        match self {
            QuerySource::State(it) => Ok(it.next()?.map(|r| {
                Kv {
                    namespace: r.namespace,
                    key: r.key,
                    value: r.value,
                }
                .encode_to_vec()
            })),
            QuerySource::History(it) => it.next().transpose().map(|m| m.map(|m| m.encode_to_vec())),
        }
    }
}

/// The state of one executing transaction.
pub struct TransactionContext<'a> {
    support: &'a ChaincodeSupport,
    params: &'a TxParams<'a>,
    /// The namespace of the chaincode running this transaction.
    chaincode: String,
    is_init: bool,
    queries: HashMap<String, OpenQuery>,
    /// A write was made (paginated queries are then refused, as Fabric's simulator does).
    wrote: bool,
    /// A paginated query was made (writes are then refused).
    paginated: bool,
}

type Answer = Result<Vec<u8>, RequestError>;

impl<'a> TransactionContext<'a> {
    pub fn new(
        support: &'a ChaincodeSupport,
        params: &'a TxParams<'a>,
        chaincode: &str,
        is_init: bool,
    ) -> Self {
        TransactionContext {
            support,
            params,
            chaincode: chaincode.to_string(),
            is_init,
            queries: HashMap::new(),
            wrote: false,
            paginated: false,
        }
    }

    /// The answer to one request of the shim; ledger reads and writes run as blocking
    /// work, a chaincode-to-chaincode call is awaited.
    pub async fn handle(&mut self, msg: &ChaincodeMessage) -> ChaincodeMessage {
        let kind = Type::try_from(msg.r#type).unwrap_or(Type::Undefined);
        let answer = match kind {
            Type::InvokeChaincode => match decode::<ChaincodeSpec>(&msg.payload) {
                Ok(spec) => self.invoke_chaincode(spec).await,
                Err(e) => Err(e),
            },
            _ => super::blocking(|| self.dispatch(kind, msg)),
        };
        let (r#type, payload) = match answer {
            Ok(payload) => (Type::Response, payload),
            Err(why) => {
                let text = format!(
                    "{} failed: transaction ID: {}: {why}",
                    type_name(msg.r#type),
                    msg.txid
                );
                tracing::error!(target: "chaincode", "[{}] Failed to handle {}. error: {text}", super::short_txid(&msg.txid), type_name(msg.r#type));
                (Type::Error, text.into_bytes())
            }
        };
        ChaincodeMessage {
            r#type: r#type as i32,
            payload,
            txid: msg.txid.clone(),
            channel_id: msg.channel_id.clone(),
            ..Default::default()
        }
    }

    fn dispatch(&mut self, kind: Type, msg: &ChaincodeMessage) -> Answer {
        let p = msg.payload.as_slice();
        match kind {
            Type::GetState => self.get_state(decode::<GetState>(p)?),
            Type::PutState => self.put_state(decode::<PutState>(p)?),
            Type::DelState => self.del_state(decode::<DelState>(p)?),
            Type::GetStateByRange => self.get_state_by_range(decode::<GetStateByRange>(p)?),
            Type::QueryStateNext => {
                let id = decode::<QueryStateNext>(p)?.id;
                if !self.queries.contains_key(&id) {
                    return Err(RequestError::QueryNotFound);
                }
                self.batch(&id)
            }
            Type::QueryStateClose => {
                let id = decode::<QueryStateClose>(p)?.id;
                self.queries.remove(&id);
                Ok(QueryResponse {
                    has_more: false,
                    id,
                    ..Default::default()
                }
                .encode_to_vec())
            }
            Type::GetQueryResult => {
                let q = decode::<GetQueryResult>(p)?;
                self.no_private_data(&q.collection)?;
                Err(RequestError::RichQueryNotSupported)
            }
            Type::GetHistoryForKey => self.get_history(decode::<GetHistoryForKey>(p)?),
            Type::GetStateMetadata => self.get_state_metadata(decode::<GetStateMetadata>(p)?),
            Type::PutStateMetadata => self.put_state_metadata(decode::<PutStateMetadata>(p)?),
            Type::GetPrivateDataHash => {
                // Always refused: the hash is of private data, which this build has none of.
                let q = decode::<GetState>(p)?;
                Err(self.private_data_refusal(if q.collection.is_empty() {
                    "?"
                } else {
                    &q.collection
                }))
            }
            _ => Err(RequestError::NotARequest(type_name(msg.r#type))),
        }
    }

    /// Private data (collections) is refused: this build has no private data store.
    fn no_private_data(&self, collection: &str) -> Result<(), RequestError> {
        if collection.is_empty() {
            return Ok(());
        }
        Err(self.private_data_refusal(collection))
    }

    fn private_data_refusal(&self, collection: &str) -> RequestError {
        if self.is_init {
            RequestError::PrivateDataInInit
        } else {
            RequestError::PrivateData(collection.to_string())
        }
    }

    /// Records a write, refused after a paginated query (Fabric's simulator rule).
    fn before_write(&mut self) -> Result<(), RequestError> {
        if self.paginated {
            return Err(RequestError::WriteAfterPaginated(
                self.params.tx_id.to_string(),
            ));
        }
        self.wrote = true;
        Ok(())
    }

    fn get_state(&mut self, q: GetState) -> Answer {
        self.no_private_data(&q.collection)?;
        let value = self.params.simulator.get_state(&self.chaincode, &q.key)?;
        Ok(value.unwrap_or_default())
    }

    fn put_state(&mut self, q: PutState) -> Answer {
        self.no_private_data(&q.collection)?;
        self.before_write()?;
        self.params
            .simulator
            .set_state(&self.chaincode, &q.key, q.value)?;
        Ok(Vec::new())
    }

    fn del_state(&mut self, q: DelState) -> Answer {
        self.no_private_data(&q.collection)?;
        self.before_write()?;
        self.params
            .simulator
            .delete_state(&self.chaincode, &q.key)?;
        Ok(Vec::new())
    }

    fn check_metadata_capability(&self) -> Result<(), RequestError> {
        if self.params.key_level_endorsement {
            Ok(())
        } else {
            Err(RequestError::NoKeyLevelEndorsement)
        }
    }

    fn get_state_metadata(&mut self, q: GetStateMetadata) -> Answer {
        self.check_metadata_capability()?;
        self.no_private_data(&q.collection)?;
        let metadata = self
            .params
            .simulator
            .get_state_metadata(&self.chaincode, &q.key)?;
        Ok(StateMetadataResult {
            entries: metadata
                .into_iter()
                .map(|(metakey, value)| StateMetadata { metakey, value })
                .collect(),
        }
        .encode_to_vec())
    }

    fn put_state_metadata(&mut self, q: PutStateMetadata) -> Answer {
        self.check_metadata_capability()?;
        self.no_private_data(&q.collection)?;
        self.before_write()?;
        let entry = q.metadata.unwrap_or_default();
        let metadata = BTreeMap::from([(entry.metakey, entry.value)]);
        self.params
            .simulator
            .set_state_metadata(&self.chaincode, &q.key, metadata)?;
        Ok(Vec::new())
    }

    fn get_state_by_range(&mut self, q: GetStateByRange) -> Answer {
        self.no_private_data(&q.collection)?;
        let metadata = if q.metadata.is_empty() {
            QueryMetadata::default()
        } else {
            decode::<QueryMetadata>(&q.metadata)?
        };
        if metadata.page_size != 0 || !metadata.bookmark.is_empty() {
            return self.paginated_range(&q, &metadata);
        }
        let iter = self.params.simulator.get_state_range_scan_iterator(
            &self.chaincode,
            &q.start_key,
            &q.end_key,
        )?;
        self.open_query(QuerySource::State(iter))
    }

    /// One page of a range (Fabric's paginated GET_STATE_BY_RANGE on LevelDB): at most the
    /// page size (or `totalQueryLimit`) results from the bookmark on, in one answer with
    /// `QueryResponseMetadata` (records fetched, and the key the next page starts at).
    fn paginated_range(&mut self, q: &GetStateByRange, metadata: &QueryMetadata) -> Answer {
        if self.wrote {
            return Err(RequestError::PaginatedAfterWrite(
                self.params.tx_id.to_string(),
            ));
        }
        self.paginated = true;
        let total = self.support.config().total_query_limit;
        let limit = match usize::try_from(metadata.page_size) {
            Ok(size) if size > 0 && size < total => size,
            _ => total,
        };
        let start = if metadata.bookmark.is_empty() {
            &q.start_key
        } else {
            &metadata.bookmark
        };
        let mut iter = self.params.simulator.get_state_range_scan_iterator(
            &self.chaincode,
            start,
            &q.end_key,
        )?;
        let mut results = Vec::new();
        while results.len() < limit {
            let Some(r) = iter.next()? else { break };
            results.push(QueryResultBytes {
                result_bytes: Kv {
                    namespace: r.namespace,
                    key: r.key,
                    value: r.value,
                }
                .encode_to_vec(),
            });
        }
        let bookmark = if results.len() == limit {
            iter.next()?.map(|r| r.key).unwrap_or_default()
        } else {
            String::new()
        };
        let fetched_records_count = i32::try_from(results.len()).unwrap_or(i32::MAX);
        Ok(QueryResponse {
            results,
            has_more: false,
            id: crate::protoutil::generate_uuid(),
            metadata: QueryResponseMetadata {
                fetched_records_count,
                bookmark,
            }
            .encode_to_vec(),
        }
        .encode_to_vec())
    }

    fn get_history(&mut self, q: GetHistoryForKey) -> Answer {
        let Some(history) = self.params.history else {
            return Err(RequestError::NoHistory);
        };
        let iter = history.get_history_for_key(&self.chaincode, &q.key)?;
        self.open_query(QuerySource::History(iter))
    }

    fn open_query(&mut self, source: QuerySource) -> Answer {
        let id = crate::protoutil::generate_uuid();
        self.queries.insert(
            id.clone(),
            OpenQuery {
                source,
                pending: None,
                returned: 0,
            },
        );
        self.batch(&id)
    }

    /// The next batch of an open query (Fabric's `BuildQueryResponse`): at most
    /// [`MAX_RESULT_LIMIT`] results, `has_more` when another one was read ahead; an
    /// exhausted (or over-limit) query is closed.
    fn batch(&mut self, id: &str) -> Answer {
        let limit = self.support.config().total_query_limit;
        let Some(query) = self.queries.get_mut(id) else {
            return Err(RequestError::QueryNotFound);
        };
        let mut results: Vec<QueryResultBytes> = query
            .pending
            .take()
            .map(|b| QueryResultBytes { result_bytes: b })
            .into_iter()
            .collect();
        let mut has_more = false;
        loop {
            if query.returned >= limit {
                break;
            }
            let next = match query.source.next_bytes() {
                Ok(n) => n,
                Err(e) => {
                    self.queries.remove(id);
                    return Err(e.into());
                }
            };
            let Some(bytes) = next else { break };
            query.returned += 1;
            if results.len() == MAX_RESULT_LIMIT {
                query.pending = Some(bytes);
                has_more = true;
                break;
            }
            results.push(QueryResultBytes {
                result_bytes: bytes,
            });
        }
        if !has_more {
            self.queries.remove(id);
        }
        Ok(QueryResponse {
            results,
            has_more,
            id: id.to_string(),
            metadata: Vec::new(),
        }
        .encode_to_vec())
    }

    /// Chaincode-to-chaincode (Fabric's `HandleInvokeChaincode`): on the same channel with
    /// the same simulator (the callee's reads and writes join this transaction), or on
    /// another channel with a fresh simulator whose writes are dropped (read-only); the
    /// caller must pass the target channel's `peer/ChaincodeToChaincode` ACL. The answer is
    /// the callee's final message (COMPLETED or ERROR).
    async fn invoke_chaincode(&mut self, spec: ChaincodeSpec) -> Answer {
        let target = spec.chaincode_id.unwrap_or_default().name;
        let mut parts = target.splitn(2, '/');
        let name = super::handler::parse_name(parts.next().unwrap_or_default()).to_string();
        let channel = match parts.next() {
            Some(c) if !c.is_empty() => c.to_string(),
            _ => self.params.channel_id.to_string(),
        };
        if self.support.is_sys_cc_and_not_invokable_cc2cc(&name) {
            return Err(RequestError::SysCcNotInvokable(name));
        }
        if self.support.is_sys_cc(&name) {
            return Err(RequestError::SysCcUnsupported(name));
        }
        if let Some(access) = self.params.channels {
            let signed = self
                .params
                .signed_proposal
                .ok_or_else(|| RequestError::NoSignedProposal(format!("{name}/{channel}")))?;
            super::blocking(|| access.check_cc2cc(&channel, signed)).map_err(RequestError::Acl)?;
        }
        let input = spec.input.unwrap_or_default();
        if channel == self.params.channel_id {
            return invoke_on(self.support, self.params, &name, input).await;
        }
        let Some(access) = self.params.channels else {
            return Err(RequestError::CrossChannel {
                name,
                target: channel,
                channel: self.params.channel_id.to_string(),
            });
        };
        let tx_id = self.params.tx_id;
        let other = super::blocking(|| access.open(&channel, tx_id))
            .ok_or_else(|| RequestError::NoLedger(channel.clone()))??;
        let params = TxParams {
            channel_id: &channel,
            tx_id,
            signed_proposal: self.params.signed_proposal,
            proposal: self.params.proposal,
            simulator: other.simulator.as_ref(),
            history: other.history.as_deref(),
            key_level_endorsement: other.key_level_endorsement,
            channels: self.params.channels,
        };
        invoke_on(self.support, &params, &name, input).await
    }
}

/// Runs `name` at its instantiated version (read through `params`' simulator). A free
/// function: the transaction context (not `Sync`) is not held across the await.
async fn invoke_on(
    support: &ChaincodeSupport,
    params: &TxParams<'_>,
    name: &str,
    input: crate::protos::peer::ChaincodeInput,
) -> Answer {
    let version = super::blocking(|| support.chaincode_version(params.simulator, name))
        .map_err(RequestError::Definition)?;
    let answer = support
        .invoke(params, name, &version, input, false)
        .await
        .map_err(RequestError::Execute)?;
    Ok(answer.encode_to_vec())
}

fn decode<M: Message + Default>(bytes: &[u8]) -> Result<M, RequestError> {
    M::decode(bytes).map_err(RequestError::Unmarshal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LedgerError, QueryExecutor, QueryResult, TxSimulator};
    use crate::protos::rwset::TxReadWriteSet;
    use std::sync::Mutex;

    /// An in-memory simulator: state by (namespace, key).
    #[derive(Default)]
    struct MemSim(Mutex<BTreeMap<(String, String), Vec<u8>>>);

    struct Iter(std::vec::IntoIter<QueryResult>);
    impl ResultsIterator for Iter {
        fn next(&mut self) -> LedgerResult<Option<QueryResult>> {
            Ok(self.0.next())
        }
    }

    impl QueryExecutor for MemSim {
        fn get_state(&self, ns: &str, key: &str) -> LedgerResult<Option<Vec<u8>>> {
            Ok(self
                .0
                .lock()
                .unwrap()
                .get(&(ns.into(), key.into()))
                .cloned())
        }
        fn get_state_multiple_keys(
            &self,
            ns: &str,
            keys: &[String],
        ) -> LedgerResult<Vec<Option<Vec<u8>>>> {
            keys.iter().map(|k| self.get_state(ns, k)).collect()
        }
        fn get_state_range_scan_iterator(
            &self,
            ns: &str,
            start: &str,
            end: &str,
        ) -> LedgerResult<Box<dyn ResultsIterator>> {
            let items: Vec<QueryResult> = self
                .0
                .lock()
                .unwrap()
                .iter()
                .filter(|((n, k), _)| {
                    n == ns && k.as_str() >= start && (end.is_empty() || k.as_str() < end)
                })
                .map(|((n, k), v)| QueryResult {
                    namespace: n.clone(),
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect();
            Ok(Box::new(Iter(items.into_iter())))
        }
        fn get_state_metadata(
            &self,
            _ns: &str,
            _key: &str,
        ) -> LedgerResult<BTreeMap<String, Vec<u8>>> {
            Ok(BTreeMap::new())
        }
    }

    impl TxSimulator for MemSim {
        fn set_state(&self, ns: &str, key: &str, value: Vec<u8>) -> LedgerResult<()> {
            self.0
                .lock()
                .unwrap()
                .insert((ns.into(), key.into()), value);
            Ok(())
        }
        fn delete_state(&self, ns: &str, key: &str) -> LedgerResult<()> {
            self.0.lock().unwrap().remove(&(ns.into(), key.into()));
            Ok(())
        }
        fn set_state_metadata(
            &self,
            _ns: &str,
            _key: &str,
            _m: BTreeMap<String, Vec<u8>>,
        ) -> LedgerResult<()> {
            Err(LedgerError::InvalidRequest("no metadata".into()))
        }
        fn delete_state_metadata(&self, _ns: &str, _key: &str) -> LedgerResult<()> {
            Ok(())
        }
        fn get_tx_simulation_results(&self) -> LedgerResult<TxReadWriteSet> {
            Ok(TxReadWriteSet::default())
        }
    }

    fn request(kind: Type, payload: Vec<u8>) -> ChaincodeMessage {
        ChaincodeMessage {
            r#type: kind as i32,
            payload,
            txid: "tx1".into(),
            channel_id: "ch".into(),
            ..Default::default()
        }
    }

    fn query_response(m: &ChaincodeMessage) -> QueryResponse {
        assert_eq!(m.r#type, Type::Response as i32, "{m:?}");
        QueryResponse::decode(m.payload.as_slice()).unwrap()
    }

    #[tokio::test]
    async fn state_requests_and_range_batches_of_one_hundred() {
        let support = ChaincodeSupport::new(Default::default(), Default::default());
        let sim = MemSim::default();
        let params = TxParams {
            channel_id: "ch",
            tx_id: "tx1",
            signed_proposal: None,
            proposal: None,
            simulator: &sim,
            history: None,
            key_level_endorsement: false,
            channels: None,
        };
        let mut ctx = TransactionContext::new(&support, &params, "mycc", false);
        for i in 0..150 {
            let put = PutState {
                key: format!("k{i:03}"),
                value: vec![b'v'],
                ..Default::default()
            };
            let r = ctx
                .handle(&request(Type::PutState, put.encode_to_vec()))
                .await;
            assert_eq!(r.r#type, Type::Response as i32);
        }
        let get = GetState {
            key: "k007".into(),
            ..Default::default()
        };
        let r = ctx
            .handle(&request(Type::GetState, get.encode_to_vec()))
            .await;
        assert_eq!(
            (r.r#type, r.payload),
            (Type::Response as i32, b"v".to_vec())
        );

        let range = GetStateByRange {
            start_key: "k".into(),
            end_key: "l".into(),
            ..Default::default()
        };
        let first = query_response(
            &ctx.handle(&request(Type::GetStateByRange, range.encode_to_vec()))
                .await,
        );
        assert_eq!((first.results.len(), first.has_more), (100, true));
        let kv = Kv::decode(first.results[0].result_bytes.as_slice()).unwrap();
        assert_eq!((kv.namespace.as_str(), kv.key.as_str()), ("mycc", "k000"));
        let next = QueryStateNext {
            id: first.id.clone(),
        };
        let second = query_response(
            &ctx.handle(&request(Type::QueryStateNext, next.encode_to_vec()))
                .await,
        );
        assert_eq!((second.results.len(), second.has_more), (50, false));
        let r = ctx
            .handle(&request(Type::QueryStateNext, next.encode_to_vec()))
            .await;
        assert_eq!(r.r#type, Type::Error as i32);
        assert_eq!(
            String::from_utf8(r.payload).unwrap(),
            "QUERY_STATE_NEXT failed: transaction ID: tx1: query iterator not found"
        );

        let q = GetQueryResult {
            query: "{}".into(),
            ..Default::default()
        };
        let r = ctx
            .handle(&request(Type::GetQueryResult, q.encode_to_vec()))
            .await;
        assert!(String::from_utf8(r.payload)
            .unwrap()
            .ends_with("ExecuteQuery not supported for leveldb"));
        let md = GetStateMetadata {
            key: "k001".into(),
            ..Default::default()
        };
        let r = ctx
            .handle(&request(Type::GetStateMetadata, md.encode_to_vec()))
            .await;
        assert!(String::from_utf8(r.payload)
            .unwrap()
            .contains("capability of V1_3 or later is required"));
        let private = GetState {
            key: "k".into(),
            collection: "secret".into(),
        };
        let r = ctx
            .handle(&request(Type::GetState, private.encode_to_vec()))
            .await;
        assert_eq!(r.r#type, Type::Error as i32);
        let del = DelState {
            key: "k007".into(),
            ..Default::default()
        };
        ctx.handle(&request(Type::DelState, del.encode_to_vec()))
            .await;
        assert!(sim.get_state("mycc", "k007").unwrap().is_none());
    }

    #[tokio::test]
    async fn paginated_ranges_answer_one_page_with_count_and_bookmark() {
        let support = ChaincodeSupport::new(Default::default(), Default::default());
        let sim = MemSim::default();
        for k in ["a", "b", "c", "d", "e"] {
            sim.set_state("mycc", k, b"v".to_vec()).unwrap();
        }
        let params = TxParams {
            channel_id: "ch",
            tx_id: "tx1",
            signed_proposal: None,
            proposal: None,
            simulator: &sim,
            history: None,
            key_level_endorsement: false,
            channels: None,
        };
        let mut ctx = TransactionContext::new(&support, &params, "mycc", false);
        let page = |bookmark: &str| GetStateByRange {
            start_key: "a".into(),
            end_key: "z".into(),
            metadata: QueryMetadata {
                page_size: 2,
                bookmark: bookmark.into(),
            }
            .encode_to_vec(),
            ..Default::default()
        };
        let mut bookmark = String::new();
        let mut pages = Vec::new();
        loop {
            let r = query_response(
                &ctx.handle(&request(
                    Type::GetStateByRange,
                    page(&bookmark).encode_to_vec(),
                ))
                .await,
            );
            assert!(!r.has_more);
            let keys: Vec<String> = r
                .results
                .iter()
                .map(|b| Kv::decode(b.result_bytes.as_slice()).unwrap().key)
                .collect();
            let m = QueryResponseMetadata::decode(r.metadata.as_slice()).unwrap();
            assert_eq!(m.fetched_records_count as usize, keys.len());
            pages.push(keys.join(""));
            bookmark = m.bookmark;
            if bookmark.is_empty() {
                break;
            }
        }
        assert_eq!(pages, vec!["ab", "cd", "e"]);
        // After a paginated query, writes are refused with the simulator's text.
        let put = PutState {
            key: "x".into(),
            value: b"1".to_vec(),
            ..Default::default()
        };
        let r = ctx
            .handle(&request(Type::PutState, put.encode_to_vec()))
            .await;
        assert_eq!(
            String::from_utf8(r.payload).unwrap(),
            "PUT_STATE failed: transaction ID: tx1: txid [tx1]: Transaction has already performed a paginated query. Writes are not allowed"
        );
        let mut writer = TransactionContext::new(&support, &params, "mycc", false);
        let del = DelState {
            key: "x".into(),
            ..Default::default()
        };
        let r = writer
            .handle(&request(Type::DelState, del.encode_to_vec()))
            .await;
        assert_eq!(r.r#type, Type::Response as i32);
        let r = writer
            .handle(&request(Type::GetStateByRange, page("").encode_to_vec()))
            .await;
        assert!(String::from_utf8(r.payload)
            .unwrap()
            .ends_with("Paginated queries are supported only in a read-only transaction"));
    }
}
