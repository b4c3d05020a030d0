//! Typed reads with defaults over a [`ConfigSource`]: the value from the override, the
//! environment or the file, else the given Fabric default.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_yaml::{Mapping, Value};

use crate::config::error::ConfigError;
use crate::config::source::ConfigSource;
use crate::config::value;

type Result<T> = std::result::Result<T, ConfigError>;

/// Reads keys of one [`ConfigSource`], falling back to defaults.
pub(crate) struct Keys<'a> {
    src: &'a ConfigSource,
}

impl<'a> Keys<'a> {
    pub(crate) fn new(src: &'a ConfigSource) -> Self {
        Keys { src }
    }

    pub(crate) fn string(&self, key: &str, default: &str) -> Result<String> {
        Ok(self
            .src
            .get_string(key)?
            .unwrap_or_else(|| default.to_string()))
    }

    pub(crate) fn opt_string(&self, key: &str) -> Result<Option<String>> {
        self.src.get_string(key)
    }

    pub(crate) fn bool(&self, key: &str, default: bool) -> Result<bool> {
        Ok(self.src.get_bool(key)?.unwrap_or(default))
    }

    pub(crate) fn int(&self, key: &str, default: i64) -> Result<i64> {
        Ok(self.src.get_int(key)?.unwrap_or(default))
    }

    pub(crate) fn opt_int(&self, key: &str) -> Result<Option<i64>> {
        self.src.get_int(key)
    }

    pub(crate) fn float(&self, key: &str, default: f64) -> Result<f64> {
        Ok(self.src.get_float(key)?.unwrap_or(default))
    }

    pub(crate) fn duration(&self, key: &str, default: Duration) -> Result<Duration> {
        Ok(self.src.get_duration(key)?.unwrap_or(default))
    }

    pub(crate) fn opt_duration(&self, key: &str) -> Result<Option<Duration>> {
        self.src.get_duration(key)
    }

    pub(crate) fn strings(&self, key: &str, default: &[&str]) -> Result<Vec<String>> {
        Ok(self
            .src
            .get_string_slice(key)?
            .unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect()))
    }

    pub(crate) fn opt_strings(&self, key: &str) -> Result<Option<Vec<String>>> {
        self.src.get_string_slice(key)
    }

    /// A list of maps (e.g. `peer.handlers.authFilters`); `None` when unset.
    pub(crate) fn list_of_maps(&self, key: &str) -> Result<Option<Vec<Mapping>>> {
        let Some(raw) = self.src.get(key) else {
            return Ok(None);
        };
        let Value::Sequence(items) = raw else {
            return Err(ConfigError::value(
                key,
                format!("expected a list of maps, found {}", value::describe(&raw)),
            ));
        };
        items
            .into_iter()
            .map(|item| match item {
                Value::Mapping(m) => Ok(m),
                Value::Null => Ok(Mapping::new()),
                other => Err(ConfigError::value(
                    key,
                    format!("list item {} is not a map", value::describe(&other)),
                )),
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// The names of a map-valued section: the defaults plus whatever the file adds.
    pub(crate) fn section_names(&self, key: &str, defaults: &[&str]) -> Vec<String> {
        let mut names: Vec<String> = defaults.iter().map(|s| s.to_ascii_lowercase()).collect();
        for name in self.src.map_keys(key) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// A map of strings whose entries are individual keys (each overridable from the
    /// environment), seeded with defaults.
    pub(crate) fn string_map(
        &self,
        key: &str,
        defaults: &[(&str, &str)],
    ) -> Result<BTreeMap<String, String>> {
        let names: Vec<&str> = defaults.iter().map(|(k, _)| *k).collect();
        let mut out = BTreeMap::new();
        for name in self.section_names(key, &names) {
            let default = defaults
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&name))
                .map(|(_, v)| *v);
            let full = format!("{key}.{name}");
            match (self.src.get_string(&full)?, default) {
                (Some(v), _) => out.insert(name, v),
                (None, Some(d)) => out.insert(name, d.to_string()),
                (None, None) => None,
            };
        }
        Ok(out)
    }

    /// The raw value of a key, for sections Fabric itself never reads.
    pub(crate) fn raw(&self, key: &str) -> Option<Value> {
        self.src.get(key)
    }
}

/// A string field of a map from a list of maps (field names are lower-cased).
pub(crate) fn map_string(map: &Mapping, key: &str, field: &str) -> Result<Option<String>> {
    match map.get(field.to_ascii_lowercase()) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => value::to_string(v)
            .map(Some)
            .map_err(|e| ConfigError::convert(&format!("{key}.{field}"), e)),
    }
}

/// A boolean field of a map from a list of maps.
pub(crate) fn map_bool(map: &Mapping, key: &str, field: &str) -> Result<bool> {
    match map.get(field.to_ascii_lowercase()) {
        None | Some(Value::Null) => Ok(false),
        Some(v) => {
            value::to_bool(v).map_err(|e| ConfigError::convert(&format!("{key}.{field}"), e))
        }
    }
}
