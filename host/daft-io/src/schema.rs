//! Checks and merges of the schemas files declare.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field};

use daft_core::{DaftError, DaftResult};

/// Refuses a file whose columns repeat a name: one of them would be lost
/// in every name-keyed result (`to_pydict`, `select`), so the file is not
/// read at all rather than read with a column silently missing.
pub(crate) fn check_unique_names(path: &str, fields: &[Field], hint: &str) -> DaftResult<()> {
    let mut seen = BTreeSet::new();
    let repeated: BTreeSet<&str> = fields
        .iter()
        .map(|f| f.name().as_str())
        .filter(|n| !seen.insert(*n))
        .collect();
    if repeated.is_empty() {
        return Ok(());
    }
    let names = fields.iter().map(|f| f.name().as_str()).collect::<Vec<_>>();
    Err(DaftError::SchemaMismatch(format!(
        "{path}: the column name{} {} appear{} more than once in [{}], so a column would be \
         lost; {hint}",
        if repeated.len() > 1 { "s" } else { "" },
        repeated
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        if repeated.len() > 1 { "" } else { "s" },
        names.join(", ")
    )))
}

/// `a` and `b` as one field when they differ at most in nullability (of the
/// column, a list's items or a struct's fields): what either allows to be
/// null is nullable. `None` when they differ in anything else.
pub fn merge_nullability(a: &Field, b: &Field) -> Option<Field> {
    if a.name() != b.name() || a.metadata() != b.metadata() {
        return None;
    }
    let dt = merge_type(a.data_type(), b.data_type())?;
    Some(
        Field::new(a.name(), dt, a.is_nullable() || b.is_nullable())
            .with_metadata(a.metadata().clone()),
    )
}

fn merge_type(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return Some(a.clone());
    }
    let child = |x: &Arc<Field>, y: &Arc<Field>| merge_nullability(x, y).map(Arc::new);
    Some(match (a, b) {
        (DataType::List(x), DataType::List(y)) => DataType::List(child(x, y)?),
        (DataType::LargeList(x), DataType::LargeList(y)) => DataType::LargeList(child(x, y)?),
        (DataType::FixedSizeList(x, n), DataType::FixedSizeList(y, m)) if n == m => {
            DataType::FixedSizeList(child(x, y)?, *n)
        }
        (DataType::Map(x, s), DataType::Map(y, t)) if s == t => DataType::Map(child(x, y)?, *s),
        (DataType::Struct(xs), DataType::Struct(ys)) if xs.len() == ys.len() => DataType::Struct(
            xs.iter()
                .zip(ys.iter())
                .map(|(x, y)| merge_nullability(x, y))
                .collect::<Option<Vec<_>>>()?
                .into(),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullability_differences_merge_to_nullable_at_every_depth() {
        let item = |n| Arc::new(Field::new("item", DataType::Int64, n));
        let a = Field::new("x", DataType::List(item(false)), false);
        let b = Field::new("x", DataType::List(item(true)), false);
        let m = merge_nullability(&a, &b).unwrap();
        assert_eq!(m, Field::new("x", DataType::List(item(true)), false));
        let c = Field::new("x", DataType::Int64, false);
        let d = Field::new("x", DataType::Int64, true);
        assert!(merge_nullability(&c, &d).unwrap().is_nullable());
        let e = Field::new("x", DataType::Int32, true);
        assert_eq!(merge_nullability(&d, &e), None);
    }

    #[test]
    fn repeated_names_are_refused_with_the_names() {
        let f = |n: &str| Field::new(n, DataType::Int64, true);
        let e = check_unique_names("d.csv", &[f("a"), f("a"), f("b")], "rename them")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(r#"d.csv: the column name "a" appears more than once in [a, a, b]"#),
            "{e}"
        );
        assert!(check_unique_names("d.csv", &[f("a"), f("b")], "").is_ok());
    }
}
