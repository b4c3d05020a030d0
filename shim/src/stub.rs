//! [`ChaincodeStub`]: what a chaincode sees of its transaction (arguments, proposal, tx id)
//! and its calls to the peer (state, ranges, queries, history, other chaincodes), with the
//! Go shim's API. Each call sends one request on the chaincode's stream and waits for the
//! peer's answer; the chaincode runs on a thread of its own, so waiting is blocking.

use std::collections::BTreeMap;
use std::sync::Arc;

use prost::Message;

use crate::handler::{short_txid, type_name, Handler};
use crate::keys::{partial_composite_range, validate_simple_keys, EMPTY_KEY_SUBSTITUTE};
use crate::proto::common::{ChannelHeader, Header, SignatureHeader};
use crate::proto::protos::chaincode_message::Type;
use crate::proto::protos::{
    ChaincodeEvent, ChaincodeId, ChaincodeInput, ChaincodeMessage, ChaincodeProposalPayload,
    ChaincodeSpec, DelState, GetHistoryForKey, GetQueryResult, GetState, GetStateByRange,
    GetStateMetadata, Proposal, PutState, PutStateMetadata, QueryMetadata, QueryResponse,
    QueryResponseMetadata, QueryStateClose, QueryStateNext, Response, SignedProposal,
    StateMetadata, StateMetadataResult,
};
use crate::proto::queryresult::{KeyModification, Kv};
use crate::Error;

/// The metadata key of a key-level endorsement policy (Fabric's `MetaDataKeys`).
const VALIDATION_PARAMETER: &str = "VALIDATION_PARAMETER";

/// The stub of one transaction (Go's `ChaincodeStub`).
pub struct ChaincodeStub {
    handler: Arc<Handler>,
    channel_id: String,
    tx_id: String,
    args: Vec<Vec<u8>>,
    decorations: BTreeMap<String, Vec<u8>>,
    signed_proposal: Option<SignedProposal>,
    proposal: Option<Proposal>,
    creator: Vec<u8>,
    transient: BTreeMap<String, Vec<u8>>,
    event: Option<ChaincodeEvent>,
}

/// A proposal, its creator and its transient map.
type ProposalContext = (Proposal, Vec<u8>, BTreeMap<String, Vec<u8>>);

/// What the proposal says about the transaction (Go's `GetChaincodeProposalContext`).
fn proposal_context(signed: &SignedProposal) -> Result<ProposalContext, Error> {
    let proposal = Proposal::decode(signed.proposal_bytes.as_slice()).map_err(Error::Proposal)?;
    let header = Header::decode(proposal.header.as_slice()).map_err(Error::Proposal)?;
    let signature_header =
        SignatureHeader::decode(header.signature_header.as_slice()).map_err(Error::Proposal)?;
    let payload =
        ChaincodeProposalPayload::decode(proposal.payload.as_slice()).map_err(Error::Proposal)?;
    Ok((proposal, signature_header.creator, payload.transient_map))
}

impl ChaincodeStub {
    pub(crate) fn new(
        handler: Arc<Handler>,
        channel_id: &str,
        tx_id: &str,
        input: ChaincodeInput,
        signed_proposal: Option<SignedProposal>,
    ) -> Result<Self, Error> {
        let (proposal, creator, transient) = match &signed_proposal {
            Some(signed) => {
                let (p, c, t) = proposal_context(signed)?;
                (Some(p), c, t)
            }
            None => (None, Vec::new(), BTreeMap::new()),
        };
        Ok(ChaincodeStub {
            handler,
            channel_id: channel_id.to_string(),
            tx_id: tx_id.to_string(),
            args: input.args,
            decorations: input.decorations,
            signed_proposal,
            proposal,
            creator,
            transient,
            event: None,
        })
    }

    pub(crate) fn take_event(&mut self) -> Option<ChaincodeEvent> {
        self.event.take()
    }

