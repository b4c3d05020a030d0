//! Fabric's log levels (zap's, plus PAYLOAD below DEBUG) and their names.

use std::fmt;

use super::error::FloggingError;

/// A Fabric log level, least severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Payload,
    Debug,
    Info,
    Warn,
    Error,
    DPanic,
    Panic,
    Fatal,
}

impl Level {
    /// Parses a level name as Fabric does: the lower- or upper-case spelling of payload,
    /// debug, info, warn/warning, error, dpanic, panic, fatal, plus notice (= info) and
    /// critical (= error).
    pub fn parse(name: &str) -> Result<Level, FloggingError> {
        let level = match name {
            "PAYLOAD" | "payload" => Level::Payload,
            "DEBUG" | "debug" => Level::Debug,
            "INFO" | "info" | "NOTICE" | "notice" => Level::Info,
            "WARNING" | "WARN" | "warning" | "warn" => Level::Warn,
            "ERROR" | "error" | "CRITICAL" | "critical" => Level::Error,
            "DPANIC" | "dpanic" => Level::DPanic,
            "PANIC" | "panic" => Level::Panic,
            "FATAL" | "fatal" => Level::Fatal,
            other => return Err(FloggingError::BadLevel(other.to_string())),
        };
        Ok(level)
    }

    /// Whether `name` is a level name Fabric accepts.
    pub fn is_valid(name: &str) -> bool {
        Level::parse(name).is_ok()
    }

    /// The lower-case name used in specs ("warn", not "warning").
    pub fn name(self) -> &'static str {
        match self {
            Level::Payload => "payload",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::DPanic => "dpanic",
            Level::Panic => "panic",
            Level::Fatal => "fatal",
        }
    }

    /// The upper-case name used in log lines and `peer logging getlevel`.
    pub fn capital_name(self) -> &'static str {
        match self {
            Level::Payload => "PAYLOAD",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::DPanic => "DPANIC",
            Level::Panic => "PANIC",
            Level::Fatal => "FATAL",
        }
    }

    /// The Fabric level of a tracing event: TRACE is payload, ERROR is error.
    pub fn from_tracing(level: &tracing::Level) -> Level {
        match *level {
            tracing::Level::TRACE => Level::Payload,
            tracing::Level::DEBUG => Level::Debug,
            tracing::Level::INFO => Level::Info,
            tracing::Level::WARN => Level::Warn,
            tracing::Level::ERROR => Level::Error,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_in_fabric_spellings() {
        assert_eq!(Level::parse("warning"), Ok(Level::Warn));
        assert_eq!(Level::parse("WARN"), Ok(Level::Warn));
        assert_eq!(Level::parse("DEBUG"), Ok(Level::Debug));
        assert_eq!(Level::parse("critical"), Ok(Level::Error));
        assert_eq!(
            Level::parse("verbose"),
            Err(FloggingError::BadLevel("verbose".into()))
        );
        assert!(!Level::is_valid(""));
    }

    #[test]
    fn tracing_levels_map_in_order() {
        assert!(Level::from_tracing(&tracing::Level::TRACE) < Level::Debug);
        assert_eq!(Level::from_tracing(&tracing::Level::ERROR), Level::Error);
    }
}
