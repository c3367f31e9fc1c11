//! Slipway's engine-facing core: the image API over Docker and Podman, typed, traced,
//! with one error shape (`{"error":{"code","message"}}`) for every failure.

pub mod build;
pub mod build_cache;
pub mod cleanup;
pub mod credentials;
pub mod engine;
pub mod error;
pub mod images;
pub mod progress;
pub mod protection;
mod raw;
pub mod reference;
pub mod registry;
pub mod system;
pub mod transfer;

pub use engine::{Engine, EngineInfo, EngineKind, EngineSpec};
pub use error::{Error, Result};
pub use tokio_util::sync::CancellationToken;
pub mod context;
