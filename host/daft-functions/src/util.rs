//! Shared plumbing of the built-in functions: building a [`FunctionDef`]
//! from two closures, typed row accessors that respect array offsets, and
//! builders for string and list-of-string results.

use std::collections::HashMap;
use std::sync::Arc;

use ::regex::Regex;
use arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, BooleanArray, GenericStringBuilder, Int64Array,
    LargeStringArray, ListArray, PrimitiveArray, StringArray, StringViewArray, StringViewBuilder,
};
use arrow::buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::compute::{cast, is_not_null};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Field, Int64Type};
use daft_core::options::FunctionOptions;
use daft_core::registry::{FunctionDef, Implementation, Param, Provider, ScalarFunction};
use daft_core::types::{display_data_type, supertype};
use daft_core::{DaftError, DaftResult};

/// A [`ScalarFunction`] made of a return-type rule and a kernel.
///
/// The rule yields only the data type: the engine renames the field anyway,
/// and every built-in output may hold nulls.
pub(crate) struct Kernel<R, C> {
    name: &'static str,
    rule: R,
    kernel: C,
}

impl<R, C> ScalarFunction for Kernel<R, C>
where
    R: Fn(&[Field], &FunctionOptions) -> DaftResult<DataType> + Send + Sync,
    C: Fn(&[ArrayRef], &FunctionOptions, usize) -> DaftResult<ArrayRef> + Send + Sync,
{
    fn return_field(&self, args: &[Field], options: &FunctionOptions) -> DaftResult<Field> {
        Ok(Field::new(self.name, (self.rule)(args, options)?, true))
    }

    fn call(
        &self,
        args: &[ArrayRef],
        options: &FunctionOptions,
        num_rows: usize,
    ) -> DaftResult<ArrayRef> {
        let out = (self.kernel)(args, options, num_rows)?;
        // A kernel returning the wrong length would corrupt the batch far from
        // here; catching it at the boundary names the culprit.
        if out.len() != num_rows {
            return Err(DaftError::Internal(format!(
                "function {}: kernel returned {} rows for {num_rows}",
                self.name,
                out.len()
            )));
        }
        Ok(out)
    }
}

/// Builds a built-in [`FunctionDef`] from its rule and kernel.
pub(crate) fn function<R, C>(
    name: &'static str,
    doc: &str,
    params: Vec<Param>,
    rule: R,
    kernel: C,
) -> FunctionDef
where
    R: Fn(&[Field], &FunctionOptions) -> DaftResult<DataType> + Send + Sync + 'static,
    C: Fn(&[ArrayRef], &FunctionOptions, usize) -> DaftResult<ArrayRef> + Send + Sync + 'static,
{
    FunctionDef {
        name: name.to_string(),
        provider: Provider::Builtin,
        doc: doc.trim().to_string(),
        params,
        implementation: Implementation::Scalar(Arc::new(Kernel { name, rule, kernel })),
    }
}

/// The common type of several arguments, or a type error naming the first
/// argument that fits with none of the ones before it.
pub(crate) fn common_type(args: &[Field], names: &[String]) -> DaftResult<DataType> {
    let mut acc = DataType::Null;
    for (i, f) in args.iter().enumerate() {
        acc = supertype(&acc, f.data_type()).ok_or_else(|| {
            DaftError::type_error(format!(
                "argument `{}` has type {}, which has no common type with {} (the type of the \
                 arguments before it); it accepts a type that combines with {}",
                names[i],
                display_data_type(f.data_type()),
                display_data_type(&acc),
                display_data_type(&acc),
            ))
        })?;
    }
    Ok(acc)
}

/// Parameter names of a call to a variadic function, as error messages show them.
pub(crate) fn variadic_names(fixed: &[&str], variadic: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match fixed.get(i) {
            Some(name) => name.to_string(),
            None => format!("{variadic}[{}]", i - fixed.len()),
        })
        .collect()
}

/// Casts `array` to `dt` unless it already has that type.
pub(crate) fn cast_to(array: &ArrayRef, dt: &DataType) -> DaftResult<ArrayRef> {
    if array.data_type() == dt {
        Ok(array.clone())
    } else {
        Ok(cast(array, dt)?)
    }
}

