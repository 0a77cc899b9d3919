//! Proves that `wasm-bindgen-test-runner` runs this crate's tests (`cargo xtask test`).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn runs_in_wasm() {
    assert_eq!(core::mem::size_of::<usize>(), 4);
}
