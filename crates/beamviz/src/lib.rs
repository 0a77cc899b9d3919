//! beamviz: a word-exact model of BEAM process memory (Erlang/OTP 25, 64-bit).
//!
//! The model keeps every process's memory as real 64-bit BEAM words, tagged as `erl_term.h` tags them,
//! and collects garbage with a copying generational collector that follows `erl_gc.c`:
//! the young heap and the stack share one block, survivors are promoted to an old heap, heap blocks come in the
//! sizes of the heap-size table, binaries over 64 bytes live off-heap with reference counts.
//!
//! It is sans-IO and deterministic: [`Op`]s in, [`Event`]s and a plain-data [`View`] out; no clock, no randomness,
//! no allocation order that depends on a hash. `Vm` is `Clone`, so a checkpoint is a clone.
//!
//! Terms are built by an expression evaluator ([`expr`]) for Erlang and Elixir syntax, with every object kind of
//! OTP 25 laid out word for word: flatmaps and HAMT hashmaps with the real internal hash ([`map`]), heap and
//! off-heap binaries and sub-binaries ([`bits`]), funs, bignums, floats and references.
//!
//! The GC model reproduces measurements of a real OTP 25.2.3 JIT VM word for word (`tests/oracle/`): heap sizes
//! after GC, hibernation, `min_heap_size` rounding, the young/old sequence of a list growing to a million cells,
//! `fullsweep_after`, refc binary counts and sends. Compiled code's habits are ops of their own: a list built one
//! cons at a time behind a heap test per cons ([`Op::BuildList`]), BIF results that may land in heap fragments,
//! stack frames, hibernation. ETS tables and the atom table are modelled at the sizes measured on OTP 25.
//!
//! Not modelled (yet): the scheduler and reductions, links and monitors (a monitor would add 64 bytes to
//! `memory`), the literal-area GC, the abandoned heap of a delayed GC, distribution.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod binary;
pub mod bits;
pub mod build;
pub mod check;
pub mod copy;
pub mod dets;
pub mod ets;
pub mod event;
pub mod expr;
pub mod gc;
pub mod heap;
pub mod heap_sizes;
pub mod history;
pub mod map;
pub mod names;
pub mod object;
pub mod op;
pub mod process;
pub mod scenario;
mod sorted;
pub mod term;
pub mod text;
pub mod trace;
pub mod view;
pub mod vm;
pub mod word_map;

pub use event::Event;
pub use history::History;
pub use op::{Op, Value};
pub use process::{Pid, SpawnOpts, Stage};
pub use view::View;
pub use vm::{OpError, Vm};

#[cfg(test)]
mod tests;
