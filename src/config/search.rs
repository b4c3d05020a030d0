//! Where a configuration file is looked for (Fabric's `InitViper`): only the folder named by
//! FABRIC_CFG_PATH when it is set, otherwise the working directory and then
//! `/etc/hyperledger/fabric`.

use std::path::{Path, PathBuf};

use super::env::Environment;
use super::error::ConfigError;

/// The folder Fabric's images install their configuration in.
pub const OFFICIAL_PATH: &str = "/etc/hyperledger/fabric";

/// The file extensions tried in each folder, in order.
const EXTENSIONS: [&str; 2] = ["yaml", "yml"];

/// The folders searched for `<name>.yaml`, in priority order.
pub fn search_dirs(env: &Environment, name: &str) -> Result<Vec<PathBuf>, ConfigError> {
    match env.var("FABRIC_CFG_PATH").filter(|p| !p.is_empty()) {
        Some(alt) => {
            let dir = absolute(env, Path::new(alt));
            if !dir.is_dir() {
                return Err(ConfigError::CfgPathMissing {
                    path: dir,
                    name: name.to_string(),
                });
            }
            Ok(vec![dir])
        }
        None => Ok(vec![env.cwd().to_path_buf(), PathBuf::from(OFFICIAL_PATH)]),
    }
}

/// Finds `<name>.yaml` (or `.yml`) in the search folders, first match wins.
pub fn find_config_file(env: &Environment, name: &str) -> Result<PathBuf, ConfigError> {
    let dirs = search_dirs(env, name)?;
    for dir in &dirs {
        for ext in EXTENSIONS {
            let candidate = dir.join(format!("{name}.{ext}"));
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    let searched = dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Err(ConfigError::NotFound {
        name: name.to_string(),
        searched,
    })
}

/// Makes a path absolute against the environment's working directory.
fn absolute(env: &Environment, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        env.cwd().join(path)
    }
}

/// Fabric's `TranslatePath`: a relative path is taken relative to `base` (the folder of the
/// config file that named it); an absolute path is kept as it is.
pub fn translate_path(base: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_search_is_cwd_then_official_path() {
        let env = Environment::new(Vec::<(String, String)>::new(), "/some/cwd");
        let dirs = search_dirs(&env, "core").unwrap();
        assert_eq!(
            dirs,
            vec![PathBuf::from("/some/cwd"), PathBuf::from(OFFICIAL_PATH)]
        );
    }

    #[test]
    fn fabric_cfg_path_is_the_only_folder_searched() {
        let dir = tempfile::tempdir().unwrap();
        let env = Environment::new(
            [("FABRIC_CFG_PATH", dir.path().to_str().unwrap())],
            "/some/cwd",
        );
        assert_eq!(
            search_dirs(&env, "core").unwrap(),
            vec![dir.path().to_path_buf()]
        );
    }

    #[test]
    fn missing_fabric_cfg_path_is_an_error() {
        let env = Environment::new([("FABRIC_CFG_PATH", "/no/such/dir/anywhere")], "/");
        let err = search_dirs(&env, "core").unwrap_err().to_string();
        assert!(
            err.contains("/no/such/dir/anywhere does not exist"),
            "{err}"
        );
    }

    #[test]
    fn yml_extension_is_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("core.yml"), "peer: {}\n").unwrap();
        let env = Environment::new([("FABRIC_CFG_PATH", dir.path().to_str().unwrap())], "/");
        assert_eq!(
            find_config_file(&env, "core").unwrap(),
            dir.path().join("core.yml")
        );
    }

    #[test]
    fn translate_path_keeps_absolute_and_joins_relative() {
        assert_eq!(
            translate_path(Path::new("/etc/fab"), "/abs/msp"),
            PathBuf::from("/abs/msp")
        );
        assert_eq!(
            translate_path(Path::new("/etc/fab"), "msp"),
            PathBuf::from("/etc/fab/msp")
        );
    }
}
