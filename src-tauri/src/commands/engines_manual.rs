//! Engines added by hand (add, edit, remove: the file `slipway-cli engines add` writes too)
//! and every engine the user has with whether it answers — the copy dialog's destinations and
//! the disk view's picker.

use super::engine::connect_now;
use crate::engines::EngineState;
use crate::state::AppState;
use serde::Serialize;
use slipway_core::engine::discovery::manual::{ManualEngine, ManualEngines};
use slipway_core::engine::discovery::{DiscoveryEnv, TlsFiles};
use slipway_core::{EngineKind, Error};
use tauri::{AppHandle, State};

/// One engine the user has, as the window lists it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct KnownEngine {
    /// The engine's key in the set (its name; the URL of a `--host` entry).
    pub name: String,
    pub host: String,
    /// As in the switcher: `manual`, `docker_context`, `podman_connection`, `socket`, `flag` …
    pub source: String,
    /// The engine the window is connected to now.
    pub connected: bool,
    pub reachable: bool,
    pub kind: Option<EngineKind>,
    pub version: Option<String>,
    /// Why it does not answer.
    pub error: Option<Error>,
    /// An engine added by hand: its TLS files and identity (for editing it).
    pub tls: Option<TlsFiles>,
    pub identity: Option<String>,
}

/// Every engine of the app's engine set (engines added by hand first, as discovery lists
/// them) with its state as its own watcher last saw it — no second probe, so the copy dialog
/// and the disk picker say what the switcher says. `connected`: the current engine.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn engines_known(state: State<'_, AppState>) -> Result<Vec<KnownEngine>, Error> {
    let current = state.engines_list().current;
    Ok(state
        .with_set(|set| set.views_with_specs())
        .into_iter()
        .map(|(v, spec)| KnownEngine {
            connected: current.as_deref() == Some(v.key.as_str()),
            reachable: v.state == EngineState::Connected,
            source: v.source,
            name: v.key,
            host: v.host,
            kind: v.kind,
            version: v.version,
            error: v.error,
            tls: spec.tls,
            identity: spec.identity,
        })
        .collect())
}

/// The shared file, off the main thread (it is read and written under a file lock).
async fn with_file<T: Send + 'static>(
    f: impl FnOnce(ManualEngines) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tauri::async_runtime::spawn_blocking(move || f(ManualEngines::shared()?))
        .await
        .map_err(Error::unexpected)?
}

/// Remember an engine added by hand (checked: a free name, a URL Slipway speaks, TLS and
/// identity files that are there).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn engine_add(app: AppHandle, engine: ManualEngine) -> Result<ManualEngine, Error> {
    let saved = with_file(move |f| f.add(engine, &DiscoveryEnv::from_process())).await?;
    connect_now(&app).await;
    Ok(saved)
}

/// Replace the engine added by hand named `name` (it may be renamed).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn engine_edit(
    app: AppHandle,
    name: String,
    engine: ManualEngine,
) -> Result<ManualEngine, Error> {
    let saved = with_file(move |f| f.edit(&name, engine, &DiscoveryEnv::from_process())).await?;
    connect_now(&app).await;
    Ok(saved)
}

/// Forget the engine added by hand named `name`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn engine_remove(app: AppHandle, name: String) -> Result<(), Error> {
    with_file(move |f| f.remove(&name)).await?;
    connect_now(&app).await;
    Ok(())
}
