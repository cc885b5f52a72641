//! The `uniffi-bindgen` maturin runs when it packages a daft plugin wheel: it writes no
//! Python bindings, because daft loads the plugin's library itself.

fn main() {}
