//! Named options of a function call (`pattern="..."`, `decimals=2`).
//!
//! Options are literals fixed when the expression is built, typed and
//! validated against the function's declared parameters at that moment,
//! so a wrong option never reaches execution.

use std::collections::BTreeMap;
use std::fmt;

use arrow::datatypes::{DataType, Field};

/// One option value. Options are plain literals, not expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A data type, for `cast(dtype=...)`-like functions of the host, as a
    /// field so that a Daft logical type (its extension metadata) comes along.
    DataType(Field),
}

impl OptionValue {
    /// The kind name shown in error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            OptionValue::Null => "None",
            OptionValue::Bool(_) => "bool",
            OptionValue::Int(_) => "int",
            OptionValue::Float(_) => "float",
            OptionValue::Str(_) => "str",
            OptionValue::DataType(_) => "DataType",
        }
    }
}

impl fmt::Display for OptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionValue::Null => write!(f, "None"),
            OptionValue::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            OptionValue::Int(i) => write!(f, "{i}"),
            OptionValue::Float(x) => write!(f, "{x:?}"),
            OptionValue::Str(s) => write!(f, "{s:?}"),
            OptionValue::DataType(d) => write!(f, "{}", crate::types::display_type(d)),
        }
    }
}

/// The options of one call, complete after validation (defaults filled in).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunctionOptions(pub BTreeMap<String, OptionValue>);

impl FunctionOptions {
    /// The raw value of option `name`, if given.
    pub fn get(&self, name: &str) -> Option<&OptionValue> {
        self.0.get(name)
    }

    /// Option `name` as a bool; a missing or null option is `None`.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(OptionValue::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// Option `name` as an integer.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(OptionValue::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// Option `name` as a float (integers are widened).
    pub fn float(&self, name: &str) -> Option<f64> {
        match self.get(name) {
            Some(OptionValue::Float(x)) => Some(*x),
            Some(OptionValue::Int(i)) => Some(*i as f64),
            _ => None,
        }
    }

    /// Option `name` as a string.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(OptionValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// Option `name` as a data type.
    pub fn data_type(&self, name: &str) -> Option<&DataType> {
        self.type_field(name).map(Field::data_type)
    }

    /// Option `name` as a data type with its extension metadata (a Daft
    /// logical type such as `Embedding[Float32; 3]`).
    pub fn type_field(&self, name: &str) -> Option<&Field> {
        match self.get(name) {
            Some(OptionValue::DataType(d)) => Some(d),
            _ => None,
        }
    }
}

impl OptionValue {
    /// A plain Arrow data type as an option value.
    pub fn data_type(dt: DataType) -> Self {
        OptionValue::DataType(Field::new("", dt, true))
    }
}
