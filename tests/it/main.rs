//! The one integration-test binary: properties, golden traces, oracle comparisons.

mod props;
mod scenarios;
