//! Errors of the logging layer, worded as Fabric words them.

/// A bad log spec, log level or log format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FloggingError {
    #[error("invalid logging specification '{spec}': bad segment '{segment}'")]
    BadSegment { spec: String, segment: String },

    #[error("invalid logging specification '{spec}': no logger specified in segment '{segment}'")]
    NoLogger { spec: String, segment: String },

    #[error("invalid logging specification '{spec}': bad logger name '{logger}'")]
    BadLoggerName { spec: String, logger: String },

    #[error("invalid log level: {0}")]
    BadLevel(String),

    #[error("invalid logging format: unknown verb: {0}")]
    UnknownVerb(String),

    #[error("invalid logging format: invalid color option: {0}")]
    BadColor(String),

    #[error("could not install the logging system as the global tracing subscriber: {0}")]
    Install(String),
}
