//! Live updates without polling: follow the engine's image events and the container events
//! that change the image list and disk usage (a cancelled build's leftovers arrive with no
//! image event, only its containers'), coalesce bursts into one notice, and on a dropped
//! stream reconnect with backoff and ask the UI to resync.

use crate::state::{AppState, EngineStatus};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use slipway_core::Engine;
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

/// Images (or the containers made from them) changed in the engine; the UI refreshes its
/// list and disk usage.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ImagesChanged {
    /// IDs or names the events named.
    pub ids: Vec<String>,
    /// What happened (`tag`, `untag`, `delete`, `pull`, `load` …; `container:destroy` …).
    pub actions: Vec<String>,
    /// The stream was lost and restored: anything may have changed.
    pub resync: bool,
}

/// The engine connection went up or down.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct EngineStatusChanged(pub EngineStatus);

/// How long to wait for more events before telling the UI: `docker rmi` of ten images is one
/// refresh, not ten.
const COALESCE: Duration = Duration::from_millis(150);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub fn emit_status(app: &AppHandle, status: &EngineStatus) {
    if let Err(e) = EngineStatusChanged(status.clone()).emit(app) {
        tracing::warn!(error = %e, "could not emit engine status");
    }
}

fn emit_changed(app: &AppHandle, ids: Vec<String>, actions: Vec<String>, resync: bool) {
    if let Err(e) = (ImagesChanged {
        ids,
        actions,
        resync,
    })
    .emit(app)
    {
        tracing::warn!(error = %e, "could not emit image change");
    }
}

/// Watch `engine` until the app connects to another one (that replaces this watcher).
pub fn watch(app: AppHandle, engine: Engine) {
    let stop = app.state::<AppState>().replace_watcher();
    tauri::async_runtime::spawn(async move {
        let mut engine = engine;
        let host = engine.info.host.clone();
        let mut backoff = Duration::from_secs(1);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = follow(&app, &engine) => {}
            }
            // The stream ended: the engine went away or dropped us. Reconnect with backoff.
            let state = app.state::<AppState>();
            let source = state.status().await.source;
            let lost = slipway_core::Error::of(slipway_core::error::ErrorKind::LostEngine {
                host: host.clone(),
            });
            emit_status(&app, &state.set_disconnected(lost, &source).await);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                if let Ok(e) = Engine::connect(engine.spec()).await {
                    if stop.is_cancelled() {
                        return;
                    }
                    engine = e;
                    emit_status(&app, &state.set_connected(engine.clone(), &source).await);
                    emit_changed(&app, Vec::new(), Vec::new(), true);
                    backoff = Duration::from_secs(1);
                    break;
                }
            }
        }
    });
}

/// Forward events until the stream ends, coalescing bursts.
async fn follow(app: &AppHandle, engine: &Engine) {
    let mut events = Box::pin(engine.change_events());
    while let Some(first) = events.next().await {
        let Ok(first) = first else { return };
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + COALESCE;
        loop {
            match tokio::time::timeout_at(deadline, events.next()).await {
                Ok(Some(Ok(e))) => batch.push(e),
                Ok(Some(Err(_))) | Ok(None) => {
                    send_batch(app, batch);
                    return;
                }
                Err(_) => break,
            }
        }
        send_batch(app, batch);
    }
}

fn send_batch(app: &AppHandle, batch: Vec<slipway_core::events::ChangeEvent>) {
    let mut ids = Vec::new();
    let mut actions = Vec::new();
    for e in batch {
        let action = if e.kind == "container" {
            format!("container:{}", e.action)
        } else {
            ids.push(e.name.unwrap_or(e.id));
            e.action
        };
        if !actions.contains(&action) {
            actions.push(action);
        }
    }
    tracing::debug!(?ids, ?actions, "images changed");
    emit_changed(app, ids, actions, false);
}