    /// The transaction id.
    pub fn get_tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The channel the transaction runs on.
    pub fn get_channel_id(&self) -> &str {
        &self.channel_id
    }

    /// The arguments, function name first.
    pub fn get_args(&self) -> &[Vec<u8>] {
        &self.args
    }

    /// The arguments as strings (invalid UTF-8 replaced).
    pub fn get_string_args(&self) -> Vec<String> {
        self.args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }

    /// The first argument as the function name and the rest as its parameters.
    pub fn get_function_and_parameters(&self) -> (String, Vec<String>) {
        let mut args = self.get_string_args();
        if args.is_empty() {
            return (String::new(), Vec::new());
        }
        let function = args.remove(0);
        (function, args)
    }

    /// The decorations the peer's decorators added to the input.
    pub fn get_decorations(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.decorations
    }

    /// The serialized identity of the proposal's signer (empty without a proposal).
    pub fn get_creator(&self) -> &[u8] {
        &self.creator
    }

    /// The proposal's transient map (never written to the ledger).
    pub fn get_transient(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.transient
    }

    /// The signed proposal of the transaction, when the peer sent one.
    pub fn get_signed_proposal(&self) -> Option<&SignedProposal> {
        self.signed_proposal.as_ref()
    }

    /// The timestamp of the proposal's channel header.
    pub fn get_tx_timestamp(&self) -> Result<prost_types::Timestamp, Error> {
        let proposal = self.proposal.as_ref().ok_or(Error::NoProposal)?;
        let header = Header::decode(proposal.header.as_slice()).map_err(Error::Proposal)?;
        let channel_header =
            ChannelHeader::decode(header.channel_header.as_slice()).map_err(Error::Proposal)?;
        Ok(channel_header.timestamp.unwrap_or_default())
    }

    /// Sets the event of the transaction (the last one set is sent).
    pub fn set_event(&mut self, name: &str, payload: Vec<u8>) -> Result<(), Error> {
        if name.is_empty() {
            return Err(Error::EmptyEventName);
        }
        self.event = Some(ChaincodeEvent {
            event_name: name.to_string(),
            payload,
            ..Default::default()
        });
        Ok(())
    }

