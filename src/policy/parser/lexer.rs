//! Splits a policy string into tokens with the lexical rules of the expression language
//! Fabric parses policies with (govaluate): numbers are runs of digits and dots, strings are
//! quoted with `'` or `"` (either closes) and `\` escapes the next character, names are a
//! letter followed by letters, digits and underscores, and `And`/`and`/`AND`, `Or`/`or`/`OR`,
//! `OutOf`/`outof`/`OUTOF` name the gates.

use super::ParseError;

/// The three gates of the policy language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gate {
    And,
    Or,
    OutOf,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    Number(f64),
    Str(String),
    Bool(bool),
    Name(String),
    Gate(Gate),
    Open,
    Close,
    Comma,
    Minus,
    /// An operator of the expression language that policies have no use for (`+`, `==`...).
    Operator(String),
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Number(n) => write!(f, "number {n}"),
            Token::Str(s) => write!(f, "string '{s}'"),
            Token::Bool(b) => write!(f, "{b}"),
            Token::Name(n) => write!(f, "'{n}'"),
            Token::Gate(g) => write!(f, "gate {g:?}"),
            Token::Open => f.write_str("'('"),
            Token::Close => f.write_str("')'"),
            Token::Comma => f.write_str("','"),
            Token::Minus => f.write_str("'-'"),
            Token::Operator(o) => write!(f, "operator '{o}'"),
        }
    }
}

const OPERATORS: &[&str] = &[
    "==", "!=", ">", ">=", "<", "<=", "=~", "!~", "&&", "||", "^", "&", "|", ">>", "<<", "+", "*",
    "/", "%", "**", "!", "~", "?", ":", "??",
];

fn gate_named(name: &str) -> Option<Gate> {
    match name {
        "And" | "and" | "AND" => Some(Gate::And),
        "Or" | "or" | "OR" => Some(Gate::Or),
        "OutOf" | "outof" | "OUTOF" => Some(Gate::OutOf),
        _ => None,
    }
}

fn is_quote(c: char) -> bool {
    c == '\'' || c == '"'
}

fn is_numeric(c: char) -> bool {
    c.is_ascii_digit() || c == '.'
}

fn is_name_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || c == '_'
}

/// Characters that make up an operator: anything but letters, digits, parentheses, quotes.
fn is_operator_char(c: char) -> bool {
    !(c.is_numeric() || c.is_alphabetic() || c == '(' || c == ')' || is_quote(c))
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Lexer<'_> {
    fn take_while(&mut self, first: char, keep: impl Fn(char) -> bool) -> String {
        let mut text = String::from(first);
        while let Some(&c) = self.chars.peek() {
            if !keep(c) || c.is_whitespace() {
                break;
            }
            text.push(c);
            self.chars.next();
        }
        text
    }

    /// Reads up to the closing `end` (exclusive), honouring `\` escapes.
    fn delimited(&mut self, is_end: impl Fn(char) -> bool) -> Option<String> {
        let mut text = String::new();
        while let Some(c) = self.chars.next() {
            match c {
                '\\' => text.push(self.chars.next()?),
                c if is_end(c) => return Some(text),
                c => text.push(c),
            }
        }
        None
    }

    fn next_token(&mut self) -> Result<Option<Token>, ParseError> {
        let Some(c) = self.chars.by_ref().find(|c| !c.is_whitespace()) else {
            return Ok(None);
        };
        let token = match c {
            c if is_numeric(c) => {
                let text = self.take_while(c, is_numeric);
                let value = text.parse::<f64>().map_err(|_| {
                    ParseError::new(format!("Unable to parse numeric value '{text}' to float64"))
                })?;
                Token::Number(value)
            }
            ',' => Token::Comma,
            '(' => Token::Open,
            ')' => Token::Close,
            '[' => Token::Name(
                self.delimited(|c| c == ']')
                    .ok_or_else(|| ParseError::new("Unclosed parameter bracket"))?,
            ),
            c if is_quote(c) => Token::Str(
                self.delimited(is_quote)
                    .ok_or_else(|| ParseError::new("Unclosed string literal"))?,
            ),
            c if c.is_alphabetic() => {
                let name = self.take_while(c, is_name_char);
                match name.as_str() {
                    "true" => Token::Bool(true),
                    "false" => Token::Bool(false),
                    "in" | "IN" => Token::Operator(name),
                    _ => gate_named(&name).map_or(Token::Name(name), Token::Gate),
                }
            }
            c => {
                let text = self.take_while(c, is_operator_char);
                if text == "-" {
                    Token::Minus
                } else if OPERATORS.contains(&text.as_str()) {
                    Token::Operator(text)
                } else {
                    return Err(ParseError::new(format!("Invalid token: '{text}'")));
                }
            }
        };
        Ok(Some(token))
    }
}

/// Tokenizes `input`, then checks that parentheses balance.
pub(super) fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer {
        chars: input.chars().peekable(),
    };
    let mut tokens = Vec::new();
    while let Some(token) = lexer.next_token()? {
        tokens.push(token);
    }
    let depth: i64 = tokens
        .iter()
        .map(|t| match t {
            Token::Open => 1,
            Token::Close => -1,
            _ => 0,
        })
        .sum();
    if depth != 0 {
        return Err(ParseError::new("Unbalanced parenthesis"));
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_a_policy() {
        let tokens = tokenize(r#"OutOf(2, 'A.member', "B\"x")"#).unwrap();
        assert_eq!(
            tokens,
            vec![
                Token::Gate(Gate::OutOf),
                Token::Open,
                Token::Number(2.0),
                Token::Comma,
                Token::Str("A.member".into()),
                Token::Comma,
                Token::Str("B\"x".into()),
                Token::Close,
            ]
        );
    }

    #[test]
    fn either_quote_closes_a_string() {
        assert_eq!(tokenize(r#"'a""#).unwrap(), vec![Token::Str("a".into())]);
    }

    #[test]
    fn gate_names_come_in_three_spellings() {
        for name in [
            "And", "and", "AND", "Or", "or", "OR", "OutOf", "outof", "OUTOF",
        ] {
            assert!(
                matches!(tokenize(name).unwrap()[0], Token::Gate(_)),
                "{name}"
            );
        }
        for name in ["aNd", "Outof", "oR"] {
            assert!(
                matches!(tokenize(name).unwrap()[0], Token::Name(_)),
                "{name}"
            );
        }
    }

    #[test]
    fn lexical_errors() {
        let err = |s: &str| tokenize(s).unwrap_err().to_string();
        assert_eq!(err("AND('A.member'"), "Unbalanced parenthesis");
        assert_eq!(err("AND('A.member))"), "Unclosed string literal");
        assert_eq!(
            err("OutOf(1.2.3, 'A.member')"),
            "Unable to parse numeric value '1.2.3' to float64"
        );
        assert_eq!(err("AND(@)"), "Invalid token: '@'");
        assert_eq!(tokenize("1 + 2").unwrap()[1], Token::Operator("+".into()));
    }
}