/// An integer argument widened to Int64, so kernels read one type.
pub(crate) fn int64_arg(array: &ArrayRef) -> DaftResult<Int64Array> {
    Ok(cast_to(array, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone())
}

/// The value at row `i`, or `None` when null. Goes through the array's own
/// accessors, so sliced arrays read the right rows.
pub(crate) fn opt<T: ArrowPrimitiveType>(a: &PrimitiveArray<T>, i: usize) -> Option<T::Native> {
    a.is_valid(i).then(|| a.value(i))
}

/// The string type a string function returns for an input of type `dt`:
/// the same string type, and `Utf8` (the engine's string type, to which it
/// normalizes others on ingest) for an all-null (`Null`) input.
pub(crate) fn str_out(dt: &DataType) -> DataType {
    match dt {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => dt.clone(),
        _ => DataType::Utf8,
    }
}

/// `List<item>` of string items, as split-like functions return.
pub(crate) fn str_list_type(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item, true)))
}

/// Read access to the rows of any string array (or an all-null array).
pub(crate) enum Strs<'a> {
    Small(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
    Null,
}

impl<'a> Strs<'a> {
    /// Wraps `array`; `arg` names the argument in the error for a non-string.
    pub(crate) fn new(array: &'a ArrayRef, arg: &str) -> DaftResult<Self> {
        Ok(match array.data_type() {
            DataType::Utf8 => Strs::Small(array.as_string::<i32>()),
            DataType::LargeUtf8 => Strs::Large(array.as_string::<i64>()),
            DataType::Utf8View => Strs::View(array.as_string_view()),
            DataType::Null => Strs::Null,
            other => {
                return Err(DaftError::Internal(format!(
                    "argument `{arg}` should be a string, got {other}"
                )))
            }
        })
    }

    /// Row `i`, or `None` when null.
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strs::Small(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::View(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Null => None,
        }
    }
}

/// A builder for any of the three string types.
pub(crate) enum StrBuilder {
    Small(GenericStringBuilder<i32>),
    Large(GenericStringBuilder<i64>),
    View(StringViewBuilder),
}

impl StrBuilder {
    /// A builder of `str_out(dt)`.
    pub(crate) fn new(dt: &DataType, capacity: usize) -> Self {
        match str_out(dt) {
            DataType::LargeUtf8 => {
                StrBuilder::Large(GenericStringBuilder::with_capacity(capacity, 0))
            }
            DataType::Utf8View => StrBuilder::View(StringViewBuilder::with_capacity(capacity)),
            _ => StrBuilder::Small(GenericStringBuilder::with_capacity(capacity, 0)),
        }
    }

    pub(crate) fn append(&mut self, s: &str) {
        match self {
            StrBuilder::Small(b) => b.append_value(s),
            StrBuilder::Large(b) => b.append_value(s),
            StrBuilder::View(b) => b.append_value(s),
        }
    }

