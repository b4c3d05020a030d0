//! The `discovery.Discovery` service (Fabric's `discovery/service.go`): a signed request is
//! checked (structure, client identity, TLS binding), then each query is authorized (the
//! channel exists, the client is eligible) and dispatched: config, peers and endorsers per
//! channel, local peers without one. Errors of one query are answered in its result;
//! denied queries get Fabric's "access denied".

use std::collections::BTreeMap;
use std::sync::Arc;

use prost::Message;

use super::authcache::{AuthCache, AuthCacheConfig};
use super::endorsement::{interest_text, peers_authorized_by_criteria, peers_for_endorsement};
use super::support::Support;
use crate::crypto::sha256;
use crate::gossip::common::NetworkMember;
use crate::policy::SignedData;
use crate::protos::discovery::discovery_server::{Discovery, DiscoveryServer};
use crate::protos::discovery::query::Query as QueryKind;
use crate::protos::discovery::query_result::Result as QueryResultKind;
use crate::protos::discovery::{
    ChaincodeQuery, ChaincodeQueryResult, Error as QueryError, Peer, PeerMembershipResult, Peers,
    Query, QueryResult, Request, Response, SignedRequest,
};

/// Why a whole request was refused (Fabric's texts; the client sees them as gRPC errors).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RequestError {
    #[error("failed parsing request: {0}")]
    Parse(String),
    #[error("access denied, no authentication info in request")]
    NoAuthentication,
    #[error("access denied, client identity wasn't supplied")]
    NoIdentity,
    #[error("client didn't send a TLS certificate")]
    NoTlsCertificate,
    #[error("client claimed TLS hash doesn't match computed TLS hash from gRPC stream")]
    TlsHashMismatch,
}

/// The service's settings (Fabric's `discovery.Config`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ServiceConfig {
    /// Whether the peer's listener has TLS (then the client's TLS certificate must match
    /// the hash in the request).
    pub tls: bool,
    pub auth_cache: AuthCacheConfig,
}

impl std::fmt::Display for ServiceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.auth_cache.enabled {
            write!(
                f,
                "TLS: {}, authCacheMaxSize: {}, authCachePurgeRatio: {:.6}",
                self.tls, self.auth_cache.max_size, self.auth_cache.purge_retention_ratio
            )
        } else {
            write!(f, "TLS: {}, auth cache disabled", self.tls)
        }
    }
}

/// The domain side of the service.
pub struct DiscoveryService {
    config: ServiceConfig,
    auth: AuthCache,
    support: Arc<dyn Support>,
}

fn error_result(text: impl Into<String>) -> QueryResult {
    QueryResult {
        result: Some(QueryResultKind::Error(QueryError {
            content: text.into(),
        })),
    }
}

fn access_denied() -> QueryResult {
    error_result("access denied")
}

fn members_result(peers_by_org: BTreeMap<String, Peers>) -> QueryResult {
    QueryResult {
        result: Some(QueryResultKind::Members(PeerMembershipResult {
            peers_by_org,
        })),
    }
}

impl DiscoveryService {
    pub fn new(config: ServiceConfig, support: Arc<dyn Support>) -> Self {
        tracing::info!(target: "discovery", "Created with config {config}");
        DiscoveryService {
            auth: AuthCache::new(config.auth_cache.clone()),
            config,
            support,
        }
    }

    /// Answers a signed request; `client_cert_hash` is the SHA-256 of the client's TLS
    /// certificate (DER) when the connection has one; `addr` names the client in logs.
    pub fn discover(
        &self,
        request: &SignedRequest,
        client_cert_hash: Option<&[u8]>,
        addr: &str,
    ) -> Result<Response, RequestError> {
        let req = self.validate_structure(request, client_cert_hash).map_err(|e| {
            tracing::warn!(target: "discovery", "Request from {addr} is malformed or invalid: {e}");
            e
        })?;
        let identity = req
            .authentication
            .as_ref()
            .map(|a| a.client_identity.clone())
            .unwrap_or_default();
        tracing::debug!(target: "discovery", "Processing request from {addr}: {} queries", req.queries.len());
        let results = req
            .queries
            .iter()
            .map(|q| self.process_query(q, request, &identity, addr))
            .collect();
        Ok(Response { results })
    }

