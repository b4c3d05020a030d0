//! The history database (Fabric's `historydb`): for each key, the (block, tx) heights that wrote it.
