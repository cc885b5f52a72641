//! `in_wordlist`: a stateful function. The word list is read from its file
//! once per query (per call site), when the first batch arrives, and every
//! batch of the query looks words up in the same set.

use std::collections::HashSet;
use std::sync::Arc;

use daft_plugin_api::arrow::array::{ArrayRef, BooleanArray};
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::{
    DefaultValue, FunctionState, OptionKind, Options, Param, Setup, StatefulFunction, TypeClass,
};

use crate::{check_rows, strings};

/// The words of one query's call site, folded to lowercase unless the call
/// is case-sensitive.
struct WordList {
    words: HashSet<String>,
    case_sensitive: bool,
}

impl FunctionState for WordList {
    fn call(&self, args: &[ArrayRef], num_rows: usize) -> Result<ArrayRef, String> {
        check_rows(args, num_rows)?;
        let input = strings(&args[0])?;
        let out: BooleanArray = if self.case_sensitive {
            input
                .iter()
                .map(|s| s.map(|s| self.words.contains(s)))
                .collect()
        } else {
            input
                .iter()
                .map(|s| s.map(|s| self.words.contains(&s.to_lowercase())))
                .collect()
        };
        Ok(Arc::new(out))
    }
}

fn in_wordlist_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    Ok(Field::new(
        "in_wordlist",
        DataType::Boolean,
        args[0].is_nullable(),
    ))
}

fn in_wordlist_init(setup: &Setup<'_>) -> Result<Box<dyn FunctionState>, String> {
    let path = setup.options.str("path").unwrap_or_default();
    let case_sensitive = setup.options.bool("case_sensitive").unwrap_or(true);
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the word list {path:?}: {e}"))?;
    let words = text
        .lines()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| {
            if case_sensitive {
                w.to_string()
            } else {
                w.to_lowercase()
            }
        })
        .collect();
    Ok(Box::new(WordList {
        words,
        case_sensitive,
    }))
}

daft_plugin_api::inventory::submit! {
    StatefulFunction {
        name: "in_wordlist",
        doc: "Whether each string is a word of the list in the file `path` (one word per line;\n\
              surrounding whitespace and blank lines are ignored).\n\n\
              The file is read once per query, before the first batch, not once per batch.\n\n\
              Args:\n    s: a string column.\n    \
              path: the word list's file.\n    \
              case_sensitive: compare exactly (the default), or ignoring case.\n\n\
              Returns:\n    a Boolean column; null where `s` is null.",
        params: &[
            Param::expr("s", TypeClass::String),
            Param::required_option("path", OptionKind::Str),
            Param::option("case_sensitive", OptionKind::Bool, DefaultValue::Bool(true)),
        ],
        return_field: in_wordlist_field,
        init: in_wordlist_init,
    }
}