    fn validate_structure(
        &self,
        request: &SignedRequest,
        client_cert_hash: Option<&[u8]>,
    ) -> Result<Request, RequestError> {
        let req = Request::decode(request.payload.as_slice())
            .map_err(|e| RequestError::Parse(e.to_string()))?;
        let auth = req
            .authentication
            .as_ref()
            .ok_or(RequestError::NoAuthentication)?;
        if auth.client_identity.is_empty() {
            return Err(RequestError::NoIdentity);
        }
        if !self.config.tls {
            return Ok(req);
        }
        let computed = client_cert_hash
            .filter(|h| !h.is_empty())
            .ok_or(RequestError::NoTlsCertificate)?;
        if computed != auth.client_tls_cert_hash.as_slice() {
            tracing::warn!(target: "discovery", "client claimed TLS hash {} doesn't match computed TLS hash from gRPC stream {}", hex(&auth.client_tls_cert_hash), hex(computed));
            return Err(RequestError::TlsHashMismatch);
        }
        Ok(req)
    }

    fn process_query(
        &self,
        query: &Query,
        request: &SignedRequest,
        identity: &[u8],
        addr: &str,
    ) -> QueryResult {
        let channel = query.channel.as_str();
        if !channel.is_empty() && !self.support.channel_exists(channel) {
            tracing::warn!(target: "discovery", "got query for channel {channel} from {addr} but it doesn't exist");
            return access_denied();
        }
        let data = SignedData {
            data: request.payload.clone(),
            identity: identity.to_vec(),
            signature: request.signature.clone(),
        };
        if let Err(e) = self
            .auth
            .eligible_for_service(self.support.as_ref(), channel, &data)
        {
            tracing::warn!(target: "discovery", "got query for channel {channel} from {addr} but it isn't eligible: {e}");
            return access_denied();
        }
        self.dispatch(query)
    }

    fn dispatch(&self, query: &Query) -> QueryResult {
        let channel = query.channel.as_str();
        match (&query.query, channel.is_empty()) {
            (Some(QueryKind::LocalPeers(_)), true) => self.local_membership(),
            (Some(QueryKind::ConfigQuery(_)), false) => self.config_query(channel),
            (Some(QueryKind::PeerQuery(q)), false) => {
                self.channel_membership(channel, q.filter.as_ref())
            }
            (Some(QueryKind::CcQuery(q)), false) => self.chaincode_query(channel, q),
            _ => error_result("unknown or missing request type"),
        }
    }

    fn config_query(&self, channel: &str) -> QueryResult {
        match self.support.config(channel) {
            Ok(config) => QueryResult {
                result: Some(QueryResultKind::ConfigResult(config)),
            },
            Err(e) => {
                tracing::error!(target: "discovery", "Failed fetching config for channel {channel}: {e}");
                error_result(format!("failed fetching config for channel {channel}"))
            }
        }
    }

    fn chaincode_query(&self, channel: &str, query: &ChaincodeQuery) -> QueryResult {
        if let Err(text) = validate_cc_query(query) {
            return error_result(text);
        }
        let mut content = Vec::with_capacity(query.interests.len());
        for interest in &query.interests {
            match peers_for_endorsement(self.support.as_ref(), channel, interest) {
                Ok(d) => content.push(d),
                Err(e) => {
                    let text = interest_text(interest);
                    tracing::error!(target: "discovery", "Failed constructing descriptor for chaincode {text},: {e}");
                    return error_result(format!("failed constructing descriptor for {text}"));
                }
            }
        }
        QueryResult {
            result: Some(QueryResultKind::CcQueryRes(ChaincodeQueryResult {
                content,
            })),
        }
    }

