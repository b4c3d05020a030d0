//! Fabric's `core/chaincode/platforms/ccmetadata` validators: the only metadata a package
//! may carry is CouchDB index definitions under `META-INF/statedb/couchdb/indexes/` (or a
//! collection's `META-INF/statedb/couchdb/collections/<name>/indexes/`), each a JSON index.

use serde_json::{Map, Value};

/// Why a metadata file is refused (Fabric's texts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MetadataError(pub String);

fn is_collection_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Go's `regexp.MatchString` of `^META-INF/statedb/couchdb/indexes/.*[.]json` and its
/// collections twin (`.` does not match a newline; the match is unanchored at the end).
fn has_validator(path: &str) -> bool {
    let json_after = |rest: &str| rest.lines().next().is_some_and(|l| l.contains(".json"));
    if let Some(rest) = path.strip_prefix("META-INF/statedb/couchdb/indexes/") {
        return json_after(rest);
    }
    if let Some(rest) = path.strip_prefix("META-INF/statedb/couchdb/collections/") {
        let name_len = rest.chars().take_while(|&c| is_collection_char(c)).count();
        if name_len > 0 {
            if let Some(tail) = rest[name_len..].strip_prefix("/indexes/") {
                return json_after(tail);
            }
        }
    }
    false
}

/// Fabric's `ValidateMetadataFile`.
pub fn validate_metadata_file(path: &str, bytes: &[u8]) -> Result<(), MetadataError> {
    if !has_validator(path) {
        return Err(MetadataError(unhandled_directory_text(path)));
    }
    let Ok(Value::Object(definition)) = serde_json::from_slice::<Value>(bytes) else {
        return Err(MetadataError(format!(
            "Index metadata file [{path}] is not a valid JSON"
        )));
    };
    validate_index_json(&definition).map_err(|e| {
        MetadataError(format!(
            "Index metadata file [{path}] is not a valid index definition: {e}"
        ))
    })
}

fn unhandled_directory_text(path: &str) -> String {
    let (dir, file) = match path.rfind('/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
    };
    if !path.starts_with("META-INF/statedb") {
        return format!("metadata file path must begin with META-INF/statedb, found: {dir}");
    }
    let parts: Vec<&str> = dir.trim_end_matches('/').split('/').collect();
    if parts.len() < 4 {
        return format!("metadata file path must include a database and index directory: {dir}");
    }
    if parts[2] != "couchdb" {
        return format!(
            "database name [{}] is not supported, valid options: [couchdb]",
            parts[2]
        );
    }
    if parts.len() == 4 && parts[3] != "indexes" {
        return format!("metadata file path does not have an indexes directory: {dir}");
    }
    if parts.len() != 6 {
        return format!("metadata file path for collections must include a collections and index directory: {dir}");
    }
    if parts[3] != "collections" || parts[5] != "indexes" {
        return format!("metadata file path for collections must have a collections and indexes directory: {dir}");
    }
    if !parts[4].starts_with(is_collection_char) {
        return format!("collection name is not valid: {}", parts[4]);
    }
    if !file.contains(".json") {
        return format!("artifact file name is not valid: {file}");
    }
    format!("metadata file path or name is not supported: {dir}")
}

fn validate_index_json(definition: &Map<String, Value>) -> Result<(), String> {
    let mut index_included = false;
    for (key, value) in definition {
        match key.as_str() {
            "index" => {
                let Value::Object(index) = value else {
                    return Err("Invalid entry, \"index\" must be a JSON".into());
                };
                process_index_map(index)?;
                index_included = true;
            }
            "ddoc" | "name" if !value.is_string() => {
                return Err(format!("Invalid entry, \"{key}\" must be a string"));
            }
            "ddoc" | "name" => {}
            "type" if value.as_str() != Some("json") => {
                return Err("Index type must be json".into());
            }
            "type" => {}
            other => return Err(format!("Invalid Entry.  Entry {other}")),
        }
    }
    if index_included {
        Ok(())
    } else {
        Err("Index definition must include a \"fields\" definition".into())
    }
}

fn process_index_map(index: &Map<String, Value>) -> Result<(), String> {
    for (key, value) in index {
        match key.as_str() {
            "fields" => {
                let Value::Array(fields) = value else {
                    return Err("Expecting a JSON array of fields".into());
                };
                for field in fields {
                    if let Value::Object(sort) = field {
                        validate_field_map(sort)?;
                    }
                }
            }
            "partial_filter_selector" => {}
            other => return Err(format!("Invalid Entry.  Entry {other}")),
        }
    }
    Ok(())
}

fn validate_field_map(fields: &Map<String, Value>) -> Result<(), String> {
    for value in fields.values() {
        let Value::String(sort) = value else {
            return Err(
                "Invalid field definition, fields must be in the form \"fieldname\":\"sort\""
                    .into(),
            );
        };
        let lower = sort.to_lowercase();
        if lower != "asc" && lower != "desc" {
            return Err(format!(
                "Sort must be either \"asc\" or \"desc\".  \"{sort}\" was found."
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &[u8] =
        br#"{"index":{"fields":["docType",{"owner":"asc"}]},"ddoc":"indexOwnerDoc","name":"indexOwner","type":"json"}"#;

    #[test]
    fn couchdb_indexes_pass() {
        validate_metadata_file("META-INF/statedb/couchdb/indexes/indexOwner.json", INDEX).unwrap();
        validate_metadata_file(
            "META-INF/statedb/couchdb/collections/coll_1/indexes/i.json",
            INDEX,
        )
        .unwrap();
    }

    #[test]
    fn fabric_texts_for_bad_metadata() {
        let e = |p: &str, b: &[u8]| validate_metadata_file(p, b).unwrap_err().0;
        assert_eq!(
            e("META-INF/unsupported.json", INDEX),
            "metadata file path must begin with META-INF/statedb, found: META-INF/"
        );
        assert_eq!(
            e("META-INF/statedb/couchdb/indexes/bad.json", b"{"),
            "Index metadata file [META-INF/statedb/couchdb/indexes/bad.json] is not a valid JSON"
        );
        assert!(e(
            "META-INF/statedb/couchdb/indexes/x.json",
            br#"{"index":{"fields":[{"a":"up"}]}}"#
        )
        .contains("Sort must be either"));
        assert!(e(
            "META-INF/statedb/couchdb/indexes/x.json",
            br#"{"ddoc":"d"}"#
        )
        .contains("must include a \"fields\""));
        assert!(e("META-INF/statedb/leveldb/indexes/x.json", INDEX)
            .starts_with("database name [leveldb] is not supported"));
    }
}
