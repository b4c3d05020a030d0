//! Fabric's logging (`common/flogging`) on top of tracing: log specs such as
//! `info:gossip=debug:ledger=warn`, Fabric's level names and error messages, the
//! logger-name lookup rule, a run-time reloadable filter, and Fabric's console format
//! (or JSON / logfmt lines) on stderr.
//!
//! Libraries log with `tracing` macros whose `target` is the Fabric logger name
//! (`tracing::info!(target: "msp", ...)`). A binary builds one [`Logging`] from the
//! environment, installs it with [`Logging::install_global`], and passes the object to
//! whatever changes levels at run time.

mod encoder;
mod error;
mod format;
mod level;
mod logging;
mod spec;

pub use encoder::Encoding;
pub use error::FloggingError;
pub use format::{go_time_format, parse_format, DEFAULT_FORMAT};
pub use level::Level;
pub use logging::{FabricLayer, LogObserver, LogWriter, Logging, LoggingConfig};
pub use spec::{is_valid_logger_name, LogSpec};
