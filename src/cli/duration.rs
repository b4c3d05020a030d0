//! Go's `time.Duration` text syntax ("3s", "1m30s", "1.5h", "300ms", "-2h45m"), which the
//! Fabric CLI accepts for every duration flag (`--connTimeout`, `--timeout`, ...).

use std::fmt;
use std::str::FromStr;

use crate::config::parse_go_duration;

/// A signed duration with nanosecond precision, parsed and printed the way Go does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct GoDuration {
    nanos: i64,
}

/// Why a duration text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration \"{text}\": {reason} (use Go syntax such as 3s, 500ms or 1m30s)")]
pub struct DurationError {
    text: String,
    reason: &'static str,
}

impl GoDuration {
    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        Self { nanos }
    }

    /// A duration of `secs` seconds.
    pub const fn from_secs(secs: i64) -> Self {
        Self {
            nanos: secs * 1_000_000_000,
        }
    }

    /// The signed length in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// The length as a std duration; negative lengths become zero.
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(u64::try_from(self.nanos).unwrap_or(0))
    }

    /// True for the zero duration.
    pub const fn is_zero(self) -> bool {
        self.nanos == 0
    }
}

impl FromStr for GoDuration {
    type Err = DurationError;

    /// Parses with the crate's one Go-duration parser ([`parse_go_duration`]); a leading
    /// sign is handled here because flags such as `--tlsHandshakeTimeShift` may be negative.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| DurationError {
            text: text.to_string(),
            reason,
        };
        let (negative, magnitude) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        if magnitude.is_empty() {
            return Err(fail("it is empty"));
        }
        if magnitude.starts_with(['+', '-']) {
            return Err(fail("it has more than one sign"));
        }
        let parsed = parse_go_duration(magnitude).ok_or_else(|| {
            fail(if magnitude.ends_with(|c: char| c.is_ascii_digit()) {
                "missing unit"
            } else {
                "not a number followed by a unit (ns, us, ms, s, m, h)"
            })
        })?;
        let nanos = i64::try_from(parsed.as_nanos()).map_err(|_| fail("out of range"))?;
        Ok(Self {
            nanos: if negative { -nanos } else { nanos },
        })
    }
}

fn write_fraction(f: &mut fmt::Formatter<'_>, value: u128, scale: u128) -> fmt::Result {
    write!(f, "{}", value / scale)?;
    let frac = value % scale;
    if frac != 0 {
        let width = scale.ilog10() as usize;
        let digits = format!("{frac:0width$}");
        write!(f, ".{}", digits.trim_end_matches('0'))?;
    }
    Ok(())
}

impl fmt::Display for GoDuration {
    /// Formats like Go's `Duration.String`: "0s", "1.5s", "300ms", "1m30s", "2h0m0s".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos < 0 {
            f.write_str("-")?;
        }
        let n = u128::from(self.nanos.unsigned_abs());
        if n == 0 {
            return f.write_str("0s");
        }
        if n < 1_000 {
            return write!(f, "{n}ns");
        }
        if n < 1_000_000 {
            write_fraction(f, n, 1_000)?;
            return f.write_str("µs");
        }
        if n < 1_000_000_000 {
            write_fraction(f, n, 1_000_000)?;
            return f.write_str("ms");
        }
        let hours = n / 3_600_000_000_000;
        let minutes = (n / 60_000_000_000) % 60;
        let secs = n % 60_000_000_000;
        if hours > 0 {
            write!(f, "{hours}h{minutes}m")?;
        } else if minutes > 0 {
            write!(f, "{minutes}m")?;
        }
        write_fraction(f, secs, 1_000_000_000)?;
        f.write_str("s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> i64 {
        s.parse::<GoDuration>().expect(s).as_nanos()
    }

    #[test]
    fn parses_go_forms() {
        assert_eq!(parse("3s"), 3_000_000_000);
        assert_eq!(parse("1m30s"), 90_000_000_000);
        assert_eq!(parse("1.5h"), 5_400_000_000_000);
        assert_eq!(parse("300ms"), 300_000_000);
        assert_eq!(parse("2us"), 2_000);
        assert_eq!(parse("2µs"), 2_000);
        assert_eq!(parse("-1h"), -3_600_000_000_000);
        assert_eq!(parse("0"), 0);
        assert_eq!(parse(".5s"), 500_000_000);
        assert_eq!(parse("1h2m3s4ms"), 3_723_004_000_000);
    }

    #[test]
    fn rejects_bad_text() {
        for bad in ["", "3", "abc", "3x", "s", "1..5s", "-", "99999999999999h"] {
            let err = bad.parse::<GoDuration>().unwrap_err().to_string();
            assert!(err.contains("invalid duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn formats_like_go() {
        for (text, shown) in [
            ("0s", "0s"),
            ("3s", "3s"),
            ("90s", "1m30s"),
            ("1.5s", "1.5s"),
            ("300ms", "300ms"),
            ("2h", "2h0m0s"),
            ("-1m", "-1m0s"),
            ("1500ns", "1.5µs"),
        ] {
            assert_eq!(text.parse::<GoDuration>().unwrap().to_string(), shown);
        }
    }
}
