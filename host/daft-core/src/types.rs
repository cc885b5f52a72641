//! Classes of Arrow data types that signatures accept, and type coercion
//! rules shared by operators and functions.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;

use crate::DaftResult;

/// Field metadata key of Arrow extension types (canonical Arrow name).
pub const EXTENSION_NAME_KEY: &str = "ARROW:extension:name";
/// Field metadata key of Arrow extension type metadata.
pub const EXTENSION_METADATA_KEY: &str = "ARROW:extension:metadata";

/// What a function parameter accepts, checked at plan time before the
/// function's own return-type rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeClass {
    /// Any type at all.
    Any,
    /// Signed/unsigned integers and floats (and null).
    Numeric,
    /// Signed/unsigned integers (and null).
    Integer,
    /// Utf8 / LargeUtf8 / Utf8View (and null).
    String,
    /// Boolean (and null).
    Boolean,
    /// Binary or string, the inputs of hash functions.
    BinaryLike,
    /// A list type.
    List,
    /// A list or binary type: what `slice` cuts.
    ListOrBinary,
    /// A struct type.
    Struct,
    /// A date or a timestamp.
    DateLike,
    /// A timestamp or a time of day.
    TimeLike,
    /// A timestamp.
    Timestamp,
    /// A duration.
    Duration,
    /// Exactly this type (a plugin's declaration; plugins are never
    /// unloaded, so their declared types live for the process).
    Exact(&'static DataType),
    /// The extension type of this name (`ARROW:extension:name`) and storage
    /// type, from any plugin; checked on the argument's field by
    /// [`TypeClass::accepts_field`].
    Extension(&'static str, &'static DataType),
    /// The same type as the expression argument at this index; checked
    /// once every argument is known ([`crate::registry::FunctionDef::resolve`]).
    SameAs(usize),
}

impl TypeClass {
    /// Whether `dt` belongs to this class. Null is accepted everywhere: an
    /// all-null column is valid input to every function.
    pub fn accepts(&self, dt: &DataType) -> bool {
        if matches!(dt, DataType::Null) {
            return true;
        }
        match self {
            TypeClass::Any => true,
            TypeClass::Numeric => dt.is_numeric(),
            TypeClass::Integer => dt.is_integer(),
            TypeClass::String => is_string(dt),
            TypeClass::Boolean => matches!(dt, DataType::Boolean),
            TypeClass::BinaryLike => {
                is_string(dt)
                    || matches!(
                        dt,
                        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
                    )
            }
            TypeClass::List => matches!(
                dt,
                DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
            ),
            TypeClass::ListOrBinary => {
                TypeClass::List.accepts(dt)
                    || matches!(dt, DataType::Binary | DataType::LargeBinary)
            }
            TypeClass::Struct => matches!(dt, DataType::Struct(_)),
            TypeClass::DateLike => matches!(
                dt,
                DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _)
            ),
            TypeClass::TimeLike => matches!(
                dt,
                DataType::Timestamp(_, _) | DataType::Time32(_) | DataType::Time64(_)
            ),
            TypeClass::Timestamp => matches!(dt, DataType::Timestamp(_, _)),
            TypeClass::Duration => matches!(dt, DataType::Duration(_)),
            TypeClass::Exact(want) => dt == *want,
            // Known only from the field's metadata, or from the other arguments.
            TypeClass::Extension(_, _) | TypeClass::SameAs(_) => true,
        }
    }

    /// Whether the argument `field` belongs to this class: [`TypeClass::accepts`]
    /// on its type, and for [`TypeClass::Extension`] its extension name.
    pub fn accepts_field(&self, field: &Field) -> bool {
        match self {
            TypeClass::Extension(name, storage) => {
                matches!(field.data_type(), DataType::Null)
                    || (field.data_type() == *storage
                        && field
                            .metadata()
                            .get(EXTENSION_NAME_KEY)
                            .is_some_and(|n| n == name))
            }
            other => other.accepts(field.data_type()),
        }
    }

    /// How the class is described in error messages and docs (`names`: the
    /// expression parameters' names, for [`TypeClass::SameAs`]).
    pub fn describe_with(&self, names: &[String]) -> String {
        match self {
            TypeClass::Exact(dt) => format!("exactly {}", crate::logical::display_data_type(dt)),
            TypeClass::Extension(name, storage) => format!(
                "the extension type {name} (stored as {})",
                crate::logical::display_data_type(storage)
            ),
            TypeClass::SameAs(i) => match names.get(*i) {
                Some(name) => format!("the same type as `{name}`"),
                None => format!("the same type as argument {}", i + 1),
            },
            other => other.describe().to_string(),
        }
    }

    /// How the class is described in error messages and docs.
    pub fn describe(&self) -> &'static str {
        match self {
            TypeClass::Any => "any type",
            TypeClass::Numeric => "a numeric type (integer or float)",
            TypeClass::Integer => "an integer type",
            TypeClass::String => "a string",
            TypeClass::Boolean => "a boolean",
            TypeClass::BinaryLike => "a string or binary",
            TypeClass::List => "a list",
            TypeClass::ListOrBinary => "a list or binary",
            TypeClass::Struct => "a struct",
            TypeClass::DateLike => "a date or timestamp",
            TypeClass::TimeLike => "a timestamp or time",
            TypeClass::Timestamp => "a timestamp",
            TypeClass::Duration => "a duration",
            TypeClass::Exact(_) => "one exact type",
            TypeClass::Extension(_, _) => "an extension type",
            TypeClass::SameAs(_) => "the type of another argument",
        }
    }
}

