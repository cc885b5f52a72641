//! Physical plans as bytes, for running plan fragments in other processes.
//!
//! DataFusion's `datafusion-proto` serializes its own plan nodes and
//! expressions; [`EngineCodec`] adds the engine's: its plan nodes
//! (`daft-exec`) and its functions (`daft-lowering`'s UDFs). A registry
//! function travels as its provider and name (and, for a plugin, the
//! version the plan was made with), never as a pointer: the receiving
//! process looks it up in its own registry, and a plugin it lacks, or has in
//! another version, is an error naming the plugin, both versions and the
//! process, before any row is computed. Python functions travel as the
//! bytes a [`FunctionCatalog`] makes of them (the Python binding pickles
//! them).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{AggregateUDF, HigherOrderUDF, ScalarUDF, WindowUDF};
use datafusion::physical_expr::PhysicalSortExpr;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::bytes::{
    physical_plan_from_bytes_with_extension_codec, physical_plan_to_bytes_with_extension_codec,
};
use datafusion_proto::physical_plan::from_proto::{
    parse_physical_expr_with_converter, parse_physical_sort_expr, parse_protobuf_partitioning,
};
use datafusion_proto::physical_plan::to_proto::{
    serialize_partitioning, serialize_physical_expr_with_converter, serialize_physical_sort_expr,
};
use datafusion_proto::physical_plan::{
    PhysicalExtensionCodec, PhysicalPlanDecodeContext, PhysicalProtoConverterExtension,
};
use datafusion_proto::protobuf;
use prost::Message;

use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{FunctionDef, Provider, Registry};
use daft_core::{DaftError, DaftResult};
use daft_dsl::Operator;
use daft_exec::layout::{KeptRepartitionExec, SplitExec};
use daft_exec::ordered::OrderedConcatExec;
use daft_exec::python_batches::CoalesceForPythonExec;
use daft_exec::topn::{Keep, PartitionTopNExec};
use daft_exec::union_fence::UnionFenceExec;
use daft_lowering::wire::{AggregateSpec, ScalarSpec};
use daft_lowering::{from_df, to_df};

use crate::messages::{self as msg};
use crate::stages::StageReaderExec;

/// What a process knows about the functions a plan may name: its registry,
/// the plugins it loaded, and how Python functions become bytes and back.
pub trait FunctionCatalog: Send + Sync {
    /// The registry plan functions are looked up in.
    fn registry(&self) -> &Registry;

    /// The version of the loaded plugin `name`, or `None` if it is not loaded.
    fn plugin_version(&self, name: &str) -> Option<String>;

    /// Where this process runs, for messages (`the driver`, `node 10.0.0.3`).
    fn place(&self) -> String;

    /// The Python function `func` as bytes.
    fn encode_python(&self, func: &FunctionDef) -> DaftResult<Vec<u8>> {
        Err(DaftError::ValueError(format!(
            "the Python function {} cannot be sent to another process from {}: \
             no Python serializer is set",
            func.name,
            self.place()
        )))
    }

    /// A Python function from the bytes [`FunctionCatalog::encode_python`] made.
    fn decode_python(&self, name: &str, _bytes: &[u8]) -> DaftResult<Arc<FunctionDef>> {
        Err(DaftError::ValueError(format!(
            "the Python function {name} cannot be received in {}: no Python serializer is set",
            self.place()
        )))
    }
}

/// The codec of the engine's plan nodes and functions (see the module docs).
#[derive(Clone)]
pub struct EngineCodec {
    catalog: Arc<dyn FunctionCatalog>,
}

impl fmt::Debug for EngineCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EngineCodec({})", self.catalog.place())
    }
}

impl EngineCodec {
    /// A codec resolving functions through `catalog`.
    pub fn new(catalog: Arc<dyn FunctionCatalog>) -> Self {
        EngineCodec { catalog }
    }

    /// `plan` as bytes.
    pub fn encode_plan(&self, plan: Arc<dyn ExecutionPlan>) -> DaftResult<Vec<u8>> {
        physical_plan_to_bytes_with_extension_codec(plan, self)
            .map(|b| b.to_vec())
            .map_err(from_df)
    }

