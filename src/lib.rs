#![doc = include_str!("../README.md")]
//!
//! This package publishes nothing: it holds the workspace's runnable examples
//! (`cargo run --example NAME`) and its end-to-end tests, and compiles the README's code.
