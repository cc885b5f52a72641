//! Aggregate functions across the ABI (added in 1.1): the FFI-safe
//! declaration [`FfiAggregate`] and accumulator [`FfiAccumulator`], the
//! plugin-side trampolines over the SDK's
//! [`crate::aggregate::GroupsAccumulator`], and the host-side handles
//! ([`AggregateHandle`], [`AccumulatorHandle`]).
//!
//! A 1.1 plugin lists its aggregates through the `aggregates` entry of its
//! ABI 1.1 table ([`super::PluginExtensions1_1`]); a 1.0 plugin has no such
//! table, and loads unchanged with no aggregates.
//!
//! Ownership follows the rest of the ABI: arrays passed to `update` and
//! `merge` are moved into the plugin; arrays it emits are moved to the
//! host with their release callbacks; the accumulator's own state lives in
//! the plugin's memory and is freed by its `release` entry point, which the
//! host's [`AccumulatorHandle`] calls exactly once, on drop.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use abi_stable::std_types::{ROption, RResult, RSlice, RSliceMut, RString, RVec};
use abi_stable::StableAbi;

use crate::aggregate::{AggregateFunction, Emit, GroupsAccumulator};
use crate::{bridge, Value};

use super::arrow_c::{ArrowArray, ArrowSchema};
use super::export::{guard, options_from_ffi, params_to_ffi, return_field_entry, submitted};
use super::load::{checked, lossy, options_to_ffi, params_from_ffi, run_return_field, ParamSpec};
use super::manifest::{FfiOption, FfiParam, ReturnFieldFn};

/// One array with its schema, moved across the boundary together.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiColumn {
    /// The array (released once moved out).
    pub array: ArrowArray,
    /// Its type, name and metadata.
    pub schema: ArrowSchema,
}

/// A live accumulator inside a plugin: an opaque pointer to its state and
/// the entry points that act on it. The host calls `release` exactly once.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiAccumulator {
    /// The plugin's accumulator (opaque to the host).
    pub state: *mut c_void,
    /// Adds rows: takes ownership of the arrays; `groups` has one entry per row.
    pub update: unsafe extern "C" fn(
        state: *mut c_void,
        args: RSliceMut<'_, ArrowArray>,
        schemas: RSlice<'_, ArrowSchema>,
        groups: RSlice<'_, usize>,
        total_groups: usize,
    ) -> RResult<(), RString>,
    /// Folds partial states in, as `update` does rows.
    pub merge: unsafe extern "C" fn(
        state: *mut c_void,
        states: RSliceMut<'_, ArrowArray>,
        schemas: RSlice<'_, ArrowSchema>,
        groups: RSlice<'_, usize>,
        total_groups: usize,
    ) -> RResult<(), RString>,
    /// The values of the first `emit` groups (`RNone`: all of them).
    pub evaluate: unsafe extern "C" fn(
        state: *mut c_void,
        emit: ROption<usize>,
    ) -> RResult<FfiColumn, RString>,
    /// The partial states of the first `emit` groups (`RNone`: all).
    pub state_out: unsafe extern "C" fn(
        state: *mut c_void,
        emit: ROption<usize>,
    ) -> RResult<RVec<FfiColumn>, RString>,
    /// Bytes held (0 if the plugin's estimate panicked).
    pub size: unsafe extern "C" fn(state: *const c_void) -> usize,
    /// Frees the accumulator.
    pub release: unsafe extern "C" fn(state: *mut c_void),
}

