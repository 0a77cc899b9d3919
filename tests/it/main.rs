//! One test binary for the integration tests.

mod gc;
