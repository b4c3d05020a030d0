//! `logging_entries_checked{level}` and `logging_entries_written{level}` (Fabric's
//! `common/flogging/metrics`), as the logging system's observer.

use crate::flogging::{Level, LogObserver};

use super::fabric::{LOGGING_ENTRIES_CHECKED, LOGGING_ENTRIES_WRITTEN};
use super::metrics::{Counter, Metrics};

/// Counts log entries by zap's level name.
pub struct LoggingMetrics {
    checked: Counter,
    written: Counter,
}

impl LoggingMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        LoggingMetrics {
            checked: metrics.counter(LOGGING_ENTRIES_CHECKED),
            written: metrics.counter(LOGGING_ENTRIES_WRITTEN),
        }
    }
}

/// zap's `Level.String()`: PAYLOAD is zap's level -2, printed as `Level(-2)`.
fn zap_name(level: Level) -> &'static str {
    match level {
        Level::Payload => "Level(-2)",
        other => other.name(),
    }
}

impl LogObserver for LoggingMetrics {
    fn check(&self, level: Level) {
        self.checked.add(&[zap_name(level)], 1.0);
    }

    fn write_entry(&self, level: Level) {
        self.written.add(&[zap_name(level)], 1.0);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::flogging::{Logging, LoggingConfig};

    #[test]
    fn counts_checked_and_written_entries_by_level() {
        let config = LoggingConfig {
            format: String::new(),
            log_spec: "noisy=debug:info".into(),
        };
        let logging = Logging::new(&config, Box::new(std::io::sink())).unwrap();
        let metrics = Metrics::new();
        logging.set_observer(Arc::new(LoggingMetrics::new(&metrics)));
        let subscriber = tracing_subscriber::layer::SubscriberExt::with(
            tracing_subscriber::registry(),
            logging.layer(),
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "quiet", "one");
            tracing::debug!(target: "quiet", "checked, not written");
            tracing::debug!(target: "noisy", "two");
        });
        let checked = metrics.counter(LOGGING_ENTRIES_CHECKED);
        let written = metrics.counter(LOGGING_ENTRIES_WRITTEN);
        assert_eq!(checked.value(&["info"]), Some(1.0));
        assert_eq!(checked.value(&["debug"]), Some(2.0));
        assert_eq!(written.value(&["info"]), Some(1.0));
        assert_eq!(written.value(&["debug"]), Some(1.0));
    }
}
