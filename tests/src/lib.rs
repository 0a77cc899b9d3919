//! Test harness shared by the integration tests in `it/`.