/// Whether `dt` is one of Arrow's string types.
pub fn is_string(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

pub use crate::logical::{display_data_type, display_type};

/// The common type two operands are cast to before an arithmetic or
/// comparison kernel runs, or `None` when they cannot be combined.
pub fn supertype(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (Null, other) | (other, Null) => Some(other.clone()),
        (x, y) if is_string(x) && is_string(y) => Some(LargeUtf8),
        (x, y) if x.is_numeric() && y.is_numeric() => Some(numeric_supertype(x, y)),
        (Date32, Timestamp(u, tz)) | (Timestamp(u, tz), Date32) => Some(Timestamp(*u, tz.clone())),
        // The finer unit, so no value is truncated: Daft 0.7.26 takes the coarser
        // one, where a nanosecond timestamp equals the microsecond one before it.
        (Timestamp(u1, tz1), Timestamp(u2, tz2)) if tz1 == tz2 => {
            Some(Timestamp(finer(*u1, *u2), tz1.clone()))
        }
        (Duration(u1), Duration(u2)) => Some(Duration(finer(*u1, *u2))),
        _ => None,
    }
}

fn finer(a: TimeUnit, b: TimeUnit) -> TimeUnit {
    let rank = |u: TimeUnit| match u {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 1,
        TimeUnit::Microsecond => 2,
        TimeUnit::Nanosecond => 3,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

fn numeric_rank(dt: &DataType) -> (u8, u8, bool) {
    // (kind: 0 int, 1 float; bit width; signed)
    use DataType::*;
    match dt {
        Int8 => (0, 8, true),
        Int16 => (0, 16, true),
        Int32 => (0, 32, true),
        Int64 => (0, 64, true),
        UInt8 => (0, 8, false),
        UInt16 => (0, 16, false),
        UInt32 => (0, 32, false),
        UInt64 => (0, 64, false),
        Float16 => (1, 16, true),
        Float32 => (1, 32, true),
        _ => (1, 64, true),
    }
}

fn numeric_supertype(a: &DataType, b: &DataType) -> DataType {
    use DataType::*;
    let (ka, wa, sa) = numeric_rank(a);
    let (kb, wb, sb) = numeric_rank(b);
    if ka == 1 || kb == 1 {
        // Float32 holds every integer of up to 16 bits exactly; wider needs Float64.
        let fits32 = |k: u8, w: u8| (k == 1 && w <= 32) || (k == 0 && w <= 16);
        return if fits32(ka, wa) && fits32(kb, wb) {
            Float32
        } else {
            Float64
        };
    }
    let w = wa.max(wb);
    match (sa, sb) {
        (true, true) => int_of(w, true),
        (false, false) => int_of(w, false),
        _ => {
            // Mixed signedness: a signed type wide enough for the unsigned one.
            let uw = if sa { wb } else { wa };
            let sw = if sa { wa } else { wb };
            if sw > uw {
                int_of(sw, true)
            } else if uw < 64 {
                int_of(uw * 2, true)
            } else {
                Float64
            }
        }
    }
}

fn int_of(width: u8, signed: bool) -> DataType {
    use DataType::*;
    match (width, signed) {
        (8, true) => Int8,
        (16, true) => Int16,
        (32, true) => Int32,
        (64, true) => Int64,
        (8, false) => UInt8,
        (16, false) => UInt16,
        (32, false) => UInt32,
        _ => UInt64,
    }
}

/// `name: Type, ...`, the one-line form of a schema in plans and errors.
pub fn schema_line(schema: &Schema) -> String {
    schema
        .fields()
        .iter()
        .map(|f| format!("{}: {}", f.name(), display_type(f)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The engine's canonical form of a type: string and binary columns use
/// 32-bit offsets (`Utf8`, `Binary`), so kernels need one code path per
/// family. Inputs from pyarrow or files in other layouts are cast on entry.
pub fn canonical_type(dt: &DataType) -> DataType {
    match dt {
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        DataType::LargeBinary | DataType::BinaryView => DataType::Binary,
        DataType::Dictionary(_, v) => canonical_type(v),
        other => other.clone(),
    }
}

/// `schema` with every top-level field in its canonical type.
pub fn canonical_schema(schema: &Schema) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            f.as_ref()
                .clone()
                .with_data_type(canonical_type(f.data_type()))
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

/// Casts a batch's columns to their canonical types (no copy when they
/// already are).
pub fn canonical_batch(batch: RecordBatch) -> DaftResult<RecordBatch> {
    let schema = batch.schema();
    if schema
        .fields()
        .iter()
        .all(|f| &canonical_type(f.data_type()) == f.data_type())
    {
        return Ok(batch);
    }
    let target = Arc::new(canonical_schema(&schema));
    let columns = batch
        .columns()
        .iter()
        .zip(target.fields())
        .map(|(c, f)| Ok(arrow::compute::cast(c, f.data_type())?))
        .collect::<DaftResult<Vec<_>>>()?;
    Ok(RecordBatch::try_new(target, columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DataType::*;

    #[test]
    fn supertype_widens_ints_and_mixes_with_floats() {
        assert_eq!(supertype(&Int32, &Int64), Some(Int64));
        assert_eq!(supertype(&Int64, &Float32), Some(Float64));
        assert_eq!(supertype(&Int8, &Float32), Some(Float32));
        assert_eq!(supertype(&UInt32, &Int32), Some(Int64));
        assert_eq!(supertype(&UInt64, &Int64), Some(Float64));
        assert_eq!(supertype(&Utf8, &Int64), None);
        assert_eq!(supertype(&Null, &Utf8), Some(Utf8));
    }

    #[test]
    fn supertype_of_timestamps_and_durations_is_the_finer_unit_of_one_zone() {
        let ts = |u, tz: Option<&str>| Timestamp(u, tz.map(Into::into));
        assert_eq!(
            supertype(
                &ts(TimeUnit::Nanosecond, None),
                &ts(TimeUnit::Microsecond, None)
            ),
            Some(ts(TimeUnit::Nanosecond, None))
        );
        assert_eq!(
            supertype(
                &ts(TimeUnit::Second, Some("UTC")),
                &ts(TimeUnit::Millisecond, Some("UTC"))
            ),
            Some(ts(TimeUnit::Millisecond, Some("UTC")))
        );
        assert_eq!(
            supertype(
                &ts(TimeUnit::Second, Some("UTC")),
                &ts(TimeUnit::Second, None)
            ),
            None
        );
        assert_eq!(
            supertype(
                &Duration(TimeUnit::Millisecond),
                &Duration(TimeUnit::Second)
            ),
            Some(Duration(TimeUnit::Millisecond))
        );
    }
}
