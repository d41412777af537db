//! Unit tests of the script sandbox.
