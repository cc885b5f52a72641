//! Stateful scalar functions across the ABI (added in 1.1): the FFI-safe
//! declaration [`FfiStatefulFunction`] and live state [`FfiFunctionState`],
//! the plugin-side trampolines over the SDK's
//! [`crate::stateful::StatefulFunction`], and the host-side handles
//! ([`StatefulHandle`], [`StateHandle`]).
//!
//! Ownership: the state lives in the plugin's memory behind an opaque
//! pointer; the host's [`StateHandle`] calls its `release` entry point
//! exactly once, on drop. Arrays passed to `call` move into the plugin; the
//! result moves to the host, as for a stateless kernel.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use abi_stable::std_types::{RResult, RSlice, RSliceMut, RString, RVec};
use abi_stable::StableAbi;

use crate::stateful::{FunctionState, Setup, StatefulFunction};
use crate::{bridge, Value};

use super::arrow_c::{ArrowArray, ArrowSchema};
use super::export::{guard, options_from_ffi, params_to_ffi, return_field_entry, submitted};
use super::load::{
    checked, lossy, options_to_ffi, params_from_ffi, run_kernel, run_return_field, ParamSpec,
};
use super::manifest::{FfiOption, FfiParam, ReturnFieldFn};

/// The state of one call site in one query, inside a plugin: an opaque
/// pointer and the entry points that use it. The host calls `release`
/// exactly once; `call` may run on several threads at once.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiFunctionState {
    /// The plugin's state (opaque to the host).
    pub state: *mut c_void,
    /// The kernel: as a stateless kernel's, with the options already in
    /// the state. Takes ownership of the argument arrays.
    pub call: unsafe extern "C" fn(
        state: *const c_void,
        args: RSliceMut<'_, ArrowArray>,
        arg_schemas: RSlice<'_, ArrowSchema>,
        num_rows: u64,
        out_array: &mut ArrowArray,
        out_schema: &mut ArrowSchema,
    ) -> RResult<(), RString>,
    /// Frees the state.
    pub release: unsafe extern "C" fn(state: *mut c_void),
}

/// One stateful function of a plugin.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiStatefulFunction {
    /// Function name.
    pub name: RString,
    /// Docstring.
    pub doc: RString,
    /// Expression parameters, then options.
    pub params: RVec<FfiParam>,
    /// Opaque pointer into the plugin, passed back to every entry point.
    pub context: *const c_void,
    /// Return-type rule (as a stateless function's).
    pub return_field: unsafe extern "C" fn(
        context: *const c_void,
        args: RSlice<'_, ArrowSchema>,
        options: RSlice<'_, FfiOption>,
        out: &mut ArrowSchema,
    ) -> RResult<(), RString>,
    /// Builds the state of one call site, given the argument fields, the
    /// options and the resolved output field.
    pub init: unsafe extern "C" fn(
        context: *const c_void,
        args: RSlice<'_, ArrowSchema>,
        options: RSlice<'_, FfiOption>,
        return_field: &ArrowSchema,
    ) -> RResult<FfiFunctionState, RString>,
}

const _: fn(&FfiStatefulFunction) -> ReturnFieldFn = |f| f.return_field;

// ---------------------------------------------------------------- plugin side

/// The 1.1 table's `stateful` entry point: every stateful function
/// submitted with inventory in this library, sorted by name.
pub(super) extern "C" fn stateful_entry() -> RResult<RVec<FfiStatefulFunction>, RString> {
    guard(|| {
        let functions = submitted::<StatefulFunction>();
        Ok(functions.into_iter().map(stateful_to_ffi).collect())
    })
}

fn stateful_to_ffi(f: &'static StatefulFunction) -> FfiStatefulFunction {
    FfiStatefulFunction {
        name: f.name.into(),
        doc: f.doc.into(),
        params: params_to_ffi(f.params),
        context: f as *const StatefulFunction as *const c_void,
        return_field: return_field_entry::<StatefulFunction>,
        init: stateful_init_entry,
    }
}

