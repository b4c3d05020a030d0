//! Turns one tracing event into one log line: Fabric's console format, zap's JSON
//! encoding (FABRIC_LOGGING_FORMAT=json) or logfmt (FABRIC_LOGGING_FORMAT=logfmt).

use std::fmt::{self, Write as _};

use time::OffsetDateTime;
use tracing::field::{Field, Visit};

use super::error::FloggingError;
use super::format::{parse_format, render, Entry, Piece, DEFAULT_FORMAT};

/// How log lines are encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoding {
    /// A Fabric console format, parsed.
    Console(Vec<Piece>),
    Json,
    Logfmt,
}

impl Encoding {
    /// Fabric's rule: "json" and "logfmt" select those encoders; anything else is a
    /// console format string, the default when empty.
    pub fn parse(format: &str) -> Result<Encoding, FloggingError> {
        match format {
            "json" => Ok(Encoding::Json),
            "logfmt" => Ok(Encoding::Logfmt),
            "" => Ok(Encoding::Console(parse_format(DEFAULT_FORMAT)?)),
            other => Ok(Encoding::Console(parse_format(other)?)),
        }
    }
}

/// The message and the other fields of an event, in the order they were recorded.
#[derive(Debug, Default)]
pub struct Fields {
    pub message: String,
    pub extra: Vec<(String, serde_json::Value)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.extra.push((field.name().to_string(), value.into()));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.extra.push((field.name().to_string(), value.into()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.extra.push((field.name().to_string(), value.into()));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.extra.push((field.name().to_string(), value.into()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.extra.push((field.name().to_string(), text.into()));
        }
    }
}

/// Everything an encoder needs about one event.
pub struct Record<'a> {
    pub entry: Entry<'a>,
    pub caller: String,
    pub fields: &'a Fields,
}

/// Encodes a record as one line ending in a newline.
pub fn encode(encoding: &Encoding, record: &Record<'_>) -> String {
    let mut line = String::new();
    match encoding {
        Encoding::Console(pieces) => {
            render(pieces, &record.entry, &mut line);
            if !record.fields.extra.is_empty() {
                line.push(' ');
                line.push_str(&console_fields(&record.fields.extra));
            }
        }
        Encoding::Json => json_line(record, &mut line),
        Encoding::Logfmt => logfmt_line(record, &mut line),
    }
    line.push('\n');
    line
}

/// Extra fields as zap's console encoder shows them: `{"key": "value", "n": 3}`.
fn console_fields(extra: &[(String, serde_json::Value)]) -> String {
    let body: Vec<String> = extra
        .iter()
        .map(|(k, v)| format!("{}: {v}", serde_json::Value::from(k.as_str())))
        .collect();
    format!("{{{}}}", body.join(", "))
}

fn epoch_seconds(t: &OffsetDateTime) -> f64 {
    t.unix_timestamp_nanos() as f64 / 1e9
}

/// zap's production JSON encoding, with the logger name under "name".
fn json_line(record: &Record<'_>, line: &mut String) {
    let e = &record.entry;
    let mut pairs: Vec<(String, serde_json::Value)> = vec![
        ("level".into(), e.level.name().into()),
        ("ts".into(), epoch_seconds(&e.time).into()),
        ("name".into(), e.module.into()),
        ("caller".into(), record.caller.as_str().into()),
        ("msg".into(), e.message.into()),
    ];
    pairs.extend(record.fields.extra.iter().cloned());
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{v}", serde_json::Value::from(k.as_str())))
        .collect();
    let _ = write!(line, "{{{}}}", body.join(","));
}

fn logfmt_line(record: &Record<'_>, line: &mut String) {
    let e = &record.entry;
    let mut pairs: Vec<(String, String)> = vec![
        ("ts".into(), format!("{}", epoch_seconds(&e.time))),
        ("level".into(), e.level.name().into()),
        ("name".into(), e.module.into()),
        ("caller".into(), record.caller.clone()),
        ("msg".into(), e.message.into()),
    ];
    for (k, v) in &record.fields.extra {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        pairs.push((k.clone(), text));
    }
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", logfmt_value(v)))
        .collect();
    line.push_str(&body.join(" "));
}

fn logfmt_value(v: &str) -> String {
    if v.is_empty() || v.contains([' ', '=', '"']) || v.chars().any(char::is_control) {
        serde_json::Value::from(v).to_string()
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flogging::level::Level;

    fn record<'a>(fields: &'a Fields) -> Record<'a> {
        Record {
            entry: Entry {
                time: OffsetDateTime::from_unix_timestamp(1_546_300_800).unwrap(),
                level: Level::Info,
                module: "msp",
                func: "setup",
                message: &fields.message,
                sequence: 1,
            },
            caller: "msp/mod.rs:10".into(),
            fields,
        }
    }

    fn fields() -> Fields {
        Fields {
            message: "loaded msp".into(),
            extra: vec![
                ("mspid".into(), "Org1MSP".into()),
                ("certs".into(), 2.into()),
            ],
        }
    }

    #[test]
    fn json_lines_use_zap_keys() {
        let f = fields();
        let line = encode(&Encoding::Json, &record(&f));
        assert_eq!(
            line,
            "{\"level\":\"info\",\"ts\":1546300800.0,\"name\":\"msp\",\"caller\":\"msp/mod.rs:10\",\"msg\":\"loaded msp\",\"mspid\":\"Org1MSP\",\"certs\":2}\n"
        );
    }

    #[test]
    fn console_lines_append_fields_as_json() {
        let f = fields();
        let enc = Encoding::parse("[%{module}] %{level} %{message}").unwrap();
        assert_eq!(
            encode(&enc, &record(&f)),
            "[msp] INFO loaded msp {\"mspid\": \"Org1MSP\", \"certs\": 2}\n"
        );
    }

    #[test]
    fn logfmt_quotes_where_needed() {
        let f = fields();
        let line = encode(&Encoding::Logfmt, &record(&f));
        assert_eq!(
            line,
            "ts=1546300800 level=info name=msp caller=msp/mod.rs:10 msg=\"loaded msp\" mspid=Org1MSP certs=2\n"
        );
    }
}