    fn channel_membership(
        &self,
        channel: &str,
        filter: Option<&crate::protos::discovery::ChaincodeInterest>,
    ) -> QueryResult {
        let members = match peers_authorized_by_criteria(self.support.as_ref(), channel, filter) {
            Ok(m) => m,
            Err(e) => return error_result(e.to_string()),
        };
        let by_id: BTreeMap<&[u8], &NetworkMember> =
            members.iter().map(|m| (m.pki_id.as_bytes(), m)).collect();
        let mut out = BTreeMap::new();
        for (org, peers) in self.compute_membership() {
            let peers = peers
                .into_iter()
                .filter_map(|(id, mut peer)| {
                    let state = by_id.get(id.as_slice())?;
                    peer.state_info = state.envelope.clone();
                    Some(peer)
                })
                .collect();
            out.insert(org, Peers { peers });
        }
        members_result(out)
    }

    fn local_membership(&self) -> QueryResult {
        let out = self
            .compute_membership()
            .into_iter()
            .map(|(org, peers)| {
                let peers = peers.into_iter().map(|(_, p)| p).collect();
                (org, Peers { peers })
            })
            .collect();
        members_result(out)
    }

    /// Alive peers by organization, each with its identity and alive message.
    fn compute_membership(&self) -> BTreeMap<String, Vec<(Vec<u8>, Peer)>> {
        let alive = self.support.peers();
        let mut out: BTreeMap<String, Vec<(Vec<u8>, Peer)>> = BTreeMap::new();
        for info in self.support.identity_info() {
            let org = String::from_utf8_lossy(&info.organization).into_owned();
            let entry = out.entry(org).or_default();
            let Some(member) = alive.iter().find(|m| m.pki_id == info.pki_id) else {
                continue;
            };
            entry.push((
                info.pki_id.0.clone(),
                Peer {
                    identity: info.identity.clone(),
                    membership_info: member.envelope.clone(),
                    state_info: None,
                },
            ));
        }
        out
    }
}

