//! Cleanup: prune preview and confirm (exactly the ticked set), pins, build-cache prune.
//! Pins live in the app's settings; every prune and bulk delete honours them.

use super::engine;
use super::engine::config_dir;
use super::paths::save_target;
use super::tasks::start;
use crate::settings::Settings;
use crate::state::AppState;
use crate::tasks::output::TaskOutput;
use crate::tasks::{TaskKind, TaskManager, TaskSummary};
use slipway_core::Error;
use slipway_core::build_cache::BuildCachePlan;
use slipway_core::cleanup::{PlanItem, PrunePlan};
use slipway_core::images::PruneOptions;
use slipway_core::protection::Protection;
use slipway_core::system::BuildCachePruneResult;
use tauri::{AppHandle, State};

/// The user's pins, each valid one kept even if another is not.
pub(crate) fn pins(app: &AppHandle) -> Protection {
    let saved = config_dir(app).map(|d| Settings::load(&d).pins);
    Protection::from_saved(saved.unwrap_or_default())
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app))]
pub fn pins_get(app: AppHandle) -> Vec<String> {
    pins(&app).patterns
}

/// Replace the pins; each is checked first, so a typo is an error, not a silent no-op.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub fn pins_set(app: AppHandle, patterns: Vec<String>) -> Result<Vec<String>, Error> {
    let protection = Protection::new(patterns)?;
    let dir = config_dir(&app).ok_or_else(|| Error::internal("No settings folder."))?;
    Settings {
        pins: protection.patterns.clone(),
        ..Settings::load(&dir)
    }
    .save(&dir)
    .map_err(|e| Error::internal(format!("Could not save the pins: {e}")))?;
    Ok(protection.patterns)
}

/// What a prune with `options` would delete (pins added), deleting nothing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err(level = "debug", Display))]
pub async fn prune_preview(
    app: AppHandle,
    state: State<'_, AppState>,
    mut options: PruneOptions,
) -> Result<PrunePlan, Error> {
    options.protect.extend(pins(&app).patterns);
    engine(&state).await?.prune_plan(&options).await
}

/// Delete exactly `items` (the ticked rows of a preview) as a task, saving them to
/// `save_to` first if given.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state, tasks, items), fields(items = items.len()))]
pub async fn prune_confirm(
    app: AppHandle,
    state: State<'_, AppState>,
    tasks: State<'_, TaskManager>,
    title: String,
    items: Vec<PlanItem>,
    save_to: Option<String>,
) -> Result<TaskSummary, Error> {
    Ok(start(
        &state,
        &tasks,
        TaskKind::Prune,
        title,
        |engine, task| async move {
            let target = save_to.as_deref().map(save_target).transpose()?;
            let outcome = engine
                .prune_exact(
                    &items,
                    &pins(&app),
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
    keep_storage: Option<f64>,
    all: bool,
) -> Result<BuildCachePlan, Error> {
    engine(&state)
        .await?
        .build_cache_plan(keep_storage.map(bytes), all)
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn build_cache_prune(
    state: State<'_, AppState>,
    keep_storage: Option<f64>,
    all: bool,
) -> Result<BuildCachePruneResult, Error> {
    engine(&state)
        .await?
        .prune_build_cache(keep_storage.map(bytes), all, None)
        .await
}

/// Byte counts cross the IPC as JS numbers.
fn bytes(n: f64) -> i64 {
    n.max(0.0) as i64
}
