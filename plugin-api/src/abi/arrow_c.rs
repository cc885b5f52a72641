//! The `#[repr(C)]` structs of the Arrow C Data Interface, [`ArrowSchema`]
//! and [`ArrowArray`], which own their data and release it on drop.

use std::ffi::{c_char, c_void};

use abi_stable::StableAbi;

/// `struct ArrowSchema` of the Arrow C Data Interface, field for field.
///
/// Owning: dropping a schema whose `release` is set calls it (the
/// producer's code frees the producer's memory). A released schema has
/// `release == None`.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct ArrowSchema {
    /// Format string of the type (e.g. `"l"` for int64, `"u"` for utf8).
    pub format: *const c_char,
    /// Field name, or null.
    pub name: *const c_char,
    /// Binary-encoded key/value metadata, or null.
    pub metadata: *const c_char,
    /// `ARROW_FLAG_*` bits (nullable, dictionary ordered, map keys sorted).
    pub flags: i64,
    /// Number of children.
    pub n_children: i64,
    /// `n_children` pointers to child schemas.
    pub children: *mut *mut ArrowSchema,
    /// Dictionary value type, or null.
    pub dictionary: *mut ArrowSchema,
    /// Producer's release callback; `None` once released.
    pub release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    /// Producer-private data.
    pub private_data: *mut c_void,
}

impl ArrowSchema {
    /// A released (empty) schema, the slot a consumer hands a producer to fill.
    pub const fn empty() -> Self {
        ArrowSchema {
            format: std::ptr::null(),
            name: std::ptr::null(),
            metadata: std::ptr::null(),
            flags: 0,
            n_children: 0,
            children: std::ptr::null_mut(),
            dictionary: std::ptr::null_mut(),
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }

    /// Whether the schema has been released (or was never filled).
    pub fn is_released(&self) -> bool {
        self.release.is_none()
    }
}

impl Drop for ArrowSchema {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: a non-null `release` was set by the producer together
            // with the rest of the struct; calling it once on the owning value
            // is the spec's way of freeing it, and it marks the struct released.
            unsafe { release(self) }
        }
    }
}

/// `struct ArrowArray` of the Arrow C Data Interface, field for field.
///
/// Owning, like [`ArrowSchema`]: dropping an unreleased array calls `release`.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct ArrowArray {
    /// Number of logical elements.
    pub length: i64,
    /// Number of nulls, or -1 when unknown.
    pub null_count: i64,
    /// Logical offset into the buffers.
    pub offset: i64,
    /// Number of buffers.
    pub n_buffers: i64,
    /// Number of children.
    pub n_children: i64,
    /// `n_buffers` buffer pointers (a pointer may be null for an absent validity bitmap).
    pub buffers: *mut *const c_void,
    /// `n_children` pointers to child arrays.
    pub children: *mut *mut ArrowArray,
    /// Dictionary values, or null.
    pub dictionary: *mut ArrowArray,
    /// Producer's release callback; `None` once released.
    pub release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    /// Producer-private data.
    pub private_data: *mut c_void,
}

impl ArrowArray {
    /// A released (empty) array, the slot a consumer hands a producer to fill.
    pub const fn empty() -> Self {
        ArrowArray {
            length: 0,
            null_count: 0,
            offset: 0,
            n_buffers: 0,
            n_children: 0,
            buffers: std::ptr::null_mut(),
            children: std::ptr::null_mut(),
            dictionary: std::ptr::null_mut(),
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }

    /// Whether the array has been released (or was never filled).
    pub fn is_released(&self) -> bool {
        self.release.is_none()
    }
}

impl Drop for ArrowArray {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: as for `ArrowSchema::drop`: the producer's own callback,
            // called once on the owning value.
            unsafe { release(self) }
        }
    }
}
