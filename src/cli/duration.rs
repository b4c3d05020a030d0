//! Go's `time.Duration` text syntax ("3s", "1m30s", "1.5h", "300ms", "-2h45m"), which the
//! Fabric CLI accepts for every duration flag (`--connTimeout`, `--timeout`, ...).

use std::fmt;
use std::str::FromStr;

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

const UNITS: [(&str, i64); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

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

fn split_number(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s.split_at(end)
}

fn unit_scale(unit_and_rest: &str) -> Option<(i64, usize)> {
    // Longest match first so "ms" is not read as "m" followed by "s".
    let mut best: Option<(i64, usize)> = None;
    for (name, scale) in UNITS {
        if unit_and_rest.starts_with(name) && best.is_none_or(|(_, len)| name.len() > len) {
            best = Some((scale, name.len()));
        }
    }
    best
}

/// Value of one "<number><unit>" piece in nanoseconds, exact for integers and rounded
/// toward zero for fractions (as Go does).
fn piece_nanos(number: &str, scale: i64) -> Option<i128> {
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if (int_part.is_empty() && frac_part.is_empty())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int: i128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut total = int.checked_mul(i128::from(scale))?;
    let mut divisor: i128 = 1;
    let mut frac: i128 = 0;
    for digit in frac_part.bytes().take(18) {
        frac = frac * 10 + i128::from(digit - b'0');
        divisor *= 10;
    }
    total += frac * i128::from(scale) / divisor;
    Some(total)
}

impl FromStr for GoDuration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| DurationError {
            text: text.to_string(),
            reason,
        };
        let (negative, mut rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        if rest == "0" {
            return Ok(Self::default());
        }
        if rest.is_empty() {
            return Err(fail("it is empty"));
        }
        let mut total: i128 = 0;
        while !rest.is_empty() {
            let (number, after) = split_number(rest);
            if number.is_empty() {
                return Err(fail("expected a number"));
            }
            let (scale, unit_len) = unit_scale(after).ok_or_else(|| {
                fail(if after.is_empty() {
                    "missing unit"
                } else {
                    "unknown unit"
                })
            })?;
            total += piece_nanos(number, scale).ok_or_else(|| fail("bad number"))?;
            rest = &after[unit_len..];
        }
        let signed = if negative { -total } else { total };
        let nanos = i64::try_from(signed).map_err(|_| fail("out of range"))?;
        Ok(Self { nanos })
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
