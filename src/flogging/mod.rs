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

/// An error and its chain of causes on one line (`what: why: why`), for logs.
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = c.source();
    }
    line
}

#[cfg(test)]
mod causes_tests {
    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn an_error_is_rendered_with_its_causes_once() {
        let e = Outer(std::io::Error::other("disk full"));
        assert_eq!(super::with_causes(&e), "outer: disk full");
    }
}
