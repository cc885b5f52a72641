//! Text rendering of results for `show()` and `repr()`.

use arrow::array::Array;
use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use daft_core::types::display_type;

/// Longest cell text before it is cut with an ellipsis.
const MAX_CELL: usize = 40;

/// A table of the first `max_rows` rows of `batches`, with column names and
/// types in the header.
pub fn format_table(schema: &Schema, batches: &[RecordBatch], max_rows: usize) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(
        schema
            .fields()
            .iter()
            .map(|f| format!("{}\n---\n{}", f.name(), display_type(f))),
    );
    let options = FormatOptions::default().with_null("None");
    let mut shown = 0;
    'outer: for batch in batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).ok())
            .collect();
        for row in 0..batch.num_rows() {
            if shown >= max_rows {
                break 'outer;
            }
            table.add_row(formatters.iter().zip(batch.columns()).map(|(f, c)| {
                let text = match f {
                    Some(f) if c.is_valid(row) => f.value(row).to_string(),
                    Some(_) => "None".to_string(),
                    None => "<unprintable>".to_string(),
                };
                truncate(text)
            }));
            shown += 1;
        }
    }
    table.to_string()
}

fn truncate(text: String) -> String {
    if text.chars().count() <= MAX_CELL {
        text
    } else {
        let mut s: String = text.chars().take(MAX_CELL - 1).collect();
        s.push('…');
        s
    }
}
