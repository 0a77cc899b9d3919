//! wasm-bindgen bindings.
