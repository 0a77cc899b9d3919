//! The one integration-test binary: properties, golden traces, oracle comparisons.

mod elixir;
mod export;
mod gc;
mod props;
mod scenarios;
mod terms;