/// One aggregate function of a plugin.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiAggregate {
    /// Function name.
    pub name: RString,
    /// Docstring.
    pub doc: RString,
    /// Expression parameters, then options.
    pub params: RVec<FfiParam>,
    /// Opaque pointer into the plugin, passed back to every entry point.
    pub context: *const c_void,
    /// Return-type rule (as a scalar function's).
    pub return_field: unsafe extern "C" fn(
        context: *const c_void,
        args: RSlice<'_, ArrowSchema>,
        options: RSlice<'_, FfiOption>,
        out: &mut ArrowSchema,
    ) -> RResult<(), RString>,
    /// The fields of the partial state.
    pub state_fields: unsafe extern "C" fn(
        context: *const c_void,
        args: RSlice<'_, ArrowSchema>,
        options: RSlice<'_, FfiOption>,
    ) -> RResult<RVec<ArrowSchema>, RString>,
    /// A new, empty accumulator.
    pub create: unsafe extern "C" fn(
        context: *const c_void,
        args: RSlice<'_, ArrowSchema>,
        options: RSlice<'_, FfiOption>,
    ) -> RResult<FfiAccumulator, RString>,
}

// ---------------------------------------------------------------- plugin side

/// The 1.1 table's `aggregates` entry point: every aggregate submitted
/// with inventory in this library, sorted by name.
pub(super) extern "C" fn aggregates_entry() -> RResult<RVec<FfiAggregate>, RString> {
    guard(|| {
        let functions = submitted::<AggregateFunction>();
        Ok(functions.into_iter().map(aggregate_to_ffi).collect())
    })
}

fn aggregate_to_ffi(f: &'static AggregateFunction) -> FfiAggregate {
    FfiAggregate {
        name: f.name.into(),
        doc: f.doc.into(),
        params: params_to_ffi(f.params),
        context: f as *const AggregateFunction as *const c_void,
        return_field: return_field_entry::<AggregateFunction>,
        state_fields: agg_state_fields_entry,
        create: agg_create_entry,
    }
}

/// # Safety
/// `context` must be the `context` of an [`FfiAggregate`] built by
/// `aggregate_to_ffi` in this same library.
unsafe fn aggregate_of(context: *const c_void) -> &'static AggregateFunction {
    // SAFETY: per the caller's contract, `context` points to an inventory
    // item, which lives as long as this (never unloaded) library.
    unsafe { &*(context as *const AggregateFunction) }
}

/// # Safety
/// See [`aggregate_of`].
unsafe extern "C" fn agg_state_fields_entry(
    context: *const c_void,
    args: RSlice<'_, ArrowSchema>,
    options: RSlice<'_, FfiOption>,
) -> RResult<RVec<ArrowSchema>, RString> {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let f = unsafe { aggregate_of(context) };
        let options = options_from_ffi(options.as_slice());
        let fields = bridge::import_fields(args.as_slice())?;
        let state = (f.state_fields)(&fields, &options)?;
        if state.is_empty() {
            return Err("the state-type rule gave no state fields".into());
        }
        state.iter().map(bridge::export_field).collect()
    })
}

/// # Safety
/// See [`aggregate_of`].
unsafe extern "C" fn agg_create_entry(
    context: *const c_void,
    args: RSlice<'_, ArrowSchema>,
    options: RSlice<'_, FfiOption>,
) -> RResult<FfiAccumulator, RString> {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let f = unsafe { aggregate_of(context) };
        let options = options_from_ffi(options.as_slice());
        let fields = bridge::import_fields(args.as_slice())?;
        let acc: Box<dyn GroupsAccumulator> = (f.create)(&fields, &options)?;
        // A thin pointer for the host to hold: the fat `Box<dyn>` boxed once more.
        let state = Box::into_raw(Box::new(acc)) as *mut c_void;
        Ok(FfiAccumulator {
            state,
            update: acc_update,
            merge: acc_merge,
            evaluate: acc_evaluate,
            state_out: acc_state,
            size: acc_size,
            release: acc_release,
        })
    })
}

/// # Safety
/// `state` must be the `state` of a live [`FfiAccumulator`] made by
/// `agg_create_entry` in this library, not used by another thread meanwhile.
unsafe fn accumulator<'a>(state: *mut c_void) -> &'a mut Box<dyn GroupsAccumulator> {
    // SAFETY: per the caller's contract, `state` came from `Box::into_raw`
    // in `agg_create_entry` and has not been released.
    unsafe { &mut *(state as *mut Box<dyn GroupsAccumulator>) }
}

