//! A viper-like configuration source: one YAML file found by Fabric's search rules, with
//! case-insensitive dotted keys, `<PREFIX>_<KEY>` environment overrides and explicit
//! overrides (command-line flags) on top. Reusable for core.yaml (prefix CORE) and
//! orderer.yaml (prefix ORDERER).
//!
//! Precedence, highest first: [`ConfigSource::set`], the environment, the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_yaml::{Mapping, Value};

use super::env::Environment;
use super::error::ConfigError;
use super::search::{find_config_file, translate_path};
use super::value::{self, ValueError};

/// A loaded configuration file plus its environment and explicit overrides.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    file: PathBuf,
    env_prefix: String,
    tree: Value,
    env: Environment,
    overrides: BTreeMap<String, Value>,
}

impl ConfigSource {
    /// Finds `<name>.yaml` with Fabric's search rules (FABRIC_CFG_PATH, else `./` then
    /// `/etc/hyperledger/fabric`) and loads it. `env_prefix` is e.g. "CORE" or "ORDERER".
    pub fn load(name: &str, env_prefix: &str, env: Environment) -> Result<Self, ConfigError> {
        let file = find_config_file(&env, name)?;
        Self::from_file(&file, env_prefix, env)
    }

    /// Loads a specific file.
    pub fn from_file(path: &Path, env_prefix: &str, env: Environment) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_yaml(&text, path, env_prefix, env)
    }

    /// Parses YAML text as if read from `origin` (whose folder anchors relative paths).
    pub fn from_yaml(
        text: &str,
        origin: &Path,
        env_prefix: &str,
        env: Environment,
    ) -> Result<Self, ConfigError> {
        let parsed: Value = serde_yaml::from_str(text).map_err(|e| syntax_error(origin, &e))?;
        let tree = match parsed {
            Value::Null => Value::Mapping(Mapping::new()),
            Value::Mapping(_) => lowercase_keys(parsed),
            _ => {
                return Err(ConfigError::NotAMapping {
                    path: origin.to_path_buf(),
                })
            }
        };
        let file = if origin.is_absolute() {
            origin.to_path_buf()
        } else {
            env.cwd().join(origin)
        };
        Ok(ConfigSource {
            file,
            env_prefix: env_prefix.to_ascii_uppercase(),
            tree,
            env,
            overrides: BTreeMap::new(),
        })
    }

    /// The file this configuration came from (viper's `ConfigFileUsed`).
    pub fn config_file_used(&self) -> &Path {
        &self.file
    }

    /// The folder of the config file; relative paths in the file are resolved against it.
    pub fn config_dir(&self) -> &Path {
        self.file.parent().unwrap_or_else(|| Path::new("/"))
    }

    /// The environment this source reads overrides from.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The environment variable that overrides `key`: prefix, then the key upper-cased
    /// with dots as underscores (`peer.address` -> `CORE_PEER_ADDRESS`).
    pub fn env_var_name(&self, key: &str) -> String {
        format!("{}_{}", self.env_prefix, key.replace('.', "_")).to_ascii_uppercase()
    }

    /// Sets an explicit override (used for command-line flags); wins over env and file.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.overrides
            .insert(key.to_ascii_lowercase(), value.into());
    }

    /// The raw value of a key: explicit override, else a non-empty environment variable,
    /// else the file. Null values count as unset.
    pub fn get(&self, key: &str) -> Option<Value> {
        let lower = key.to_ascii_lowercase();
        if let Some(v) = self.overrides.get(&lower).filter(|v| !v.is_null()) {
            return Some(v.clone());
        }
        if let Some(v) = self.env.var(&self.env_var_name(&lower)) {
            if !v.is_empty() {
                return Some(Value::String(v.to_string()));
            }
        }
        let path: Vec<&str> = lower.split('.').collect();
        search(&self.tree, &path).filter(|v| !v.is_null()).cloned()
    }

    /// Whether the key has a non-null value anywhere (viper's `IsSet`).
    pub fn is_set(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The (lower-cased) keys of the map held by `key` in the file, sorted; empty when the
    /// key is absent or not a map.
    pub fn map_keys(&self, key: &str) -> Vec<String> {
        let lower = key.to_ascii_lowercase();
        let path: Vec<&str> = lower.split('.').collect();
        match search(&self.tree, &path) {
            Some(Value::Mapping(m)) => {
                let mut keys: Vec<String> = m
                    .keys()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect();
                keys.sort();
                keys
            }
            _ => Vec::new(),
        }
    }

    fn typed<T>(
        &self,
        key: &str,
        convert: impl Fn(&Value) -> Result<T, ValueError>,
    ) -> Result<Option<T>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => convert(&v)
                .map(Some)
                .map_err(|source| ConfigError::convert(key, source)),
        }
    }

    /// A string value (numbers and booleans rendered as text).
    pub fn get_string(&self, key: &str) -> Result<Option<String>, ConfigError> {
        self.typed(key, value::to_string)
    }

    /// A boolean value (Go's spellings for text).
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        self.typed(key, value::to_bool)
    }

    /// An integer value.
    pub fn get_int(&self, key: &str) -> Result<Option<i64>, ConfigError> {
        self.typed(key, value::to_int)
    }

    /// A floating point value.
    pub fn get_float(&self, key: &str) -> Result<Option<f64>, ConfigError> {
        self.typed(key, value::to_float)
    }

    /// A duration in Go's syntax ("60s", "1h30m").
    pub fn get_duration(&self, key: &str) -> Result<Option<Duration>, ConfigError> {
        self.typed(key, value::to_duration)
    }

    /// A list of strings; text from the environment is split on whitespace.
    pub fn get_string_slice(&self, key: &str) -> Result<Option<Vec<String>>, ConfigError> {
        self.typed(key, value::to_string_list)
    }

    /// Fabric's `GetPath`: a path value resolved against the config file's folder (absolute
    /// paths kept). `None` when the key is unset or empty.
    pub fn get_path(&self, key: &str) -> Result<Option<PathBuf>, ConfigError> {
        Ok(self
            .get_string(key)?
            .filter(|p| !p.is_empty())
            .map(|p| translate_path(self.config_dir(), &p)))
    }
}

