//! Disk usage: system totals and per-image unique/shared bytes, from one engine request.

use super::engine;
use crate::state::AppState;
use slipway_core::Error;
use slipway_core::system::UsageSnapshot;
use tauri::{AppHandle, State};

/// System totals and per-image unique/shared bytes (from their layers) in one engine
/// request: Docker allows one df at a time. `engine`: another engine's figures (a name from
/// `engines_known` or an address); `None`: the connected engine's.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err(level = "debug", Display))]
pub async fn usage_snapshot(
    app: AppHandle,
    state: State<'_, AppState>,
    engine: Option<String>,
) -> Result<UsageSnapshot, Error> {
    match engine.filter(|k| !k.trim().is_empty()) {
        Some(key) => {
            crate::engines::resolve(&app, &key)
                .await?
                .usage_snapshot()
                .await
        }
        None => self::engine(&state).await?.usage_snapshot().await,
    }
}
