//! Fabric's `HandlerRegistry`: the registered chaincode handlers by canonical name.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::handler::Handler;

/// A second chaincode registered under a name already taken (Fabric's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("duplicate chaincodeID: {0}")]
pub struct DuplicateChaincode(pub String);

/// The handlers of the chaincodes registered with this peer, keyed by `name:version`.
#[derive(Default)]
pub struct HandlerRegistry {
    handlers: Mutex<HashMap<String, Arc<Handler>>>,
}

impl HandlerRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Handler>>> {
        self.handlers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a handler under its canonical name; a second registration of a name fails with
    /// Fabric's text.
    pub fn register(&self, handler: Arc<Handler>) -> Result<(), DuplicateChaincode> {
        let key = handler.canonical_name().to_string();
        let mut handlers = self.lock();
        if handlers.contains_key(&key) {
            return Err(DuplicateChaincode(key));
        }
        handlers.insert(key, handler);
        Ok(())
    }

    /// Removes `handler` (only if it is the one registered under its name).
    pub fn deregister(&self, handler: &Arc<Handler>) {
        let mut handlers = self.lock();
        let key = handler.canonical_name();
        if handlers.get(key).is_some_and(|h| Arc::ptr_eq(h, handler)) {
            handlers.remove(key);
        }
    }

    /// The handler registered as `cname`.
    pub fn handler(&self, cname: &str) -> Option<Arc<Handler>> {
        self.lock().get(cname).cloned()
    }

    /// Registered canonical names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.lock().keys().cloned().collect();
        names.sort();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::peer::ChaincodeId;

    fn handler(name: &str) -> Arc<Handler> {
        let (tx, _rx) = tokio::sync::mpsc::channel(1);
        Arc::new(Handler::new(
            ChaincodeId {
                name: name.into(),
                ..Default::default()
            },
            tx,
        ))
    }

    #[test]
    fn duplicate_registration_fails_and_deregister_removes_only_the_same_handler() {
        let r = HandlerRegistry::new();
        let a = handler("mycc:1.0");
        r.register(a.clone()).unwrap();
        let b = handler("mycc:1.0");
        let err = r.register(b.clone()).unwrap_err();
        assert_eq!(err, DuplicateChaincode("mycc:1.0".into()));
        assert_eq!(err.to_string(), "duplicate chaincodeID: mycc:1.0");
        r.deregister(&b);
        assert!(r.handler("mycc:1.0").is_some());
        r.deregister(&a);
        assert!(r.handler("mycc:1.0").is_none());
        assert!(r.names().is_empty());
    }
}
