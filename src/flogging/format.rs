//! Fabric's console log format (FABRIC_LOGGING_FORMAT), e.g. the default
//! `%{color}%{time:2006-01-02 15:04:05.000 MST} [%{module}] %{shortfunc} -> %{level:.4s} %{id:03x}%{color:reset} %{message}`.
//!
//! Verbs: color (optionally `bold` or `reset`), id (sequence number), level, message,
//! module (logger name), shortfunc, time (a Go time layout). Other verbs take a printf
//! verb such as `.4s` or `03x`.

use time::OffsetDateTime;

use super::error::FloggingError;
use super::level::Level;

/// Fabric's default console format.
pub const DEFAULT_FORMAT: &str = "%{color}%{time:2006-01-02 15:04:05.000 MST} [%{module}] %{shortfunc} -> %{level:.4s} %{id:03x}%{color:reset} %{message}";

/// One piece of a parsed format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Color(ColorMode),
    Id(Printf),
    Level(Printf),
    Message(Printf),
    Module(Printf),
    ShortFunc(Printf),
    Time(String),
}

/// What a `%{color}` verb emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMode {
    Normal,
    Bold,
    Reset,
}

/// What one log line is made of.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub time: OffsetDateTime,
    pub level: Level,
    pub module: &'a str,
    pub func: &'a str,
    pub message: &'a str,
    pub sequence: u64,
}

/// Parses a format string into pieces.
pub fn parse_format(spec: &str) -> Result<Vec<Piece>, FloggingError> {
    let mut pieces = Vec::new();
    let mut rest = spec;
    while let Some(start) = rest.find("%{") {
        let Some(close) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + close];
        let (verb, arg) = match inner.split_once(':') {
            Some((v, a)) => (v, a),
            None => (inner, ""),
        };
        let piece = match verb {
            "color" => Piece::Color(match arg {
                "" => ColorMode::Normal,
                "bold" => ColorMode::Bold,
                "reset" => ColorMode::Reset,
                other => return Err(FloggingError::BadColor(other.to_string())),
            }),
            "id" => Piece::Id(Printf::parse(arg, 'd')),
            "level" => Piece::Level(Printf::parse(arg, 's')),
            "message" => Piece::Message(Printf::parse(arg, 's')),
            "module" => Piece::Module(Printf::parse(arg, 's')),
            "shortfunc" => Piece::ShortFunc(Printf::parse(arg, 's')),
            "time" => Piece::Time(if arg.is_empty() {
                "2006-01-02T15:04:05.999Z07:00".to_string()
            } else {
                arg.to_string()
            }),
            other => return Err(FloggingError::UnknownVerb(other.to_string())),
        };
        if start > 0 {
            pieces.push(Piece::Text(rest[..start].to_string()));
        }
        pieces.push(piece);
        rest = &rest[start + close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Ok(pieces)
}

/// Renders an entry with parsed pieces (no trailing newline).
pub fn render(pieces: &[Piece], entry: &Entry<'_>, out: &mut String) {
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Color(mode) => out.push_str(&color(*mode, entry.level)),
            Piece::Id(p) => out.push_str(&p.number(entry.sequence)),
            Piece::Level(p) => out.push_str(&p.text(entry.level.capital_name())),
            Piece::Message(p) => out.push_str(&p.text(entry.message.trim_end_matches('\n'))),
            Piece::Module(p) => out.push_str(&p.text(entry.module)),
            Piece::ShortFunc(p) => out.push_str(&p.text(entry.func)),
            Piece::Time(layout) => out.push_str(&go_time_format(&entry.time, layout)),
        }
    }
}

fn color(mode: ColorMode, level: Level) -> String {
    let code = match level {
        Level::Debug => 36,
        Level::Info => 34,
        Level::Warn => 33,
        Level::Error => 31,
        Level::DPanic | Level::Panic | Level::Fatal => 35,
        Level::Payload => 0,
    };
    match mode {
        ColorMode::Reset => "\x1b[0m".to_string(),
        ColorMode::Bold if code != 0 => format!("\x1b[{code};1m"),
        _ => format!("\x1b[{code}m"),
    }
}

/// A printf verb: flags `-` and `0`, width, precision and s/d/x/X/o conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printf {
    left: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    conv: char,
}

