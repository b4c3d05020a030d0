//! The endorser (Fabric's `core/endorser`): ProcessProposal behind a chain of auth filters.
