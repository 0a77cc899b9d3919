//! beamviz: a word-exact model of BEAM process memory (Erlang/OTP 25, 64-bit).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
extern crate alloc;
