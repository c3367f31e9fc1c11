//! Slipway's engine-facing core: the image API over Docker and Podman, typed, traced,
//! with one error shape (`{"error":{"code","message"}}`) for every failure.
//!
//! Domains live in folders: `engine/` (discovery, connection, HTTP), `images/`, `build/`
//! (context, dockerignore, builds), `transfer/` (pull, push, save, load, import),
//! `cleanup/` (plan, pins and their file, build cache), `registry/` (credentials, registry API),
//! `store/` (Slipway's own files: atomic writes under a lock, broken files kept aside).

pub mod build;
pub mod cleanup;
pub mod engine;
pub mod error;
pub mod events;
pub mod images;
pub mod progress;
pub mod reference;
pub mod registry;
pub mod store;
pub mod system;
pub mod transfer;

// Short paths kept from before the domain folders, for the front ends and the tests.
pub use build::context;
pub use cleanup::{build_cache, pins_file, protection};
pub(crate) use engine::raw;
pub use registry::credentials;

pub use engine::{DEFAULT_STALL_TIMEOUT, Engine, EngineInfo, EngineKind, EngineSpec};
pub use error::{Error, Result};
pub use tokio_util::sync::CancellationToken;
