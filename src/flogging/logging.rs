//! The logging system: a [`Logging`] object holding the active log spec and encoding,
//! and a tracing-subscriber [`Layer`] that filters and writes events by that spec. The
//! spec can be changed at run time (`peer logging setlevel`, the admin service, the
//! operations `/logspec` endpoint); the change applies to the very next event.
//!
//! A tracing event's `target` is its Fabric logger name (`msp`, `gossip.state`).

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use time::OffsetDateTime;
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

use super::encoder::{encode, Encoding, Fields, Record};
use super::error::FloggingError;
use super::format::Entry;
use super::level::Level;
use super::spec::LogSpec;

/// Where log lines go.
pub type LogWriter = Box<dyn Write + Send>;

/// Told of every log entry that passes the lowest active level (checked) and of every one
/// written (Fabric's `flogging.Observer`, which the logging metrics implement).
pub trait LogObserver: Send + Sync {
    fn check(&self, level: Level);
    fn write_entry(&self, level: Level);
}

/// Settings a logging system starts with (Fabric's `flogging.Config`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoggingConfig {
    /// FABRIC_LOGGING_FORMAT: "json", "logfmt" or a console format; empty is the default.
    pub format: String,
    /// FABRIC_LOGGING_SPEC; empty means "info".
    pub log_spec: String,
}

impl LoggingConfig {
    /// Reads FABRIC_LOGGING_SPEC and FABRIC_LOGGING_FORMAT through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        LoggingConfig {
            format: lookup("FABRIC_LOGGING_FORMAT").unwrap_or_default(),
            log_spec: lookup("FABRIC_LOGGING_SPEC").unwrap_or_default(),
        }
    }

    /// Reads the two variables from the process environment.
    pub fn from_process_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

#[derive(Debug)]
struct Levels {
    active: LogSpec,
    initial: LogSpec,
}

struct Shared {
    levels: RwLock<Levels>,
    encoding: RwLock<Encoding>,
    writer: Mutex<LogWriter>,
    sequence: AtomicU64,
    observer: RwLock<Option<Arc<dyn LogObserver>>>,
}

/// A logging system. Cheap to clone; clones share the same spec, format and output.
#[derive(Clone)]
pub struct Logging {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Logging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logging")
            .field("spec", &self.spec())
            .finish()
    }
}

impl Logging {
    /// A logging system writing to `writer`. The spec given here is the one
    /// [`Logging::revert_levels`] returns to.
    pub fn new(config: &LoggingConfig, writer: LogWriter) -> Result<Logging, FloggingError> {
        let spec = LogSpec::parse(&config.log_spec)?;
        let encoding = Encoding::parse(&config.format)?;
        Ok(Logging {
            shared: Arc::new(Shared {
                levels: RwLock::new(Levels {
                    active: spec.clone(),
                    initial: spec,
                }),
                encoding: RwLock::new(encoding),
                writer: Mutex::new(writer),
                sequence: AtomicU64::new(0),
                observer: RwLock::new(None),
            }),
        })
    }

    /// A logging system configured from FABRIC_LOGGING_SPEC / FABRIC_LOGGING_FORMAT,
    /// writing to stderr.
    pub fn from_env() -> Result<Logging, FloggingError> {
        Logging::new(
            &LoggingConfig::from_process_env(),
            Box::new(std::io::stderr()),
        )
    }

