//! Fabric's policy language (`cauthdsl.FromString`): `AND(...)`, `OR(...)`, `OutOf(n, ...)`,
//! nested, over principals `'<MSP ID>.<role>'` with role `member`, `admin`, `client`, `peer`
//! or `orderer`.
//!
//! The envelope is built exactly as Fabric builds it, so it marshals to the same bytes:
//! version 0; every principal string becomes its own ROLE principal (repeats are not merged);
//! principals are numbered in evaluation order, where a gate's nested gates are numbered
//! before the gate's own principal strings (`OR('A.member', AND('B.member', 'C.member'))`
//! lists B, C, A); `AND` of k rules is `OutOf(k, ...)`, `OR` is `OutOf(1, ...)`; a threshold
//! may be anything from 0 to one more than the number of rules, as Fabric allows.

mod lexer;

use lexer::{tokenize, Gate, Token};

use crate::policy::cauthdsl::builder::{n_out_of, role_principal, signed_by};
use crate::protos::common::msp_role::MspRoleType;
use crate::protos::common::{MspPrincipal, SignaturePolicy, SignaturePolicyEnvelope};

/// A policy string that is not a valid policy; the message says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    message: String,
}

impl ParseError {
    fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
        }
    }
}

/// Parses a policy string into the `SignaturePolicyEnvelope` Fabric would build for it.
pub fn from_string(policy: &str) -> Result<SignaturePolicyEnvelope, ParseError> {
    let tokens = tokenize(policy)?;
    let mut parser = Parser {
        tokens: tokens.into_iter().peekable(),
    };
    let root = parser.expression()?;
    if let Some(extra) = parser.tokens.next() {
        return Err(unexpected(&extra));
    }
    let Value::Gate(gate) = check(&root)? else {
        return Err(ParseError::new(format!(
            "invalid policy string '{policy}': a policy is a gate such as AND('Org1MSP.member', 'Org2MSP.member')"
        )));
    };
    let mut principals = Vec::new();
    let rule = build(&gate, &mut principals)?;
    Ok(SignaturePolicyEnvelope {
        version: 0,
        rule: Some(rule),
        identities: principals,
    })
}

/// The syntax tree of a policy string.
#[derive(Debug)]
enum Node {
    Number(f64),
    Str(String),
    Bool(bool),
    Name(String),
    Negate(Box<Node>),
    Call(Gate, Vec<Node>),
}

fn unexpected(token: &Token) -> ParseError {
    match token {
        Token::Operator(op) => ParseError::new(format!(
            "operator '{op}' is not supported in policy strings; use AND, OR and OutOf"
        )),
        other => ParseError::new(format!("unexpected {other} in policy string")),
    }
}

struct Parser {
    tokens: std::iter::Peekable<std::vec::IntoIter<Token>>,
}

impl Parser {
    fn next(&mut self) -> Result<Token, ParseError> {
        self.tokens
            .next()
            .ok_or_else(|| ParseError::new("Unexpected end of expression"))
    }

    fn expression(&mut self) -> Result<Node, ParseError> {
        match self.next()? {
            Token::Number(n) => Ok(Node::Number(n)),
            Token::Str(s) => Ok(Node::Str(s)),
            Token::Bool(b) => Ok(Node::Bool(b)),
            Token::Minus => Ok(Node::Negate(Box::new(self.expression()?))),
            Token::Name(name) => {
                if self.tokens.peek() == Some(&Token::Open) {
                    return Err(ParseError::new(format!(
                        "Undefined function {name}; the gates are AND, OR and OutOf"
                    )));
                }
                Ok(Node::Name(name))
            }
            Token::Open => {
                let inner = self.expression()?;
                self.expect_close()?;
                Ok(inner)
            }
            Token::Gate(gate) => {
                match self.next()? {
                    Token::Open => {}
                    other => return Err(unexpected(&other)),
                }
                Ok(Node::Call(gate, self.arguments()?))
            }
            other => Err(unexpected(&other)),
        }
    }

