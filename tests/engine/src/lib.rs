//! Shared helpers for the real-engine suites live in `tests/common`; this crate has no code.