    /// One request to the peer; the RESPONSE's payload, or the ERROR's text as an error.
    fn request(&self, kind: Type, payload: Vec<u8>) -> Result<Vec<u8>, Error> {
        let answer = self.handler.call(ChaincodeMessage {
            r#type: kind as i32,
            payload,
            txid: self.tx_id.clone(),
            channel_id: self.channel_id.clone(),
            ..Default::default()
        })?;
        match Type::try_from(answer.r#type) {
            Ok(Type::Response) => Ok(answer.payload),
            Ok(Type::Error) => Err(Error::Peer(
                String::from_utf8_lossy(&answer.payload).into_owned(),
            )),
            _ => Err(Error::UnexpectedMessage {
                txid: short_txid(&answer.txid).to_string(),
                kind: type_name(answer.r#type),
            }),
        }
    }

    fn decode<M: Message + Default>(&self, bytes: &[u8]) -> Result<M, Error> {
        M::decode(bytes).map_err(|source| Error::Decode {
            txid: short_txid(&self.tx_id).to_string(),
            source,
        })
    }

    /// The value of `key` (empty when it does not exist, as in Fabric).
    pub fn get_state(&self, key: &str) -> Result<Vec<u8>, Error> {
        self.get_private_data_unchecked("", key)
    }

    /// Writes `key` in the transaction's write set.
    pub fn put_state(&self, key: &str, value: Vec<u8>) -> Result<(), Error> {
        if key.is_empty() {
            return Err(Error::InvalidKey("key must not be an empty string".into()));
        }
        self.put_private_data_unchecked("", key, value)
    }

    /// Deletes `key` in the transaction's write set.
    pub fn del_state(&self, key: &str) -> Result<(), Error> {
        self.del_private_data_unchecked("", key)
    }

    fn get_private_data_unchecked(&self, collection: &str, key: &str) -> Result<Vec<u8>, Error> {
        let q = GetState {
            key: key.to_string(),
            collection: collection.to_string(),
        };
        self.request(Type::GetState, q.encode_to_vec())
    }

    fn put_private_data_unchecked(
        &self,
        collection: &str,
        key: &str,
        value: Vec<u8>,
    ) -> Result<(), Error> {
        let q = PutState {
            key: key.to_string(),
            value,
            collection: collection.to_string(),
        };
        self.request(Type::PutState, q.encode_to_vec()).map(drop)
    }

    fn del_private_data_unchecked(&self, collection: &str, key: &str) -> Result<(), Error> {
        let q = DelState {
            key: key.to_string(),
            collection: collection.to_string(),
        };
        self.request(Type::DelState, q.encode_to_vec()).map(drop)
    }

    /// Keys in `[start, end)` (an empty start means the first simple key, an empty end the last).
    pub fn get_state_by_range(&self, start: &str, end: &str) -> Result<StateQueryIterator, Error> {
        let start = if start.is_empty() {
            EMPTY_KEY_SUBSTITUTE
        } else {
            start
        };
        validate_simple_keys(&[start, end])?;
        Ok(self.range("", start, end, Vec::new())?.0)
    }

    /// One page of a range: at most `page_size` keys from `bookmark` on, with the peer's
    /// count and the bookmark of the next page.
    pub fn get_state_by_range_with_pagination(
        &self,
        start: &str,
        end: &str,
        page_size: i32,
        bookmark: &str,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata), Error> {
        let start = if start.is_empty() {
            EMPTY_KEY_SUBSTITUTE
        } else {
            start
        };
        validate_simple_keys(&[start, end])?;
        self.range("", start, end, query_metadata(page_size, bookmark))
    }

    /// The keys made with `create_composite_key(object_type, attributes + ...)`.
    pub fn get_state_by_partial_composite_key(
        &self,
        object_type: &str,
        attributes: &[&str],
    ) -> Result<StateQueryIterator, Error> {
        let (start, end) = partial_composite_range(object_type, attributes)?;
        Ok(self.range("", &start, &end, Vec::new())?.0)
    }

    /// [`Self::get_state_by_partial_composite_key`], one page at a time.
    pub fn get_state_by_partial_composite_key_with_pagination(
        &self,
        object_type: &str,
        attributes: &[&str],
        page_size: i32,
        bookmark: &str,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata), Error> {
        let (start, end) = partial_composite_range(object_type, attributes)?;
        self.range("", &start, &end, query_metadata(page_size, bookmark))
    }

    fn range(
        &self,
        collection: &str,
        start: &str,
        end: &str,
        metadata: Vec<u8>,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata), Error> {
        let q = GetStateByRange {
            start_key: start.to_string(),
            end_key: end.to_string(),
            collection: collection.to_string(),
            metadata,
        };
        let bytes = self.request(Type::GetStateByRange, q.encode_to_vec())?;
        self.state_iterator(&bytes)
    }

    fn state_iterator(
        &self,
        bytes: &[u8],
    ) -> Result<(StateQueryIterator, QueryResponseMetadata), Error> {
        let response: QueryResponse = self.decode(bytes)?;
        let metadata = self.decode(&response.metadata)?;
        Ok((StateQueryIterator(self.cursor(response)), metadata))
    }

    fn cursor(&self, response: QueryResponse) -> Cursor {
        Cursor {
            handler: self.handler.clone(),
            channel_id: self.channel_id.clone(),
            tx_id: self.tx_id.clone(),
            response,
            position: 0,
            closed: false,
        }
    }

    /// A rich query (CouchDB selector); a LevelDB state database answers with its error.
    pub fn get_query_result(&self, query: &str) -> Result<StateQueryIterator, Error> {
        Ok(self.query("", query, Vec::new())?.0)
    }

    /// [`Self::get_query_result`], one page at a time.
    pub fn get_query_result_with_pagination(
        &self,
        query: &str,
        page_size: i32,
        bookmark: &str,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata), Error> {
        self.query("", query, query_metadata(page_size, bookmark))
    }

    fn query(
        &self,
        collection: &str,
        query: &str,
        metadata: Vec<u8>,
    ) -> Result<(StateQueryIterator, QueryResponseMetadata), Error> {
        let q = GetQueryResult {
            query: query.to_string(),
            collection: collection.to_string(),
            metadata,
        };
        let bytes = self.request(Type::GetQueryResult, q.encode_to_vec())?;
        self.state_iterator(&bytes)
    }

    /// Every committed value of `key`, oldest first.
    pub fn get_history_for_key(&self, key: &str) -> Result<HistoryQueryIterator, Error> {
        let q = GetHistoryForKey {
            key: key.to_string(),
        };
        let bytes = self.request(Type::GetHistoryForKey, q.encode_to_vec())?;
        Ok(HistoryQueryIterator(self.cursor(self.decode(&bytes)?)))
    }

    /// Calls chaincode `name` with `args`, on this channel when `channel` is empty (its
    /// reads and writes join this transaction) or on `channel` (read-only). Never fails:
    /// a failure is a `Response` with status 500 and the reason as payload, as in the Go
    /// shim; the callee's own response (whatever its status) is returned as is.
    pub fn invoke_chaincode(&self, name: &str, args: &[&[u8]], channel: &str) -> Response {
        let target = if channel.is_empty() {
            name.to_string()
        } else {
            format!("{name}/{channel}")
        };
        let spec = ChaincodeSpec {
            chaincode_id: Some(ChaincodeId {
                name: target,
                ..Default::default()
            }),
            input: Some(ChaincodeInput {
                args: args.iter().map(|a| a.to_vec()).collect(),
                ..Default::default()
            }),
            ..Default::default()
        };
        // As the Go shim: the reason is the payload of a 500 response.
        let error = |text: String| Response {
            status: crate::ERROR,
            message: String::new(),
            payload: text.into_bytes(),
        };
        let msg = ChaincodeMessage {
            r#type: Type::InvokeChaincode as i32,
            payload: spec.encode_to_vec(),
            txid: self.tx_id.clone(),
            channel_id: self.channel_id.clone(),
            ..Default::default()
        };
        let answer = match self.handler.call(msg) {
            Ok(a) => a,
            Err(e) => return error(e.to_string()),
        };
        match Type::try_from(answer.r#type) {
            Ok(Type::Response) => match ChaincodeMessage::decode(answer.payload.as_slice()) {
                Ok(inner) if inner.r#type == Type::Completed as i32 => {
                    Response::decode(inner.payload.as_slice())
                        .unwrap_or_else(|e| error(e.to_string()))
                }
                Ok(inner) => error(String::from_utf8_lossy(&inner.payload).into_owned()),
                Err(e) => error(e.to_string()),
            },
            Ok(Type::Error) => error(String::from_utf8_lossy(&answer.payload).into_owned()),
            _ => error(format!(
                "[{}] Incorrect chaincode message {} received. Expecting RESPONSE or ERROR",
                short_txid(&answer.txid),
                type_name(answer.r#type)
            )),
        }
    }

    /// The key-level endorsement policy of `key` (empty when none).
    pub fn get_state_validation_parameter(&self, key: &str) -> Result<Vec<u8>, Error> {
        self.validation_parameter("", key)
    }

    /// Sets the key-level endorsement policy of `key` (a marshalled `SignaturePolicyEnvelope`).
    pub fn set_state_validation_parameter(&self, key: &str, policy: Vec<u8>) -> Result<(), Error> {
        self.set_validation_parameter("", key, policy)
    }

    fn validation_parameter(&self, collection: &str, key: &str) -> Result<Vec<u8>, Error> {
        let q = GetStateMetadata {
            key: key.to_string(),
            collection: collection.to_string(),
        };
        let bytes = self.request(Type::GetStateMetadata, q.encode_to_vec())?;
        let result: StateMetadataResult = self.decode(&bytes)?;
        let metakey = VALIDATION_PARAMETER;
        Ok(result
            .entries
            .into_iter()
            .find(|e| e.metakey == metakey)
            .map(|e| e.value)
            .unwrap_or_default())
    }

    fn set_validation_parameter(
        &self,
        collection: &str,
        key: &str,
        policy: Vec<u8>,
    ) -> Result<(), Error> {
        let q = PutStateMetadata {
            key: key.to_string(),
            collection: collection.to_string(),
            metadata: Some(StateMetadata {
                metakey: VALIDATION_PARAMETER.to_string(),
                value: policy,
            }),
        };
        self.request(Type::PutStateMetadata, q.encode_to_vec())
            .map(drop)
    }
}

/// Private data: the calls send Fabric's messages with the collection; a peer without
/// private data answers with its error.
impl ChaincodeStub {
    fn collection(collection: &str) -> Result<(), Error> {
        if collection.is_empty() {
            Err(Error::EmptyCollection)
        } else {
            Ok(())
        }
    }

