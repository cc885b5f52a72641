//! The protobuf messages of the engine's own plan parts, beside DataFusion's
//! (`datafusion-proto`), which carries them as opaque bytes.
//!
//! Written by hand with `prost`'s derive rather than generated from a
//! `.proto` file: they are few, private to the codec, and a build script
//! would add `protoc` to every build. Each message has a `kind` and the
//! fields its kinds use; a field added later takes a new tag, so an older
//! reader ignores it.

use datafusion_proto::protobuf::{
    ArrowType, Field, Partitioning, PhysicalExprNode, PhysicalSortExprNode, Schema,
};

/// Who provides a function: [`PROVIDER_BUILTIN`], [`PROVIDER_PLUGIN`] or
/// [`PROVIDER_PYTHON`].
pub const PROVIDER_BUILTIN: i32 = 0;
pub const PROVIDER_PLUGIN: i32 = 1;
pub const PROVIDER_PYTHON: i32 = 2;

/// A registry function, by name: never as a pointer.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FunctionName {
    #[prost(int32, tag = "1")]
    pub provider: i32,
    /// The plugin's name (for a plugin's function).
    #[prost(string, tag = "2")]
    pub plugin: String,
    /// The plugin's version where the plan was made.
    #[prost(string, tag = "3")]
    pub plugin_version: String,
    #[prost(string, tag = "4")]
    pub name: String,
    /// A Python function, as its serializer wrote it.
    #[prost(bytes = "vec", tag = "5")]
    pub python: Vec<u8>,
}

/// One option of a call: `kind` says which value field holds it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OptionEntry {
    #[prost(string, tag = "1")]
    pub name: String,
    /// 0 None, 1 bool, 2 int, 3 float, 4 str, 5 data type.
    #[prost(int32, tag = "2")]
    pub kind: i32,
    #[prost(bool, tag = "3")]
    pub bool_value: bool,
    #[prost(int64, tag = "4")]
    pub int_value: i64,
    #[prost(double, tag = "5")]
    pub float_value: f64,
    #[prost(string, tag = "6")]
    pub str_value: String,
    #[prost(message, optional, tag = "7")]
    pub type_value: Option<Field>,
}

pub const SCALAR_REGISTRY: i32 = 0;
pub const SCALAR_OPERATOR: i32 = 1;
pub const SCALAR_CANONICAL_FLOAT: i32 = 2;
pub const SCALAR_LIST_POSITIONS: i32 = 3;

/// A scalar function of the lowering (`daft_lowering::wire::ScalarSpec`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ScalarFunction {
    #[prost(int32, tag = "1")]
    pub kind: i32,
    #[prost(message, optional, tag = "2")]
    pub function: Option<FunctionName>,
    #[prost(message, repeated, tag = "3")]
    pub arg_fields: Vec<Field>,
    #[prost(message, repeated, tag = "4")]
    pub options: Vec<OptionEntry>,
    #[prost(message, optional, tag = "5")]
    pub return_field: Option<Field>,
    /// An operator's symbol (`+`, `//`, ...).
    #[prost(string, tag = "6")]
    pub op: String,
    #[prost(message, optional, tag = "7")]
    pub output: Option<ArrowType>,
    /// The expression as the user wrote it, for error messages.
    #[prost(string, tag = "8")]
    pub shown: String,
}

pub const AGG_REGISTRY: i32 = 0;
pub const AGG_EXACT_SUM: i32 = 1;
pub const AGG_DECIMAL_MEAN: i32 = 2;
pub const AGG_FLOAT_MIN_MAX: i32 = 3;
pub const AGG_POPULATION: i32 = 4;
pub const AGG_PRODUCT: i32 = 5;
pub const AGG_SKEW: i32 = 6;

/// An aggregate function of the lowering (`daft_lowering::wire::AggregateSpec`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AggregateFunction {
    #[prost(int32, tag = "1")]
    pub kind: i32,
    #[prost(message, optional, tag = "2")]
    pub function: Option<FunctionName>,
    #[prost(message, repeated, tag = "3")]
    pub options: Vec<OptionEntry>,
    #[prost(message, repeated, tag = "4")]
    pub args: Vec<Field>,
    #[prost(string, tag = "5")]
    pub shown: String,
    /// A sum's or product's output type, or a float min/max's input type.
    #[prost(message, optional, tag = "6")]
    pub data_type: Option<ArrowType>,
    #[prost(int32, tag = "7")]
    pub scale: i32,
    /// `max` for a float min/max, `stddev` for a population aggregate.
    #[prost(bool, tag = "8")]
    pub flag: bool,
}

pub const EXEC_ORDERED_CONCAT: i32 = 0;
pub const EXEC_SPLIT: i32 = 1;
pub const EXEC_KEPT_REPARTITION: i32 = 2;
pub const EXEC_UNION_FENCE: i32 = 3;
pub const EXEC_PARTITION_TOP_N: i32 = 4;
pub const EXEC_COALESCE_FOR_PYTHON: i32 = 5;
pub const EXEC_STAGE_READER: i32 = 6;

/// A plan node of the engine's own (its inputs travel in DataFusion's
/// message around it).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExecNode {
    #[prost(int32, tag = "1")]
    pub kind: i32,
    /// An ordered concatenation's row limit.
    #[prost(uint64, optional, tag = "2")]
    pub fetch: Option<u64>,
    /// A split's number of runs.
    #[prost(uint64, tag = "3")]
    pub num: u64,
    #[prost(message, optional, tag = "4")]
    pub partitioning: Option<Partitioning>,
    #[prost(bool, tag = "5")]
    pub random: bool,
    #[prost(message, repeated, tag = "6")]
    pub partition_by: Vec<PhysicalExprNode>,
    #[prost(message, repeated, tag = "7")]
    pub order_by: Vec<PhysicalSortExprNode>,
    #[prost(uint64, tag = "8")]
    pub k: u64,
    /// A top-N's tie rule: false counts ties (`rank`), true distinct keys.
    #[prost(bool, tag = "9")]
    pub distinct: bool,
    /// The stage a stage reader reads (its partition count is `num`).
    #[prost(uint64, tag = "10")]
    pub stage: u64,
    /// A stage reader's schema (it has no input to take it from).
    #[prost(message, optional, tag = "11")]
    pub schema: Option<Schema>,
}
