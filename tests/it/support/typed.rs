//! Typed config values for the config-key tests (core.yaml and orderer.yaml against Fabric's
//! key tables): a key's value as our typed config holds it, the tsv default converted to the
//! same shape, and a different value an environment variable could carry.

use std::time::Duration;

use fabric::config::{parse_go_duration, HandlerConfig};
use serde_json::Value as Json;

/// A key's typed value as a typed config struct holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    Str(Option<String>),
    Strs(Option<Vec<String>>),
    Bool(bool),
    Int(Option<i64>),
    Float(f64),
    Dur(Option<Duration>),
    Handlers(Vec<HandlerConfig>),
    /// A list of records that defaults to null: only its presence is compared.
    Present(bool),
}

pub fn s(v: &str) -> Typed {
    Typed::Str(Some(v.to_string()))
}
pub fn os(v: &Option<String>) -> Typed {
    Typed::Str(v.clone())
}
pub fn d(v: Duration) -> Typed {
    Typed::Dur(Some(v))
}
pub fn i(v: i64) -> Typed {
    Typed::Int(Some(v))
}
pub fn b(v: bool) -> Typed {
    Typed::Bool(v)
}

/// The tsv default converted to the shape of the typed value (`like` picks the shape).
pub fn expected(like: &Typed, json: &Json) -> Result<Typed, String> {
    let bad = || format!("default {json} does not fit {like:?}");
    Ok(match (like, json) {
        (Typed::Str(_), Json::Null) => Typed::Str(None),
        (Typed::Str(_), Json::String(v)) => s(v),
        (Typed::Strs(_), Json::Null) => Typed::Strs(None),
        (Typed::Strs(_), Json::String(v)) => {
            Typed::Strs(Some(v.split_whitespace().map(String::from).collect()))
        }
        (Typed::Strs(_), Json::Array(items)) => Typed::Strs(Some(
            items
                .iter()
                .map(|x| x.as_str().map(String::from).ok_or_else(bad))
                .collect::<Result<_, _>>()?,
        )),
        (Typed::Bool(_), Json::Bool(v)) => b(*v),
        (Typed::Int(_), Json::Null) => Typed::Int(None),
        (Typed::Int(_), Json::Number(n)) => i(n.as_i64().ok_or_else(bad)?),
        (Typed::Float(_), Json::Number(n)) => Typed::Float(n.as_f64().ok_or_else(bad)?),
        (Typed::Dur(_), Json::Null) => Typed::Dur(None),
        (Typed::Dur(_), Json::String(v)) => d(parse_go_duration(v).ok_or_else(bad)?),
        (Typed::Handlers(_), Json::Array(items)) => Typed::Handlers(
            items
                .iter()
                .map(|h| {
                    Ok(HandlerConfig {
                        name: h["name"].as_str().ok_or_else(bad)?.to_string(),
                        library: h.get("library").and_then(|l| l.as_str()).map(String::from),
                    })
                })
                .collect::<Result<_, String>>()?,
        ),
        (Typed::Present(_), Json::Null) => Typed::Present(false),
        _ => return Err(bad()),
    })
}

/// Fails, listing every key whose typed value differs from the tsv default.
pub fn check_defaults(
    actual: impl Fn(&str) -> Option<Typed>,
    keys: &[(String, Json)],
    origin: &str,
) {
    let mut failures = Vec::new();
    for (key, json) in keys {
        let Some(got) = actual(key) else {
            failures.push(format!("{key}: no typed field"));
            continue;
        };
        match expected(&got, json) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!("{key}: got {got:?}, want {want:?}")),
            Err(e) => failures.push(format!("{key}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{origin}:\n{}", failures.join("\n"));
}

/// A value different from the default, as an environment variable would carry it
/// (`None` for sections that no single variable sets).
pub fn override_for(current: &Typed) -> Option<(String, Typed)> {
    Some(match current {
        Typed::Str(_) => ("from-env".into(), s("from-env")),
        Typed::Strs(_) => (
            "a.crt b.crt".into(),
            Typed::Strs(Some(vec!["a.crt".into(), "b.crt".into()])),
        ),
        Typed::Bool(v) => ((!v).to_string(), b(!v)),
        Typed::Int(_) => ("4242".into(), i(4242)),
        Typed::Float(_) => ("0.5".into(), Typed::Float(0.5)),
        Typed::Dur(_) => ("1h30m".into(), d(Duration::from_secs(5400))),
        Typed::Handlers(_) | Typed::Present(_) => return None,
    })
}
