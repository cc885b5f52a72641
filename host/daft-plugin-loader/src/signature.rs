//! Precise parameter types a plugin declared (ABI 1.1: exact types,
//! extension types, "same type as", DataType options), checked at load and
//! turned into the registry's [`TypeClass`]es and option kinds that refine
//! the manifest's coarse classes.

use daft_core::options::OptionValue;
use daft_core::types::TypeClass;
use daft_plugin_api::abi::{ParamSpec, ParamTypeSpec, TypeConstraint};
use daft_plugin_api::Value;

use crate::{ffi, DescribedFunction, ExtensionTypeInfo};

/// Checks each declaration against the function it names and records it on
/// that function (`refined`). `own_types` are the plugin's extension types;
/// an extension type may also come from a plugin loaded before.
pub(crate) fn refine(
    functions: &mut [DescribedFunction],
    specs: Vec<ParamTypeSpec>,
    own_types: &[ExtensionTypeInfo],
) -> Result<(), String> {
    for spec in specs {
        let ParamTypeSpec {
            function,
            param,
            constraint,
        } = spec;
        let f = functions
            .iter_mut()
            .find(|f| f.name == function)
            .ok_or_else(|| {
                format!("declares a parameter type for unknown function {function:?}")
            })?;
        if let TypeConstraint::DataTypeOption = constraint {
            let default = match f.params.iter().find(|(n, _)| *n == param) {
                Some((_, ParamSpec::Option { default, .. })) => default.clone(),
                _ => {
                    return Err(format!(
                        "function {function}: no option `{param}` to declare a DataType"
                    ))
                }
            };
            let default = match default {
                None => None,
                Some(Value::Null) => Some(OptionValue::Null),
                Some(Value::Str(text)) => Some(OptionValue::data_type(text.parse().map_err(
                    |e| format!("function {function}: option `{param}`: its default {text:?} is not a type: {e}"),
                )?)),
                Some(other) => {
                    return Err(format!(
                        "function {function}: option `{param}`: a DataType option's default \
                         must be a type's text or null, not {other:?}"
                    ))
                }
            };
            f.data_type_options.push((param, default));
            continue;
        }
        let expr_params: Vec<&str> = f
            .params
            .iter()
            .filter(|(_, k)| !matches!(k, ParamSpec::Option { .. }))
            .map(|(n, _)| n.as_str())
            .collect();
        let at = expr_params
            .iter()
            .position(|n| *n == param)
            .ok_or_else(|| {
                format!(
                    "function {function}: no expression parameter `{param}` to declare a type for"
                )
            })?;
        let class = match constraint {
            TypeConstraint::Exact(schema) => {
                let dt = ffi::import_data_type(&schema)
                    .map_err(|e| format!("function {function}: parameter `{param}`: {e}"))?;
                // Plugins are never unloaded; their declarations live as long.
                TypeClass::Exact(Box::leak(Box::new(dt)))
            }
            TypeConstraint::Extension(name) => {
                let storage = own_types
                    .iter()
                    .find(|t| t.name == name)
                    .map(|t| t.storage.clone())
                    .or_else(|| crate::extension_type(&name).map(|t| t.storage))
                    .ok_or_else(|| {
                        format!(
                            "function {function}: parameter `{param}` takes extension type \
                             {name:?}, which neither this plugin nor one loaded before it declares"
                        )
                    })?;
                TypeClass::Extension(
                    Box::leak(name.into_boxed_str()),
                    Box::leak(Box::new(storage)),
                )
            }
            TypeConstraint::DataTypeOption => unreachable!("handled above"),
            TypeConstraint::SameAs(j) => {
                if j >= expr_params.len() || j == at {
                    return Err(format!(
                        "function {function}: parameter `{param}` takes the type of expression \
                         parameter {j}, but the function has {} expression parameters and it is \
                         parameter {at} itself",
                        expr_params.len()
                    ));
                }
                TypeClass::SameAs(j)
            }
        };
        f.refined.push((param, class));
    }
    Ok(())
}
