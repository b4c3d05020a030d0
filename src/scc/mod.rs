//! System chaincodes in-process (Fabric's `core/scc`): cscc, lscc, qscc, escc, vscc.
pub mod vscc;