    /// The plan `bytes` holds, with its functions resolved in this process;
    /// `ctx` is the task context it will run in (its configuration, memory
    /// pool and runtime).
    pub fn decode_plan(
        &self,
        bytes: &[u8],
        ctx: &TaskContext,
    ) -> DaftResult<Arc<dyn ExecutionPlan>> {
        let ctx = with_datafusion_functions(ctx);
        physical_plan_from_bytes_with_extension_codec(bytes, &ctx, self).map_err(from_df)
    }

    fn function_name(&self, func: &FunctionDef) -> DaftResult<msg::FunctionName> {
        let mut name = msg::FunctionName {
            name: func.name.clone(),
            ..Default::default()
        };
        match &func.provider {
            Provider::Builtin => name.provider = msg::PROVIDER_BUILTIN,
            Provider::Plugin(plugin) => {
                name.provider = msg::PROVIDER_PLUGIN;
                name.plugin = plugin.clone();
                name.plugin_version = self.catalog.plugin_version(plugin).unwrap_or_default();
            }
            Provider::Python => {
                name.provider = msg::PROVIDER_PYTHON;
                name.python = self.catalog.encode_python(func)?;
            }
        }
        Ok(name)
    }

    /// The function `name` names, from this process's registry.
    fn resolve(&self, name: &msg::FunctionName) -> DaftResult<Arc<FunctionDef>> {
        // Where this runs is only for messages: found on the error paths.
        let place = || self.catalog.place();
        let registry = self.catalog.registry();
        match name.provider {
            msg::PROVIDER_BUILTIN => registry
                .get(&name.name)
                .filter(|f| f.provider == Provider::Builtin)
                .ok_or_else(|| {
                    DaftError::Internal(format!(
                        "the plan calls the built-in function {}, which {} does not have \
                         (is it running another version of the engine?)",
                        name.name,
                        place()
                    ))
                }),
            msg::PROVIDER_PLUGIN => {
                let plugin = &name.plugin;
                let wanted = &name.plugin_version;
                let Some(loaded) = self.catalog.plugin_version(plugin) else {
                    return Err(DaftError::Plugin {
                        plugin: plugin.clone(),
                        message: format!(
                            "the plan calls its function {} (version {wanted} where the plan \
                             was made), but the plugin is not loaded on {}",
                            name.name,
                            place()
                        ),
                    });
                };
                if &loaded != wanted {
                    return Err(DaftError::Plugin {
                        plugin: plugin.clone(),
                        message: format!(
                            "the plan calls its function {} with version {wanted} where the \
                             plan was made, but {} has version {loaded}",
                            name.name,
                            place()
                        ),
                    });
                }
                registry
                    .get_from(plugin, &name.name)
                    .ok_or_else(|| DaftError::Plugin {
                        plugin: plugin.clone(),
                        message: format!(
                            "version {loaded} on {} has no function {}",
                            place(),
                            name.name
                        ),
                    })
            }
            msg::PROVIDER_PYTHON => self.catalog.decode_python(&name.name, &name.python),
            other => Err(DaftError::Internal(format!(
                "function {}: unknown provider kind {other} in a received plan",
                name.name
            ))),
        }
    }

    fn function_of(&self, name: Option<&msg::FunctionName>) -> DaftResult<Arc<FunctionDef>> {
        let name = name.ok_or_else(|| missing("function name"))?;
        self.resolve(name)
    }
}

/// DataFusion's default functions by name, made once per process: what a
/// sender may leave to a receiver to find by name, and what the receiver
/// adds to its task context (see [`with_datafusion_functions`]).
struct DataFusionDefaults {
    scalars: HashMap<String, Arc<ScalarUDF>>,
    higher_order: HashMap<String, Arc<HigherOrderUDF>>,
    aggregates: HashMap<String, Arc<AggregateUDF>>,
    windows: HashMap<String, Arc<WindowUDF>>,
}

