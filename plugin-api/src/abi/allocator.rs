//! The host's allocator for plugins (added in ABI 1.1).
//!
//! Every plugin built with `export_plugin!` installs [`PluginAllocator`]
//! as its `#[global_allocator]`. It forwards each allocation to one of two
//! tables, chosen once, for the life of the process:
//!
//! - the host's ([`HOST_ALLOCATOR`], which calls the host's own global
//!   allocator: mimalloc in daft), offered by the loader through the ABI
//!   1.1 table *before* any of the plugin's code runs; or
//! - the plugin's own system allocator, if anything in the plugin
//!   allocated before the host's offer arrived (a static constructor of a
//!   dependency, say), or if it never arrives (a 1.0 host, a plugin's own
//!   unit tests).
//!
//! The choice is a single compare-and-swap, so it is never revised: memory
//! is always freed by the allocator that gave it out. With the host's
//! allocator, buffers a plugin allocates are the host's buffers (freed by
//! either side) and the plugin stops paying glibc's per-morsel `mmap` for
//! large blocks.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use abi_stable::StableAbi;

/// An allocator as four C entry points. Arguments are those of Rust's
/// [`GlobalAlloc`]: sizes and alignments of a valid [`Layout`].
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiAllocator {
    /// `GlobalAlloc::alloc`.
    pub alloc: unsafe extern "C" fn(size: usize, align: usize) -> *mut u8,
    /// `GlobalAlloc::alloc_zeroed`.
    pub alloc_zeroed: unsafe extern "C" fn(size: usize, align: usize) -> *mut u8,
    /// `GlobalAlloc::dealloc`.
    pub dealloc: unsafe extern "C" fn(ptr: *mut u8, size: usize, align: usize),
    /// `GlobalAlloc::realloc`.
    pub realloc:
        unsafe extern "C" fn(ptr: *mut u8, size: usize, align: usize, new_size: usize) -> *mut u8,
}

// ------------------------------------------------------------------ host side

/// The table the host offers plugins: its own global allocator, whatever
/// that is in the binary this crate is linked into.
pub static HOST_ALLOCATOR: FfiAllocator = FfiAllocator {
    alloc: host_alloc,
    alloc_zeroed: host_alloc_zeroed,
    dealloc: host_dealloc,
    realloc: host_realloc,
};

/// # Safety
/// `size` and `align` form a valid [`Layout`] with a non-zero size (the
/// plugin's [`PluginAllocator`] forwards only what `GlobalAlloc` received).
unsafe extern "C" fn host_alloc(size: usize, align: usize) -> *mut u8 {
    // SAFETY: per this function's contract.
    unsafe { std::alloc::alloc(Layout::from_size_align_unchecked(size, align)) }
}

/// # Safety
/// As [`host_alloc`].
unsafe extern "C" fn host_alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    // SAFETY: per this function's contract.
    unsafe { std::alloc::alloc_zeroed(Layout::from_size_align_unchecked(size, align)) }
}

/// # Safety
/// `ptr` was returned by this table for the layout `size`/`align`.
unsafe extern "C" fn host_dealloc(ptr: *mut u8, size: usize, align: usize) {
    // SAFETY: per this function's contract.
    unsafe { std::alloc::dealloc(ptr, Layout::from_size_align_unchecked(size, align)) }
}

/// # Safety
/// As [`host_dealloc`], and `new_size` is valid for `align`.
unsafe extern "C" fn host_realloc(ptr: *mut u8, size: usize, align: usize, new: usize) -> *mut u8 {
    // SAFETY: per this function's contract.
    unsafe { std::alloc::realloc(ptr, Layout::from_size_align_unchecked(size, align), new) }
}

// ---------------------------------------------------------------- plugin side

/// The plugin's own allocator, as a table of the same shape.
static OWN_ALLOCATOR: FfiAllocator = FfiAllocator {
    alloc: own_alloc,
    alloc_zeroed: own_alloc_zeroed,
    dealloc: own_dealloc,
    realloc: own_realloc,
};

/// # Safety
/// As [`host_alloc`].
unsafe extern "C" fn own_alloc(size: usize, align: usize) -> *mut u8 {
    // SAFETY: per this function's contract.
    unsafe { System.alloc(Layout::from_size_align_unchecked(size, align)) }
}

/// # Safety
/// As [`host_alloc`].
unsafe extern "C" fn own_alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    // SAFETY: per this function's contract.
    unsafe { System.alloc_zeroed(Layout::from_size_align_unchecked(size, align)) }
}

/// # Safety
/// As [`host_dealloc`].
unsafe extern "C" fn own_dealloc(ptr: *mut u8, size: usize, align: usize) {
    // SAFETY: per this function's contract.
    unsafe { System.dealloc(ptr, Layout::from_size_align_unchecked(size, align)) }
}

/// # Safety
/// As [`host_realloc`].
unsafe extern "C" fn own_realloc(ptr: *mut u8, size: usize, align: usize, new: usize) -> *mut u8 {
    // SAFETY: per this function's contract.
    unsafe { System.realloc(ptr, Layout::from_size_align_unchecked(size, align), new) }
}

/// The table this library allocates with; null until the first allocation
/// or the host's offer, whichever comes first.
static CHOSEN: AtomicPtr<FfiAllocator> = AtomicPtr::new(ptr::null_mut());

/// The table to use, choosing the plugin's own if nothing was chosen yet.
#[inline]
fn chosen() -> &'static FfiAllocator {
    let table = CHOSEN.load(Ordering::Acquire);
    if !table.is_null() {
        // SAFETY: `CHOSEN` only ever holds null or a pointer to a `'static`
        // table (ours, or the host's, which lives in a library the plugin's
        // host never unloads while plugins are loaded).
        return unsafe { &*table };
    }
    let own = &OWN_ALLOCATOR as *const FfiAllocator as *mut FfiAllocator;
    match CHOSEN.compare_exchange(ptr::null_mut(), own, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => &OWN_ALLOCATOR,
        // SAFETY: as above; another thread chose first.
        Err(table) => unsafe { &*table },
    }
}

/// Takes the host's allocator for the rest of the process, unless this
/// library already allocated with its own. Returns whether it did.
pub(crate) fn use_host_allocator(host: &'static FfiAllocator) -> bool {
    let host = host as *const FfiAllocator as *mut FfiAllocator;
    match CHOSEN.compare_exchange(ptr::null_mut(), host, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => true,
        Err(current) => current == host,
    }
}

/// The global allocator `export_plugin!` installs in every plugin (see the
/// module documentation). Not for use in the host.
pub struct PluginAllocator;

// SAFETY: every method forwards to one table, chosen once and never
// changed, whose entry points implement `GlobalAlloc`'s contract (the
// host's forwards to its global allocator, ours to `System`); so memory is
// always returned to the allocator that gave it out.
unsafe impl GlobalAlloc for PluginAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: `layout` is valid and non-zero-sized (GlobalAlloc's contract).
        unsafe { (chosen().alloc)(layout.size(), layout.align()) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe { (chosen().alloc_zeroed)(layout.size(), layout.align()) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, hence from the chosen table.
        unsafe { (chosen().dealloc)(ptr, layout.size(), layout.align()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `dealloc`, and `new_size` is valid (GlobalAlloc's contract).
        unsafe { (chosen().realloc)(ptr, layout.size(), layout.align(), new_size) }
    }
}