    pub fn get_private_data(&self, collection: &str, key: &str) -> Result<Vec<u8>, Error> {
        Self::collection(collection)?;
        self.get_private_data_unchecked(collection, key)
    }

    pub fn get_private_data_hash(&self, collection: &str, key: &str) -> Result<Vec<u8>, Error> {
        Self::collection(collection)?;
        let q = GetState {
            key: key.to_string(),
            collection: collection.to_string(),
        };
        self.request(Type::GetPrivateDataHash, q.encode_to_vec())
    }

    pub fn put_private_data(
        &self,
        collection: &str,
        key: &str,
        value: Vec<u8>,
    ) -> Result<(), Error> {
        Self::collection(collection)?;
        if key.is_empty() {
            return Err(Error::InvalidKey("key must not be an empty string".into()));
        }
        self.put_private_data_unchecked(collection, key, value)
    }

    pub fn del_private_data(&self, collection: &str, key: &str) -> Result<(), Error> {
        Self::collection(collection)?;
        self.del_private_data_unchecked(collection, key)
    }

    pub fn get_private_data_by_range(
        &self,
        collection: &str,
        start: &str,
        end: &str,
    ) -> Result<StateQueryIterator, Error> {
        Self::collection(collection)?;
        let start = if start.is_empty() {
            EMPTY_KEY_SUBSTITUTE
        } else {
            start
        };
        validate_simple_keys(&[start, end])?;
        Ok(self.range(collection, start, end, Vec::new())?.0)
    }