/// Walks a dotted path; at each level the longest run of segments that names a key wins,
/// so a YAML key that itself contains dots is still found (as viper does).
fn search<'a>(node: &'a Value, path: &[&str]) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(node);
    }
    let map = node.as_mapping()?;
    (1..=path.len()).rev().find_map(|i| {
        let next = map.get(path[..i].join("."))?;
        search(next, &path[i..])
    })
}

/// Lower-cases every mapping key, recursively (viper's keys are case-insensitive).
fn lowercase_keys(value: Value) -> Value {
    match value {
        Value::Mapping(map) => Value::Mapping(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match value::scalar_to_string(&k) {
                        Some(s) => Value::String(s.to_lowercase()),
                        None => k,
                    };
                    (key, lowercase_keys(v))
                })
                .collect(),
        ),
        Value::Sequence(items) => Value::Sequence(items.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

fn syntax_error(path: &Path, err: &serde_yaml::Error) -> ConfigError {
    let location = err
        .location()
        .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
        .unwrap_or_default();
    let message = err.to_string();
    let message = match message.find(" at line ") {
        Some(idx) if !location.is_empty() => message[..idx].to_string(),
        _ => message,
    };
    ConfigError::Syntax {
        path: path.to_path_buf(),
        location,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "
peer:
  Address: 0.0.0.0:7051
  BCCSP:
    SW:
      Hash: SHA2
  tls:
    clientRootCAs:
      files:
        - tls/ca.crt
  mspConfigPath: msp
  empty:
weird:
  a.b: dotted
";

    fn source(vars: &[(&str, &str)]) -> ConfigSource {
        let env = Environment::new(vars.iter().copied(), "/work");
        ConfigSource::from_yaml(YAML, Path::new("/etc/fab/core.yaml"), "core", env).unwrap()
    }

    #[test]
    fn keys_are_case_insensitive() {
        let s = source(&[]);
        assert_eq!(
            s.get_string("peer.address").unwrap().unwrap(),
            "0.0.0.0:7051"
        );
        assert_eq!(s.get_string("PEER.bccsp.sw.HASH").unwrap().unwrap(), "SHA2");
        assert_eq!(s.get_string("weird.a.b").unwrap().unwrap(), "dotted");
        assert_eq!(s.get_string("peer.empty").unwrap(), None);
        assert_eq!(s.get_string("peer.nothing").unwrap(), None);
    }

    #[test]
    fn env_wins_over_file_and_set_wins_over_env() {
        let mut s = source(&[
            ("CORE_PEER_ADDRESS", "peer0:7051"),
            ("CORE_PEER_BCCSP_SW_HASH", "SHA3"),
            ("CORE_PEER_MSPCONFIGPATH", ""),
        ]);
        assert_eq!(s.get_string("peer.address").unwrap().unwrap(), "peer0:7051");
        assert_eq!(s.get_string("peer.BCCSP.SW.Hash").unwrap().unwrap(), "SHA3");
        // An empty variable does not override (viper ignores empty values).
        assert_eq!(s.get_string("peer.mspConfigPath").unwrap().unwrap(), "msp");
        s.set("peer.address", "flag:1");
        assert_eq!(s.get_string("peer.address").unwrap().unwrap(), "flag:1");
    }

    #[test]
    fn env_string_slices_split_on_whitespace() {
        let s = source(&[("CORE_PEER_TLS_CLIENTROOTCAS_FILES", "a.crt b.crt")]);
        assert_eq!(
            s.get_string_slice("peer.tls.clientRootCAs.files")
                .unwrap()
                .unwrap(),
            vec!["a.crt", "b.crt"]
        );
        let plain = source(&[]);
        assert_eq!(
            plain
                .get_string_slice("peer.tls.clientRootCAs.files")
                .unwrap()
                .unwrap(),
            vec!["tls/ca.crt"]
        );
    }

    #[test]
    fn paths_resolve_against_the_config_folder() {
        let s = source(&[("CORE_PEER_ABSOLUTE", "/abs/dir")]);
        assert_eq!(
            s.get_path("peer.mspConfigPath").unwrap().unwrap(),
            PathBuf::from("/etc/fab/msp")
        );
        assert_eq!(
            s.get_path("peer.absolute").unwrap().unwrap(),
            PathBuf::from("/abs/dir")
        );
        assert_eq!(s.get_path("peer.empty").unwrap(), None);
    }

    #[test]
    fn bad_values_name_the_key() {
        let s = source(&[("CORE_PEER_KEEPALIVE_MININTERVAL", "abc")]);
        let err = s.get_duration("peer.keepalive.minInterval").unwrap_err();
        assert_eq!(
            err.to_string(),
            "peer.keepalive.minInterval: invalid duration \"abc\""
        );
    }

    #[test]
    fn yaml_syntax_errors_name_file_and_line() {
        let env = Environment::new(Vec::<(String, String)>::new(), "/");
        let err = ConfigSource::from_yaml(
            "peer:\n  id: a\n   bad: [\n",
            Path::new("/x/core.yaml"),
            "CORE",
            env,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("config file /x/core.yaml is not valid YAML at line"),
            "{err}"
        );
    }

    #[test]
    fn map_keys_lists_a_section() {
        let s = source(&[]);
        assert_eq!(s.map_keys("peer.bccsp"), vec!["sw"]);
        assert!(s.map_keys("peer.address").is_empty());
    }
}