    pub(crate) fn append_null(&mut self) {
        match self {
            StrBuilder::Small(b) => b.append_null(),
            StrBuilder::Large(b) => b.append_null(),
            StrBuilder::View(b) => b.append_null(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            StrBuilder::Small(b) => b.len(),
            StrBuilder::Large(b) => b.len(),
            StrBuilder::View(b) => b.len(),
        }
    }

    pub(crate) fn finish(&mut self) -> ArrayRef {
        match self {
            StrBuilder::Small(b) => Arc::new(b.finish()),
            StrBuilder::Large(b) => Arc::new(b.finish()),
            StrBuilder::View(b) => Arc::new(b.finish()),
        }
    }
}

/// Builds a string column of type `str_out(dt)` row by row. `row(i, buf)`
/// writes row `i` into the cleared `buf` and returns `false` for a null row.
pub(crate) fn build_strings(
    dt: &DataType,
    n: usize,
    mut row: impl FnMut(usize, &mut String) -> DaftResult<bool>,
) -> DaftResult<ArrayRef> {
    let mut out = StrBuilder::new(dt, n);
    let mut buf = String::new();
    for i in 0..n {
        buf.clear();
        if row(i, &mut buf)? {
            out.append(&buf);
        } else {
            out.append_null();
        }
    }
    Ok(out.finish())
}

/// Builds a `List<str_out(dt)>` column row by row. `row(i, items)` appends
/// row `i`'s items and returns `false` for a null row (appending nothing).
pub(crate) fn build_string_lists(
    dt: &DataType,
    n: usize,
    mut row: impl FnMut(usize, &mut StrBuilder) -> DaftResult<bool>,
) -> DaftResult<ArrayRef> {
    let mut items = StrBuilder::new(dt, n);
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0i32);
    let mut valid = Vec::with_capacity(n);
    for i in 0..n {
        valid.push(row(i, &mut items)?);
        let end = i32::try_from(items.len()).map_err(|_| {
            DaftError::compute("a list result has more than 2^31 items in one batch")
        })?;
        offsets.push(end);
    }
    let values = items.finish();
    let field = Arc::new(Field::new("item", values.data_type().clone(), true));
    let nulls = NullBuffer::from(valid);
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    let list = ListArray::try_new(
        field,
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        values,
        nulls,
    )?;
    Ok(Arc::new(list))
}

/// Builds a boolean column row by row.
pub(crate) fn build_bools(n: usize, row: impl FnMut(usize) -> Option<bool>) -> ArrayRef {
    Arc::new((0..n).map(row).collect::<BooleanArray>())
}

/// Builds a primitive column row by row.
pub(crate) fn build_prims<T: ArrowPrimitiveType>(
    n: usize,
    row: impl FnMut(usize) -> Option<T::Native>,
) -> ArrayRef {
    Arc::new((0..n).map(row).collect::<PrimitiveArray<T>>())
}

