//! The one integration-test binary: properties, golden traces, oracle comparisons.

mod golden;
mod props;
mod terms;