/// # Safety
/// `context` must be the `context` of an [`FfiStatefulFunction`] built by
/// `stateful_to_ffi` in this same library.
unsafe fn stateful_of(context: *const c_void) -> &'static StatefulFunction {
    // SAFETY: per the caller's contract, `context` points to an inventory
    // item, which lives as long as this (never unloaded) library.
    unsafe { &*(context as *const StatefulFunction) }
}

/// # Safety
/// See [`stateful_of`]; the schemas are valid C Data Interface schemas.
unsafe extern "C" fn stateful_init_entry(
    context: *const c_void,
    args: RSlice<'_, ArrowSchema>,
    options: RSlice<'_, FfiOption>,
    return_field: &ArrowSchema,
) -> RResult<FfiFunctionState, RString> {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let f = unsafe { stateful_of(context) };
        let options = options_from_ffi(options.as_slice());
        let args = bridge::import_fields(args.as_slice())?;
        let return_field = bridge::import_fields(std::slice::from_ref(return_field))?
            .pop()
            .ok_or("the host passed no return field")?;
        let state = (f.init)(&Setup {
            args: &args,
            options: &options,
            return_field: &return_field,
        })?;
        Ok(FfiFunctionState {
            state: Box::into_raw(Box::new(state)) as *mut c_void,
            call: state_call_entry,
            release: state_release_entry,
        })
    })
}

/// # Safety
/// `state` must be the `state` of an [`FfiFunctionState`] made by
/// `stateful_init_entry` in this library and not yet released.
unsafe fn state_of<'a>(state: *const c_void) -> &'a dyn FunctionState {
    // SAFETY: per the caller's contract, `state` came from `Box::into_raw`
    // of a `Box<Box<dyn FunctionState>>` that is still alive.
    unsafe { &**(state as *const Box<dyn FunctionState>) }
}

/// # Safety
/// See [`state_of`]; `args` and `arg_schemas` are valid C Data Interface
/// structs of the same length.
unsafe extern "C" fn state_call_entry(
    state: *const c_void,
    mut args: RSliceMut<'_, ArrowArray>,
    arg_schemas: RSlice<'_, ArrowSchema>,
    num_rows: u64,
    out_array: &mut ArrowArray,
    out_schema: &mut ArrowSchema,
) -> RResult<(), RString> {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let state = unsafe { state_of(state) };
        let num_rows = usize::try_from(num_rows).map_err(|_| "num_rows overflows usize")?;
        let arrays = bridge::import_arrays(args.as_mut_slice(), arg_schemas.as_slice())?;
        let result = state.call(&arrays, num_rows)?;
        drop(arrays);
        let (array, schema) = bridge::export_result(result.as_ref())?;
        // Both slots arrive released, so overwriting them leaks nothing.
        *out_array = array;
        *out_schema = schema;
        Ok(())
    })
}

/// # Safety
/// See [`state_of`]; `state` is not used again.
unsafe extern "C" fn state_release_entry(state: *mut c_void) {
    // A panicking destructor must not unwind into the host.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `state` came from `Box::into_raw` in `stateful_init_entry`
        // and the host releases it once.
        drop(unsafe { Box::from_raw(state as *mut Box<dyn FunctionState>) });
    }));
}

// ------------------------------------------------------------------ host side

/// A stateful function's entry points, resolved once at load.
pub struct StatefulHandle {
    context: *const c_void,
    return_field: ReturnFieldFn,
    init: unsafe extern "C" fn(
        *const c_void,
        RSlice<'_, ArrowSchema>,
        RSlice<'_, FfiOption>,
        &ArrowSchema,
    ) -> RResult<FfiFunctionState, RString>,
}

