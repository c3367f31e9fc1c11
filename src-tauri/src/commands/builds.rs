//! Recent builds (the build form's "use again" list): kept by the backend in the app's data
//! folder, never in the window's storage. The forms hold build args: never logged.

use crate::builds::{self, BuildForm, RecentBuild};
use slipway_core::Error;
use slipway_core::error::ErrorKind;
use tauri::{AppHandle, Manager};

/// File work off the async threads, in the app's data folder.
async fn in_data_dir<T: Send + 'static>(
    app: &AppHandle,
    f: impl FnOnce(&std::path::Path) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let dir = app
        .path()
        .app_data_dir()
        .map_err(|e| Error::of(ErrorKind::NoDataFolder).with_detail(e))?;
    tauri::async_runtime::spawn_blocking(move || f(&dir))
        .await
        .map_err(Error::unexpected)?
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or(0.0)
}

/// Newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn builds_recent(app: AppHandle) -> Result<Vec<RecentBuild>, Error> {
    in_data_dir(&app, builds::list).await
}

/// A build was started with `form`: it goes first (replacing the same build).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, form), err(level = "debug", Display))]
pub async fn builds_remember(app: AppHandle, form: BuildForm) -> Result<Vec<RecentBuild>, Error> {
    in_data_dir(&app, move |dir| builds::remember(dir, form, now_ms())).await
}

/// Drop the recent build started at `at`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn builds_forget(app: AppHandle, at: f64) -> Result<Vec<RecentBuild>, Error> {
    in_data_dir(&app, move |dir| builds::forget(dir, at)).await
}

/// Once, at the first start with this version: the entries the window kept in its
/// localStorage. It clears its copy after this answers.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, entries), fields(count = entries.len()), err(level = "debug", Display))]
pub async fn builds_migrate(
    app: AppHandle,
    entries: Vec<RecentBuild>,
) -> Result<Vec<RecentBuild>, Error> {
    in_data_dir(&app, move |dir| builds::migrate(dir, entries)).await
}
