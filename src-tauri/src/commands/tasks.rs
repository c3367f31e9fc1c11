//! The task drawer's view of the task manager: list (what a reloaded page re-attaches to),
//! cancel, and "its end was announced". Starting a task is the other command modules' job,
//! through [`start`].

use crate::state::AppState;
use crate::tasks::output::TaskOutput;
use crate::tasks::{TaskContext, TaskKind, TaskManager, TaskSummary, TaskView};
use slipway_core::{Engine, EngineKind, Error};
use std::future::Future;
use tauri::State;

/// Start `operation` as a task on the engine with key `engine` (`None`: the current one);
/// returns at once. Everything that can go wrong, no engine included, ends the task as
/// failed, where the drawer shows it.
pub(crate) async fn start_on<F, Fut>(
    state: &AppState,
    tasks: &TaskManager,
    engine: Option<&str>,
    kind: TaskKind,
    title: String,
    operation: F,
) -> TaskSummary
where
    F: FnOnce(Engine, TaskContext) -> Fut + Send + 'static,
    Fut: Future<Output = Result<TaskOutput, Error>> + Send + 'static,
{
    let engine = state.engine_by_key(engine);
    let label = engine
        .as_ref()
        .ok()
        .map(|e| {
            let name = match e.info.kind {
                EngineKind::Podman => "Podman",
                EngineKind::Docker => "Docker",
            };
            format!("{name} {}", e.info.host)
        })
        .unwrap_or_default();
    tasks.spawn(kind, title, label, move |ctx| async move {
        let engine = engine?;
        operation(engine, ctx).await
    })
}

/// Running tasks with their progress so far, then finished ones (this run's, then earlier
/// runs' from the history), newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(tasks))]
pub async fn tasks_list(tasks: State<'_, TaskManager>) -> Result<Vec<TaskView>, Error> {
    Ok(tasks.list().await)
}

/// Stop a running task; false when it is not running (any more).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(tasks))]
pub fn task_cancel(tasks: State<'_, TaskManager>, task: String) -> Result<bool, Error> {
    Ok(tasks.cancel(&task))
}

/// The window showed the notice for task `task`'s end: a reloaded page will not repeat it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(tasks))]
pub fn task_noticed(tasks: State<'_, TaskManager>, task: String) {
    tasks.noticed(&task)
}
