//! Seeds (real messages from tests/vectors) and the mutations applied to them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::alloc::{largest_allocation, MAX_ALLOC};

/// Upper bound for one case ("it finished"), not a performance figure: a decoder that loops
/// on hostile input blows through it by orders of magnitude.
const CASE_DEADLINE: Duration = Duration::from_secs(20);

pub fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

pub fn read(rel: &str) -> Vec<u8> {
    let path = vectors().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The proptest configuration of a target: `default_cases` unless PROPTEST_CASES says
/// otherwise; nothing persisted into the source tree.
pub fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// One edit of a byte string.
#[derive(Clone, Debug)]
pub enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    /// A varint claiming an absurd length written over the bytes at the position.
    HugeVarint(usize, u64),
    /// A field key with wire type 2 and a huge length appended.
    HugeField(u8, u64),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = any::<usize>();
    prop_oneof![
        4 => (pos, 1u8..=255).prop_map(|(p, x)| Mutation::Flip(p, x)),
        1 => pos.prop_map(Mutation::Truncate),
        2 => (pos, prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(p, b)| Mutation::Insert(p, b)),
        1 => (pos, 1usize..64).prop_map(|(p, n)| Mutation::Remove(p, n)),
        2 => (pos, prop_oneof![Just(u64::MAX), Just(1u64 << 31), Just(1u64 << 40), any::<u64>()])
            .prop_map(|(p, n)| Mutation::HugeVarint(p, n)),
        1 => (1u8..16, prop_oneof![Just(u64::MAX), Just(u32::MAX as u64), any::<u64>()])
            .prop_map(|(f, n)| Mutation::HugeField(f, n)),
        1 => (pos, 1usize..256).prop_map(|(p, n)| Mutation::Duplicate(p, n)),
    ]
}

fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out
}

pub fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |p: usize, len: usize| if len == 0 { 0 } else { p % len };
    match m {
        Mutation::Flip(p, x) if !bytes.is_empty() => {
            let i = at(*p, bytes.len());
            bytes[i] ^= x;
        }
        Mutation::Truncate(p) => bytes.truncate(at(*p, bytes.len() + 1)),
        Mutation::Insert(p, b) => {
            let i = at(*p, bytes.len() + 1);
            bytes.splice(i..i, b.iter().copied());
        }
        Mutation::Remove(p, n) if !bytes.is_empty() => {
            let i = at(*p, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::HugeVarint(p, n) => {
            let v = varint(*n);
            let i = at(*p, bytes.len() + 1);
            let end = (i + v.len()).min(bytes.len());
            bytes.splice(i..end, v);
        }
        Mutation::HugeField(f, n) => {
            bytes.push((f << 3) | 2);
            bytes.extend(varint(*n));
        }
        Mutation::Duplicate(p, n) if !bytes.is_empty() => {
            let i = at(*p, bytes.len());
            let end = (i + n).min(bytes.len());
            let copy = bytes[i..end].to_vec();
            bytes.splice(end..end, copy);
        }
        _ => {}
    }
}

/// `seed` after one to eight mutations, or (one case in eight) plain garbage.
pub fn mutated(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        7 => prop::collection::vec(mutation(), 1..8).prop_map(move |ms| {
            let mut bytes = seed.clone();
            for m in &ms {
                apply(&mut bytes, m);
            }
            bytes
        }),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
}

/// Runs one case under the allocation and time bounds.
pub fn bounded<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let (out, largest) = largest_allocation(f);
    let took = started.elapsed();
    assert!(
        largest <= MAX_ALLOC,
        "{what}: one allocation of {largest} bytes (bound {MAX_ALLOC})"
    );
    assert!(took <= CASE_DEADLINE, "{what}: one case took {took:?}");
    out
}
