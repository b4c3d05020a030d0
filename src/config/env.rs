//! A snapshot of the process environment (variables and working directory).
//!
//! The configuration layer reads the environment only through this type, so tests can
//! inject variables without touching the process environment that parallel tests share.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Environment variables and the working directory the configuration search starts from.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    cwd: PathBuf,
}

impl Environment {
    /// Snapshot of the running process: every UTF-8 variable and the current directory
    /// (falls back to "." when the current directory cannot be determined).
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Environment { vars, cwd }
    }

    /// An environment built from explicit variables and working directory (for tests and
    /// for embedding).
    pub fn new<K, V>(vars: impl IntoIterator<Item = (K, V)>, cwd: impl Into<PathBuf>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Environment {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            cwd: cwd.into(),
        }
    }

    /// The value of a variable, `None` when unset.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Sets (or replaces) a variable in this snapshot only.
    pub fn set_var(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// The working directory that `./` in the search path means.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }
}