    /// The tracing-subscriber layer that filters and writes events for this system.
    pub fn layer(&self) -> FabricLayer {
        FabricLayer {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Makes this system the process-wide tracing subscriber (for binaries).
    pub fn install_global(&self) -> Result<(), FloggingError> {
        let subscriber = tracing_subscriber::registry().with(self.layer());
        tracing::subscriber::set_global_default(subscriber)
            .map_err(|e| FloggingError::Install(e.to_string()))
    }

    /// Sets the observer told of checked and written entries (Fabric's `SetObserver`).
    pub fn set_observer(&self, observer: Arc<dyn LogObserver>) {
        *self
            .shared
            .observer
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(observer);
    }

    /// Activates a new log spec (Fabric's `ActivateSpec`); on error nothing changes.
    pub fn set_spec(&self, spec: &str) -> Result<(), FloggingError> {
        let parsed = LogSpec::parse(spec)?;
        self.write_levels().active = parsed;
        tracing::callsite::rebuild_interest_cache();
        Ok(())
    }

    /// The active spec in Fabric's canonical form (`gossip=debug:msp=warn:info`).
    pub fn spec(&self) -> String {
        self.read_levels().active.to_string()
    }

    /// Sets one logger's level on top of the active spec (the admin service's
    /// `SetModuleLogLevel`).
    pub fn set_module_level(&self, module: &str, level: &str) -> Result<(), FloggingError> {
        let spec = format!("{}:{module}={level}", self.spec());
        self.set_spec(&spec)
    }

    /// The level that applies to a logger (`peer logging getlevel` shows its
    /// [`Level::capital_name`]).
    pub fn module_level(&self, module: &str) -> Level {
        self.read_levels().active.level_for(module)
    }

    /// Returns to the spec this system was created with.
    pub fn revert_levels(&self) {
        let mut levels = self.write_levels();
        levels.active = levels.initial.clone();
        drop(levels);
        tracing::callsite::rebuild_interest_cache();
    }

    /// Changes the output format ("json", "logfmt" or a console format).
    pub fn set_format(&self, format: &str) -> Result<(), FloggingError> {
        let encoding = Encoding::parse(format)?;
        *self
            .shared
            .encoding
            .write()
            .unwrap_or_else(|e| e.into_inner()) = encoding;
        Ok(())
    }

    /// Whether an event of `level` from logger `module` would be written.
    pub fn is_enabled(&self, module: &str, level: Level) -> bool {
        self.shared.enabled(module, level)
    }

    fn read_levels(&self) -> std::sync::RwLockReadGuard<'_, Levels> {
        self.shared.levels.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_levels(&self) -> std::sync::RwLockWriteGuard<'_, Levels> {
        self.shared
            .levels
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }
}

impl Shared {
    fn enabled(&self, module: &str, level: Level) -> bool {
        let levels = self.levels.read().unwrap_or_else(|e| e.into_inner());
        level >= levels.active.level_for(module)
    }

    fn observe(&self, f: impl FnOnce(&dyn LogObserver)) {
        let observer = self.observer.read().unwrap_or_else(|e| e.into_inner());
        if let Some(observer) = observer.as_deref() {
            f(observer);
        }
    }

    fn min_level(&self) -> Level {
        let levels = self.levels.read().unwrap_or_else(|e| e.into_inner());
        levels.active.min_level()
    }

    fn write_event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let func = meta
            .module_path()
            .and_then(|p| p.rsplit("::").next())
            .unwrap_or("(unknown)");
        let caller = match (meta.file(), meta.line()) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            _ => String::new(),
        };
        let record = Record {
            entry: Entry {
                time: OffsetDateTime::now_utc(),
                level: Level::from_tracing(meta.level()),
                module: meta.target(),
                func,
                message: &fields.message,
                sequence: self.sequence.fetch_add(1, Ordering::Relaxed) + 1,
            },
            caller,
            fields: &fields,
        };
        let line = {
            let encoding = self.encoding.read().unwrap_or_else(|e| e.into_inner());
            encode(&encoding, &record)
        };
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        // A log line that cannot be written has nowhere else to go.
        let _ = writer.write_all(line.as_bytes());
        let _ = writer.flush();
    }
}

/// The tracing-subscriber layer of a [`Logging`] system.
pub struct FabricLayer {
    shared: Arc<Shared>,
}

fn level_filter(level: Level) -> LevelFilter {
    match level {
        Level::Payload => LevelFilter::TRACE,
        Level::Debug => LevelFilter::DEBUG,
        Level::Info => LevelFilter::INFO,
        Level::Warn => LevelFilter::WARN,
        Level::Error => LevelFilter::ERROR,
        Level::DPanic | Level::Panic | Level::Fatal => LevelFilter::OFF,
    }
}

impl<S: Subscriber> Layer<S> for FabricLayer {
    fn register_callsite(&self, _meta: &'static Metadata<'static>) -> Interest {
        // The spec can change at any time, so every event is asked about.
        Interest::sometimes()
    }

