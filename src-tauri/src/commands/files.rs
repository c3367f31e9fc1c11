//! What the window shows about the app's own files: a damaged pins file (clean-up and delete
//! off until the user answers) and settings or history kept aside this run.

use crate::files::{self, FilesState};
use slipway_core::Error;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(err(level = "debug", Display))]
pub async fn files_state() -> Result<FilesState, Error> {
    tauri::async_runtime::spawn_blocking(files::state)
        .await
        .map_err(Error::unexpected)?
}

/// The user read the notice about the file kept at `kept_at`; returns what is left to show.
#[tauri::command]
#[specta::specta]
#[tracing::instrument]
pub fn files_dismiss(kept_at: String) -> Vec<files::KeptAside> {
    files::dismiss(&kept_at);
    files::kept_aside()
}
