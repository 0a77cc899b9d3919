//! The one integration-test binary: properties, golden traces, oracle comparisons.

mod dets;
mod elixir;
mod export;
mod fuzz;
mod gc;
mod limits;
mod machine;
mod props;
mod scenarios;
mod terms;
