//! The network tools that sit beside the peer: `cryptogen`, `configtxgen` (and, later,
//! `configtxlator`).

pub mod configtxgen;
pub mod cryptogen;
