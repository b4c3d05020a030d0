//! The orderer's operations endpoint is the shared [`crate::operations`] system.

pub use crate::operations::*;
