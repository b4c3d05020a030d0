//! A global allocator that records, per thread, the largest single allocation requested, so
//! a case can assert that hostile lengths never turn into a huge buffer.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// No input of a few kilobytes may make the code ask for more than this in one allocation.
pub const MAX_ALLOC: usize = 64 << 20;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

pub struct Tracking;

fn note(size: usize) {
    // `try_with`: the slot may already be gone while a thread is being torn down.
    let _ = LARGEST.try_with(|l| {
        if size > l.get() {
            l.set(size);
        }
    });
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

/// Runs `f`, returning what it returned and the largest single allocation it made.
pub fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LARGEST.with(|l| l.replace(0));
    let out = f();
    let largest = LARGEST.with(|l| l.replace(before.max(l.get())));
    (out, largest)
}

#[test]
fn the_tracker_sees_a_large_allocation() {
    let (v, largest) = largest_allocation(|| vec![1u8; MAX_ALLOC + 1]);
    assert_eq!(v.len(), MAX_ALLOC + 1);
    assert!(largest > MAX_ALLOC, "{largest}");
    let (_, small) = largest_allocation(|| vec![1u8; 16]);
    assert!(small < 1024, "{small}");
}
