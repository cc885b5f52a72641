//! Kernels written against arrow alone: no daft types, no daft errors.
//!
//! The built-ins `reverse` (on `Utf8`/`LargeUtf8`) and `abs` (on `Int64`)
//! call these, and the benchmark plugin (`benchmarks/plugin`) and the real
//! Daft extension twin (`benchmarks/daft-ext-twin`) compile this very file
//! with `#[path]`, so the benchmarks compare the call boundary and nothing
//! else. Keep it free of any dependency but `arrow`.

use arrow::array::{Array, GenericStringArray, Int64Array, OffsetSizeTrait};
use arrow::buffer::{Buffer, OffsetBuffer};
use arrow::error::ArrowError;

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

/// The absolute value of every integer, or an overflow error for
/// `i64::MIN`, whose absolute value Int64 cannot hold.
///
/// The common case stays one vectorized pass: the values are negated with
/// wrapping, and only `i64::MIN` is still negative afterwards, which a
/// second vectorized pass finds (nulls are looked at only then).
pub fn abs_int64(a: &Int64Array) -> Result<Int64Array, ArrowError> {
    let out = a.unary(|v: i64| v.wrapping_abs());
    if out.values().iter().any(|v| *v < 0) {
        if let Some(i) = (0..a.len()).find(|&i| a.is_valid(i) && out.value(i) < 0) {
            return Err(ArrowError::ArithmeticOverflow(format!(
                "abs({}) overflows Int64",
                a.value(i)
            )));
        }
    }
    Ok(out)
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
    fn abs_refuses_min_and_ignores_what_nulls_hide() {
        let a = Int64Array::from(vec![Some(-3), None, Some(4)]);
        let out = abs_int64(&a).unwrap();
        assert_eq!(out.iter().collect::<Vec<_>>(), [Some(3), None, Some(4)]);
        let a = Int64Array::from(vec![Some(-3), Some(i64::MIN)]);
        let e = abs_int64(&a).unwrap_err().to_string();
        assert!(
            e.contains("abs(-9223372036854775808) overflows Int64"),
            "{e}"
        );
        // i64::MIN under a null slot is no value, so no overflow.
        let hidden = Int64Array::new(vec![-1, i64::MIN].into(), Some(vec![true, false].into()));
        assert_eq!(
            abs_int64(&hidden).unwrap().iter().collect::<Vec<_>>(),
            [Some(1), None]
        );
    }
}
