//! Conversions of a raw configuration value (from YAML, an environment variable or an
//! explicit override) to typed values, following the rules viper uses via `cast`.

use std::time::Duration;

use serde_yaml::Value;
use thiserror::Error;

use super::duration::parse_viper_duration;

/// A raw value that does not convert to the type a key wants; `found` is the value as
/// [`describe`] renders it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    /// A list, a map or null where text was wanted.
    #[error("expected a string, found {found}")]
    NotAString { found: String },
    /// Not one of Go's boolean spellings, nor a number.
    #[error("invalid boolean {found}")]
    Bool { found: String },
    /// Not an integer in any of Go's notations.
    #[error("invalid integer {found}")]
    Int { found: String },
    /// Not a floating point number.
    #[error("invalid number {found}")]
    Float { found: String },
    /// Neither Go duration text nor a count of nanoseconds.
    #[error("invalid duration {found}")]
    Duration { found: String },
    /// An item of a string list that is a list, a map or null.
    #[error("list item {found} is not a string")]
    ListItem { found: String },
}

/// Renders a scalar as text; `None` for sequences, mappings and null.
pub fn scalar_to_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Tagged(t) => scalar_to_string(&t.value),
        Value::Null | Value::Sequence(_) | Value::Mapping(_) => None,
    }
}

/// A short rendering of a value for error messages.
pub fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a map".to_string(),
        other => scalar_to_string(other).unwrap_or_else(|| "null".to_string()),
    }
}

/// Text to string; numbers and booleans are rendered as text.
pub fn to_string(value: &Value) -> Result<String, ValueError> {
    scalar_to_string(value).ok_or_else(|| ValueError::NotAString {
        found: describe(value),
    })
}

/// Go's `strconv.ParseBool` spellings, or a number (non-zero is true).
pub fn to_bool(value: &Value) -> Result<bool, ValueError> {
    let bad = || ValueError::Bool {
        found: describe(value),
    };
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0).ok_or_else(bad),
        Value::String(s) => match s.trim() {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// An integer; text may carry Go's base prefixes (0x, 0o, 0b, leading 0 for octal).
pub fn to_int(value: &Value) -> Result<i64, ValueError> {
    let bad = || ValueError::Int {
        found: describe(value),
    };
    match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .ok_or_else(bad),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::String(s) => parse_go_int(s.trim()).ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn parse_go_int(s: &str) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let digits = digits.replace('_', "");
    let lower = digits.to_ascii_lowercase();
    let magnitude = if let Some(hex) = lower.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = lower.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if let Some(bin) = lower.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()?
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8).ok()?
    } else {
        lower.parse::<i64>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// A floating point number.
pub fn to_float(value: &Value) -> Result<f64, ValueError> {
    let bad = || ValueError::Float {
        found: describe(value),
    };
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(bad),
        Value::String(s) => s.trim().parse::<f64>().map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// A duration: Go syntax for text ("60s"), nanoseconds for a bare number.
pub fn to_duration(value: &Value) -> Result<Duration, ValueError> {
    let bad = || ValueError::Duration {
        found: describe(value),
    };
    match value {
        Value::String(s) => parse_viper_duration(s).ok_or_else(bad),
        Value::Number(n) => match n.as_u64() {
            Some(nanos) => Ok(Duration::from_nanos(nanos)),
            None => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// A list of strings: a YAML list item by item, text split on whitespace (as viper does
/// for environment variables), any other scalar as a one-item list.
pub fn to_string_list(value: &Value) -> Result<Vec<String>, ValueError> {
    match value {
        Value::Sequence(items) => items
            .iter()
            .map(|item| {
                scalar_to_string(item).ok_or_else(|| ValueError::ListItem {
                    found: describe(item),
                })
            })
            .collect(),
        Value::String(s) => Ok(s.split_whitespace().map(str::to_string).collect()),
        other => Ok(vec![to_string(other)?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bools_follow_go_spellings() {
        assert_eq!(to_bool(&Value::from("True")), Ok(true));
        assert_eq!(to_bool(&Value::from("0")), Ok(false));
        assert!(to_bool(&Value::from("yes")).is_err());
    }

    #[test]
    fn ints_accept_go_prefixes() {
        assert_eq!(to_int(&Value::from("0x10")), Ok(16));
        assert_eq!(to_int(&Value::from("010")), Ok(8));
        assert_eq!(to_int(&Value::from("-7")), Ok(-7));
        let err = to_int(&Value::from("abc")).unwrap_err();
        assert_eq!(
            err,
            ValueError::Int {
                found: "\"abc\"".into()
            }
        );
        assert_eq!(err.to_string(), "invalid integer \"abc\"");
    }

    #[test]
    fn string_lists_split_text_on_whitespace() {
        assert_eq!(
            to_string_list(&Value::from(" a.crt  b.crt\tc.crt ")),
            Ok(vec!["a.crt".into(), "b.crt".into(), "c.crt".into()])
        );
        let seq: Value = serde_yaml::from_str("[x, 1]").unwrap();
        assert_eq!(to_string_list(&seq), Ok(vec!["x".into(), "1".into()]));
    }

    #[test]
    fn durations_report_the_bad_value() {
        let err = to_duration(&Value::from("abc")).unwrap_err();
        assert_eq!(err.to_string(), "invalid duration \"abc\"");
        assert_eq!(
            to_duration(&Value::from("90s")),
            Ok(Duration::from_secs(90))
        );
    }
}
