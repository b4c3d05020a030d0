//! lscc (being written)
