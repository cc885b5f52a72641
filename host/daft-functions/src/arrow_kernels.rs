//! Kernels written against arrow alone: no daft types, no daft errors.
//!
//! The built-ins `reverse` (on `Utf8`/`LargeUtf8`) and `abs` (on `Int64`)
//! call these, and the benchmark plugin (`benchmarks/plugin`) and the real
//! Daft extension twin (`benchmarks/daft-ext-twin`) compile this very file
//! with `#[path]`, so the benchmarks compare the call boundary and nothing
//! else. Keep it free of any dependency but `arrow`.

use arrow::array::{Array, GenericStringArray, Int64Array, OffsetSizeTrait};
use arrow::buffer::{Buffer, OffsetBuffer};

/// Reverses the characters (code points) of every string.
///
/// A reversed string has the byte length of the original, so the output
/// reuses the input's offsets (rebased to zero when the input is a slice)
/// and validity, and only the value bytes are written. Null slots keep
/// their bytes unchanged.
pub fn reverse_chars<O: OffsetSizeTrait>(a: &GenericStringArray<O>) -> GenericStringArray<O> {
    let offsets = a.offsets();
    let first = offsets[0];
    let last = offsets[offsets.len() - 1];
    let mut out: Vec<u8> = Vec::with_capacity((last - first).as_usize());
    let mut utf8 = [0u8; 4];
    for i in 0..a.len() {
        let s = a.value(i);
        if a.is_null(i) {
            out.extend_from_slice(s.as_bytes());
        } else if s.is_ascii() {
            out.extend(s.bytes().rev());
        } else {
            for c in s.chars().rev() {
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
    let offsets = if first.as_usize() == 0 {
        offsets.clone()
    } else {
        // A slice: rebase the offsets so the new values start at zero.
        OffsetBuffer::new(offsets.iter().map(|o| *o - first).collect())
    };
    // SAFETY: the offsets are the input's (rebased), so they are monotonic
    // and end at `out.len()`; every slot holds the code points of a valid
    // string in reverse order (or, for nulls, the input's own valid bytes),
    // so the values are valid UTF-8 split at character boundaries.
    unsafe { GenericStringArray::new_unchecked(offsets, Buffer::from_vec(out), a.nulls().cloned()) }
}

/// The absolute value of every integer, wrapping like `pyarrow.compute.abs`:
/// `abs(i64::MIN) == i64::MIN`.
pub fn abs_int64(a: &Int64Array) -> Int64Array {
    a.unary(|v: i64| v.wrapping_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{LargeStringArray, StringArray};

    #[test]
    fn reverse_keeps_offsets_nulls_and_slices() {
        let a = StringArray::from(vec![
            Some("héllo"),
            None,
            Some(""),
            Some("ab"),
            Some("日本"),
        ]);
        let out = reverse_chars(&a);
        let got: Vec<_> = out.iter().collect();
        assert_eq!(
            got,
            [Some("olléh"), None, Some(""), Some("ba"), Some("本日")]
        );
        let sliced = a.slice(3, 2);
        let out = reverse_chars(&sliced);
        assert_eq!(out.iter().collect::<Vec<_>>(), [Some("ba"), Some("本日")]);
        assert_eq!(out.offsets()[0], 0);
        out.to_data().validate_full().unwrap();
        let large = LargeStringArray::from(vec![Some("xyz"), None]);
        let out = reverse_chars(&large);
        assert_eq!(out.iter().collect::<Vec<_>>(), [Some("zyx"), None]);
    }

    #[test]
    fn abs_wraps_at_min() {
        let a = Int64Array::from(vec![Some(-3), None, Some(i64::MIN), Some(4)]);
        let out = abs_int64(&a);
        assert_eq!(
            out.iter().collect::<Vec<_>>(),
            [Some(3), None, Some(i64::MIN), Some(4)]
        );
    }
}
