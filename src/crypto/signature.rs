//! ECDSA signatures as Fabric encodes them: a DER `SEQUENCE { r INTEGER, s INTEGER }`.
//!
//! Parsing follows the rules of Go's `encoding/asn1` as Fabric 1.4 uses it, so that the
//! same byte strings are accepted and rejected: minimal lengths and integers are required,
//! r and s must be positive, but extra elements after `s` inside the sequence and bytes
//! after the sequence are ignored. Low-S is checked by comparing big-endian bytes with
//! the precomputed half order; no bignum arithmetic is needed.

use super::{CryptoError, Curve};

const P256_ORDER: [u8; 32] =
    hex_bytes(b"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
const P384_ORDER: [u8; 48] = hex_bytes(
    b"ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
);
const P256_HALF_ORDER: [u8; 32] = shift_right_one(P256_ORDER);
const P384_HALF_ORDER: [u8; 48] = shift_right_one(P384_ORDER);

const fn hex_bytes<const N: usize>(hex: &[u8]) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lower-case hex digit"),
        }
    }
    assert!(hex.len() == 2 * N);
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (nibble(hex[2 * i]) << 4) | nibble(hex[2 * i + 1]);
        i += 1;
    }
    out
}

const fn shift_right_one<const N: usize>(value: [u8; N]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut carry = 0u8;
    let mut i = 0;
    while i < N {
        out[i] = (value[i] >> 1) | carry;
        carry = (value[i] & 1) << 7;
        i += 1;
    }
    out
}

impl Curve {
    /// The group order n, big-endian.
    pub(crate) fn order(self) -> &'static [u8] {
        match self {
            Curve::P256 => &P256_ORDER,
            Curve::P384 => &P384_ORDER,
        }
    }

    /// n >> 1, big-endian: the largest S a low-S signature may carry.
    pub(crate) fn half_order(self) -> &'static [u8] {
        match self {
            Curve::P256 => &P256_HALF_ORDER,
            Curve::P384 => &P384_HALF_ORDER,
        }
    }
}

/// The integers of a parsed signature, as big-endian magnitudes without leading zeros.
#[derive(Debug)]
pub(crate) struct ParsedSignature<'a> {
    pub r: &'a [u8],
    pub s: &'a [u8],
    /// True when the input is exactly `SEQUENCE { r, s }` with nothing before or after,
    /// so it can be handed to a strict DER verifier unchanged.
    pub canonical: bool,
}

/// Parses a DER ECDSA signature with Go `encoding/asn1` semantics (see the module docs).
pub(crate) fn parse(sig: &[u8]) -> Result<ParsedSignature<'_>, CryptoError> {
    let (body, after) = read_tlv(sig, 0x30, "SEQUENCE")?;
    let (r, rest) = read_tlv(body, 0x02, "INTEGER r")?;
    let (s, extra) = read_tlv(rest, 0x02, "INTEGER s")?;
    let r = positive_magnitude(r, "R")?;
    let s = positive_magnitude(s, "S")?;
    Ok(ParsedSignature {
        r,
        s,
        canonical: after.is_empty() && extra.is_empty(),
    })
}

