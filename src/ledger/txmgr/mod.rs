//! The transaction manager (Fabric's `txmgmt`): simulators, read-write sets, MVCC validation.
