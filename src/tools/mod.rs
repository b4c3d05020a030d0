//! The network tools that sit beside the peer: `cryptogen` (and, later, `configtxgen`
//! and `configtxlator`).

pub mod cryptogen;
