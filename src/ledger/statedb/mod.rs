//! The versioned state database (Fabric's `statedb`): values by (namespace, key) with their version height.
