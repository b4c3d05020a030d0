//! Reads the few core.yaml keys the CLI needs, with viper's rules: the file is found in
//! FABRIC_CFG_PATH (or `.` then `/etc/hyperledger/fabric` when unset), keys match
//! case-insensitively, `CORE_<KEY_WITH_UNDERSCORES>` environment variables override the
//! file, and relative paths resolve against the file's folder.
//!
//! This is the seam to the `config` module: once `crate::config` provides core.yaml loading,
//! [`CoreYaml`]'s accessors are answered by it and this file goes away; callers only use
//! [`CoreYaml::string`], [`CoreYaml::bool`], [`CoreYaml::duration`] and [`CoreYaml::path`].

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::duration::GoDuration;
use super::CliError;

/// A loaded core.yaml plus the process environment.
#[derive(Debug, Clone)]
pub struct CoreYaml {
    file: PathBuf,
    root: Value,
    env: Vec<(String, String)>,
}

const DEFAULT_DIRS: [&str; 2] = [".", "/etc/hyperledger/fabric"];

impl CoreYaml {
    /// Finds and reads core.yaml using FABRIC_CFG_PATH from `env`.
    pub fn load(env: Vec<(String, String)>) -> Result<Self, CliError> {
        let cfg_path = env
            .iter()
            .find(|(k, _)| k == "FABRIC_CFG_PATH")
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty());
        let dirs: Vec<PathBuf> = match &cfg_path {
            Some(p) => vec![PathBuf::from(p)],
            None => DEFAULT_DIRS.iter().map(PathBuf::from).collect(),
        };
        let file =
            dirs.iter()
                .map(|d| d.join("core.yaml"))
                .find(|f| f.is_file())
                .ok_or_else(|| {
                    CliError::Config(format!(
                    "cannot find core.yaml in {}: set FABRIC_CFG_PATH to the folder that holds it",
                    dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(" or ")
                ))
                })?;
        let text = std::fs::read_to_string(&file)
            .map_err(|e| CliError::Config(format!("cannot read {}: {e}", file.display())))?;
        let root: Value = serde_yaml::from_str(&text)
            .map_err(|e| CliError::Config(format!("{} is not valid YAML: {e}", file.display())))?;
        Ok(Self { file, root, env })
    }

    /// The file that was read.
    pub fn file(&self) -> &Path {
        &self.file
    }

    fn env_value(&self, key: &str) -> Option<&str> {
        let name = format!("CORE_{}", key.replace('.', "_").to_uppercase());
        self.env
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    fn file_value(&self, key: &str) -> Option<&Value> {
        let mut node = &self.root;
        for part in key.split('.') {
            let map = node.as_mapping()?;
            node = map.iter().find_map(|(k, v)| {
                k.as_str()
                    .filter(|k| k.eq_ignore_ascii_case(part))
                    .map(|_| v)
            })?;
        }
        Some(node)
    }

    /// A key as text ("" when unset or null).
    pub fn string(&self, key: &str) -> String {
        if let Some(v) = self.env_value(key) {
            return v.to_string();
        }
        match self.file_value(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    }

    /// A key as a boolean (false when unset or not a boolean).
    pub fn bool(&self, key: &str) -> bool {
        super::flags::parse_go_bool(&self.string(key)).unwrap_or(false)
    }

    /// A key as a Go duration (zero when unset).
    pub fn duration(&self, key: &str) -> Result<GoDuration, CliError> {
        let text = self.string(key);
        if text.is_empty() {
            return Ok(GoDuration::default());
        }
        text.parse()
            .map_err(|e| CliError::Config(format!("{key} in {}: {e}", self.file.display())))
    }

    /// A key as a path, relative paths resolved against core.yaml's folder (None when unset).
    pub fn path(&self, key: &str) -> Option<PathBuf> {
        let text = self.string(key);
        if text.is_empty() {
            return None;
        }
        let p = PathBuf::from(text);
        if p.is_absolute() {
            return Some(p);
        }
        let dir = self.file.parent().unwrap_or(Path::new("."));
        Some(dir.join(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str, env: &[(&str, &str)]) -> (tempfile::TempDir, CoreYaml) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("core.yaml"), yaml).unwrap();
        let mut vars = vec![(
            "FABRIC_CFG_PATH".to_string(),
            dir.path().display().to_string(),
        )];
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let cfg = CoreYaml::load(vars).unwrap();
        (dir, cfg)
    }

    #[test]
    fn keys_match_case_insensitively_and_env_wins() {
        let yaml =
            "peer:\n  address: 0.0.0.0:7051\n  localMspId: SampleOrg\n  tls:\n    enabled: false\n";
        let (_d, cfg) = load(yaml, &[("CORE_PEER_TLS_ENABLED", "true")]);
        assert_eq!(cfg.string("peer.address"), "0.0.0.0:7051");
        assert_eq!(cfg.string("peer.localmspid"), "SampleOrg");
        assert!(cfg.bool("peer.tls.enabled"));
        assert_eq!(cfg.string("peer.missing"), "");
    }

    #[test]
    fn relative_paths_resolve_against_the_file() {
        let (d, cfg) = load("peer:\n  mspConfigPath: msp\n", &[]);
        assert_eq!(
            cfg.path("peer.mspConfigPath").unwrap(),
            d.path().join("msp")
        );
        let (_d, cfg) = load("peer:\n  mspConfigPath: /abs/msp\n", &[]);
        assert_eq!(
            cfg.path("peer.mspConfigPath").unwrap(),
            PathBuf::from("/abs/msp")
        );
    }

    #[test]
    fn missing_file_names_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let env = vec![("FABRIC_CFG_PATH".into(), dir.path().display().to_string())];
        let err = CoreYaml::load(env).unwrap_err().to_string();
        assert!(err.contains("FABRIC_CFG_PATH"), "{err}");
    }
}
