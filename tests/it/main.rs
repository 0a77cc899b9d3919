//! The one integration-test binary: properties, golden traces, oracle comparisons.

mod gc;
mod machine;
mod props;
mod scenarios;
mod terms;