    fn expect_close(&mut self) -> Result<(), ParseError> {
        match self.next()? {
            Token::Close => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    /// The comma-separated arguments of a gate, after its `(`, through its `)`.
    fn arguments(&mut self) -> Result<Vec<Node>, ParseError> {
        let mut arguments = Vec::new();
        if self.tokens.peek() == Some(&Token::Close) {
            self.tokens.next();
            return Ok(arguments);
        }
        loop {
            arguments.push(self.expression()?);
            match self.next()? {
                Token::Comma => continue,
                Token::Close => return Ok(arguments),
                other => return Err(unexpected(&other)),
            }
        }
    }
}

/// A value of the language once names are resolved and gates checked.
#[derive(Debug)]
enum Value {
    Number(f64),
    Str(String),
    Bool(bool),
    Gate(CheckedGate),
}

#[derive(Debug)]
struct CheckedGate {
    threshold: i64,
    rules: Vec<RuleItem>,
}

#[derive(Debug)]
enum RuleItem {
    Principal(MspPrincipal),
    Gate(CheckedGate),
}

/// Evaluates the tree bottom-up (arguments first, left to right, as Fabric does) and checks
/// each gate's arguments.
fn check(node: &Node) -> Result<Value, ParseError> {
    match node {
        Node::Number(n) => Ok(Value::Number(*n)),
        Node::Str(s) => Ok(Value::Str(s.clone())),
        Node::Bool(b) => Ok(Value::Bool(*b)),
        Node::Name(name) => Err(ParseError::new(format!(
            "unrecognized token '{name}' in policy string"
        ))),
        Node::Negate(inner) => match check(inner)? {
            Value::Number(n) => Ok(Value::Number(-n)),
            _ => Err(ParseError::new(
                "'-' can only negate a number in a policy string",
            )),
        },
        Node::Call(gate, arguments) => {
            let values = arguments.iter().map(check).collect::<Result<Vec<_>, _>>()?;
            check_gate(*gate, values).map(Value::Gate)
        }
    }
}

fn check_gate(gate: Gate, values: Vec<Value>) -> Result<CheckedGate, ParseError> {
    let rule_count = values.len();
    let (threshold, rules) = match gate {
        Gate::And => (Value::Number(rule_count as f64), values),
        Gate::Or => (Value::Number(1.0), values),
        Gate::OutOf => {
            let mut values = values.into_iter();
            match values.next() {
                Some(threshold) => (threshold, values.collect()),
                None => {
                    return Err(ParseError::new(
                        "Expected at least two arguments to NOutOf. Given 0",
                    ))
                }
            }
        }
    };
    if rules.is_empty() {
        return Err(ParseError::new(
            "Expected at least two arguments to NOutOf. Given 1",
        ));
    }
    let threshold = match threshold {
        // Fabric truncates a fractional threshold towards zero.
        Value::Number(n) => n.trunc() as i64,
        Value::Str(text) => threshold_from_text(&text)?,
        Value::Bool(b) => {
            return Err(ParseError::new(format!(
                "invalid threshold {b} in policy string: expected a number"
            )))
        }
        Value::Gate(_) => {
            return Err(ParseError::new(
                "invalid threshold in policy string: expected a number, got a nested gate",
            ))
        }
    };
    let rules = rules
        .into_iter()
        .map(|value| match value {
            Value::Str(text) => principal_from_text(&text).map(RuleItem::Principal),
            Value::Gate(nested) => Ok(RuleItem::Gate(nested)),
            Value::Number(n) => Err(ParseError::new(format!(
                "unexpected number {n} in policy string: rules are principals such as 'Org1MSP.member' or nested gates"
            ))),
            Value::Bool(b) => Err(ParseError::new(format!(
                "unexpected {b} in policy string: rules are principals such as 'Org1MSP.member' or nested gates"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CheckedGate { threshold, rules })
}

/// Fabric splices a quoted threshold (`OutOf('2', ...)`) back into the expression, so a
/// quoted number counts as that number.
fn threshold_from_text(text: &str) -> Result<i64, ParseError> {
    let trimmed = text.trim();
    let (sign, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (-1.0, rest.trim_start()),
        None => (1.0, trimmed),
    };
    digits
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.')
        .then(|| digits.parse::<f64>().ok())
        .flatten()
        .map(|n| (sign * n).trunc() as i64)
        .ok_or_else(|| {
            ParseError::new(format!(
                "invalid threshold '{text}' in policy string: expected a number"
            ))
        })
}

const ROLES: [(&str, MspRoleType); 5] = [
    ("admin", MspRoleType::Admin),
    ("member", MspRoleType::Member),
    ("client", MspRoleType::Client),
    ("peer", MspRoleType::Peer),
    ("orderer", MspRoleType::Orderer),
];

fn is_msp_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// `'<MSP ID>.<role>'`: the MSP id is ASCII letters, digits, dots and dashes; the role is
/// what follows the last dot.
fn principal_from_text(text: &str) -> Result<MspPrincipal, ParseError> {
    if let Some((msp_id, role_name)) = text.rsplit_once('.') {
        if is_msp_id(msp_id) {
            return match ROLES.iter().find(|(name, _)| *name == role_name) {
                Some((_, role)) => Ok(role_principal(msp_id, *role)),
                None => Err(ParseError::new(format!(
                    "unknown role '{role_name}' in principal '{text}': expected admin, member, client, peer or orderer"
                ))),
            };
        }
    }
    let mut chars = text.chars();
    let is_name = chars.next().is_some_and(char::is_alphabetic)
        && chars.all(|c| c.is_alphanumeric() || c == '_');
    if is_name {
        return Err(ParseError::new(format!(
            "unrecognized token '{text}' in policy string"
        )));
    }
    Err(ParseError::new(format!(
        "unrecognized principal '{text}' in policy string: expected '<MSP ID>.<role>', such as 'Org1MSP.member'"
    )))
}

/// Numbers principals and builds rules: nested gates first, then this gate's own
/// principals, in argument order.
fn build(
    gate: &CheckedGate,
    principals: &mut Vec<MspPrincipal>,
) -> Result<SignaturePolicy, ParseError> {
    let mut nested = Vec::new();
    for item in &gate.rules {
        if let RuleItem::Gate(inner) = item {
            nested.push(build(inner, principals)?);
        }
    }
    let n = gate.rules.len() as i64;
    if gate.threshold < 0 || gate.threshold > n + 1 {
        return Err(ParseError::new(format!(
            "Invalid t-out-of-n predicate, t {}, n {n}",
            gate.threshold
        )));
    }
    let mut nested = nested.into_iter();
    let mut rules = Vec::with_capacity(gate.rules.len());
    for item in &gate.rules {
        match item {
            RuleItem::Principal(principal) => {
                rules.push(signed_by(principals.len() as i32));
                principals.push(principal.clone());
            }
            RuleItem::Gate(_) => rules.extend(nested.next()),
        }
    }
    Ok(n_out_of(gate.threshold as i32, rules))
}

#[cfg(test)]
mod tests;
