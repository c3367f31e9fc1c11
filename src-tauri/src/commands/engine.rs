//! Engine choice and connection: `--host`, else `DOCKER_HOST`, else the engine picked in the
//! app (remembered), else the well-known sockets — the docker CLI's order.

use crate::live;
use crate::settings::Settings;
use crate::state::{AppState, EngineStatus};
use slipway_core::{Engine, EngineSpec, Error};
use tauri::{AppHandle, Manager, State};

/// Which host to use and why.
fn choose(state: &AppState, saved: &Settings) -> (Option<String>, &'static str) {
    if let Some(h) = &state.launch.host {
        return (Some(h.clone()), "flag");
    }
    if let Ok(h) = std::env::var("DOCKER_HOST")
        && !h.trim().is_empty()
    {
        return (Some(h), "env");
    }
    match &saved.engine_host {
        Some(h) => (Some(h.clone()), "saved"),
        None => (None, "auto"),
    }
}

pub(crate) fn config_dir(app: &AppHandle) -> Option<std::path::PathBuf> {
    app.path().app_config_dir().ok()
}

/// Connect with the current choice, update the state, start watching events, tell the UI.
#[tracing::instrument(skip(app))]
pub async fn connect_now(app: &AppHandle) -> EngineStatus {
    let state = app.state::<AppState>();
    let saved = config_dir(app)
        .map(|d| Settings::load(&d))
        .unwrap_or_default();
    let (host, source) = choose(&state, &saved);
    // Given to the engine as it is connected (and to every reconnection).
    state.set_stall_timeout(saved.stall_timeout()).await;
    let spec = EngineSpec {
        host,
        // The environment was already considered above, in its place in the order.
        ignore_env: true,
        ..EngineSpec::default()
    };
    let status = match Engine::connect(spec).await {
        Ok(engine) => {
            live::watch(app.clone(), engine.clone());
            state.set_connected(engine, source).await
        }
        Err(e) => state.set_disconnected(e, source).await,
    };
    live::emit_status(app, &status);
    status
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn engine_status(state: State<'_, AppState>) -> Result<EngineStatus, Error> {
    Ok(state.status().await)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app))]
pub async fn engine_retry(app: AppHandle) -> Result<EngineStatus, Error> {
    Ok(connect_now(&app).await)
}

/// Pick an engine (`None`: automatic) and remember it. `--host` and `DOCKER_HOST` still win.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app))]
pub async fn engine_choose(app: AppHandle, host: Option<String>) -> Result<EngineStatus, Error> {
    let host = host.map(|h| h.trim().to_owned()).filter(|h| !h.is_empty());
    if let Some(dir) = config_dir(&app) {
        Settings::update(&dir, |s| s.engine_host = host).map_err(|e| {
            Error::of(slipway_core::error::ErrorKind::ChoiceNotSaved).with_detail(e.message)
        })?;
    }
    Ok(connect_now(&app).await)
}

/// The well-known engine addresses on this platform, for the engine picker.
#[tauri::command]
#[specta::specta]
pub fn engine_candidates() -> Vec<String> {
    slipway_core::engine::default_sockets()
}