    pub fn get_private_data_by_partial_composite_key(
        &self,
        collection: &str,
        object_type: &str,
        attributes: &[&str],
    ) -> Result<StateQueryIterator, Error> {
        Self::collection(collection)?;
        let (start, end) = partial_composite_range(object_type, attributes)?;
        Ok(self.range(collection, &start, &end, Vec::new())?.0)
    }

    pub fn get_private_data_query_result(
        &self,
        collection: &str,
        query: &str,
    ) -> Result<StateQueryIterator, Error> {
        Self::collection(collection)?;
        Ok(self.query(collection, query, Vec::new())?.0)
    }

    pub fn get_private_data_validation_parameter(
        &self,
        collection: &str,
        key: &str,
    ) -> Result<Vec<u8>, Error> {
        self.validation_parameter(collection, key)
    }

    pub fn set_private_data_validation_parameter(
        &self,
        collection: &str,
        key: &str,
        policy: Vec<u8>,
    ) -> Result<(), Error> {
        self.set_validation_parameter(collection, key, policy)
    }
}

fn query_metadata(page_size: i32, bookmark: &str) -> Vec<u8> {
    QueryMetadata {
        page_size,
        bookmark: bookmark.to_string(),
    }
    .encode_to_vec()
}

/// The state both iterators share (Go's `CommonIterator`): the current batch of results
/// and the id the peer knows the query by.
struct Cursor {
    handler: Arc<Handler>,
    channel_id: String,
    tx_id: String,
    response: QueryResponse,
    position: usize,
    closed: bool,
}

impl Cursor {
    fn has_next(&self) -> bool {
        self.position < self.response.results.len() || self.response.has_more
    }