impl Printf {
    fn parse(arg: &str, default_conv: char) -> Printf {
        let mut p = Printf {
            left: false,
            zero: false,
            width: 0,
            precision: None,
            conv: default_conv,
        };
        let mut chars = arg.chars().peekable();
        while let Some(&c) = chars.peek() {
            match c {
                '-' => p.left = true,
                '0' => p.zero = true,
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(c) = chars.next_if(|c| c.is_ascii_digit()) {
            width.push(c);
        }
        p.width = width.parse().unwrap_or(0);
        if chars.next_if_eq(&'.').is_some() {
            let mut prec = String::new();
            while let Some(c) = chars.next_if(|c| c.is_ascii_digit()) {
                prec.push(c);
            }
            p.precision = Some(prec.parse().unwrap_or(0));
        }
        if let Some(c) = chars.next() {
            p.conv = c;
        }
        p
    }

    fn text(&self, value: &str) -> String {
        let cut: String = match self.precision {
            Some(n) => value.chars().take(n).collect(),
            None => value.to_string(),
        };
        self.pad(cut)
    }

    fn number(&self, value: u64) -> String {
        let body = match self.conv {
            'x' => format!("{value:x}"),
            'X' => format!("{value:X}"),
            'o' => format!("{value:o}"),
            _ => value.to_string(),
        };
        self.pad(body)
    }

    fn pad(&self, body: String) -> String {
        let len = body.chars().count();
        if len >= self.width {
            return body;
        }
        let fill = self.width - len;
        if self.left {
            format!("{body}{}", " ".repeat(fill))
        } else if self.zero {
            format!("{}{body}", "0".repeat(fill))
        } else {
            format!("{}{body}", " ".repeat(fill))
        }
    }
}

/// Formats a time with a Go reference layout ("2006-01-02 15:04:05.000 MST").
pub fn go_time_format(t: &OffsetDateTime, layout: &str) -> String {
    const TOKENS: [&str; 28] = [
        "January",
        "Monday",
        "2006",
        "Z07:00",
        "-07:00",
        "-0700",
        "Z0700",
        ".000000000",
        ".999999999",
        ".000000",
        ".999999",
        ".000",
        ".999",
        "Jan",
        "Mon",
        "MST",
        "01",
        "02",
        "_2",
        "15",
        "03",
        "04",
        "05",
        "06",
        "PM",
        "pm",
        "1",
        "2",
    ];
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for token in TOKENS {
            if let Some(tail) = rest.strip_prefix(token) {
                out.push_str(&time_token(t, token));
                rest = tail;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn time_token(t: &OffsetDateTime, token: &str) -> String {
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    let offset = t.offset();
    let (oh, om) = (offset.whole_hours(), offset.minutes_past_hour().abs());
    let sign = if offset.is_negative() { '-' } else { '+' };
    let nanos = t.nanosecond();
    match token {
        "January" => t.month().to_string(),
        "Jan" => t.month().to_string()[..3].to_string(),
        "Monday" => t.weekday().to_string(),
        "Mon" => t.weekday().to_string()[..3].to_string(),
        "2006" => format!("{:04}", t.year()),
        "06" => format!("{:02}", t.year().rem_euclid(100)),
        "01" => format!("{:02}", u8::from(t.month())),
        "1" => u8::from(t.month()).to_string(),
        "02" => format!("{:02}", t.day()),
        "_2" => format!("{:>2}", t.day()),
        "2" => t.day().to_string(),
        "15" => format!("{:02}", t.hour()),
        "03" => format!("{hour12:02}"),
        "04" => format!("{:02}", t.minute()),
        "05" => format!("{:02}", t.second()),
        "PM" => (if t.hour() >= 12 { "PM" } else { "AM" }).to_string(),
        "pm" => (if t.hour() >= 12 { "pm" } else { "am" }).to_string(),
        "MST" if offset.is_utc() => "UTC".to_string(),
        "MST" => format!("{sign}{:02}{om:02}", oh.abs()),
        "Z07:00" | "Z0700" if offset.is_utc() => "Z".to_string(),
        "Z07:00" | "-07:00" => format!("{sign}{:02}:{om:02}", oh.abs()),
        "Z0700" | "-0700" => format!("{sign}{:02}{om:02}", oh.abs()),
        frac if frac.starts_with(".0") => {
            let digits = frac.len() - 1;
            format!(".{:09}", nanos)[..digits + 1].to_string()
        }
        frac => {
            // ".999": trailing zeros dropped, nothing at all when zero.
            let digits = frac.len() - 1;
            let s = format!("{:09}", nanos)[..digits]
                .trim_end_matches('0')
                .to_string();
            if s.is_empty() {
                String::new()
            } else {
                format!(".{s}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::{Date, Month};

    fn at(h: u8, m: u8, s: u8, milli: u16) -> OffsetDateTime {
        Date::from_calendar_date(2019, Month::January, 2)
            .unwrap()
            .with_hms_milli(h, m, s, milli)
            .unwrap()
            .assume_utc()
    }

    fn entry(message: &str) -> Entry<'_> {
        Entry {
            time: at(3, 4, 5, 678),
            level: Level::Warn,
            module: "gossip.state",
            func: "deliver",
            message,
            sequence: 26,
        }
    }

    #[test]
    fn default_format_renders_like_fabric() {
        let pieces = parse_format(DEFAULT_FORMAT).unwrap();
        let mut out = String::new();
        render(&pieces, &entry("hello\n"), &mut out);
        assert_eq!(
            out,
            "\x1b[33m2019-01-02 03:04:05.678 UTC [gossip.state] deliver -> WARN 01a\x1b[0m hello"
        );
    }

    #[test]
    fn printf_verbs_pad_and_cut() {
        let pieces = parse_format("%{level:-7s}|%{module:.3s}|%{id:5d}").unwrap();
        let mut out = String::new();
        render(&pieces, &entry("m"), &mut out);
        assert_eq!(out, "WARN   |gos|   26");
    }

    #[test]
    fn go_layouts() {
        let t = at(15, 4, 5, 500);
        assert_eq!(
            go_time_format(&t, "2006-01-02T15:04:05.999Z07:00"),
            "2019-01-02T15:04:05.5Z"
        );
        assert_eq!(go_time_format(&t, "Jan _2 03:04PM"), "Jan  2 03:04PM");
    }

    #[test]
    fn bad_verbs_are_errors() {
        assert_eq!(
            parse_format("%{bogus}").unwrap_err().to_string(),
            "invalid logging format: unknown verb: bogus"
        );
        assert!(parse_format("%{color:blue}").is_err());
    }
}