    fn enabled(&self, meta: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        if !meta.is_event() {
            return true;
        }
        let level = Level::from_tracing(meta.level());
        self.shared.observe(|o| o.check(level));
        self.shared.enabled(meta.target(), level)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if self
            .shared
            .enabled(meta.target(), Level::from_tracing(meta.level()))
        {
            self.shared.write_event(event);
            let level = Level::from_tracing(meta.level());
            self.shared.observe(|o| o.write_entry(level));
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(level_filter(self.shared.min_level()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose output the test can read back.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Capture {
        fn take(&self) -> String {
            String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
        }
    }

    fn system(spec: &str, format: &str) -> (Logging, Capture) {
        let capture = Capture::default();
        let config = LoggingConfig {
            format: format.into(),
            log_spec: spec.into(),
        };
        let logging = Logging::new(&config, Box::new(capture.clone())).unwrap();
        (logging, capture)
    }

    fn emit_all(logging: &Logging) {
        let subscriber = tracing_subscriber::registry().with(logging.layer());
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "gossip.state", "state debug");
            tracing::info!(target: "gossip.state", "state info");
            tracing::debug!(target: "msp", "msp debug");
            tracing::warn!(target: "msp", "msp warn");
        });
    }

    #[test]
    fn spec_changes_affect_the_next_events() {
        let (logging, out) = system("info", "%{module} %{level} %{message}");
        emit_all(&logging);
        assert_eq!(
            out.take(),
            "gossip.state INFO state info\nmsp WARN msp warn\n"
        );

        logging.set_spec("warn:gossip=debug").unwrap();
        emit_all(&logging);
        assert_eq!(
            out.take(),
            "gossip.state DEBUG state debug\ngossip.state INFO state info\nmsp WARN msp warn\n"
        );

        logging.set_module_level("msp", "debug").unwrap();
        assert_eq!(logging.spec(), "gossip=debug:msp=debug:warn");
        assert_eq!(logging.module_level("msp").capital_name(), "DEBUG");
        emit_all(&logging);
        assert_eq!(out.take().lines().count(), 4);

        logging.revert_levels();
        assert_eq!(logging.spec(), "info");
        emit_all(&logging);
        assert_eq!(
            out.take(),
            "gossip.state INFO state info\nmsp WARN msp warn\n"
        );
    }

    #[test]
    fn bad_spec_leaves_the_active_one() {
        let (logging, _) = system("debug:msp=error", "");
        let err = logging.set_spec("msp=chatty").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid logging specification 'msp=chatty': bad segment 'msp=chatty'"
        );
        assert_eq!(logging.spec(), "msp=error:debug");
        assert!(!logging.is_enabled("msp", Level::Warn));
        assert!(logging.is_enabled("ledger", Level::Debug));
    }

    #[test]
    fn json_format_and_fields() {
        let (logging, out) = system("info", "json");
        let subscriber = tracing_subscriber::registry().with(logging.layer());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "peer.node", channel = "mychannel", "joined");
        });
        let line = out.take();
        let v: serde_json::Value = serde_json::from_str(line.trim_end()).unwrap();
        assert_eq!(v["level"], "info");
        assert_eq!(v["name"], "peer.node");
        assert_eq!(v["msg"], "joined");
        assert_eq!(v["channel"], "mychannel");
    }

    #[test]
    fn default_format_has_fabric_shape() {
        let (logging, out) = system("", "");
        let subscriber = tracing_subscriber::registry().with(logging.layer());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "msp", "first");
            tracing::info!(target: "msp", "second");
        });
        let text = out.take();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("\x1b[34m"), "{:?}", lines[0]);
        assert!(
            lines[0].contains(" UTC [msp] tests -> INFO 001\x1b[0m first"),
            "{:?}",
            lines[0]
        );
        assert!(lines[1].contains("INFO 002"), "{:?}", lines[1]);
    }

    #[test]
    fn config_reads_fabric_variables() {
        let config = LoggingConfig::from_lookup(|k| match k {
            "FABRIC_LOGGING_SPEC" => Some("debug".into()),
            "FABRIC_LOGGING_FORMAT" => Some("json".into()),
            _ => None,
        });
        assert_eq!(config.log_spec, "debug");
        assert_eq!(config.format, "json");
        let bad = LoggingConfig {
            format: String::new(),
            log_spec: "nonsense".into(),
        };
        assert!(Logging::new(&bad, Box::new(std::io::sink())).is_err());
    }
}
