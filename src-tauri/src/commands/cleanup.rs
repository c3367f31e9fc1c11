//! Cleanup: prune preview and confirm (exactly the ticked set), pins, build-cache prune.
//! Pins live in the pins file shared with the CLI; every prune and bulk delete honours them,
//! and while a pins file is damaged none runs (423) until the user confirms how to go on.

use super::engine as engine_of;
use super::paths::save_target;
use super::tasks::start_on;
use crate::state::AppState;
use crate::tasks::output::TaskOutput;
use crate::tasks::{TaskKind, TaskManager, TaskSummary};
use slipway_core::Error;
use slipway_core::build_cache::BuildCachePlan;
use slipway_core::cleanup::{PlanItem, PrunePlan};
use slipway_core::images::PruneOptions;
use slipway_core::pins_file::PinsState;
use slipway_core::protection::Protection;
use slipway_core::system::BuildCachePruneResult;
use tauri::{AppHandle, State};

/// File work off the async threads (a lock may be held by the CLI for a moment).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(Error::unexpected)?
}

/// The pins now; a damaged pins file is kept aside and recorded by this read.
async fn pins_state() -> Result<PinsState, Error> {
    blocking(|| crate::files::pins_file()?.state()).await
}

/// The pins a preview shows as kept: the saved ones, or those recovered from a damaged file.
pub(crate) async fn pins_for_preview() -> Result<Protection, Error> {
    Ok(pins_state().await?.protection())
}

/// The pins a delete honours, or the refusal (423) while a pins file is damaged.
pub(crate) async fn pins_for_deleting() -> Result<Protection, Error> {
    pins_state().await?.for_deleting()
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(err(level = "debug", Display))]
pub async fn pins_get() -> Result<PinsState, Error> {
    pins_state().await
}

/// Replace the pins; each is checked first, so a typo is an error, not a silent no-op.
/// Refused while a pins file is damaged: the user answers that first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(err(level = "debug", Display))]
pub async fn pins_set(patterns: Vec<String>) -> Result<PinsState, Error> {
    blocking(move || crate::files::pins_file()?.set(patterns)).await
}

/// The user's answer to a damaged pins file: keep the pins recovered from it, or start
/// without them. Clean-up and delete work again afterwards.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn pins_resolve(app: AppHandle, keep_recovered: bool) -> Result<PinsState, Error> {
    let config = super::engine::config_dir(&app);
    blocking(move || {
        let state = crate::files::pins_file()?.resolve_damage(keep_recovered)?;
        // Old settings pins that waited for the damage to be resolved move now.
        match config {
            Some(dir) => {
                crate::files::migrate_pins(&dir);
                crate::files::pins_file()?.state()
            }
            None => Ok(state),
        }
    })
    .await
}

/// What a prune with `options` would delete (pins added), deleting nothing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn prune_preview(
    state: State<'_, AppState>,
    engine: Option<String>,
    mut options: PruneOptions,
) -> Result<PrunePlan, Error> {
    // A preview deletes nothing: while damaged, the recovered pins show what they keep.
    options.protect.extend(pins_for_preview().await?.patterns);
    engine_of(&state, engine.as_deref())
        .await?
        .prune_plan(&options)
        .await
}

/// Delete exactly `items` (the ticked rows of a preview) as a task, saving them to
/// `save_to` first if given.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, tasks, items), fields(items = items.len()), err(level = "debug", Display))]
pub async fn prune_confirm(
    state: State<'_, AppState>,
    tasks: State<'_, TaskManager>,
    engine: Option<String>,
    title: String,
    items: Vec<PlanItem>,
    save_to: Option<String>,
) -> Result<TaskSummary, Error> {
    // Refused while a pins file is damaged, before anything starts.
    let pins = pins_for_deleting().await?;
    Ok(start_on(
        &state,
        &tasks,
        engine.as_deref(),
        TaskKind::Prune,
        title,
        |engine, task| async move {
            let target = save_to.as_deref().map(save_target).transpose()?;
            let outcome = engine
                .prune_exact(
                    &items,
                    &pins,
                    target.as_deref(),
                    &mut task.progress(),
                    &task.token,
                )
                .await?;
            Ok(TaskOutput::Prune(outcome))
        },
    )
    .await)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn build_cache_preview(
    state: State<'_, AppState>,
    engine: Option<String>,
    keep_storage: Option<f64>,
    all: bool,
) -> Result<BuildCachePlan, Error> {
    engine_of(&state, engine.as_deref())
        .await?
        .build_cache_plan(keep_storage.map(bytes), all, None)
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn build_cache_prune(
    state: State<'_, AppState>,
    engine: Option<String>,
    keep_storage: Option<f64>,
    all: bool,
) -> Result<BuildCachePruneResult, Error> {
    engine_of(&state, engine.as_deref())
        .await?
        .prune_build_cache(keep_storage.map(bytes), all, None)
        .await
}

/// Byte counts cross the IPC as JS numbers.
fn bytes(n: f64) -> i64 {
    n.max(0.0) as i64
}
