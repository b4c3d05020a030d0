//! Fabric's `HandlerRegistry`: the registered chaincode handlers by canonical name.
//!
//! As in Fabric, registration has two steps: [`HandlerRegistry::register`] takes the name
//! (a second chaincode of that name is refused) and [`HandlerRegistry::ready`] makes the
//! handler usable, once REGISTERED and READY are on their way to the chaincode. Until then
//! nothing is sent to it: a TRANSACTION queued before READY would reach a shim that
//! cannot take it yet and end its stream.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::handler::Handler;

/// A second chaincode registered under a name already taken (Fabric's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("duplicate chaincodeID: {0}")]
pub struct DuplicateChaincode(pub String);

/// The handlers of the chaincodes registered with this peer, keyed by `name:version`.
pub struct HandlerRegistry {
    /// Each handler, and whether it is ready.
    handlers: Mutex<HashMap<String, (Arc<Handler>, bool)>>,
    /// Bumped on every registration, so a launch can await its chaincode's.
    registrations: watch::Sender<u64>,
    /// `chaincode.keepalive`: how often every chaincode stream gets a KEEPALIVE (off: None).
    keepalive: Option<std::time::Duration>,
}

impl Default for HandlerRegistry {
    fn default() -> Self {
        HandlerRegistry {
            handlers: Mutex::new(HashMap::new()),
            registrations: watch::channel(0).0,
            keepalive: None,
        }
    }
}

impl HandlerRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends a KEEPALIVE on every chaincode stream each `interval` (`chaincode.keepalive`
    /// seconds; zero turns them off, as in Fabric).
    pub fn with_keepalive(mut self, interval: std::time::Duration) -> Self {
        self.keepalive = (!interval.is_zero()).then_some(interval);
        self
    }

    /// The KEEPALIVE interval of chaincode streams, if any.
    pub fn keepalive(&self) -> Option<std::time::Duration> {
        self.keepalive
    }

    /// Completes once `cname` is registered (at once when it already is). Subscribes when
    /// called, so a registration right after the call is not missed.
    pub fn wait_for(self: &Arc<Self>, cname: &str) -> impl Future<Output = ()> + Send + 'static {
        let mut changes = self.registrations.subscribe();
        let me = self.clone();
        let cname = cname.to_string();
        async move {
            loop {
                if me.handler(&cname).is_some() {
                    return;
                }
                if changes.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        }
    }

    /// Removes whatever handler is registered as `cname` (its process is gone) and ends
    /// its open transactions.
    pub fn remove(&self, cname: &str) {
        let removed = self.lock().remove(cname);
        if let Some((handler, _)) = removed {
            handler.close_all();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Arc<Handler>, bool)>> {
        self.handlers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a handler's canonical name, not yet ready; a second registration of a name
    /// fails with Fabric's text.
    pub fn register(&self, handler: Arc<Handler>) -> Result<(), DuplicateChaincode> {
        let key = handler.canonical_name().to_string();
        let mut handlers = self.lock();
        if handlers.contains_key(&key) {
            return Err(DuplicateChaincode(key));
        }
        handlers.insert(key, (handler, false));
        Ok(())
    }

    /// Makes a registered `handler` usable (Fabric's `Ready`) and wakes those waiting for it.
    pub fn ready(&self, handler: &Arc<Handler>) {
        let mut handlers = self.lock();
        match handlers.get_mut(handler.canonical_name()) {
            Some((h, ready)) if Arc::ptr_eq(h, handler) => *ready = true,
            _ => return,
        }
        drop(handlers);
        self.registrations.send_modify(|n| *n += 1);
    }

    /// Removes `handler` (only if it is the one registered under its name).
    pub fn deregister(&self, handler: &Arc<Handler>) {
        let mut handlers = self.lock();
        let key = handler.canonical_name();
        if handlers
            .get(key)
            .is_some_and(|(h, _)| Arc::ptr_eq(h, handler))
        {
            handlers.remove(key);
        }
    }

    /// The handler registered as `cname`, once ready.
    pub fn handler(&self, cname: &str) -> Option<Arc<Handler>> {
        self.lock()
            .get(cname)
            .filter(|(_, ready)| *ready)
            .map(|(h, _)| h.clone())
    }

    /// Registered canonical names (ready or not), sorted.
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
        assert!(r.handler("mycc:1.0").is_none(), "not ready yet");
        r.ready(&a);
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

    #[tokio::test]
    async fn wait_for_completes_on_registration_and_remove_ends_contexts() {
        let r = Arc::new(HandlerRegistry::new());
        let waiting = tokio::spawn(r.wait_for("mycc:1.0"));
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        let other = handler("other:1");
        r.register(other.clone()).unwrap();
        r.ready(&other);
        let h = handler("mycc:1.0");
        let mut ctx = h.open_context("ch", "t").unwrap();
        r.register(h.clone()).unwrap();
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "registered, not yet ready");
        r.ready(&h);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("registration seen")
            .unwrap();
        r.wait_for("mycc:1.0").await;
        r.remove("mycc:1.0");
        assert!(r.handler("mycc:1.0").is_none());
        assert!(
            ctx.recv().await.is_none(),
            "the open transaction sees the end"
        );
    }
}
