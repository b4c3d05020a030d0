//! Throughput of the SW BCCSP's hot operations through the public API, with the
//! pure-Rust `p256` verifier beside ring's for comparison.
//!
//! Run: `cargo bench --bench crypto -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use fabric::crypto::{Curve, HashFamily, PrivateKey};
use p256::ecdsa::signature::Verifier as _;

const MESSAGE: &[u8] = &[0x5a; 1024];

fn ecdsa_p256(c: &mut Criterion) {
    let key = PrivateKey::generate(Curve::P256).expect("generate P-256 key");
    let public = key.public_key();
    let sig = key.sign(HashFamily::Sha2, MESSAGE).expect("sign");

    let mut group = c.benchmark_group("ecdsa_p256_sha256");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify (fabric::crypto, ring)", |b| {
        b.iter(|| public.verify(HashFamily::Sha2, black_box(MESSAGE), black_box(&sig)))
    });
    group.bench_function("sign (fabric::crypto, ring + low-S)", |b| {
        b.iter(|| key.sign(HashFamily::Sha2, black_box(MESSAGE)))
    });

    let rust_key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public.sec1_uncompressed())
        .expect("valid point");
    let rust_sig = p256::ecdsa::Signature::from_der(&sig).expect("DER signature");
    group.bench_function("verify (pure-Rust p256 crate)", |b| {
        b.iter(|| rust_key.verify(black_box(MESSAGE), black_box(&rust_sig)))
    });
    group.finish();

    let mut group = c.benchmark_group("ecdsa_other");
    group.throughput(Throughput::Elements(1));
    let sig3 = key.sign(HashFamily::Sha3, MESSAGE).expect("sign");
    group.bench_function("p256_sha3 verify (fabric::crypto)", |b| {
        b.iter(|| public.verify(HashFamily::Sha3, black_box(MESSAGE), black_box(&sig3)))
    });
    let key384 = PrivateKey::generate(Curve::P384).expect("generate P-384 key");
    let public384 = key384.public_key();
    let sig384 = key384.sign(HashFamily::Sha2, MESSAGE).expect("sign");
    group.bench_function("p384_sha256 verify (fabric::crypto, ring)", |b| {
        b.iter(|| public384.verify(HashFamily::Sha2, black_box(MESSAGE), black_box(&sig384)))
    });
    group.finish();
}

criterion_group!(benches, ecdsa_p256);
criterion_main!(benches);
