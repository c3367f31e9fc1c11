//! Tauri commands, one module per group. Thin: arguments in, core call, DTO out.
//! Every error reaches the UI as `{code, message}` (`slipway_core::Error`).

pub mod build;
pub mod builds;
pub mod cleanup;
pub mod copy;
pub mod disk;
pub mod engine;
pub mod engines_manual;
pub mod files;
pub mod images;
pub mod names;
mod paths;
pub mod registry;
pub mod settings;
pub mod tasks;
pub mod transfer;

use crate::state::AppState;
use slipway_core::{Engine, Error};

/// The connected engine, or a 503 the UI turns into its "no engine" screen.
pub(crate) async fn engine(state: &AppState) -> Result<Engine, Error> {
    state
        .engine()
        .await
        .ok_or_else(|| Error::of(slipway_core::error::ErrorKind::NotConnected))
}
