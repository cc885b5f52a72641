//! The contract's version ([`ABI_VERSION`], the string abi_stable records
//! for it, and the rule for which plugin versions a host loads) and the
//! [`PANIC_PREFIX`] of errors that report a caught panic.

use std::fmt;

use abi_stable::StableAbi;

#[cfg(doc)]
use super::manifest::PluginRoot;

/// The version of this contract. Bump `major` for any change of an existing
/// type's layout (the layout test in this module fails until you do); bump
/// `minor` when only appending fields after the last prefix field of
/// [`PluginRoot`]. A host loads plugins of the same major whose minor is at
/// most its own.
///
/// History: 1.0, scalar functions and extension types; 1.1, aggregate
/// functions (the root module's `aggregates` field).
pub const ABI_VERSION: AbiVersion = AbiVersion { major: 1, minor: 1 };

/// [`ABI_VERSION`] as the `major.minor.patch` string abi_stable records in
/// the library header, which the loader reads *before* the layout check so
/// that a version mismatch is reported as such rather than as a layout diff.
pub(super) const ABI_VERSION_STRING: &str = "1.1.0";

const _: () = {
    // The string above must spell ABI_VERSION; checked at compile time.
    let (major, minor) = parse_version_prefix(ABI_VERSION_STRING.as_bytes());
    assert!(major == ABI_VERSION.major && minor == ABI_VERSION.minor);
};

/// Parses `major.minor` from the start of `bytes` in a const context.
const fn parse_version_prefix(bytes: &[u8]) -> (u32, u32) {
    let mut parts = [0u32; 2];
    let mut part = 0;
    let mut i = 0;
    while i < bytes.len() && part < 2 {
        let b = bytes[i];
        if b == b'.' {
            part += 1;
        } else {
            assert!(b.is_ascii_digit());
            parts[part] = parts[part] * 10 + (b - b'0') as u32;
        }
        i += 1;
    }
    (parts[0], parts[1])
}

/// A `(major, minor)` ABI version.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbiVersion {
    /// Incompatible changes.
    pub major: u32,
    /// Backwards-compatible additions.
    pub minor: u32,
}

impl AbiVersion {
    /// Whether a host of version `self` can load a plugin built against
    /// `plugin`: same major, and the plugin's minor not newer than the host's.
    pub fn can_load(self, plugin: AbiVersion) -> bool {
        self.major == plugin.major && plugin.minor <= self.minor
    }

    /// Parses the `major.minor[.patch]` form.
    pub fn parse(text: &str) -> Option<AbiVersion> {
        let mut it = text.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        Some(AbiVersion { major, minor })
    }
}

impl fmt::Display for AbiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Prefix of every error message that reports a panic caught in a plugin,
/// so the host can tell a plugin bug from an error the plugin chose to return.
pub const PANIC_PREFIX: &str = "panicked: ";

/// Prefix of every error message that reports a result the plugin-side
/// SDK found invalid before exporting it (offsets past the end of a
/// buffer, which the host cannot see: the C Data Interface does not
/// carry buffer sizes), so the host reports a plugin bug.
pub const INVALID_RESULT_PREFIX: &str = "invalid result: ";
