//! Set operations: `concat` / `union_all`, `union`, `intersect`, `except`.
//!
//! Inputs are matched by position, as in SQL and Daft; each output column
//! has the left input's name and the common type of the inputs' columns.
//! `concat` is stricter, as in Daft: the schemas must be the same. Rows are
//! compared with nulls equal to each other (a null row of the left input
//! is in the intersection when the right input has one too). The `all`
//! forms are multiset operations: a row appearing `m` times on the left
//! and `n` times on the right appears `min(m, n)` times in `intersect_all`
//! and `max(m - n, 0)` times in `except_all`.

use std::sync::Arc;

use arrow::datatypes::{Field, Schema};

use daft_core::types::{display_type, schema_line, supertype};
use daft_core::{DaftError, DaftResult};

use crate::LogicalPlan;

/// `intersect` or `except`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOpKind {
    Intersect,
    Except,
}

impl SetOpKind {
    /// The name shown in plans.
    pub fn name(&self) -> &'static str {
        match self {
            SetOpKind::Intersect => "Intersect",
            SetOpKind::Except => "Except",
        }
    }
}

/// The schema of a positional set operation `what` over `inputs`.
fn common_schema(inputs: &[&Arc<LogicalPlan>], what: &str) -> DaftResult<Schema> {
    let first = inputs[0].schema();
    let mut fields: Vec<Field> = first.fields().iter().map(|f| f.as_ref().clone()).collect();
    for (i, input) in inputs.iter().enumerate().skip(1) {
        let s = input.schema();
        if s.fields().len() != fields.len() {
            return Err(DaftError::SchemaMismatch(format!(
                "{what}: the inputs must have the same number of columns; the first has {} \
                 ({}), input {} has {} ({})",
                fields.len(),
                schema_line(&first),
                i + 1,
                s.fields().len(),
                schema_line(&s)
            )));
        }
        for (f, g) in fields.iter_mut().zip(s.fields()) {
            let Some(dt) = supertype(f.data_type(), g.data_type()) else {
                return Err(DaftError::SchemaMismatch(format!(
                    "{what}: column {:?} ({}) and column {:?} ({}) of input {} have no common \
                     type",
                    f.name(),
                    display_type(f),
                    g.name(),
                    display_type(g),
                    i + 1
                )));
            };
            let nullable = f.is_nullable() || g.is_nullable();
            *f = f.clone().with_data_type(dt).with_nullable(nullable);
        }
    }
    Ok(Schema::new(fields))
}

impl LogicalPlan {
    /// `self`'s rows, then each of `others`' (positional, common types).
    pub fn union_all(self: &Arc<Self>, others: &[Arc<Self>]) -> DaftResult<Arc<Self>> {
        let mut inputs = vec![self.clone()];
        inputs.extend(others.iter().cloned());
        let refs: Vec<&Arc<Self>> = inputs.iter().collect();
        let schema = Arc::new(common_schema(&refs, "union")?);
        Ok(Arc::new(LogicalPlan::Concat { inputs, schema }))
    }

    /// `self`'s rows then `other`'s, which must have exactly the same
    /// schema (Daft's `concat`).
    pub fn concat(self: &Arc<Self>, other: &Arc<Self>) -> DaftResult<Arc<Self>> {
        let (a, b) = (self.schema(), other.schema());
        let same = a.fields().len() == b.fields().len()
            && a.fields()
                .iter()
                .zip(b.fields())
                .all(|(f, g)| f.name() == g.name() && f.data_type() == g.data_type());
        if !same {
            return Err(DaftError::SchemaMismatch(format!(
                "concat: DataFrames must have exactly the same schema (names and types, in \
                 order); expected {}, got {}. union_all_by_name(...) matches columns by name",
                schema_line(&a),
                schema_line(&b)
            )));
        }
        self.union_all(std::slice::from_ref(other))
    }

    /// `intersect` or `except` of `self` and `other`, as sets or multisets.
    pub fn set_op(
        self: &Arc<Self>,
        other: &Arc<Self>,
        kind: SetOpKind,
        all: bool,
    ) -> DaftResult<Arc<Self>> {
        let what = match kind {
            SetOpKind::Intersect => "intersect",
            SetOpKind::Except => "except",
        };
        let schema = Arc::new(common_schema(&[self, other], what)?);
        Ok(Arc::new(LogicalPlan::SetOp {
            left: self.clone(),
            right: other.clone(),
            kind,
            all,
            schema,
        }))
    }
}