/// Reads one tag-length-value with the expected single-byte tag, returning the value and
/// what follows it.
fn read_tlv<'a>(input: &'a [u8], tag: u8, what: &str) -> Result<(&'a [u8], &'a [u8]), CryptoError> {
    let bad = |reason: &str| CryptoError::MalformedSignature(format!("{what}: {reason}"));
    let (&first, rest) = input.split_first().ok_or_else(|| bad("truncated"))?;
    if first != tag {
        return Err(bad("unexpected ASN.1 tag"));
    }
    let (&len_byte, mut rest) = rest.split_first().ok_or_else(|| bad("truncated"))?;
    let len = if len_byte & 0x80 == 0 {
        usize::from(len_byte)
    } else {
        let count = usize::from(len_byte & 0x7f);
        if count == 0 {
            return Err(bad("indefinite length is not DER"));
        }
        if count > 3 || rest.len() < count {
            return Err(bad("length too large or truncated"));
        }
        if rest[0] == 0 {
            return Err(bad("length has leading zeros"));
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if len < 0x80 {
            return Err(bad("length is not minimally encoded"));
        }
        rest = &rest[count..];
        len
    };
    if rest.len() < len {
        return Err(bad("truncated"));
    }
    Ok(rest.split_at(len))
}

/// Checks a DER INTEGER is minimally encoded and strictly positive; returns its magnitude.
fn positive_magnitude<'a>(int: &'a [u8], name: &str) -> Result<&'a [u8], CryptoError> {
    let bad = |reason: &str| CryptoError::MalformedSignature(format!("{name} {reason}"));
    match int {
        [] => Err(bad("is an empty integer")),
        [0x00, next, ..] if next & 0x80 == 0 => Err(bad("is not minimally encoded")),
        [0xff, next, ..] if next & 0x80 != 0 => Err(bad("is not minimally encoded")),
        [first, ..] if first & 0x80 != 0 => Err(bad("must be larger than zero")),
        _ => {
            let start = int.iter().position(|&b| b != 0).unwrap_or(int.len());
            if start == int.len() {
                Err(bad("must be larger than zero"))
            } else {
                Ok(&int[start..])
            }
        }
    }
}

