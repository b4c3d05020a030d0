//! One channel's ledger (Fabric's `kvledger`) and the ledger provider.
