//! Policies: signature policies (cauthdsl) and the Fabric policy language, implicit meta
//! policies, evaluation against signed data.