fn emit_from_ffi(emit: ROption<usize>) -> Emit {
    match emit {
        ROption::RSome(n) => Emit::First(n),
        ROption::RNone => Emit::All,
    }
}

/// Imports the arrays of an `update` or `merge` call and checks that each
/// has one row per group index.
fn import_rows(
    args: &mut [ArrowArray],
    schemas: &[ArrowSchema],
    rows: usize,
) -> Result<Vec<crate::arrow::array::ArrayRef>, String> {
    let arrays = bridge::import_arrays(args, schemas)?;
    if let Some((i, a)) = arrays.iter().enumerate().find(|(_, a)| a.len() != rows) {
        return Err(format!(
            "the host passed array {i} with {} rows for {rows} group indices",
            a.len()
        ));
    }
    Ok(arrays)
}

/// # Safety
/// See [`accumulator`]; the arrays and schemas are valid C Data Interface
/// structs of equal count.
unsafe extern "C" fn acc_update(
    state: *mut c_void,
    mut args: RSliceMut<'_, ArrowArray>,
    schemas: RSlice<'_, ArrowSchema>,
    groups: RSlice<'_, usize>,
    total_groups: usize,
) -> RResult<(), RString> {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let acc = unsafe { accumulator(state) };
        let arrays = import_rows(args.as_mut_slice(), schemas.as_slice(), groups.len())?;
        acc.update(&arrays, groups.as_slice(), total_groups)
    })
}

/// # Safety
/// As for [`acc_update`].
unsafe extern "C" fn acc_merge(
    state: *mut c_void,
    mut states: RSliceMut<'_, ArrowArray>,
    schemas: RSlice<'_, ArrowSchema>,
    groups: RSlice<'_, usize>,
    total_groups: usize,
) -> RResult<(), RString> {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let acc = unsafe { accumulator(state) };
        let arrays = import_rows(states.as_mut_slice(), schemas.as_slice(), groups.len())?;
        acc.merge(&arrays, groups.as_slice(), total_groups)
    })
}

/// # Safety
/// See [`accumulator`].
unsafe extern "C" fn acc_evaluate(
    state: *mut c_void,
    emit: ROption<usize>,
) -> RResult<FfiColumn, RString> {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let acc = unsafe { accumulator(state) };
        let out = acc.evaluate(emit_from_ffi(emit))?;
        let (array, schema) = bridge::export_result(out.as_ref())?;
        Ok(FfiColumn { array, schema })
    })
}

/// # Safety
/// See [`accumulator`].
unsafe extern "C" fn acc_state(
    state: *mut c_void,
    emit: ROption<usize>,
) -> RResult<RVec<FfiColumn>, RString> {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let acc = unsafe { accumulator(state) };
        let out = acc.state(emit_from_ffi(emit))?;
        out.iter()
            .map(|a| {
                let (array, schema) = bridge::export_result(a.as_ref())?;
                Ok(FfiColumn { array, schema })
            })
            .collect()
    })
}

/// # Safety
/// See [`accumulator`].
unsafe extern "C" fn acc_size(state: *const c_void) -> usize {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: forwarded from this function's contract; `size` only reads.
        let acc = unsafe { accumulator(state as *mut c_void) };
        acc.size()
    }))
    .unwrap_or(0)
}

/// # Safety
/// See [`accumulator`]; `state` is not used again.
unsafe extern "C" fn acc_release(state: *mut c_void) {
    // A panicking destructor must not unwind into the host.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `state` came from `Box::into_raw` in `agg_create_entry`
        // and the host releases it once.
        drop(unsafe { Box::from_raw(state as *mut Box<dyn GroupsAccumulator>) });
    }));
}