/// Read access to the bytes of each row of a string, binary, boolean or
/// fixed-width column, for hashing.
pub(crate) enum Bytes<'a> {
    Str(Strs<'a>),
    Binary(&'a arrow::array::BinaryArray),
    LargeBinary(&'a arrow::array::LargeBinaryArray),
    BinaryView(&'a arrow::array::BinaryViewArray),
    FixedSizeBinary(&'a arrow::array::FixedSizeBinaryArray),
    Bool(&'a BooleanArray),
    /// Any primitive type: its values buffer, the array's offset into it (in
    /// values) and the width of one value.
    Fixed {
        values: Buffer,
        offset: usize,
        width: usize,
        nulls: Option<&'a NullBuffer>,
    },
}

impl<'a> Bytes<'a> {
    /// Wraps `array`, or `None` for a type without a byte rendering.
    pub(crate) fn new(array: &'a ArrayRef) -> Option<Self> {
        let dt = array.data_type();
        Some(match dt {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                Bytes::Str(Strs::new(array, "expr").ok()?)
            }
            DataType::Binary => Bytes::Binary(array.as_binary::<i32>()),
            DataType::LargeBinary => Bytes::LargeBinary(array.as_binary::<i64>()),
            DataType::BinaryView => Bytes::BinaryView(array.as_binary_view()),
            DataType::FixedSizeBinary(_) => Bytes::FixedSizeBinary(array.as_fixed_size_binary()),
            DataType::Boolean => Bytes::Bool(array.as_boolean()),
            dt if dt.is_primitive() => {
                let data = array.to_data();
                Bytes::Fixed {
                    values: data.buffers()[0].clone(),
                    offset: data.offset(),
                    width: dt.primitive_width()?,
                    nulls: array.nulls(),
                }
            }
            _ => return None,
        })
    }

    /// Whether the type has a byte rendering ([`Bytes::new`] succeeds).
    pub(crate) fn supports(dt: &DataType) -> bool {
        matches!(
            dt,
            DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Utf8View
                | DataType::Null
                | DataType::Binary
                | DataType::LargeBinary
                | DataType::BinaryView
                | DataType::FixedSizeBinary(_)
                | DataType::Boolean
        ) || dt.is_primitive()
    }

    /// Calls `f` with the bytes of row `i` and returns its result, or `None`
    /// for a null row. Booleans are one byte, 0 or 1; numbers their
    /// little-endian bytes (the in-memory layout on every supported target).
    pub(crate) fn with<T>(&self, i: usize, f: impl FnOnce(&[u8]) -> T) -> Option<T> {
        match self {
            Bytes::Str(s) => s.get(i).map(|s| f(s.as_bytes())),
            Bytes::Binary(a) => a.is_valid(i).then(|| f(a.value(i))),
            Bytes::LargeBinary(a) => a.is_valid(i).then(|| f(a.value(i))),
            Bytes::BinaryView(a) => a.is_valid(i).then(|| f(a.value(i))),
            Bytes::FixedSizeBinary(a) => a.is_valid(i).then(|| f(a.value(i))),
            Bytes::Bool(a) => a.is_valid(i).then(|| f(&[u8::from(a.value(i))])),
            Bytes::Fixed {
                values,
                offset,
                width,
                nulls,
            } => {
                // `nulls` is already relative to the slice; `values` is not.
                if nulls.is_some_and(|n| n.is_null(i)) {
                    return None;
                }
                let start = (offset + i) * width;
                Some(f(&values.as_slice()[start..start + width]))
            }
        }
    }
}

/// Compiled regular expressions of one call, keyed by pattern text, so a
/// pattern broadcast to every row is compiled once.
pub(crate) struct RegexCache {
    function: &'static str,
    compiled: HashMap<String, Regex>,
}

impl RegexCache {
    pub(crate) fn new(function: &'static str) -> Self {
        RegexCache {
            function,
            compiled: HashMap::new(),
        }
    }

    /// The compiled `pattern`, or a value error naming the function and pattern.
    pub(crate) fn get(&mut self, pattern: &str) -> DaftResult<&Regex> {
        // Regex::clone allocates a fresh matching cache, so hand out
        // references instead of clones.
        if !self.compiled.contains_key(pattern) {
            let re = Regex::new(pattern).map_err(|e| {
                DaftError::value_error(format!(
                    "{}: invalid regular expression {pattern:?}: {e}",
                    self.function
                ))
            })?;
            self.compiled.insert(pattern.to_string(), re);
        }
        Ok(&self.compiled[pattern])
    }
}

/// A non-null boolean mask of the rows of `array` that are not null.
pub(crate) fn valid_mask(array: &dyn Array) -> DaftResult<BooleanArray> {
    Ok(is_not_null(array)?)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Calls functions through the global registry, as the engine does, and
    //! checks the result against the plan-time return type.

    use std::collections::BTreeMap;

    use arrow::array::{Array, ArrayRef};
    use arrow::datatypes::Field;
    use daft_core::options::OptionValue;
    use daft_core::registry::global;
    use daft_core::DaftResult;

    /// Resolves and runs `name` on `args` with `options`, asserting that the
    /// result has the resolved type and one row per input row.
    pub(crate) fn eval(
        name: &str,
        args: &[ArrayRef],
        options: &[(&str, OptionValue)],
    ) -> DaftResult<ArrayRef> {
        let def = global().lookup(name)?;
        let given: BTreeMap<String, OptionValue> = options
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let options = def.bind_options(given)?;
        let fields: Vec<Field> = args
            .iter()
            .enumerate()
            .map(|(i, a)| Field::new(format!("c{i}"), a.data_type().clone(), true))
            .collect();
        let field = def.resolve(&fields, &options)?;
        let n = args.first().map_or(0, |a| a.len());
        let out = def.scalar()?.call(args, &options, n)?;
        assert_eq!(
            out.data_type(),
            field.data_type(),
            "{name}: kernel type differs from return_field"
        );
        assert_eq!(out.len(), n, "{name}: wrong number of rows");
        Ok(out)
    }

    /// Like [`eval`], for calls expected to succeed.
    pub(crate) fn run(name: &str, args: &[ArrayRef], options: &[(&str, OptionValue)]) -> ArrayRef {
        eval(name, args, options).unwrap_or_else(|e| panic!("{name} failed: {e}"))
    }
}
