//! PEM decoding and encoding with the rules of Go's `encoding/pem`, which Fabric uses for
//! every certificate it reads from an MSP folder or a serialized identity.
//!
//! Decoding takes the first `-----BEGIN <TYPE>-----` block of any type (text before it is
//! skipped) and returns the rest of the input after its `END` line; encoding writes base64
//! in 64-character lines, so serialized identities are byte-identical to Fabric's.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// One decoded PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// The label between `BEGIN ` and the dashes (`CERTIFICATE`, `PRIVATE KEY`...).
    pub label: String,
    /// The base64-decoded body.
    pub contents: Vec<u8>,
}

const BEGIN: &[u8] = b"-----BEGIN ";
const DASHES: &[u8] = b"-----";

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes the first PEM block in `input`; returns it and the bytes after it, or `None` when
/// the input holds no well-formed block (as Go's `pem.Decode` returns nil).
pub fn decode(input: &[u8]) -> Option<(PemBlock, &[u8])> {
    let mut rest = input;
    loop {
        let start = find(rest, BEGIN)?;
        // A BEGIN line must start a line.
        if start > 0 && rest[start - 1] != b'\n' {
            rest = &rest[start + BEGIN.len()..];
            continue;
        }
        let after_begin = &rest[start + BEGIN.len()..];
        match decode_block(after_begin) {
            Some(found) => return Some(found),
            None => rest = after_begin,
        }
    }
}

fn decode_block(after_begin: &[u8]) -> Option<(PemBlock, &[u8])> {
    let line_end = after_begin
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(after_begin.len());
    let line = trim_right(&after_begin[..line_end]);
    let label = line.strip_suffix(DASHES)?;
    let label = std::str::from_utf8(label).ok()?.to_string();
    let body_start = (line_end + 1).min(after_begin.len());
    let body = &after_begin[body_start..];
    let end_marker = [b"-----END ", label.as_bytes(), DASHES].concat();
    let end = find(body, &end_marker)?;
    let text = strip_headers(&body[..end]);
    let cleaned: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let contents = STANDARD.decode(&cleaned).ok()?;
    let mut rest = &body[end + end_marker.len()..];
    if let Some(nl) = rest.iter().position(|&b| b == b'\n') {
        if rest[..nl].iter().all(|b| b.is_ascii_whitespace()) {
            rest = &rest[nl + 1..];
        }
    } else if rest.iter().all(|b| b.is_ascii_whitespace()) {
        rest = &[];
    }
    Some((PemBlock { label, contents }, rest))
}

/// Skips RFC 1421 headers (`Key: value` lines followed by a blank line), which Go tolerates.
fn strip_headers(body: &[u8]) -> &[u8] {
    let first_line_end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    if !body[..first_line_end].contains(&b':') {
        return body;
    }
    let blank = find(body, b"\n\n").or_else(|| find(body, b"\r\n\r\n"));
    match blank {
        Some(pos) => &body[pos..],
        None => body,
    }
}

fn trim_right(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && (line[end - 1] == b' ' || line[end - 1] == b'\t' || line[end - 1] == b'\r') {
        end -= 1;
    }
    &line[..end]
}

/// Encodes `der` as a PEM block with `label`, base64 in 64-character lines, as Go does.
pub fn encode(label: &str, der: &[u8]) -> Vec<u8> {
    let b64 = STANDARD.encode(der);
    let mut out = Vec::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.extend_from_slice(format!("-----BEGIN {label}-----\n").as_bytes());
    for chunk in b64.as_bytes().chunks(64) {
        out.extend_from_slice(chunk);
        out.push(b'\n');
    }
    out.extend_from_slice(format!("-----END {label}-----\n").as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_wraps_at_64() {
        let der: Vec<u8> = (0..=255u8).collect();
        let pem = encode("CERTIFICATE", &der);
        let text = String::from_utf8(pem.clone()).unwrap();
        assert!(text.lines().skip(1).all(|l| l.len() <= 64));
        let (block, rest) = decode(&pem).unwrap();
        assert_eq!(block.label, "CERTIFICATE");
        assert_eq!(block.contents, der);
        assert!(rest.is_empty());
    }

    #[test]
    fn skips_leading_text_and_returns_rest() {
        let mut input = b"garbage before\n".to_vec();
        input.extend(encode("A", b"one"));
        input.extend(encode("B", b"two"));
        let (first, rest) = decode(&input).unwrap();
        assert_eq!(
            (first.label.as_str(), first.contents.as_slice()),
            ("A", &b"one"[..])
        );
        let (second, rest) = decode(rest).unwrap();
        assert_eq!(second.contents, b"two");
        assert!(decode(rest).is_none());
    }

    #[test]
    fn rejects_garbage_and_bad_base64() {
        assert!(decode(b"not a pem at all").is_none());
        assert!(decode(b"-----BEGIN X-----\n!!!!\n-----END X-----\n").is_none());
        assert!(decode(b"-----BEGIN X-----\nAAAA\n").is_none());
    }
}
