//! Fabric's `WriteFolderToTarPackage` (node, java and our folder-packed extensions): a walk
//! of the folder in Go's `filepath.Walk` order (each directory's entries sorted by name),
//! every file under `src/` except `META-INF/...` which keeps its path and must be valid
//! metadata; paths containing `.git` are left out, as are the excluded top-level folders
//! and file types.

use std::path::{Path, PathBuf};

use super::ccmetadata::validate_metadata_file;
use super::writer::TarPackage;
use super::{go_ext, PlatformError};

/// What one folder platform leaves out.
#[derive(Debug, Clone, Copy)]
pub struct FolderRules {
    /// Top-level folders (Fabric's `excludeDirs`): `node_modules` for node...
    pub exclude_dirs: &'static [&'static str],
    /// File extensions to leave out (`.class` for java).
    pub exclude_exts: &'static [&'static str],
}

/// Packs `folder` as Fabric's `WriteFolderToTarPackage` into `tar`.
pub fn write_folder(
    tar: &mut TarPackage,
    folder: &str,
    rules: FolderRules,
) -> Result<(), PlatformError> {
    let root = folder.strip_suffix('/').unwrap_or(folder);
    let root = if root.is_empty() { "/" } else { root };
    let mut files = Vec::new();
    walk(Path::new(root), "", &mut files)?;
    let before = tar.len();
    for (local, rel) in files {
        if local.to_string_lossy().contains(".git") {
            continue;
        }
        let excluded_dir = rules
            .exclude_dirs
            .iter()
            .any(|d| rel.starts_with(&format!("{d}/")));
        if excluded_dir || rules.exclude_exts.contains(&go_ext(&rel)) {
            continue;
        }
        let package_path = if rel.starts_with("META-INF") {
            let file_name = rel.rsplit('/').next().unwrap_or(&rel);
            if file_name.starts_with('.') {
                tracing::warn!(target: "container", "Ignoring hidden file in metadata directory: {rel}");
                continue;
            }
            let bytes = std::fs::read(&local).map_err(|source| PlatformError::Io {
                path: local.clone(),
                source,
            })?;
            validate_metadata_file(&rel, &bytes)?;
            rel.clone()
        } else {
            format!("src/{rel}")
        };
        tar.write_file(&local, &package_path)?;
    }
    if tar.len() == before {
        return Err(PlatformError::NoSourceFiles(folder.to_string()));
    }
    Ok(())
}

/// Go's `filepath.Walk` below `dir`: files (anything not a directory, symlinks not
/// followed) as (local path, path relative to the root), entries sorted by name.
fn walk(dir: &Path, rel: &str, out: &mut Vec<(PathBuf, String)>) -> Result<(), PlatformError> {
    let io = |source| PlatformError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    names.sort_by(|a, b| {
        use std::os::unix::ffi::OsStrExt;
        a.as_bytes().cmp(b.as_bytes())
    });
    for name in names {
        let local = dir.join(&name);
        let name = name.to_string_lossy();
        let child_rel = if rel.is_empty() {
            name.into_owned()
        } else {
            format!("{rel}/{name}")
        };
        let meta = std::fs::symlink_metadata(&local).map_err(|source| PlatformError::Io {
            path: local.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(&local, &child_rel, out)?;
        } else {
            out.push((local, child_rel));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(tar: Vec<u8>) -> Vec<String> {
        tar::Archive::new(tar.as_slice())
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn walk_order_filters_and_metadata_follow_fabric() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (p, body) in [
            ("a.js", "1"),
            ("a/b.js", "2"),
            ("node_modules/x/index.js", "3"),
            (".gitignore", "4"),
            ("lib/node_modules/kept.js", "5"),
            (
                "META-INF/statedb/couchdb/indexes/i.json",
                r#"{"index":{"fields":["a"]}}"#,
            ),
            ("META-INF/statedb/couchdb/indexes/.hidden", "x"),
            ("package.json", "{}"),
        ] {
            std::fs::create_dir_all(d.join(p).parent().unwrap()).unwrap();
            std::fs::write(d.join(p), body).unwrap();
        }
        let mut tar = TarPackage::new();
        let rules = FolderRules {
            exclude_dirs: &["node_modules"],
            exclude_exts: &[],
        };
        write_folder(&mut tar, &format!("{}/", d.display()), rules).unwrap();
        assert_eq!(
            names(tar.into_tar()),
            [
                "META-INF/statedb/couchdb/indexes/i.json",
                "src/a/b.js",
                "src/a.js",
                "src/lib/node_modules/kept.js",
                "src/package.json"
            ]
        );
    }

    #[test]
    fn empty_folder_and_bad_metadata_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let rules = FolderRules {
            exclude_dirs: &[],
            exclude_exts: &[],
        };
        let folder = dir.path().display().to_string();
        let err = write_folder(&mut TarPackage::new(), &folder, rules).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("no source files found in '{folder}'")
        );
        std::fs::create_dir_all(dir.path().join("META-INF")).unwrap();
        std::fs::write(dir.path().join("META-INF/x.json"), "{}").unwrap();
        let err = write_folder(&mut TarPackage::new(), &folder, rules).unwrap_err();
        assert!(err.to_string().contains("must begin with META-INF/statedb"));
    }
}
