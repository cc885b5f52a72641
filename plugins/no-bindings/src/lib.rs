//! Nothing: this library only lets plugin crates depend on the package (see Cargo.toml).
