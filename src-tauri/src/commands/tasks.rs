//! The task drawer's history of finished tasks, kept across restarts.

use crate::history::{self, TaskRecord};
use slipway_core::Error;
use tauri::{AppHandle, Manager};

fn data_dir(app: &AppHandle) -> Result<std::path::PathBuf, Error> {
    app.path()
        .app_data_dir()
        .map_err(|e| Error::internal(format!("No folder for the task history: {e}")))
}

/// Finished tasks, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn task_history(app: AppHandle) -> Result<Vec<TaskRecord>, Error> {
    Ok(history::load(&data_dir(&app)?))
}

/// Remember a finished task; returns the history as kept.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, record), fields(id = %record.id), err(level = "debug", Display))]
pub async fn task_history_record(
    app: AppHandle,
    record: TaskRecord,
) -> Result<Vec<TaskRecord>, Error> {
    let dir = data_dir(&app)?;
    tauri::async_runtime::spawn_blocking(move || history::record(&dir, record))
        .await
        .map_err(|e| Error::internal(e.to_string()))?
        .map_err(Error::from)
}