fn validate_cc_query(query: &ChaincodeQuery) -> Result<(), &'static str> {
    if query.interests.is_empty() {
        return Err("chaincode query must have at least one chaincode interest");
    }
    for interest in &query.interests {
        if interest.chaincodes.is_empty() {
            return Err("chaincode interest must contain at least one chaincode");
        }
        if interest.chaincodes.iter().any(|cc| cc.name.is_empty()) {
            return Err("chaincode name in interest cannot be empty");
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The gRPC face of [`DiscoveryService`]: each request is served on a blocking thread
/// (signature checks, ledger reads, signing of this peer's membership messages).
#[derive(Clone)]
pub struct DiscoveryGrpc {
    service: Arc<DiscoveryService>,
}

impl DiscoveryGrpc {
    pub fn new(service: Arc<DiscoveryService>) -> Self {
        DiscoveryGrpc { service }
    }

    pub fn into_server(self) -> DiscoveryServer<Self> {
        DiscoveryServer::new(self)
    }
}

#[tonic::async_trait]
impl Discovery for DiscoveryGrpc {
    async fn discover(
        &self,
        request: tonic::Request<SignedRequest>,
    ) -> Result<tonic::Response<Response>, tonic::Status> {
        let addr = request
            .remote_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let cert_hash = request
            .peer_certs()
            .and_then(|certs| certs.first().map(|c| sha256(c.as_ref()).to_vec()));
        let signed = request.into_inner();
        let service = self.service.clone();
        let answer = tokio::task::spawn_blocking(move || {
            service.discover(&signed, cert_hash.as_deref(), &addr)
        })
        .await
        .map_err(|e| tonic::Status::internal(format!("discovery request failed: {e}")))?;
        answer
            .map(tonic::Response::new)
            .map_err(|e| tonic::Status::unknown(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::endorsement::tests::FakeNetwork;
    use crate::protos::discovery::{
        AuthInfo, ChaincodeCall, ChaincodeInterest, ConfigQuery, LocalPeerQuery,
        PeerMembershipQuery,
    };

    fn signed(identity: &[u8], tls_hash: &[u8], queries: Vec<Query>) -> SignedRequest {
        let req = Request {
            authentication: Some(AuthInfo {
                client_identity: identity.to_vec(),
                client_tls_cert_hash: tls_hash.to_vec(),
            }),
            queries,
        };
        SignedRequest {
            payload: req.encode_to_vec(),
            signature: b"sig".to_vec(),
        }
    }

    fn q(channel: &str, kind: QueryKind) -> Query {
        Query {
            channel: channel.into(),
            query: Some(kind),
        }
    }

    fn service(tls: bool) -> DiscoveryService {
        let net = FakeNetwork::default()
            .peer("Org1MSP", "p0", &[("cc", "1.0")])
            .chaincode("cc", "1.0", "OR('Org1MSP.member')");
        DiscoveryService::new(
            ServiceConfig {
                tls,
                auth_cache: AuthCacheConfig::default(),
            },
            Arc::new(net),
        )
    }

    fn error_of(r: &QueryResult) -> Option<&str> {
        match &r.result {
            Some(QueryResultKind::Error(e)) => Some(e.content.as_str()),
            _ => None,
        }
    }

    #[test]
    fn structure_is_checked_first() {
        let s = service(false);
        let mut bad = signed(b"id", b"", vec![]);
        bad.payload = vec![0xff];
        assert!(matches!(
            s.discover(&bad, None, "x"),
            Err(RequestError::Parse(_))
        ));
        let no_id = signed(b"", b"", vec![]);
        assert_eq!(
            s.discover(&no_id, None, "x").unwrap_err().to_string(),
            "access denied, client identity wasn't supplied"
        );
        let tls = service(true);
        let req = signed(b"id", b"hash", vec![]);
        assert_eq!(
            tls.discover(&req, None, "x").unwrap_err(),
            RequestError::NoTlsCertificate
        );
        assert_eq!(
            tls.discover(&req, Some(b"other"), "x").unwrap_err(),
            RequestError::TlsHashMismatch
        );
        assert!(tls.discover(&req, Some(b"hash"), "x").is_ok());
    }

    #[test]
    fn each_query_gets_its_answer() {
        let s = service(false);
        let req = signed(
            b"client",
            b"",
            vec![
                q("ch", QueryKind::ConfigQuery(ConfigQuery {})),
                q(
                    "ch",
                    QueryKind::PeerQuery(PeerMembershipQuery { filter: None }),
                ),
                q("", QueryKind::LocalPeers(LocalPeerQuery {})),
                q("nochannel", QueryKind::ConfigQuery(ConfigQuery {})),
                q("", QueryKind::ConfigQuery(ConfigQuery {})),
                q(
                    "ch",
                    QueryKind::CcQuery(ChaincodeQuery {
                        interests: vec![ChaincodeInterest {
                            chaincodes: vec![ChaincodeCall {
                                name: "missing".into(),
                                collection_names: vec![],
                            }],
                        }],
                    }),
                ),
            ],
        );
        let res = s.discover(&req, None, "x").unwrap().results;
        assert_eq!(res.len(), 6);
        assert!(matches!(
            res[0].result,
            Some(QueryResultKind::ConfigResult(_))
        ));
        let Some(QueryResultKind::Members(m)) = &res[1].result else {
            panic!("{:?}", res[1]);
        };
        let peer = &m.peers_by_org["Org1MSP"].peers[0];
        assert!(peer.state_info.is_some() && peer.membership_info.is_some());
        let Some(QueryResultKind::Members(local)) = &res[2].result else {
            panic!("{:?}", res[2]);
        };
        assert!(local.peers_by_org["Org1MSP"].peers[0].state_info.is_none());
        assert_eq!(error_of(&res[3]), Some("access denied"));
        assert_eq!(error_of(&res[4]), Some("unknown or missing request type"));
        assert_eq!(
            error_of(&res[5]),
            Some("failed constructing descriptor for chaincodes:<name:\"missing\" > ")
        );
    }

    #[test]
    fn ineligible_client_is_denied() {
        let s = service(false);
        let req = signed(
            b"intruder",
            b"",
            vec![q("ch", QueryKind::ConfigQuery(ConfigQuery {}))],
        );
        let res = s.discover(&req, None, "x").unwrap().results;
        assert_eq!(error_of(&res[0]), Some("access denied"));
        let empty = signed(
            b"client",
            b"",
            vec![q(
                "ch",
                QueryKind::CcQuery(ChaincodeQuery { interests: vec![] }),
            )],
        );
        let res = s.discover(&empty, None, "x").unwrap().results;
        assert_eq!(
            error_of(&res[0]),
            Some("chaincode query must have at least one chaincode interest")
        );
    }
}