// ------------------------------------------------------------------ host side

/// An aggregate's entry points, resolved once at load.
pub struct AggregateHandle {
    context: *const c_void,
    return_field: ReturnFieldFn,
    state_fields: unsafe extern "C" fn(
        *const c_void,
        RSlice<'_, ArrowSchema>,
        RSlice<'_, FfiOption>,
    ) -> RResult<RVec<ArrowSchema>, RString>,
    create: unsafe extern "C" fn(
        *const c_void,
        RSlice<'_, ArrowSchema>,
        RSlice<'_, FfiOption>,
    ) -> RResult<FfiAccumulator, RString>,
}

// SAFETY: as for `FunctionHandle`: the context is immutable `'static` data
// of a never-unloaded library and the entry points are plain functions;
// each accumulator they create is a separate object.
unsafe impl Send for AggregateHandle {}
// SAFETY: see `Send`.
unsafe impl Sync for AggregateHandle {}

impl std::fmt::Debug for AggregateHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggregateHandle").finish_non_exhaustive()
    }
}

impl AggregateHandle {
    /// Runs the return-type rule.
    pub fn return_field(
        &self,
        args: &[ArrowSchema],
        options: &[(String, Value)],
    ) -> Result<ArrowSchema, String> {
        run_return_field(self.context, self.return_field, args, options)
    }

    /// Runs the state-type rule.
    pub fn state_fields(
        &self,
        args: &[ArrowSchema],
        options: &[(String, Value)],
    ) -> Result<Vec<ArrowSchema>, String> {
        let options = options_to_ffi(options);
        // SAFETY: as for `return_field`.
        let res = unsafe {
            (self.state_fields)(
                self.context,
                RSlice::from_slice(args),
                RSlice::from_slice(&options),
            )
        };
        match res {
            RResult::ROk(v) => Ok(v.into_iter().collect()),
            RResult::RErr(e) => Err(lossy(&e)),
        }
    }

    /// Creates an accumulator.
    pub fn create(
        &self,
        args: &[ArrowSchema],
        options: &[(String, Value)],
    ) -> Result<AccumulatorHandle, String> {
        let options = options_to_ffi(options);
        // SAFETY: as for `return_field`.
        let res = unsafe {
            (self.create)(
                self.context,
                RSlice::from_slice(args),
                RSlice::from_slice(&options),
            )
        };
        match res {
            RResult::ROk(ffi) => Ok(AccumulatorHandle { ffi }),
            RResult::RErr(e) => Err(lossy(&e)),
        }
    }
}

/// A live accumulator of a plugin, released when dropped. Each method's
/// error text of a caught panic starts with [`super::PANIC_PREFIX`].
pub struct AccumulatorHandle {
    ffi: FfiAccumulator,
}

// SAFETY: the SDK requires `GroupsAccumulator: Send`, and `&mut self` on
// every mutating method keeps calls on one accumulator sequential.
unsafe impl Send for AccumulatorHandle {}

impl std::fmt::Debug for AccumulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccumulatorHandle").finish_non_exhaustive()
    }
}

fn columns(v: RVec<FfiColumn>) -> Vec<(ArrowArray, ArrowSchema)> {
    v.into_iter().map(|c| (c.array, c.schema)).collect()
}

impl AccumulatorHandle {
    fn rows_call(
        &mut self,
        entry: unsafe extern "C" fn(
            *mut c_void,
            RSliceMut<'_, ArrowArray>,
            RSlice<'_, ArrowSchema>,
            RSlice<'_, usize>,
            usize,
        ) -> RResult<(), RString>,
        arrays: &mut [ArrowArray],
        schemas: &[ArrowSchema],
        groups: &[usize],
        total_groups: usize,
    ) -> Result<(), String> {
        if arrays.len() != schemas.len() {
            return Err(format!(
                "{} arrays but {} schemas",
                arrays.len(),
                schemas.len()
            ));
        }
        // SAFETY: `state` is live (released only on drop) and `&mut self`
        // keeps this the only call on it; the arrays and schemas are valid
        // exported structs of equal count, moved into the callee.
        let res = unsafe {
            entry(
                self.ffi.state,
                RSliceMut::from_mut_slice(arrays),
                RSlice::from_slice(schemas),
                RSlice::from_slice(groups),
                total_groups,
            )
        };
        match res {
            RResult::ROk(()) => Ok(()),
            RResult::RErr(e) => Err(lossy(&e)),
        }
    }

