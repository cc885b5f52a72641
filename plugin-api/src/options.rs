//! Option values of a call, as a plugin's rule and kernel see them.

use std::fmt;

/// One option value: a plain literal, already checked by the host against
/// the declared [`crate::OptionKind`] (ints are widened for float options).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `None`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "None"),
            Value::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// The options of one call, complete (defaults filled in by the host).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    values: Vec<(String, Value)>,
}

impl Options {
    /// Options from `(name, value)` pairs.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, Value)>) -> Self {
        Options {
            values: pairs.into_iter().collect(),
        }
    }

    /// The raw value of option `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Option `name` as a bool (`None` when absent, null or another kind).
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// Option `name` as an integer.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// Option `name` as a float (integers are widened).
    pub fn float(&self, name: &str) -> Option<f64> {
        match self.get(name) {
            Some(Value::Float(x)) => Some(*x),
            Some(Value::Int(i)) => Some(*i as f64),
            _ => None,
        }
    }

    /// Option `name` as a string.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// Option `name`, declared `OptionKind::DataType`, as the Arrow type the
    /// user gave (`None` when absent or null; `Some(Err)` when its text is
    /// not a type this arrow version reads).
    pub fn data_type(
        &self,
        name: &str,
    ) -> Option<Result<crate::arrow::datatypes::DataType, String>> {
        self.str(name).map(|text| {
            text.parse()
                .map_err(|e| format!("option `{name}`: cannot read the type {text:?}: {e}"))
        })
    }

    /// All options, in the order the host passed them.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(n, v)| (n.as_str(), v))
    }
}
