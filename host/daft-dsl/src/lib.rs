//! Expressions: what a column of a query is computed from.
//!
//! An [`Expr`] is a tree of column references, literals, operators, calls to
//! registry functions and aggregations. It is resolved against a schema at
//! plan time ([`Expr::to_field`]), which is where every type error surfaces,
//! and evaluated per record batch at run time ([`Expr::eval`]).

mod eval;
mod expr;

pub use eval::broadcast;
pub use expr::{AggKind, CountMode, Expr, Operator};