    fn request(&self, kind: Type, payload: Vec<u8>) -> Result<QueryResponse, Error> {
        let answer = self.handler.call(ChaincodeMessage {
            r#type: kind as i32,
            payload,
            txid: self.tx_id.clone(),
            channel_id: self.channel_id.clone(),
            ..Default::default()
        })?;
        match Type::try_from(answer.r#type) {
            Ok(Type::Response) => {
                QueryResponse::decode(answer.payload.as_slice()).map_err(|source| Error::Decode {
                    txid: short_txid(&self.tx_id).to_string(),
                    source,
                })
            }
            Ok(Type::Error) => Err(Error::Peer(
                String::from_utf8_lossy(&answer.payload).into_owned(),
            )),
            _ => Err(Error::UnexpectedMessage {
                txid: short_txid(&answer.txid).to_string(),
                kind: type_name(answer.r#type),
            }),
        }
    }

    /// The next result's bytes, fetching the next batch when this one is used up.
    fn next_bytes(&mut self) -> Option<Result<Vec<u8>, Error>> {
        if self.position >= self.response.results.len() {
            if !self.response.has_more {
                return None;
            }
            let next = QueryStateNext {
                id: self.response.id.clone(),
            };
            match self.request(Type::QueryStateNext, next.encode_to_vec()) {
                Ok(r) => {
                    self.response = r;
                    self.position = 0;
                }
                Err(e) => {
                    self.response.has_more = false;
                    return Some(Err(e));
                }
            }
            if self.response.results.is_empty() {
                return None;
            }
        }
        let bytes = std::mem::take(&mut self.response.results[self.position].result_bytes);
        self.position += 1;
        Some(Ok(bytes))
    }

    fn close(&mut self) -> Result<(), Error> {
        self.closed = true;
        let close = QueryStateClose {
            id: self.response.id.clone(),
        };
        self.request(Type::QueryStateClose, close.encode_to_vec())
            .map(drop)
    }
}

impl Drop for Cursor {
    /// A query the peer still holds (more results to come) is closed there.
    fn drop(&mut self) {
        if !self.closed && self.response.has_more {
            let _ = self.close();
        }
    }
}

/// The results of a range or rich query, `KV`s in key order; closed on drop.
pub struct StateQueryIterator(Cursor);

/// The history of a key, oldest first; closed on drop.
pub struct HistoryQueryIterator(Cursor);

macro_rules! iterator {
    ($name:ident, $item:ty) => {
        impl $name {
            /// Whether another result follows (Go's `HasNext`).
            pub fn has_next(&self) -> bool {
                self.0.has_next()
            }

            /// Closes the query on the peer (Go's `Close`); dropping does it too.
            pub fn close(mut self) -> Result<(), Error> {
                self.0.close()
            }
        }

        impl Iterator for $name {
            type Item = Result<$item, Error>;

            fn next(&mut self) -> Option<Self::Item> {
                let bytes = match self.0.next_bytes()? {
                    Ok(b) => b,
                    Err(e) => return Some(Err(e)),
                };
                Some(
                    <$item>::decode(bytes.as_slice()).map_err(|source| Error::Decode {
                        txid: short_txid(&self.0.tx_id).to_string(),
                        source,
                    }),
                )
            }
        }
    };
}

iterator!(StateQueryIterator, Kv);
iterator!(HistoryQueryIterator, KeyModification);
