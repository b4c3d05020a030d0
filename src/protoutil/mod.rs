//! Helpers every layer needs over the wire types: tx ids, headers, proposals, envelopes,
//! signing, and block hashing exactly as Fabric computes it.
