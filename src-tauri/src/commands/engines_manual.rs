//! Engines added by hand (add, edit, remove: the file `slipway-cli engines add` writes too)
//! and every engine the user has with whether it answers — the copy dialog's destinations and
//! the disk view's picker.

use crate::state::AppState;
use serde::Serialize;
use slipway_core::engine::discovery::manual::{ManualEngine, ManualEngines};
use slipway_core::engine::discovery::{self, DiscoveryEnv, EngineSource, PROBE_TIMEOUT, TlsFiles};
use slipway_core::{EngineKind, Error};
use tauri::State;

/// One engine the user has, as the window lists it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct KnownEngine {
    pub name: String,
    pub host: String,
    pub source: EngineSource,
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

/// Every engine discovery finds (engines added by hand first), each asked who it is, all
/// at once within the probe bound; the connected engine is marked.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn engines_known(state: State<'_, AppState>) -> Result<Vec<KnownEngine>, Error> {
    let found = tauri::async_runtime::spawn_blocking(discovery::engines)
        .await
        .map_err(Error::unexpected)?;
    let connected = state.engine().await.map(|e| e.info.host);
    let probes = discovery::probe_all(&found.engines, PROBE_TIMEOUT).await;
    Ok(found
        .engines
        .into_iter()
        .zip(probes)
        .map(|(e, p)| KnownEngine {
            connected: connected.as_deref() == Some(e.host.as_str()),
            name: e.name,
            host: e.host,
            source: e.source,
            reachable: p.reachable,
            kind: p.kind,
            version: p.version,
            error: p.error,
            tls: e.tls,
            identity: e.identity,
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
#[tracing::instrument(err(level = "debug", Display))]
pub async fn engine_add(engine: ManualEngine) -> Result<ManualEngine, Error> {
    with_file(move |f| f.add(engine, &DiscoveryEnv::from_process())).await
}

/// Replace the engine added by hand named `name` (it may be renamed).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(err(level = "debug", Display))]
pub async fn engine_edit(name: String, engine: ManualEngine) -> Result<ManualEngine, Error> {
    with_file(move |f| f.edit(&name, engine, &DiscoveryEnv::from_process())).await
}

/// Forget the engine added by hand named `name`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(err(level = "debug", Display))]
pub async fn engine_remove(name: String) -> Result<(), Error> {
    with_file(move |f| f.remove(&name)).await
}
