//! `peer node start` (Fabric's `peer/node`): composes the ledger, channels, services and listeners of a peer.

pub mod admin;
