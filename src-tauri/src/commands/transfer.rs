//! Moving images in and out of the engine: save (more to come: load, pull, push).
//! Progress streams over a `Channel`; each operation is a task the UI can cancel.

use super::{engine, paths::save_target};
use crate::state::AppState;
use crate::tasks::Throttle;
use serde::Serialize;
use slipway_core::Error;
use slipway_core::progress::Progress;
use std::time::Duration;
use tauri::State;
use tauri::ipc::Channel;

/// Where a save went and how big it is.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SaveResult {
    pub path: String,
    #[specta(type = f64)]
    pub bytes: u64,
}

/// Save `references` into one tar at `path`, streamed; the file appears only when complete.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, on_progress), err(level = "debug", Display))]
pub async fn images_save(
    state: State<'_, AppState>,
    task: String,
    references: Vec<String>,
    path: String,
    on_progress: Channel<Progress>,
) -> Result<SaveResult, Error> {
    let guard = state.tasks.start(&task)?;
    let target = save_target(&path)?;
    let engine = engine(&state).await?;
    let mut throttle = Throttle::new(Duration::from_millis(100));
    let mut send = |p: Progress| {
        if throttle.admit(&p) {
            let _ = on_progress.send(p);
        }
    };
    let bytes = engine
        .save(&references, &target, &mut send, &guard.token)
        .await?;
    Ok(SaveResult {
        path: target.display().to_string(),
        bytes,
    })
}

/// Stop a running task; false when it is not running (any more).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn task_cancel(state: State<'_, AppState>, task: String) -> Result<bool, Error> {
    Ok(state.tasks.cancel(&task))
}
