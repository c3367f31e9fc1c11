//! Disk usage: system totals and per-image unique/shared bytes.

use super::engine;
use crate::state::AppState;
use slipway_core::Error;
use slipway_core::system::{DiskUsage, ImageUsage, UsageSnapshot};
use tauri::State;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn disk_usage(state: State<'_, AppState>) -> Result<DiskUsage, Error> {
    engine(&state).await?.df().await
}

/// Unique and shared bytes per image, from their layers.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_usage(state: State<'_, AppState>) -> Result<Vec<ImageUsage>, Error> {
    engine(&state).await?.image_usage().await
}

/// Both of the above from one engine request (Docker allows one df at a time).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn usage_snapshot(state: State<'_, AppState>) -> Result<UsageSnapshot, Error> {
    engine(&state).await?.usage_snapshot().await
}
