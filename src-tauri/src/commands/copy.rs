//! Copy to engine…: one engine's images streamed into another engine's load, as a
//! task (bytes, Cancel, the stall bound of both engines). Done only when the destination has
//! the images; a cancelled or failed copy leaves nothing new there (the core undoes it).

use super::tasks::start_on;
use crate::state::AppState;
use crate::tasks::output::TaskOutput;
use crate::tasks::{TaskKind, TaskManager, TaskSummary};
use slipway_core::Error;
use tauri::{AppHandle, State};

/// Copy `references` from the engine `engine` (its key; `None`: the current one) to the
/// engine `destination` names (a key from `engines_known`, or an address).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state, tasks))]
pub async fn images_copy(
    app: AppHandle,
    state: State<'_, AppState>,
    tasks: State<'_, TaskManager>,
    engine: Option<String>,
    title: String,
    references: Vec<String>,
    destination: String,
) -> Result<TaskSummary, Error> {
    Ok(start_on(
        &state,
        &tasks,
        engine.as_deref(),
        TaskKind::Copy,
        title,
        move |engine, task| async move {
            let dest = crate::engines::resolve(&app, &destination).await?;
            let copied = engine
                .copy_to(&dest, &references, &mut task.progress(), &task.token)
                .await?;
            Ok(TaskOutput::Copy(copied))
        },
    )
    .await)
}
