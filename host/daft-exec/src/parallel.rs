use std::collections::VecDeque;
use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use rayon::prelude::*;

use daft_core::DaftResult;
use daft_io::BatchStream;

/// Applies `f` to every batch of `input` on rayon's pool, a window of a few
/// batches per core at a time, and yields the results in input order.
///
/// The window bounds memory (only that many batches are in flight) while
/// giving every core work; a limit downstream stops the pulling.
pub fn parallel_map<F>(input: BatchStream, f: F) -> BatchStream
where
    F: Fn(RecordBatch) -> DaftResult<RecordBatch> + Send + Sync + 'static,
{
    Box::new(ParallelMap {
        input,
        f: Arc::new(f),
        ready: VecDeque::new(),
        window: rayon::current_num_threads() * 2,
        exhausted: false,
    })
}

struct ParallelMap<F> {
    input: BatchStream,
    f: Arc<F>,
    ready: VecDeque<DaftResult<RecordBatch>>,
    window: usize,
    exhausted: bool,
}

impl<F> Iterator for ParallelMap<F>
where
    F: Fn(RecordBatch) -> DaftResult<RecordBatch> + Send + Sync,
{
    type Item = DaftResult<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty() && !self.exhausted {
            let mut inputs = Vec::with_capacity(self.window);
            let mut input_error = None;
            while inputs.len() < self.window {
                match self.input.next() {
                    Some(Ok(b)) => inputs.push(b),
                    Some(Err(e)) => {
                        input_error = Some(e);
                        break;
                    }
                    None => break,
                }
            }
            if inputs.len() < self.window || input_error.is_some() {
                self.exhausted = true;
            }
            let f = self.f.clone();
            let outputs: Vec<_> = inputs.into_par_iter().map(|b| f(b)).collect();
            self.ready.extend(outputs);
            if let Some(e) = input_error {
                self.ready.push_back(Err(e));
            }
        }
        self.ready.pop_front()
    }
}
