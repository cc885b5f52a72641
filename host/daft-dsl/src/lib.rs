//! Expressions: what a column of a query is computed from.
//!
//! An [`Expr`] is a tree of column references, literals, operators, calls to
//! registry functions and aggregations. It is resolved against a schema at
//! plan time ([`Expr::to_field`]), which is where every type error surfaces;
//! it runs once lowered onto DataFusion (crate `daft-lowering`), which calls
//! the [`operators`] kernels where Daft's operator semantics differ from
//! DataFusion's.

mod expr;
pub mod lambda;
pub mod operators;
pub mod window;

pub use expr::{
    binary_output_field, binary_output_type, AggKind, CountMode, Expr, Operator, Percentiles,
    RegistryAgg,
};
pub use lambda::{LambdaKind, ELEMENT_COLUMN};
pub use operators::{broadcast, eval_operator, Operand};
pub use window::{
    FrameBound, FrameUnit, WindowFrame, WindowFunc, WindowOrder, WindowSpec, WINDOW_FUNCTION_NAMES,
};
