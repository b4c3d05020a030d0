//! Deliver (Fabric's `common/deliver` and the peer's deliver client): block streams by SeekInfo, served to clients and pulled from orderers.