fn datafusion_defaults() -> &'static DataFusionDefaults {
    static DEFAULTS: OnceLock<DataFusionDefaults> = OnceLock::new();
    DEFAULTS.get_or_init(|| DataFusionDefaults {
        scalars: datafusion::functions::all_default_functions()
            .into_iter()
            .chain(datafusion_functions_nested::all_default_nested_functions())
            .map(|f| (f.name().to_string(), f))
            .collect(),
        higher_order: datafusion_functions_nested::all_default_higher_order_functions()
            .into_iter()
            .map(|f| (f.name().to_string(), f))
            .collect(),
        aggregates: datafusion::functions_aggregate::all_default_aggregate_functions()
            .into_iter()
            .map(|f| (f.name().to_string(), f))
            .collect(),
        windows: datafusion::functions_window::all_default_window_functions()
            .into_iter()
            .map(|f| (f.name().to_string(), f))
            .collect(),
    })
}

/// The error for a function that neither the codec nor the receiver's
/// DataFusion defaults know: sent by name only, it would fail there, or
/// worse, find another function of that name.
fn unsendable(kind: &str, name: &str) -> DataFusionError {
    to_df(DaftError::ValueError(format!(
        "the {kind} {name} cannot be sent to another process yet (the distributed runner \
         does not support it); run the query on the native runner"
    )))
}

