//! The one integration-test binary: properties, golden traces, oracle comparisons.

mod fuzz;
mod gc;
mod machine;
mod props;
mod scenarios;
mod terms;
