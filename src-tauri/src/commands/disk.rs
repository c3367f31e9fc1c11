//! Disk usage: system totals and per-image unique/shared bytes, from one engine request.

use super::engine as engine_of;
use crate::state::AppState;
use slipway_core::Error;
use slipway_core::system::UsageSnapshot;
use tauri::State;

/// System totals and per-image unique/shared bytes (from their layers) in one engine
/// request: Docker allows one df at a time. `engine`: its key (`None`: the current one).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn usage_snapshot(
    state: State<'_, AppState>,
    engine: Option<String>,
) -> Result<UsageSnapshot, Error> {
    engine_of(&state, engine.as_deref())
        .await?
        .usage_snapshot()
        .await
}
