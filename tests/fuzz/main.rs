//! Property-based fuzzing of every decoder and handler entry point that takes bytes from the
//! network (issue 13, part 4): real messages from tests/vectors, mutated (bytes flipped,
//! truncated, spliced, varint lengths blown up) or replaced by garbage, fed to the same code
//! the services run. The property: no panic, an error (not a hang) for garbage, and no
//! single allocation larger than [`MAX_ALLOC`] — the allocator below records the largest
//! request per thread.
//!
//! CI runs the default case counts (the whole binary in well under a minute on two cores);
//! a long run by hand: `PROPTEST_CASES=20000 cargo test --test fuzz -- --nocapture`.

mod alloc;
mod corpus;
mod targets;

#[global_allocator]
static ALLOCATOR: alloc::Tracking = alloc::Tracking;
