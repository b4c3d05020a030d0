//! Block storage (Fabric's `common/ledger/blkstorage`): append-only block files with an index by number, hash and tx id.
