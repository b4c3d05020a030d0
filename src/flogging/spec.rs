//! Fabric log specs: `info`, `debug:gossip,msp=warning:ledger=error`.
//!
//! A spec is `:`-separated segments. A bare level sets the default; `a,b=level` sets the
//! level of loggers `a` and `b` and of their children (`a.x`), unless the name ends with
//! a dot (`a.=level`), which matches `a` alone. A logger without an entry inherits from
//! its nearest dotted parent, else the default.

use std::collections::BTreeMap;
use std::fmt;

use super::error::FloggingError;
use super::level::Level;

/// A parsed, validated log spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSpec {
    default: Level,
    loggers: BTreeMap<String, Level>,
}

impl Default for LogSpec {
    fn default() -> Self {
        LogSpec {
            default: Level::Info,
            loggers: BTreeMap::new(),
        }
    }
}

impl LogSpec {
    /// Parses a spec with Fabric's rules and error messages. An empty segment (an empty
    /// spec, or a trailing `:`) sets the default back to info, as Fabric does.
    pub fn parse(spec: &str) -> Result<LogSpec, FloggingError> {
        let mut parsed = LogSpec::default();
        for segment in spec.split(':') {
            let parts: Vec<&str> = segment.split('=').collect();
            match parts.as_slice() {
                [level] => {
                    parsed.default = if level.is_empty() {
                        Level::Info
                    } else {
                        Level::parse(level).map_err(|_| bad_segment(spec, segment))?
                    };
                }
                [loggers, level] => {
                    if loggers.is_empty() {
                        return Err(FloggingError::NoLogger {
                            spec: spec.to_string(),
                            segment: segment.to_string(),
                        });
                    }
                    let level = Level::parse(level).map_err(|_| bad_segment(spec, segment))?;
                    for logger in loggers.split(',') {
                        if !is_valid_logger_name(logger.strip_suffix('.').unwrap_or(logger)) {
                            return Err(FloggingError::BadLoggerName {
                                spec: spec.to_string(),
                                logger: logger.to_string(),
                            });
                        }
                        parsed.loggers.insert(logger.to_string(), level);
                    }
                }
                _ => return Err(bad_segment(spec, segment)),
            }
        }
        Ok(parsed)
    }

    /// The default level.
    pub fn default_level(&self) -> Level {
        self.default
    }

    /// The level that applies to a logger: its own entry, else the nearest dotted parent's
    /// (`gossip.state` -> `gossip`), else the default. An entry ending in a dot matches
    /// only that exact logger.
    pub fn level_for(&self, logger: &str) -> Level {
        let exact = format!("{logger}.");
        if let Some(level) = self.loggers.get(&exact) {
            return *level;
        }
        let mut candidate = logger;
        loop {
            if let Some(level) = self.loggers.get(candidate) {
                return *level;
            }
            match candidate.rfind('.') {
                Some(idx) if idx > 0 => candidate = &candidate[..idx],
                _ => return self.default,
            }
        }
    }

    /// The least severe level any logger is enabled at.
    pub fn min_level(&self) -> Level {
        self.loggers
            .values()
            .copied()
            .fold(self.default, std::cmp::min)
    }
}

/// Renders the spec as Fabric's `Spec()` does: `logger=level` entries sorted, then the
/// default level (`gossip=debug:msp=warn:info`).
impl fmt::Display for LogSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields: Vec<String> = self
            .loggers
            .iter()
            .map(|(name, level)| format!("{name}={level}"))
            .collect();
        fields.sort();
        fields.push(self.default.to_string());
        f.write_str(&fields.join(":"))
    }
}

fn bad_segment(spec: &str, segment: &str) -> FloggingError {
    FloggingError::BadSegment {
        spec: spec.to_string(),
        segment: segment.to_string(),
    }
}

/// Fabric's logger names: dot-separated parts of letters, digits, `_ # : -`.
pub fn is_valid_logger_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '#' | ':' | '-'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_default_and_module_segments() {
        let spec = LogSpec::parse("debug:gossip,msp=warning:ledger=error").unwrap();
        assert_eq!(spec.default_level(), Level::Debug);
        assert_eq!(spec.level_for("gossip"), Level::Warn);
        assert_eq!(spec.level_for("msp"), Level::Warn);
        assert_eq!(spec.level_for("ledger"), Level::Error);
        assert_eq!(spec.level_for("endorser"), Level::Debug);
        assert_eq!(spec.to_string(), "gossip=warn:ledger=error:msp=warn:debug");
        assert_eq!(spec.min_level(), Level::Debug);
    }

    #[test]
    fn order_of_segments_does_not_matter_and_last_default_wins() {
        let spec = LogSpec::parse("gossip=debug:warn:error").unwrap();
        assert_eq!(spec.default_level(), Level::Error);
        assert_eq!(spec.level_for("gossip"), Level::Debug);
        // A trailing colon is an empty segment, which resets the default to info.
        assert_eq!(
            LogSpec::parse("debug:").unwrap().default_level(),
            Level::Info
        );
        assert_eq!(LogSpec::parse("").unwrap(), LogSpec::default());
    }

    #[test]
    fn children_inherit_from_parents() {
        let spec = LogSpec::parse("info:gossip=debug:gossip.state=error").unwrap();
        assert_eq!(spec.level_for("gossip.state"), Level::Error);
        assert_eq!(spec.level_for("gossip.state.sub"), Level::Error);
        assert_eq!(spec.level_for("gossip.comm"), Level::Debug);
        assert_eq!(spec.level_for("gossipx"), Level::Info);
    }

    #[test]
    fn trailing_dot_matches_only_that_logger() {
        let spec = LogSpec::parse("info:gossip.=debug").unwrap();
        assert_eq!(spec.level_for("gossip"), Level::Debug);
        assert_eq!(spec.level_for("gossip.state"), Level::Info);
    }

    #[test]
    fn bad_specs_give_fabric_errors() {
        let err = |s: &str| LogSpec::parse(s).unwrap_err().to_string();
        assert_eq!(
            err("chatty"),
            "invalid logging specification 'chatty': bad segment 'chatty'"
        );
        assert_eq!(
            err("=debug"),
            "invalid logging specification '=debug': no logger specified in segment '=debug'"
        );
        assert_eq!(
            err("a=b=c"),
            "invalid logging specification 'a=b=c': bad segment 'a=b=c'"
        );
        assert_eq!(
            err("gossip=loud"),
            "invalid logging specification 'gossip=loud': bad segment 'gossip=loud'"
        );
        assert_eq!(
            err("a..b=debug"),
            "invalid logging specification 'a..b=debug': bad logger name 'a..b'"
        );
        assert_eq!(
            err("gossip="),
            "invalid logging specification 'gossip=': bad segment 'gossip='"
        );
    }

    #[test]
    fn logger_names_follow_fabric_pattern() {
        assert!(is_valid_logger_name("gossip.state"));
        assert!(is_valid_logger_name("core.comm#1"));
        assert!(!is_valid_logger_name("has space"));
        assert!(!is_valid_logger_name(".lead"));
    }
}
