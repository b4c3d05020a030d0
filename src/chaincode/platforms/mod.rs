//! Chaincode platforms (Fabric's `core/chaincode/platforms`): how a chaincode's source
//! becomes the code package of a `ChaincodeDeploymentSpec` (a gzipped tar), per language.
//!
//! - golang: an import path in GOPATH ([`golang`]);
//! - node: a folder, `node_modules/` left out ([`folder`]);
//! - java: a folder, `target/ build/ out/` and `.class` files left out;
//! - car: the `.car` file itself;
//! - our two extensions, packed like node: `rust` (a folder with `Cargo.toml`; `target/`
//!   also left out) and `ccaas` (a folder with `connection.json`, chaincode as a service).
//!   Their spec type is CAR, the opaque-archive type Fabric v1.4 registers and never
//!   inspects, so that a deploy of them is valid on a Fabric peer of the same channel too
//!   (Fabric's validation refuses an UNDEFINED type). External builders tell them apart by
//!   content (`src/Cargo.toml`, `src/connection.json`).

pub mod ccmetadata;
pub mod folder;
pub mod goflate;
pub mod golang;
pub mod writer;

use std::path::PathBuf;

use crate::protos::peer::chaincode_spec::Type as SpecType;
use folder::FolderRules;

/// Why a chaincode could not be packaged (one line each, Fabric's texts where it has one).
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("unknown chaincode language {0:?}: use golang, node, java, car, rust or ccaas")]
    UnknownLanguage(String),
    #[error("ChaincodeSpec's path cannot be empty")]
    EmptyPath,
    #[error("path to chaincode does not exist: {0}")]
    PathMissing(String),
    #[error("no source files found in '{0}'")]
    NoSourceFiles(String),
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a regular file (a symbolic link to a directory?)", .0.display())]
    NotAFile(PathBuf),
    #[error("cannot run `{command}`: {source} (Go chaincode packaging needs the go tool on PATH, e.g. Debian's golang-go)")]
    GoMissing {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` failed: {stderr}")]
    GoFailed { command: String, stderr: String },
    #[error("invalid GOPATH environment variable value: {0:?}")]
    NoGopath(String),
    #[error(transparent)]
    Metadata(#[from] ccmetadata::MetadataError),
    #[error("{0}")]
    CodePackage(String),
    #[error("{0} is not a folder with {1}: a {2} chaincode needs it")]
    MissingMarker(String, &'static str, &'static str),
}

/// A chaincode language of `-l/--lang` (case-insensitive, as Fabric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Golang,
    Node,
    Java,
    Car,
    /// Our extension: a Rust chaincode (spec type CAR).
    Rust,
    /// Our extension: a chaincode-as-a-service package (spec type CAR).
    Ccaas,
}

impl Language {
    /// Parses a `-l` value.
    pub fn parse(lang: &str) -> Result<Self, PlatformError> {
        Ok(match lang.to_ascii_uppercase().as_str() {
            "GOLANG" => Language::Golang,
            "NODE" => Language::Node,
            "JAVA" => Language::Java,
            "CAR" => Language::Car,
            "RUST" => Language::Rust,
            "CCAAS" => Language::Ccaas,
            _ => return Err(PlatformError::UnknownLanguage(lang.to_string())),
        })
    }

    /// The ChaincodeSpec type written for this language.
    pub fn spec_type(self) -> SpecType {
        match self {
            Language::Golang => SpecType::Golang,
            Language::Node => SpecType::Node,
            Language::Java => SpecType::Java,
            Language::Car => SpecType::Car,
            Language::Rust | Language::Ccaas => SpecType::Car,
        }
    }

    /// Fabric's `ValidatePath` then `GetDeploymentPayload`: the code package of `path`.
    /// Blocking (walks the disk, runs `go list` for golang).
    pub fn deployment_payload(self, path: &str) -> Result<Vec<u8>, PlatformError> {
        if path.is_empty() {
            return Err(PlatformError::EmptyPath);
        }
        let folder_rules = |exclude_dirs, exclude_exts| FolderRules {
            exclude_dirs,
            exclude_exts,
        };
        let rules = match self {
            Language::Golang => {
                let env = golang::GoEnv::detect()?;
                golang::validate_path(&env, path)?;
                return golang::deployment_payload(&env, path);
            }
            Language::Car => {
                return std::fs::read(path).map_err(|source| PlatformError::Io {
                    path: path.into(),
                    source,
                })
            }
            Language::Java => folder_rules(&["target", "build", "out"][..], &[".class"][..]),
            Language::Node => folder_rules(&["node_modules"][..], &[][..]),
            Language::Rust => {
                require_marker(path, "Cargo.toml", "rust")?;
                folder_rules(&["node_modules", "target"][..], &[][..])
            }
            Language::Ccaas => {
                require_marker(path, "connection.json", "ccaas")?;
                folder_rules(&["node_modules", "target"][..], &[][..])
            }
        };
        if self == Language::Node && !std::path::Path::new(path).exists() {
            return Err(PlatformError::PathMissing(path.to_string()));
        }
        let mut tar = writer::TarPackage::new();
        folder::write_folder(&mut tar, path, rules)?;
        tar.into_gzip()
    }
}

fn require_marker(
    path: &str,
    marker: &'static str,
    lang: &'static str,
) -> Result<(), PlatformError> {
    let dir = std::path::Path::new(path);
    if !dir.exists() {
        return Err(PlatformError::PathMissing(path.to_string()));
    }
    if dir.join(marker).is_file() {
        Ok(())
    } else {
        Err(PlatformError::MissingMarker(path.to_string(), marker, lang))
    }
}

/// Go's `filepath.Ext`: the suffix from the last `.` of the last element ("" if none).
pub fn go_ext(path: &str) -> &str {
    let last = path.rsplit('/').next().unwrap_or(path);
    match last.rfind('.') {
        Some(i) => &last[i..],
        None => "",
    }
}

/// Fabric's `ValidateCodePackage` of the folder platforms and golang: every entry under
/// `src/` or `META-INF/`, regular with at most rw-rw-rw- (node also needs
/// `src/package.json`). Returns the entry names.
pub fn validate_code_package(lang: Language, code: &[u8]) -> Result<Vec<String>, PlatformError> {
    check_code_package(lang, code).map_err(PlatformError::CodePackage)
}

fn check_code_package(lang: Language, code: &[u8]) -> Result<Vec<String>, String> {
    use std::io::Read;
    if code.is_empty() || lang == Language::Car {
        return Ok(Vec::new());
    }
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(code)
        .read_to_end(&mut tar)
        .map_err(|e| format!("failure opening codepackage gzip stream: {e}"))?;
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut names = Vec::new();
    let entries = archive.entries().map_err(|e| e.to_string())?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if !legal_entry(lang, &name) {
            return Err(format!("illegal file detected in payload: \"{name}\""));
        }
        let mode = entry.header().mode().map_err(|e| e.to_string())?;
        if mode & !0o100666 != 0 {
            return Err(format!(
                "illegal file mode detected for file {name}: {mode:o}"
            ));
        }
        names.push(name);
    }
    if lang == Language::Node && !names.iter().any(|n| n == "src/package.json") {
        return Err("no package.json found at the root of the chaincode package".into());
    }
    Ok(names)
}

/// Fabric's entry-name rules: `^(/)?(src|META-INF)/.*`, and for java
/// `^(/)?src/((src|META-INF)/.*|(build\.gradle|settings\.gradle|pom\.xml))` without
/// `.class` files.
fn legal_entry(lang: Language, name: &str) -> bool {
    let bare = name.strip_prefix('/').unwrap_or(name);
    if lang != Language::Java {
        return bare.starts_with("src/") || bare.starts_with("META-INF/");
    }
    let Some(rest) = bare.strip_prefix("src/") else {
        return false;
    };
    let matches = rest.starts_with("src/")
        || rest.starts_with("META-INF/")
        || ["build.gradle", "settings.gradle", "pom.xml"]
            .iter()
            .any(|f| rest.starts_with(f));
    matches && !name.lines().next().unwrap_or_default().ends_with(".class")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_rules_follow_fabric() {
        assert!(legal_entry(Language::Node, "src/index.js"));
        assert!(legal_entry(Language::Golang, "/META-INF/statedb/x.json"));
        assert!(!legal_entry(Language::Node, "bin/evil"));
        assert!(legal_entry(Language::Java, "src/pom.xml"));
        assert!(legal_entry(Language::Java, "src/src/main/java/A.java"));
        assert!(!legal_entry(Language::Java, "src/src/main/java/A.class"));
        assert!(!legal_entry(Language::Java, "src/README.md"));
    }

    #[test]
    fn languages_are_case_insensitive_and_typed() {
        assert_eq!(Language::parse("GoLang").unwrap(), Language::Golang);
        assert_eq!(Language::parse("node").unwrap().spec_type(), SpecType::Node);
        assert_eq!(Language::parse("RUST").unwrap().spec_type(), SpecType::Car);
        assert_eq!(
            Language::parse("cobol").unwrap_err().to_string(),
            "unknown chaincode language \"cobol\": use golang, node, java, car, rust or ccaas"
        );
    }

    #[test]
    fn go_ext_is_gos() {
        assert_eq!(go_ext("a/b.json"), ".json");
        assert_eq!(go_ext("a/.json"), ".json");
        assert_eq!(go_ext("a.b/c"), "");
    }

    #[test]
    fn rust_and_ccaas_need_their_marker_and_leave_out_target() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let p = d.display().to_string();
        assert!(matches!(
            Language::Rust.deployment_payload(&p),
            Err(PlatformError::MissingMarker(..))
        ));
        std::fs::write(d.join("Cargo.toml"), "[package]").unwrap();
        std::fs::create_dir_all(d.join("target/debug")).unwrap();
        std::fs::write(d.join("target/debug/cc"), "bin").unwrap();
        let code = Language::Rust.deployment_payload(&p).unwrap();
        assert_eq!(
            validate_code_package(Language::Rust, &code).unwrap(),
            ["src/Cargo.toml"]
        );
        assert!(matches!(
            Language::Node.deployment_payload(&format!("{p}/none")),
            Err(PlatformError::PathMissing(_))
        ));
    }
}