/// DataFusion's own functions by name, as `datafusion-proto` names them in a
/// plan. The engine's session registers almost none (its plans reach
/// DataFusion with every function already resolved), so the receiving side
/// adds DataFusion's default set to `ctx`: the same implementations the
/// lowering called, found again by the name they print.
fn with_datafusion_functions(ctx: &TaskContext) -> TaskContext {
    /// `ours` with the defaults it lacks added.
    fn merged<T>(
        ours: &HashMap<String, Arc<T>>,
        defaults: &HashMap<String, Arc<T>>,
    ) -> HashMap<String, Arc<T>> {
        let mut all = defaults.clone();
        all.extend(ours.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    }
    let defaults = datafusion_defaults();
    TaskContext::new(
        ctx.task_id(),
        ctx.session_id(),
        ctx.session_config().clone(),
        merged(ctx.scalar_functions(), &defaults.scalars),
        merged(ctx.higher_order_functions(), &defaults.higher_order),
        merged(ctx.aggregate_functions(), &defaults.aggregates),
        merged(ctx.window_functions(), &defaults.windows),
        ctx.runtime_env(),
    )
}

fn missing(what: &str) -> DaftError {
    DaftError::Internal(format!(
        "a received plan lacks the {what} of an engine node"
    ))
}

fn field_to_proto(f: &Field) -> DaftResult<protobuf::Field> {
    protobuf::Field::try_from(f)
        .map_err(|e| DaftError::Internal(format!("field {} cannot be sent: {e}", f.name())))
}

fn field_from_proto(f: &protobuf::Field) -> DaftResult<Field> {
    Field::try_from(f).map_err(|e| DaftError::Internal(format!("received field {}: {e}", f.name)))
}

fn type_to_proto(t: &DataType) -> DaftResult<protobuf::ArrowType> {
    protobuf::ArrowType::try_from(t)
        .map_err(|e| DaftError::Internal(format!("type {t} cannot be sent: {e}")))
}

fn type_from_proto(t: Option<&protobuf::ArrowType>) -> DaftResult<DataType> {
    let t = t.ok_or_else(|| missing("data type"))?;
    DataType::try_from(t).map_err(|e| DaftError::Internal(format!("received type: {e}")))
}

fn options_to_proto(options: &FunctionOptions) -> DaftResult<Vec<msg::OptionEntry>> {
    options
        .0
        .iter()
        .map(|(name, value)| {
            let mut e = msg::OptionEntry {
                name: name.clone(),
                ..Default::default()
            };
            match value {
                OptionValue::Null => e.kind = 0,
                OptionValue::Bool(b) => (e.kind, e.bool_value) = (1, *b),
                OptionValue::Int(i) => (e.kind, e.int_value) = (2, *i),
                OptionValue::Float(x) => (e.kind, e.float_value) = (3, *x),
                OptionValue::Str(s) => (e.kind, e.str_value) = (4, s.clone()),
                OptionValue::DataType(f) => (e.kind, e.type_value) = (5, Some(field_to_proto(f)?)),
            }
            Ok(e)
        })
        .collect()
}

fn options_from_proto(entries: &[msg::OptionEntry]) -> DaftResult<FunctionOptions> {
    let mut options = FunctionOptions::default();
    for e in entries {
        let value = match e.kind {
            0 => OptionValue::Null,
            1 => OptionValue::Bool(e.bool_value),
            2 => OptionValue::Int(e.int_value),
            3 => OptionValue::Float(e.float_value),
            4 => OptionValue::Str(e.str_value.clone()),
            5 => OptionValue::DataType(field_from_proto(
                e.type_value
                    .as_ref()
                    .ok_or_else(|| missing("option type"))?,
            )?),
            k => {
                return Err(DaftError::Internal(format!(
                    "option {}: unknown kind {k} in a received plan",
                    e.name
                )))
            }
        };
        options.0.insert(e.name.clone(), value);
    }
    Ok(options)
}

fn decode_err(what: &str, e: prost::DecodeError) -> DataFusionError {
    to_df(DaftError::Internal(format!(
        "a received {what} is malformed: {e}"
    )))
}

impl PhysicalExtensionCodec for EngineCodec {
    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        let mut m = msg::ExecNode::default();
        if let Some(n) = node.downcast_ref::<OrderedConcatExec>() {
            m.kind = msg::EXEC_ORDERED_CONCAT;
            m.fetch = n.fetch().map(|f| f as u64);
        } else if let Some(n) = node.downcast_ref::<SplitExec>() {
            m.kind = msg::EXEC_SPLIT;
            m.num = n.num() as u64;
        } else if let Some(n) = node.downcast_ref::<KeptRepartitionExec>() {
            m.kind = msg::EXEC_KEPT_REPARTITION;
            m.partitioning = Some(serialize_partitioning(n.partitioning(), self, converter)?);
            m.random = n.random();
        } else if node.downcast_ref::<UnionFenceExec>().is_some() {
            m.kind = msg::EXEC_UNION_FENCE;
        } else if let Some(n) = node.downcast_ref::<StageReaderExec>() {
            m.kind = msg::EXEC_STAGE_READER;
            m.stage = n.stage() as u64;
            m.num = n.properties().output_partitioning().partition_count() as u64;
            m.schema = Some(n.schema().as_ref().try_into()?);
        } else if node.downcast_ref::<CoalesceForPythonExec>().is_some() {
            m.kind = msg::EXEC_COALESCE_FOR_PYTHON;
        } else if let Some(n) = node.downcast_ref::<PartitionTopNExec>() {
            m.kind = msg::EXEC_PARTITION_TOP_N;
            m.partition_by = n
                .partition_by()
                .iter()
                .map(|e| serialize_physical_expr_with_converter(e, self, converter))
                .collect::<Result<_>>()?;
            m.order_by = n
                .order_by()
                .iter()
                .map(|(expr, options)| {
                    let sort = PhysicalSortExpr::new(expr.clone(), *options);
                    serialize_physical_sort_expr(sort, self, converter)
                })
                .collect::<Result<_>>()?;
            let (k, keep) = n.limit();
            m.k = k as u64;
            m.distinct = keep == Keep::Distinct;
        } else {
            return Err(to_df(DaftError::ValueError(format!(
                "the plan node {} cannot be sent to another process yet",
                node.name()
            ))));
        }
        m.encode(buf)
            .map_err(|e| to_df(DaftError::Internal(e.to_string())))
    }

    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let m = msg::ExecNode::decode(buf).map_err(|e| decode_err("plan node", e))?;
        if m.kind == msg::EXEC_STAGE_READER {
            let schema: Schema = m
                .schema
                .as_ref()
                .ok_or_else(|| to_df(missing("schema")))?
                .try_into()?;
            return Ok(Arc::new(StageReaderExec::new(
                m.stage as usize,
                Arc::new(schema),
                m.num as usize,
            )));
        }
        let [input] = inputs else {
            return Err(to_df(DaftError::Internal(format!(
                "a received engine plan node has {} inputs, not one",
                inputs.len()
            ))));
        };
        let input = input.clone();
        let schema = input.schema();
        let decode_ctx = PhysicalPlanDecodeContext::new(ctx, self);
        Ok(match m.kind {
            msg::EXEC_ORDERED_CONCAT => {
                Arc::new(OrderedConcatExec::new(input, m.fetch.map(|f| f as usize)))
            }
            msg::EXEC_SPLIT => Arc::new(SplitExec::new(input, m.num as usize)),
            msg::EXEC_KEPT_REPARTITION => {
                let partitioning = parse_protobuf_partitioning(
                    m.partitioning.as_ref(),
                    &decode_ctx,
                    &schema,
                    converter,
                )?
                .ok_or_else(|| to_df(missing("partitioning")))?;
                Arc::new(KeptRepartitionExec::try_new(input, partitioning, m.random)?)
            }
            msg::EXEC_UNION_FENCE => Arc::new(UnionFenceExec::new(input)),
            msg::EXEC_COALESCE_FOR_PYTHON => Arc::new(CoalesceForPythonExec::new(input)),
            msg::EXEC_PARTITION_TOP_N => {
                let partition_by = m
                    .partition_by
                    .iter()
                    .map(|e| parse_physical_expr_with_converter(e, &schema, &decode_ctx, converter))
                    .collect::<Result<Vec<_>>>()?;
                let order_by = m
                    .order_by
                    .iter()
                    .map(|e| {
                        parse_physical_sort_expr(e, &decode_ctx, &schema, converter)
                            .map(|s| (s.expr, s.options))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let keep = if m.distinct {
                    Keep::Distinct
                } else {
                    Keep::Ties
                };
                Arc::new(PartitionTopNExec::new(
                    input,
                    partition_by,
                    order_by,
                    m.k as usize,
                    keep,
                ))
            }
            k => {
                return Err(to_df(DaftError::Internal(format!(
                    "unknown engine plan node kind {k} in a received plan"
                ))))
            }
        })
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        // DataFusion's own functions travel by name (left empty here) and are
        // looked up in the receiving session.
        let Some(spec) = ScalarSpec::of(node) else {
            if datafusion_defaults().scalars.contains_key(node.name()) {
                return Ok(());
            }
            return Err(unsendable("function", node.name()));
        };
        let mut m = msg::ScalarFunction::default();
        match spec {
            ScalarSpec::Registry {
                func,
                arg_fields,
                options,
                return_field,
            } => {
                m.kind = msg::SCALAR_REGISTRY;
                m.function = Some(self.function_name(&func).map_err(to_df)?);
                m.arg_fields = arg_fields
                    .iter()
                    .map(field_to_proto)
                    .collect::<DaftResult<_>>()
                    .map_err(to_df)?;
                m.options = options_to_proto(&options).map_err(to_df)?;
                m.return_field = Some(field_to_proto(&return_field).map_err(to_df)?);
            }
            ScalarSpec::Operator { op, output, shown } => {
                m.kind = msg::SCALAR_OPERATOR;
                m.op = op.symbol().to_string();
                m.output = Some(type_to_proto(&output).map_err(to_df)?);
                m.shown = shown;
            }
            ScalarSpec::CanonicalFloat => m.kind = msg::SCALAR_CANONICAL_FLOAT,
            ScalarSpec::ListPositions => m.kind = msg::SCALAR_LIST_POSITIONS,
        }
        m.encode(buf)
            .map_err(|e| to_df(DaftError::Internal(e.to_string())))
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        let m = msg::ScalarFunction::decode(buf).map_err(|e| decode_err("function", e))?;
        let spec = match m.kind {
            msg::SCALAR_REGISTRY => {
                let built = (|| -> DaftResult<ScalarSpec> {
                    Ok(ScalarSpec::Registry {
                        func: self.function_of(m.function.as_ref())?,
                        arg_fields: m
                            .arg_fields
                            .iter()
                            .map(field_from_proto)
                            .collect::<DaftResult<_>>()?,
                        options: options_from_proto(&m.options)?,
                        return_field: Arc::new(field_from_proto(
                            m.return_field
                                .as_ref()
                                .ok_or_else(|| missing("return field"))?,
                        )?),
                    })
                })();
                built.map_err(to_df)?
            }
            msg::SCALAR_OPERATOR => ScalarSpec::Operator {
                op: Operator::parse(&m.op).map_err(to_df)?,
                output: type_from_proto(m.output.as_ref()).map_err(to_df)?,
                shown: m.shown,
            },
            msg::SCALAR_CANONICAL_FLOAT => ScalarSpec::CanonicalFloat,
            msg::SCALAR_LIST_POSITIONS => ScalarSpec::ListPositions,
            k => {
                return Err(to_df(DaftError::Internal(format!(
                    "function {name}: unknown kind {k} in a received plan"
                ))))
            }
        };
        Ok(Arc::new(spec.build()))
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        let Some(spec) = AggregateSpec::of(node) else {
            if datafusion_defaults().aggregates.contains_key(node.name()) {
                return Ok(());
            }
            return Err(unsendable("aggregate", node.name()));
        };
        let mut m = msg::AggregateFunction::default();
        let encode = |m: &mut msg::AggregateFunction| -> DaftResult<()> {
            match spec {
                AggregateSpec::Registry {
                    func,
                    options,
                    args,
                    shown,
                } => {
                    m.kind = msg::AGG_REGISTRY;
                    m.function = Some(self.function_name(&func)?);
                    m.options = options_to_proto(&options)?;
                    m.args = args.iter().map(field_to_proto).collect::<DaftResult<_>>()?;
                    m.shown = shown;
                }
                AggregateSpec::ExactSum { output, shown } => {
                    m.kind = msg::AGG_EXACT_SUM;
                    m.data_type = Some(type_to_proto(&output)?);
                    m.shown = shown;
                }
                AggregateSpec::ExactDecimalMean { scale, shown } => {
                    m.kind = msg::AGG_DECIMAL_MEAN;
                    m.scale = scale as i32;
                    m.shown = shown;
                }
                AggregateSpec::FloatMinMax { max, input } => {
                    m.kind = msg::AGG_FLOAT_MIN_MAX;
                    m.flag = max;
                    m.data_type = Some(type_to_proto(&input)?);
                }
                AggregateSpec::Population { stddev } => {
                    m.kind = msg::AGG_POPULATION;
                    m.flag = stddev;
                }
                AggregateSpec::Product { dt, shown } => {
                    m.kind = msg::AGG_PRODUCT;
                    m.data_type = Some(type_to_proto(&dt)?);
                    m.shown = shown;
                }
                AggregateSpec::Skew => m.kind = msg::AGG_SKEW,
            }
            Ok(())
        };
        encode(&mut m).map_err(to_df)?;
        m.encode(buf)
            .map_err(|e| to_df(DaftError::Internal(e.to_string())))
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        let m = msg::AggregateFunction::decode(buf).map_err(|e| decode_err("aggregate", e))?;
        let spec = (|| -> DaftResult<AggregateSpec> {
            Ok(match m.kind {
                msg::AGG_REGISTRY => AggregateSpec::Registry {
                    func: self.function_of(m.function.as_ref())?,
                    options: options_from_proto(&m.options)?,
                    args: m
                        .args
                        .iter()
                        .map(field_from_proto)
                        .collect::<DaftResult<_>>()?,
                    shown: m.shown.clone(),
                },
                msg::AGG_EXACT_SUM => AggregateSpec::ExactSum {
                    output: type_from_proto(m.data_type.as_ref())?,
                    shown: m.shown.clone(),
                },
                msg::AGG_DECIMAL_MEAN => AggregateSpec::ExactDecimalMean {
                    scale: i8::try_from(m.scale).map_err(|_| {
                        DaftError::Internal(format!("aggregate {name}: scale {}", m.scale))
                    })?,
                    shown: m.shown.clone(),
                },
                msg::AGG_FLOAT_MIN_MAX => AggregateSpec::FloatMinMax {
                    max: m.flag,
                    input: type_from_proto(m.data_type.as_ref())?,
                },
                msg::AGG_POPULATION => AggregateSpec::Population { stddev: m.flag },
                msg::AGG_PRODUCT => AggregateSpec::Product {
                    dt: type_from_proto(m.data_type.as_ref())?,
                    shown: m.shown.clone(),
                },
                msg::AGG_SKEW => AggregateSpec::Skew,
                k => {
                    return Err(DaftError::Internal(format!(
                        "aggregate {name}: unknown kind {k} in a received plan"
                    )))
                }
            })
        })()
        .map_err(to_df)?;
        Ok(Arc::new(spec.build().map_err(to_df)?))
    }
}
