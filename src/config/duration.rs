//! Go's duration syntax (`time.ParseDuration`), which Fabric's configuration files use for
//! every timeout and interval: "60s", "1500ms", "1m", "1h30m", ".5s", "0".
//!
//! Viper's cast rule is kept too: a string without any unit letter is read as nanoseconds,
//! and a bare YAML number is a count of nanoseconds.

use std::time::Duration;

/// Nanoseconds per unit, longest unit names first so that "ms" wins over "m".
const UNITS: [(&str, u128); 9] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("", 0),
];

/// Parses a Go duration string. Negative durations are rejected because no Fabric setting
/// accepts them and `std::time::Duration` cannot hold them.
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    let s = text.strip_prefix('+').unwrap_or(text);
    if let Some(negative) = s.strip_prefix('-') {
        // Only a negative zero fits in a std Duration.
        return parse_go_duration(negative).filter(|d| d.is_zero());
    }
    if s == "0" {
        return Some(Duration::ZERO);
    }
    if s.is_empty() {
        return None;
    }
    let mut rest = s;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let (nanos, tail) = parse_component(rest)?;
        total = total.checked_add(nanos)?;
        rest = tail;
    }
    let secs = u64::try_from(total / 1_000_000_000).ok()?;
    Some(Duration::new(secs, (total % 1_000_000_000) as u32))
}

/// Parses one `<number><unit>` component and returns its nanoseconds and the rest.
fn parse_component(s: &str) -> Option<(u128, &str)> {
    let int_len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (int_part, after_int) = s.split_at(int_len);
    let (frac_part, after_num) = match after_int.strip_prefix('.') {
        Some(tail) => {
            let frac_len = tail
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(tail.len());
            tail.split_at(frac_len)
        }
        None => ("", after_int),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let unit_len = after_num
        .find(|c: char| c == '.' || c.is_ascii_digit())
        .unwrap_or(after_num.len());
    let (unit, tail) = after_num.split_at(unit_len);
    let scale = UNITS
        .iter()
        .find(|(name, _)| !name.is_empty() && *name == unit)
        .map(|(_, scale)| *scale)?;
    let whole: u128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut nanos = whole.checked_mul(scale)?;
    if !frac_part.is_empty() {
        // Keep at most 18 fractional digits; more cannot change a nanosecond result.
        let digits = &frac_part[..frac_part.len().min(18)];
        let frac: u128 = digits.parse().ok()?;
        let denom = 10u128.pow(digits.len() as u32);
        nanos = nanos.checked_add(frac * scale / denom)?;
    }
    Some((nanos, tail))
}

/// Viper's reading of a duration given as a string: with no unit letter at all the number
/// counts nanoseconds ("100" is 100ns), otherwise Go's syntax applies.
pub fn parse_viper_duration(text: &str) -> Option<Duration> {
    let trimmed = text.trim();
    if trimmed.contains(['n', 's', 'u', 'µ', 'm', 'h']) {
        parse_go_duration(trimmed)
    } else {
        parse_go_duration(&format!("{trimmed}ns"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fabric_defaults() {
        assert_eq!(parse_go_duration("60s"), Some(Duration::from_secs(60)));
        assert_eq!(
            parse_go_duration("1500ms"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_go_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_go_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_go_duration("3600s"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_go_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("10ms"), Some(Duration::from_millis(10)));
    }

    #[test]
    fn parses_fractions_and_small_units() {
        assert_eq!(parse_go_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration(".5s"), Some(Duration::from_millis(500)));
        assert_eq!(parse_go_duration("2us"), Some(Duration::from_micros(2)));
        assert_eq!(parse_go_duration("2µs"), Some(Duration::from_micros(2)));
        assert_eq!(parse_go_duration("7ns"), Some(Duration::from_nanos(7)));
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_go_duration("+3s"), Some(Duration::from_secs(3)));
    }

    #[test]
    fn rejects_bad_text() {
        for bad in ["", "abc", "10", "s", "1x", "1.s.", "-5s", "1m-2s", "."] {
            assert_eq!(parse_go_duration(bad), None, "{bad:?} should be rejected");
        }
    }

    #[test]
    fn viper_reads_unitless_numbers_as_nanoseconds() {
        assert_eq!(parse_viper_duration("100"), Some(Duration::from_nanos(100)));
        assert_eq!(parse_viper_duration("3s"), Some(Duration::from_secs(3)));
        assert_eq!(parse_viper_duration("abc"), None);
    }
}
