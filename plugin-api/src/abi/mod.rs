//! The binary contract between the host and a plugin library.
//!
//! This is the only module of the workspace that names `abi_stable`: the
//! root module type, the FFI-safe manifest, the `extern "C"` trampolines the
//! SDK installs in every plugin, and the host-side loader entry
//! ([`open_library`]) all live here. Everything outside speaks plain Rust
//! (`String`, `Vec`, [`crate::Value`]) plus the `#[repr(C)]` Arrow C Data
//! Interface structs [`ArrowArray`] and [`ArrowSchema`], so the ABI layer
//! could be swapped without touching plugins' or the host's source.
//!
//! # Shape of the contract
//!
//! A plugin exports one `abi_stable` root module, [`PluginRoot`], a *prefix
//! type*: later minor ABI versions may append fields, which a host reads as
//! `Option`s when an older plugin lacks them. The module holds the plugin's
//! [`AbiVersion`] and one entry point, `manifest`, returning the plugin's
//! name, version, functions and extension types. Each function carries an
//! opaque context pointer and two entry points (return-type rule and
//! kernel) that exchange Arrow data only through the C Data Interface.
//! Every entry point returns `RResult<_, RString>`; a panic inside the
//! plugin is caught on the plugin side and comes back as an error whose
//! text starts with [`PANIC_PREFIX`].
//!
//! # Ownership
//!
//! Each side frees only what it allocated: `RString`/`RVec` carry the
//! allocating side's deallocator in their vtable, and Arrow structs carry
//! the producer's `release` callback, which [`ArrowArray`]'s and
//! [`ArrowSchema`]'s `Drop` call.

mod aggregate;
mod allocator;
mod arrow_c;
mod export;
mod extensions;
mod load;
mod manifest;
mod signature;
mod stateful;
mod version;

pub use self::aggregate::{
    AccumulatorHandle, AggregateHandle, AggregateSpec, FfiAccumulator, FfiAggregate, FfiColumn,
};
pub use self::allocator::{FfiAllocator, PluginAllocator, HOST_ALLOCATOR};
pub use self::arrow_c::{ArrowArray, ArrowSchema};
pub use self::export::__private;
pub use self::extensions::{ExportedExtensions1_1, PluginExtensions1_1};
pub use self::load::{
    open_library, CallOptions, ExtensionTypeSpec, FunctionHandle, FunctionSpec, LoadedLibrary,
    OpenError, ParamSpec,
};
pub use self::manifest::{
    CallFn, FfiExtensionType, FfiFunction, FfiManifest, FfiOption, FfiOptionKind, FfiParam,
    FfiParamKind, FfiTypeClass, FfiValue, ManifestFn, PluginRoot, PluginRootRef, PluginRoot_Prefix,
    ReturnFieldFn,
};
pub use self::signature::{FfiParamType, FfiTypeConstraint, ParamTypeSpec, TypeConstraint};
pub use self::stateful::{
    FfiFunctionState, FfiStatefulFunction, StateHandle, StatefulHandle, StatefulSpec,
};
pub use self::version::{AbiVersion, ABI_VERSION, INVALID_RESULT_PREFIX, PANIC_PREFIX};

#[cfg(test)]
mod tests;
