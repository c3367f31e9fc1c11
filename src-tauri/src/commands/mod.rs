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

/// The engine a command names (its key; `None`: the current one), or why not: a 503 the UI
/// turns into its "no engine" screen, the engine's own reason, or 404 for an unknown key.
pub(crate) async fn engine(state: &AppState, key: Option<&str>) -> Result<Engine, Error> {
    state.engine_by_key(key)
}
