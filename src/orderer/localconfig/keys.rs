//! Typed reads with defaults over a [`ConfigSource`] for orderer.yaml keys.

use std::time::Duration;

use crate::config::{ConfigError, ConfigSource};

type Result<T> = std::result::Result<T, ConfigError>;

/// Reads the keys of one source, falling back to the given defaults.
pub(super) struct Keys<'a> {
    src: &'a ConfigSource,
}

impl<'a> Keys<'a> {
    pub(super) fn new(src: &'a ConfigSource) -> Self {
        Keys { src }
    }

    pub(super) fn string(&self, key: &str, default: &str) -> Result<String> {
        Ok(self
            .src
            .get_string(key)?
            .unwrap_or_else(|| default.to_string()))
    }

    pub(super) fn opt_string(&self, key: &str) -> Result<Option<String>> {
        self.src.get_string(key)
    }

    pub(super) fn bool(&self, key: &str, default: bool) -> Result<bool> {
        Ok(self.src.get_bool(key)?.unwrap_or(default))
    }

    pub(super) fn int(&self, key: &str, default: i64) -> Result<i64> {
        Ok(self.src.get_int(key)?.unwrap_or(default))
    }

    pub(super) fn opt_int(&self, key: &str) -> Result<Option<i64>> {
        self.src.get_int(key)
    }

    /// A TCP port: an integer in 0..=65535.
    pub(super) fn port(&self, key: &str, default: u16) -> Result<u16> {
        match self.src.get_int(key)? {
            None => Ok(default),
            Some(v) => u16::try_from(v).map_err(|_| {
                ConfigError::value(key, format!("{v} is not a port number (0-65535)"))
            }),
        }
    }

    pub(super) fn duration(&self, key: &str, default: Duration) -> Result<Duration> {
        Ok(self.src.get_duration(key)?.unwrap_or(default))
    }

    pub(super) fn strings(&self, key: &str, default: &[&str]) -> Result<Vec<String>> {
        Ok(self
            .src
            .get_string_slice(key)?
            .unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect()))
    }

    pub(super) fn opt_strings(&self, key: &str) -> Result<Option<Vec<String>>> {
        self.src.get_string_slice(key)
    }
}
