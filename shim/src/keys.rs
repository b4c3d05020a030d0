//! Composite keys as Fabric's Go shim builds them: `\x00` + object type + `\x00` + each
//! attribute + `\x00`, and the checks it makes on simple and composite keys.

use crate::Error;

/// The namespace byte every composite key starts with.
pub const COMPOSITE_KEY_NAMESPACE: char = '\u{0}';
/// What an empty range start is replaced with (so the range skips composite keys).
pub const EMPTY_KEY_SUBSTITUTE: &str = "\u{1}";
const MIN_UNICODE_RUNE: char = '\u{0}';
const MAX_UNICODE_RUNE: char = char::MAX;

/// `\x00objectType\x00attr1\x00attr2\x00...` (Go's `CreateCompositeKey`).
pub fn create_composite_key(object_type: &str, attributes: &[&str]) -> Result<String, Error> {
    validate_attribute(object_type)?;
    let mut key = String::with_capacity(
        2 + object_type.len() + attributes.iter().map(|a| a.len() + 1).sum::<usize>(),
    );
    key.push(COMPOSITE_KEY_NAMESPACE);
    key.push_str(object_type);
    key.push(MIN_UNICODE_RUNE);
    for attribute in attributes {
        validate_attribute(attribute)?;
        key.push_str(attribute);
        key.push(MIN_UNICODE_RUNE);
    }
    Ok(key)
}

/// The object type and attributes of a composite key (Go's `SplitCompositeKey`).
pub fn split_composite_key(composite_key: &str) -> Result<(String, Vec<String>), Error> {
    let mut parts = composite_key
        .strip_prefix(COMPOSITE_KEY_NAMESPACE)
        .ok_or_else(|| Error::InvalidKey(format!("[{composite_key}] is not a composite key")))?
        .split(MIN_UNICODE_RUNE)
        .map(str::to_string)
        .collect::<Vec<_>>();
    // The key ends with the separator: the last piece is empty.
    if parts.pop().as_deref() != Some("") || parts.is_empty() {
        return Err(Error::InvalidKey(format!(
            "[{composite_key}] is not a composite key"
        )));
    }
    let object_type = parts.remove(0);
    Ok((object_type, parts))
}

/// The start and end keys of a range over all composite keys with this prefix.
pub fn partial_composite_range(
    object_type: &str,
    attributes: &[&str],
) -> Result<(String, String), Error> {
    let start = create_composite_key(object_type, attributes)?;
    let mut end = start.clone();
    end.push(MAX_UNICODE_RUNE);
    Ok((start, end))
}

/// Refuses U+0000 and U+10FFFF in a composite key's parts, with the Go shim's text.
fn validate_attribute(s: &str) -> Result<(), Error> {
    match s
        .char_indices()
        .find(|(_, c)| *c == MIN_UNICODE_RUNE || *c == MAX_UNICODE_RUNE)
    {
        None => Ok(()),
        Some((index, c)) => Err(Error::InvalidKey(format!(
            "input contain unicode U+{:04X} starting at position [{index}]. U+0000 and U+10FFFF are not allowed in the input attribute of a composite key",
            c as u32
        ))),
    }
}

/// Refuses simple keys that start with the composite key namespace (Go's `validateSimpleKeys`).
pub(crate) fn validate_simple_keys(keys: &[&str]) -> Result<(), Error> {
    for key in keys {
        if key.starts_with(COMPOSITE_KEY_NAMESPACE) {
            return Err(Error::InvalidKey(format!(
                "first character of the key [{key}] contains a null character which is not allowed"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_keys_round_trip_with_go_separators() {
        let key = create_composite_key("color~name", &["blue", "marble1"]).unwrap();
        assert_eq!(key, "\u{0}color~name\u{0}blue\u{0}marble1\u{0}");
        let (object_type, attributes) = split_composite_key(&key).unwrap();
        assert_eq!(object_type, "color~name");
        assert_eq!(attributes, vec!["blue", "marble1"]);
        let (t, a) = split_composite_key(&create_composite_key("t", &[]).unwrap()).unwrap();
        assert_eq!((t.as_str(), a.len()), ("t", 0));
        assert!(split_composite_key("plain").is_err());
    }

    #[test]
    fn partial_range_ends_with_the_maximum_rune() {
        let (start, end) = partial_composite_range("color~name", &["blue"]).unwrap();
        assert_eq!(start, "\u{0}color~name\u{0}blue\u{0}");
        assert_eq!(end, format!("{start}\u{10FFFF}"));
        assert!(start.as_str() < "\u{0}color~name\u{0}blue\u{0}zzz");
        assert!("\u{0}color~name\u{0}blue\u{0}zzz" < end.as_str());
    }

    #[test]
    fn invalid_attributes_and_simple_keys_are_refused_with_go_texts() {
        let err = create_composite_key("t", &["ab\u{0}c"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "input contain unicode U+0000 starting at position [2]. U+0000 and U+10FFFF are not allowed in the input attribute of a composite key"
        );
        let err = create_composite_key("x\u{10FFFF}", &[]).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("input contain unicode U+10FFFF starting at position [1]."));
        let err = validate_simple_keys(&["ok", "\u{0}bad"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "first character of the key [\u{0}bad] contains a null character which is not allowed"
        );
        assert!(validate_simple_keys(&["", "a"]).is_ok());
    }
}
