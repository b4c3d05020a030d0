//! The committer (Fabric's `core/committer`): validates a block's transactions and commits it to the channel ledger.
