//! What plugin ABI 1.1 adds to the contract, as a table of its own that
//! every 1.1 plugin exports beside the 1.0 root module: aggregate
//! functions, stateful functions, precise parameter types, and the offer
//! of the host's allocator.

use abi_stable::std_types::{RResult, RString, RVec};
use abi_stable::type_layout::TypeLayout;
use abi_stable::StableAbi;

use super::aggregate::{aggregates_entry, FfiAggregate};
use super::allocator::{use_host_allocator, FfiAllocator};
use super::signature::{param_types_entry, FfiParamType};
use super::stateful::{stateful_entry, FfiStatefulFunction};

/// The ABI 1.1 table, exported by every 1.1 plugin as the symbol
/// `daft_plugin_extensions_1_1` (see [`ExportedExtensions1_1`]).
///
/// A table per minor version, rather than fields appended to the root
/// module: abi_stable refuses a root module with fewer fields than the
/// host's type, which would lock older plugins out. A 1.0 plugin has no
/// such symbol; a later minor version exports a table of its own beside
/// this one.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct PluginExtensions1_1 {
    /// Offers the host's allocator; returns whether the plugin took it
    /// (see [`super::allocator`]). The host calls it before any other
    /// entry point of the plugin.
    pub use_host_allocator: extern "C" fn(host: &'static FfiAllocator) -> bool,
    /// Returns the plugin's aggregate functions.
    pub aggregates: extern "C" fn() -> RResult<RVec<FfiAggregate>, RString>,
    /// Returns the plugin's stateful scalar functions.
    pub stateful: extern "C" fn() -> RResult<RVec<FfiStatefulFunction>, RString>,
    /// Returns the precise declarations of expression parameters (exact
    /// types, extension types, "same type as"), of every kind of function.
    pub param_types: extern "C" fn() -> RResult<RVec<FfiParamType>, RString>,
}

/// The exported symbol: the table and the layout the plugin compiled it
/// with, which the host checks against its own before using the table.
#[repr(C)]
pub struct ExportedExtensions1_1 {
    /// `PluginExtensions1_1`'s layout in the plugin.
    pub layout: &'static TypeLayout,
    /// The table.
    pub table: PluginExtensions1_1,
}

/// The value of the `daft_plugin_extensions_1_1` symbol of a plugin that
/// uses the SDK's allocator (the default of `export_plugin!`).
pub const EXTENSIONS_1_1: ExportedExtensions1_1 = ExportedExtensions1_1 {
    layout: <PluginExtensions1_1 as StableAbi>::LAYOUT,
    table: PluginExtensions1_1 {
        use_host_allocator: accept_host_allocator,
        aggregates: aggregates_entry,
        stateful: stateful_entry,
        param_types: param_types_entry,
    },
};

/// The same for a plugin that keeps a global allocator of its own
/// (`export_plugin!(..., host_allocator = false)`).
pub const EXTENSIONS_1_1_OWN_ALLOCATOR: ExportedExtensions1_1 = ExportedExtensions1_1 {
    layout: <PluginExtensions1_1 as StableAbi>::LAYOUT,
    table: PluginExtensions1_1 {
        use_host_allocator: refuse_host_allocator,
        aggregates: aggregates_entry,
        stateful: stateful_entry,
        param_types: param_types_entry,
    },
};

/// The symbol name of the 1.1 table, NUL-terminated for `dlsym`.
pub(super) const EXTENSIONS_1_1_SYMBOL: &[u8] = b"daft_plugin_extensions_1_1\0";

extern "C" fn accept_host_allocator(host: &'static FfiAllocator) -> bool {
    use_host_allocator(host)
}

extern "C" fn refuse_host_allocator(_host: &'static FfiAllocator) -> bool {
    false
}
