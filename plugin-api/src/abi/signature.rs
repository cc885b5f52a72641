//! Precise parameter types across the ABI (added in 1.1): "exactly this
//! type", "this extension type", "the same type as that argument", and
//! options that are a `daft.DataType`.
//!
//! The 1.0 manifest describes each expression parameter by a coarse class
//! ([`super::FfiTypeClass`]), an exhaustive enum that cannot grow without
//! locking 1.0 plugins out; so the manifest keeps the class that contains
//! the declaration, and the 1.1 table's `param_types` entry lists the
//! precise ones, by function and parameter name. Exact types cross as
//! Arrow C Data Interface schemas, so host and plugin need not share an
//! arrow version.

use abi_stable::std_types::{RResult, RString, RVec};
use abi_stable::StableAbi;

use crate::sdk::{Param, ParamKind, TypeClass};
use crate::{bridge, AggregateFunction, ScalarFunction, StatefulFunction};

use super::arrow_c::ArrowSchema;
use super::export::guard;
use super::load::checked;

/// A precise declaration of one expression parameter.
#[repr(u8)]
#[derive(StableAbi, Debug)]
pub enum FfiTypeConstraint {
    /// Exactly this type.
    Exact(ArrowSchema),
    /// The extension type of this name.
    Extension(RString),
    /// The same type as the expression parameter at this index.
    SameAs(u64),
    /// (Of an option, declared `Str` in the manifest:) a `daft.DataType`,
    /// passed as arrow's text of the type.
    DataTypeOption,
}

/// One parameter's precise declaration.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiParamType {
    /// The function (scalar, stateful or aggregate; names are unique).
    pub function: RString,
    /// The parameter's name.
    pub param: RString,
    /// What it accepts.
    pub constraint: FfiTypeConstraint,
}

// ---------------------------------------------------------------- plugin side

/// The 1.1 table's `param_types` entry point: every precisely declared
/// parameter of this library's functions. A type text arrow cannot parse
/// is an error naming the function and parameter.
pub(super) extern "C" fn param_types_entry() -> RResult<RVec<FfiParamType>, RString> {
    guard(|| {
        let mut out = RVec::new();
        let scalars = inventory::iter::<ScalarFunction>
            .into_iter()
            .map(|f| (f.name, f.params));
        let stateful = inventory::iter::<StatefulFunction>
            .into_iter()
            .map(|f| (f.name, f.params));
        let aggregates = inventory::iter::<AggregateFunction>
            .into_iter()
            .map(|f| (f.name, f.params));
        for (function, params) in scalars.chain(stateful).chain(aggregates) {
            for p in params {
                if let Some(constraint) = constraint_of(function, p)? {
                    out.push(FfiParamType {
                        function: function.into(),
                        param: p.name.into(),
                        constraint,
                    });
                }
            }
        }
        Ok(out)
    })
}

#[cfg(test)]
pub(super) fn constraint_of_for_tests(
    function: &str,
    p: &Param,
) -> Result<Option<FfiTypeConstraint>, String> {
    constraint_of(function, p)
}

fn constraint_of(function: &str, p: &Param) -> Result<Option<FfiTypeConstraint>, String> {
    let class = match p.kind {
        ParamKind::Expr(c) | ParamKind::Variadic { accepts: c, .. } => c,
        ParamKind::Option {
            kind: crate::sdk::OptionKind::DataType,
            ..
        } => return Ok(Some(FfiTypeConstraint::DataTypeOption)),
        ParamKind::Option { .. } => return Ok(None),
    };
    Ok(Some(match class {
        TypeClass::Exact(text) => {
            let dt: crate::arrow::datatypes::DataType = text.parse().map_err(|e| {
                format!(
                    "function {function}: parameter `{}`: cannot read the type {text:?}: {e}",
                    p.name
                )
            })?;
            FfiTypeConstraint::Exact(bridge::export_data_type(&dt)?)
        }
        TypeClass::Extension(name) => FfiTypeConstraint::Extension(name.into()),
        TypeClass::SameAs(i) => FfiTypeConstraint::SameAs(i as u64),
        _ => return Ok(None),
    }))
}

// ------------------------------------------------------------------ host side

/// A precise parameter declaration, in plain Rust (see [`FfiTypeConstraint`]).
#[derive(Debug)]
pub enum TypeConstraint {
    /// Exactly the type of this schema.
    Exact(ArrowSchema),
    /// The extension type of this name.
    Extension(String),
    /// The same type as the expression parameter at this index.
    SameAs(usize),
    /// The option is a `daft.DataType`.
    DataTypeOption,
}

/// One parameter's precise declaration, in plain Rust.
#[derive(Debug)]
pub struct ParamTypeSpec {
    /// The function.
    pub function: String,
    /// The parameter.
    pub param: String,
    /// What it accepts.
    pub constraint: TypeConstraint,
}

/// The declarations a plugin's `param_types` entry point listed.
pub(super) fn param_types_from_ffi(list: RVec<FfiParamType>) -> Result<Vec<ParamTypeSpec>, String> {
    list.into_iter()
        .enumerate()
        .map(|(i, p)| {
            let function = checked(&p.function, || {
                format!("the function of parameter type #{i}")
            })?;
            let param = checked(&p.param, || {
                format!("a parameter name of function {function:?}")
            })?;
            let constraint = match p.constraint {
                FfiTypeConstraint::Exact(schema) => TypeConstraint::Exact(schema),
                FfiTypeConstraint::Extension(name) => {
                    TypeConstraint::Extension(checked(&name, || {
                        format!("the extension type of {function}.{param}")
                    })?)
                }
                FfiTypeConstraint::SameAs(j) => TypeConstraint::SameAs(
                    usize::try_from(j).map_err(|_| format!("{function}.{param}: index {j}"))?,
                ),
                FfiTypeConstraint::DataTypeOption => TypeConstraint::DataTypeOption,
            };
            Ok(ParamTypeSpec {
                function,
                param,
                constraint,
            })
        })
        .collect()
}