/// Compares two big-endian magnitudes without leading zeros.
fn cmp_magnitude(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Compares a magnitude (no leading zeros) with a fixed-width big-endian constant.
pub(crate) fn cmp_with_fixed(value: &[u8], fixed: &[u8]) -> std::cmp::Ordering {
    let start = fixed.iter().position(|&b| b != 0).unwrap_or(fixed.len());
    cmp_magnitude(value, &fixed[start..])
}

/// True when `s` (a magnitude) is at most half the curve order.
pub(crate) fn s_is_low(curve: Curve, s: &[u8]) -> bool {
    cmp_with_fixed(s, curve.half_order()) != std::cmp::Ordering::Greater
}

/// Whether the DER signature's S is in the lower half of the curve order, as Fabric
/// requires of every signature it verifies.
pub fn is_low_s(curve: Curve, sig_der: &[u8]) -> Result<bool, CryptoError> {
    let parsed = parse(sig_der)?;
    Ok(s_is_low(curve, parsed.s))
}

/// Returns the signature with S replaced by n - S when S is in the upper half, as a
/// canonical DER encoding (an already low-S signature is re-encoded unchanged).
pub fn to_low_s(curve: Curve, sig_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let parsed = parse(sig_der)?;
    if s_is_low(curve, parsed.s) {
        return Ok(encode(parsed.r, parsed.s));
    }
    if cmp_with_fixed(parsed.s, curve.order()) != std::cmp::Ordering::Less {
        return Err(CryptoError::MalformedSignature(
            "S is not smaller than the curve order".to_string(),
        ));
    }
    let low = subtract_from(curve.order(), parsed.s);
    Ok(encode(parsed.r, &low))
}

/// `minuend - subtrahend` for big-endian values with `subtrahend < minuend`; the result
/// has the minuend's width.
fn subtract_from(minuend: &[u8], subtrahend: &[u8]) -> Vec<u8> {
    let mut out = minuend.to_vec();
    let mut borrow = 0i16;
    let offset = minuend.len() - subtrahend.len();
    for i in (0..minuend.len()).rev() {
        let sub = if i >= offset {
            i16::from(subtrahend[i - offset])
        } else {
            0
        };
        let mut digit = i16::from(minuend[i]) - sub - borrow;
        borrow = 0;
        if digit < 0 {
            digit += 256;
            borrow = 1;
        }
        out[i] = digit as u8;
    }
    out
}

/// DER-encodes `SEQUENCE { r, s }` from big-endian magnitudes (leading zeros allowed).
pub(crate) fn encode(r: &[u8], s: &[u8]) -> Vec<u8> {
    let r = encode_integer(r);
    let s = encode_integer(s);
    let mut out = Vec::with_capacity(r.len() + s.len() + 4);
    out.push(0x30);
    push_length(&mut out, r.len() + s.len());
    out.extend_from_slice(&r);
    out.extend_from_slice(&s);
    out
}

fn encode_integer(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let digits = &magnitude[start..];
    let pad = digits.first().is_none_or(|&b| b & 0x80 != 0);
    let len = digits.len() + usize::from(pad);
    let mut out = Vec::with_capacity(len + 4);
    out.push(0x02);
    push_length(&mut out, len);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
}

/// Left-pads a magnitude to `width` bytes (the caller ensures it fits).
pub(crate) fn left_pad(magnitude: &[u8], width: usize) -> Option<Vec<u8>> {
    if magnitude.len() > width {
        return None;
    }
    let mut out = vec![0u8; width];
    out[width - magnitude.len()..].copy_from_slice(magnitude);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_orders_are_n_shifted() {
        assert_eq!(
            hex::encode(P256_HALF_ORDER),
            "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8"
        );
        assert_eq!(P384_HALF_ORDER[0], 0x7f);
        assert_eq!(P384_HALF_ORDER[47], 0x73 >> 1 | 0x80);
    }

    #[test]
    fn encode_then_parse_round_trips() {
        let der = encode(&[0x80, 1], &[0x01]);
        assert_eq!(
            der,
            vec![0x30, 0x08, 0x02, 0x03, 0x00, 0x80, 0x01, 0x02, 0x01, 0x01]
        );
        let parsed = parse(&der).unwrap();
        assert_eq!(parsed.r, &[0x80, 1]);
        assert_eq!(parsed.s, &[1]);
        assert!(parsed.canonical);
    }

    #[test]
    fn go_leniencies_are_kept() {
        // Trailing bytes after the sequence and extra elements inside it are ignored.
        let mut der = encode(&[5], &[7]);
        der.extend_from_slice(&[1, 2, 3]);
        let parsed = parse(&der).unwrap();
        assert!(!parsed.canonical);
        assert_eq!(parsed.s, &[7]);
        let inner = [0x02, 0x01, 0x05, 0x02, 0x01, 0x07, 0x05, 0x00];
        let mut der = vec![0x30, inner.len() as u8];
        der.extend_from_slice(&inner);
        assert!(!parse(&der).unwrap().canonical);
    }

    #[test]
    fn non_der_and_non_positive_integers_are_rejected() {
        let cases: &[(&[u8], &str)] = &[
            (&[], "truncated"),
            (&[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], "tag"),
            (
                &[0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
                "indefinite",
            ),
            (
                &[0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
                "minimally",
            ),
            (
                &[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01],
                "minimally",
            ),
            (
                &[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01],
                "larger than zero",
            ),
            (
                &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x81],
                "larger than zero",
            ),
            (
                &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x02, 0x01],
                "truncated",
            ),
        ];
        for (der, needle) in cases {
            let err = parse(der).unwrap_err().to_string();
            assert!(err.contains(needle), "{der:02x?}: {err}");
        }
    }

    #[test]
    fn to_low_s_flips_high_s() {
        let high = subtract_from(&P256_ORDER, &[3]);
        let der = encode(&[9], &high);
        assert!(!is_low_s(Curve::P256, &der).unwrap());
        let low = to_low_s(Curve::P256, &der).unwrap();
        assert_eq!(low, encode(&[9], &[3]));
        assert!(is_low_s(Curve::P256, &low).unwrap());
        // The half order itself is low, one more is high.
        assert!(is_low_s(Curve::P256, &encode(&[1], &P256_HALF_ORDER)).unwrap());
        let mut above = P256_HALF_ORDER;
        above[31] += 1;
        assert!(!is_low_s(Curve::P256, &encode(&[1], &above)).unwrap());
        assert!(to_low_s(Curve::P256, &encode(&[1], &P256_ORDER)).is_err());
    }
}
