//! Errors of the configuration layer. Each renders as one line naming what was wrong and
//! what to do about it.

use std::path::PathBuf;

/// Why a configuration could not be found, read, parsed or converted.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// FABRIC_CFG_PATH names a folder that does not exist.
    #[error("FABRIC_CFG_PATH {path} does not exist; set FABRIC_CFG_PATH to the folder holding {name}.yaml")]
    CfgPathMissing { path: PathBuf, name: String },

    /// No `<name>.yaml` / `<name>.yml` in any folder searched.
    #[error(
        "could not find {name}.yaml in [{searched}]; set FABRIC_CFG_PATH to the folder holding it"
    )]
    NotFound { name: String, searched: String },

    /// The file exists but could not be read.
    #[error("could not read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The file is not valid YAML.
    #[error("config file {path} is not valid YAML{location}: {message}")]
    Syntax {
        path: PathBuf,
        /// " at line N, column M" when the parser knows where, else empty.
        location: String,
        message: String,
    },

    /// The top level of the file is not a mapping of keys.
    #[error("config file {path} must hold a mapping of keys at its top level")]
    NotAMapping { path: PathBuf },

    /// A key holds a value of the wrong shape, e.g. `peer.keepalive.minInterval: invalid
    /// duration "abc"`.
    #[error("{key}: {problem}")]
    Value { key: String, problem: String },

    /// A key's value does not convert to the type wanted, e.g. `peer.tls.enabled: invalid
    /// boolean "maybe"`.
    #[error("{key}: {source}")]
    Convert {
        key: String,
        #[source]
        source: super::value::ValueError,
    },
}

impl ConfigError {
    /// Convenience constructor for [`ConfigError::Value`].
    pub fn value(key: &str, problem: impl Into<String>) -> Self {
        ConfigError::Value {
            key: key.to_string(),
            problem: problem.into(),
        }
    }

    /// Convenience constructor for [`ConfigError::Convert`].
    pub fn convert(key: &str, source: super::value::ValueError) -> Self {
        ConfigError::Convert {
            key: key.to_string(),
            source,
        }
    }
}
