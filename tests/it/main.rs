//! The one integration-test binary: properties, golden traces, oracle comparisons.

mod gc;
mod golden;
mod props;
mod terms;
