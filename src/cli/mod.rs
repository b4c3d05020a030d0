//! The `peer` command tree (clap), one file per command group, and the shared InitCmd path.