    /// Adds rows (one array per argument, one row per group index).
    pub fn update(
        &mut self,
        args: &mut [ArrowArray],
        schemas: &[ArrowSchema],
        groups: &[usize],
        total_groups: usize,
    ) -> Result<(), String> {
        self.rows_call(self.ffi.update, args, schemas, groups, total_groups)
    }

    /// Folds partial states in (one array per state field).
    pub fn merge(
        &mut self,
        states: &mut [ArrowArray],
        schemas: &[ArrowSchema],
        groups: &[usize],
        total_groups: usize,
    ) -> Result<(), String> {
        self.rows_call(self.ffi.merge, states, schemas, groups, total_groups)
    }

    /// The values of the first `emit` groups (`None`: all). The caller must
    /// check the result before import, as for a kernel's.
    pub fn evaluate(&mut self, emit: Option<usize>) -> Result<(ArrowArray, ArrowSchema), String> {
        // SAFETY: as in `rows_call`.
        let res = unsafe { (self.ffi.evaluate)(self.ffi.state, emit.into()) };
        match res {
            RResult::ROk(c) => Ok((c.array, c.schema)),
            RResult::RErr(e) => Err(lossy(&e)),
        }
    }

    /// The partial states of the first `emit` groups (`None`: all).
    pub fn state(&mut self, emit: Option<usize>) -> Result<Vec<(ArrowArray, ArrowSchema)>, String> {
        // SAFETY: as in `rows_call`.
        let res = unsafe { (self.ffi.state_out)(self.ffi.state, emit.into()) };
        match res {
            RResult::ROk(v) => Ok(columns(v)),
            RResult::RErr(e) => Err(lossy(&e)),
        }
    }

    /// Bytes held, as the plugin estimates them.
    pub fn size(&self) -> usize {
        // SAFETY: `state` is live; `size` only reads it.
        unsafe { (self.ffi.size)(self.ffi.state) }
    }
}

impl Drop for AccumulatorHandle {
    fn drop(&mut self) {
        // SAFETY: `state` is live and is released exactly once, here.
        unsafe { (self.ffi.release)(self.ffi.state) }
    }
}

/// One aggregate function of a loaded plugin, in plain Rust.
#[derive(Debug)]
pub struct AggregateSpec {
    /// Function name.
    pub name: String,
    /// Docstring.
    pub doc: String,
    /// Parameters as (name, kind), expressions first.
    pub params: Vec<(String, ParamSpec)>,
    /// The resolved entry points.
    pub handle: AggregateHandle,
}

/// The aggregates a plugin's `aggregates` entry point listed, in plain Rust.
pub(super) fn aggregates_from_ffi(list: RVec<FfiAggregate>) -> Result<Vec<AggregateSpec>, String> {
    list.iter()
        .enumerate()
        .map(|(i, f)| {
            let name = checked(&f.name, || format!("the name of aggregate #{i}"))?;
            let doc = checked(&f.doc, || format!("the docstring of aggregate {name:?}"))?;
            let params = params_from_ffi(&name, &f.params)?;
            Ok(AggregateSpec {
                name,
                doc,
                params,
                handle: AggregateHandle {
                    context: f.context,
                    return_field: f.return_field,
                    state_fields: f.state_fields,
                    create: f.create,
                },
            })
        })
        .collect()
}
