//! Daft's semantics lowered onto Apache DataFusion.
//!
//! The engine's plans ([`daft_plan::LogicalPlan`]) are built and checked
//! with Daft's type rules; this crate turns them into DataFusion logical
//! plans that DataFusion optimizes and runs. It is the one place where a
//! difference between Daft's and DataFusion's semantics is decided:
//!
//! - [`plan`]: nodes, with the planned schema kept exactly (names, types);
//! - [`expr`]: expressions, with operands cast to Daft's common type;
//! - [`udf`]: the one adapter through which every registry function,
//!   built in or from a plugin, runs as a DataFusion scalar UDF;
//! - [`operators`]: Daft's `//`, `%` and temporal `-`, which DataFusion's
//!   operators compute differently;
//! - [`scan`]: sources as DataFusion tables, with the check that a file
//!   did not change under the plan;
//! - [`views`]: Parquet strings read as Arrow views inside DataFusion;
//! - [`join`]: joins (Daft's column naming) and set operations;
//! - [`window`]: window functions, with Daft's default frames;
//! - [`lambda`]: `list_map` / `list_filter`, a body run on every list element;
//! - [`aggregates`]: `product` and `skew`, which DataFusion lacks, as aggregate UDFs;
//! - [`partition`]: `repartition` and `into_partitions`;
//! - [`explode`]: `explode` as DataFusion's unnest, with Daft's null handling;
//! - [`error`]: errors across the boundary, both ways.

pub mod aggregates;
pub mod error;
pub mod explode;
pub mod expr;
pub mod float_keys;
pub mod float_minmax;
pub mod join;
pub mod lambda;
pub mod operators;
pub mod partition;
pub mod percentile;
pub mod plan;
pub mod registry_agg;
pub mod scan;
pub mod sum;
pub mod udf;
pub mod user_agg;
pub mod variance;
pub mod views;
pub mod window;
pub mod wire;

pub use error::{from_df, to_df};
pub use plan::{lower_plan, LowerOptions};
pub use udf::RegistryUdf;
