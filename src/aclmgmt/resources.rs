//! Resource names ACLs are keyed by (Fabric's `core/aclmgmt/resources`), as they appear in
//! the channel config's `ACLs` value and in configtx.yaml.

pub const LSCC_INSTALL: &str = "lscc/Install";
pub const LSCC_DEPLOY: &str = "lscc/Deploy";
pub const LSCC_UPGRADE: &str = "lscc/Upgrade";
pub const LSCC_CHAINCODE_EXISTS: &str = "lscc/ChaincodeExists";
pub const LSCC_GET_DEPLOYMENT_SPEC: &str = "lscc/GetDeploymentSpec";
pub const LSCC_GET_CHAINCODE_DATA: &str = "lscc/GetChaincodeData";
pub const LSCC_GET_INSTANTIATED_CHAINCODES: &str = "lscc/GetInstantiatedChaincodes";
pub const LSCC_GET_INSTALLED_CHAINCODES: &str = "lscc/GetInstalledChaincodes";
pub const LSCC_GET_COLLECTIONS_CONFIG: &str = "lscc/GetCollectionsConfig";

pub const QSCC_GET_CHAIN_INFO: &str = "qscc/GetChainInfo";
pub const QSCC_GET_BLOCK_BY_NUMBER: &str = "qscc/GetBlockByNumber";
pub const QSCC_GET_BLOCK_BY_HASH: &str = "qscc/GetBlockByHash";
pub const QSCC_GET_TRANSACTION_BY_ID: &str = "qscc/GetTransactionByID";
pub const QSCC_GET_BLOCK_BY_TX_ID: &str = "qscc/GetBlockByTxID";

pub const CSCC_JOIN_CHAIN: &str = "cscc/JoinChain";
pub const CSCC_GET_CONFIG_BLOCK: &str = "cscc/GetConfigBlock";
pub const CSCC_GET_CHANNELS: &str = "cscc/GetChannels";
pub const CSCC_GET_CONFIG_TREE: &str = "cscc/GetConfigTree";
pub const CSCC_SIMULATE_CONFIG_TREE_UPDATE: &str = "cscc/SimulateConfigTreeUpdate";

pub const PEER_PROPOSE: &str = "peer/Propose";
pub const PEER_CHAINCODE_TO_CHAINCODE: &str = "peer/ChaincodeToChaincode";

pub const EVENT_BLOCK: &str = "event/Block";
pub const EVENT_FILTERED_BLOCK: &str = "event/FilteredBlock";

pub const TOKEN_ISSUE: &str = "token/Issue";
pub const TOKEN_TRANSFER: &str = "token/Transfer";
pub const TOKEN_LIST: &str = "token/List";
