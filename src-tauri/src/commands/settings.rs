//! The app's settings the window shows and changes: the stall timeout (the engine choice has
//! its own commands in `engine.rs`). Kept in settings.json; applied to the engine at once.

use super::engine::config_dir;
use crate::settings::{STALL_TIMEOUT_SECS, Settings, check_stall_timeout};
use crate::state::AppState;
use serde::Serialize;
use slipway_core::Error;
use slipway_core::error::{ErrorKind, Operation};
use std::time::Duration;
use tauri::{AppHandle, Manager};

/// The settings, with the limits the window's form checks against (the backend's rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AppSettings {
    /// No bytes from the engine for this many seconds and a request or stream is given up.
    pub stall_timeout_secs: u32,
    pub stall_timeout_default: u32,
    pub stall_timeout_min: u32,
    pub stall_timeout_max: u32,
}

impl AppSettings {
    fn of(settings: &Settings) -> Self {
        Self {
            stall_timeout_secs: settings.stall_timeout().as_secs() as u32,
            stall_timeout_default: Settings::default().stall_timeout_secs,
            stall_timeout_min: *STALL_TIMEOUT_SECS.start(),
            stall_timeout_max: *STALL_TIMEOUT_SECS.end(),
        }
    }
}

fn settings_dir(app: &AppHandle) -> Result<std::path::PathBuf, Error> {
    config_dir(app).ok_or_else(|| Error::of(ErrorKind::NoSettingsFolder))
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn settings_get(app: AppHandle) -> Result<AppSettings, Error> {
    let dir = settings_dir(&app)?;
    let settings = tauri::async_runtime::spawn_blocking(move || Settings::update(&dir, |_| {}))
        .await
        .map_err(Error::unexpected)??;
    Ok(AppSettings::of(&settings))
}

/// Keep the stall timeout (1–3600 s) and use it from now on: for the connected engine at
/// once and every engine connected later. Running tasks keep the bound they started with.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn settings_set_stall_timeout(
    app: AppHandle,
    seconds: u32,
) -> Result<AppSettings, Error> {
    let seconds = check_stall_timeout(seconds)?;
    let dir = settings_dir(&app)?;
    let settings = tauri::async_runtime::spawn_blocking(move || {
        Settings::update(&dir, |s| s.stall_timeout_secs = seconds)
    })
    .await
    .map_err(Error::unexpected)?
    .map_err(|e| e.during(Operation::KeepStallTimeout))?;
    app.state::<AppState>()
        .set_stall_timeout(Duration::from_secs(seconds.into()))
        .await;
    Ok(AppSettings::of(&settings))
}
