//! Disk usage: system totals and per-image unique/shared bytes, from one engine request.

use super::engine;
use crate::state::AppState;
use slipway_core::Error;
use slipway_core::system::UsageSnapshot;
use tauri::State;

/// System totals and per-image unique/shared bytes (from their layers) in one engine
/// request: Docker allows one df at a time.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn usage_snapshot(state: State<'_, AppState>) -> Result<UsageSnapshot, Error> {
    engine(&state).await?.usage_snapshot().await
}