// SAFETY: as for `FunctionHandle`: the context is immutable `'static` data
// of a never-unloaded library and the entry points are plain functions;
// each state `init` makes is a separate object with its own handle.
unsafe impl Send for StatefulHandle {}
// SAFETY: see `Send`.
unsafe impl Sync for StatefulHandle {}

impl std::fmt::Debug for StatefulHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatefulHandle").finish_non_exhaustive()
    }
}

impl StatefulHandle {
    /// Runs the return-type rule.
    pub fn return_field(
        &self,
        args: &[ArrowSchema],
        options: &[(String, Value)],
    ) -> Result<ArrowSchema, String> {
        run_return_field(self.context, self.return_field, args, options)
    }

    /// Builds the state of one call site.
    pub fn init(
        &self,
        args: &[ArrowSchema],
        options: &[(String, Value)],
        return_field: &ArrowSchema,
    ) -> Result<StateHandle, String> {
        let options = options_to_ffi(options);
        // SAFETY: `context` and the entry point come from the same manifest
        // entry; the slices and the schema live for the call.
        let res = unsafe {
            (self.init)(
                self.context,
                RSlice::from_slice(args),
                RSlice::from_slice(&options),
                return_field,
            )
        };
        match res {
            RResult::ROk(ffi) => Ok(StateHandle { ffi }),
            RResult::RErr(e) => Err(lossy(&e)),
        }
    }
}

/// A live state inside a plugin; released when dropped.
pub struct StateHandle {
    ffi: FfiFunctionState,
}

// SAFETY: the SDK requires `FunctionState: Send + Sync`, so the plugin's
// state may be called from any thread, several at once, and released from
// any thread.
unsafe impl Send for StateHandle {}
// SAFETY: see `Send`.
unsafe impl Sync for StateHandle {}

impl std::fmt::Debug for StateHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateHandle").finish_non_exhaustive()
    }
}

impl StateHandle {
    /// Runs the kernel; as [`super::FunctionHandle::call`], without options.
    pub fn call(
        &self,
        args: &mut [ArrowArray],
        arg_schemas: &[ArrowSchema],
        num_rows: usize,
    ) -> Result<(ArrowArray, ArrowSchema), String> {
        run_kernel(args, arg_schemas, |args, schemas, out_array, out_schema| {
            // SAFETY: the state is alive (released only on drop) and its entry
            // points come with it; `run_kernel` passes the caller's valid C
            // Data Interface structs, of equal count, and released output slots.
            unsafe {
                (self.ffi.call)(
                    self.ffi.state,
                    args,
                    schemas,
                    num_rows as u64,
                    out_array,
                    out_schema,
                )
            }
        })
    }
}

impl Drop for StateHandle {
    fn drop(&mut self) {
        // SAFETY: released exactly once, here; the plugin's entry point
        // catches a panicking destructor.
        unsafe { (self.ffi.release)(self.ffi.state) }
    }
}

/// One stateful function of a loaded plugin, in plain Rust.
#[derive(Debug)]
pub struct StatefulSpec {
    /// Function name.
    pub name: String,
    /// Docstring.
    pub doc: String,
    /// Parameters as (name, kind), expressions first.
    pub params: Vec<(String, ParamSpec)>,
    /// The resolved entry points.
    pub handle: StatefulHandle,
}

/// The functions a plugin's `stateful` entry point listed, in plain Rust.
pub(super) fn stateful_from_ffi(
    list: RVec<FfiStatefulFunction>,
) -> Result<Vec<StatefulSpec>, String> {
    list.iter()
        .enumerate()
        .map(|(i, f)| {
            let name = checked(&f.name, || format!("the name of stateful function #{i}"))?;
            let doc = checked(&f.doc, || format!("the docstring of function {name:?}"))?;
            let params = params_from_ffi(&name, &f.params)?;
            Ok(StatefulSpec {
                name,
                doc,
                params,
                handle: StatefulHandle {
                    context: f.context,
                    return_field: f.return_field,
                    init: f.init,
                },
            })
        })
        .collect()
}
