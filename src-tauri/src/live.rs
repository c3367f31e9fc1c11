//! Live updates without polling, one watcher per engine: each connects (concurrently, within
//! a bound), follows its engine's image events and the container events that change the image
//! list and disk usage (a cancelled build's leftovers arrive with no image event, only its
//! containers'), coalesces bursts into one notice naming the engine, and when its stream drops
//! marks that engine unreachable and reconnects with backoff on its own. A watcher writes its
//! own engine's state only: it never changes which engine the user looks at.

use crate::engines::{EngineSet, EnginesList, single_attempt};
use crate::state::{AppState, EngineStatus};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use slipway_core::error::ErrorKind;
use slipway_core::{CancellationToken, Engine, Error};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::{Notify, Semaphore};

/// Images (or the containers made from them) changed in an engine; the UI refreshes that
/// engine's list and disk usage.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ImagesChanged {
    /// The engine's key (as in `EnginesList`).
    pub engine: String,
    /// IDs or names the events named.
    pub ids: Vec<String>,
    /// What happened (`tag`, `untag`, `delete`, `pull`, `load` …; `container:destroy` …).
    pub actions: Vec<String>,
    /// The stream was lost and restored: anything may have changed.
    pub resync: bool,
    /// Bytes may have changed too (anything but names given or taken): the disk usage is
    /// read again. A tag or untag alone changes no layer — and on Podman, where usage walks
    /// every image, reading it again cost two requests per image for each new name.
    pub sizes: bool,
}

/// The current engine went up or down (or another one became current).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct EngineStatusChanged(pub EngineStatus);

/// Any engine's state or the choice changed: the whole list (simple and replay-safe).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct EnginesChanged(pub EnginesList);

/// How long to wait for more events before telling the UI: `docker rmi` of ten images is one
/// refresh, not ten.
const COALESCE: Duration = Duration::from_millis(150);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// One connection attempt's bound: an engine that does not answer never holds the others.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Connection attempts at once (a machine with many contexts does not open them all at once).
const CONNECTING_AT_ONCE: usize = 8;

/// What a watcher tells the window.
#[derive(Debug, Clone)]
pub enum Notice {
    /// Its engine's state changed.
    State,
    Images(ImagesChanged),
}

/// Tell the window: the engine list and the current engine's status, both whole.
pub fn emit_engines(app: &AppHandle) {
    let state = app.state::<AppState>();
    let _order = state.emitting.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = EnginesChanged(state.engines_list()).emit(app) {
        tracing::warn!(error = %e, "could not emit the engine list");
    }
    if let Err(e) = EngineStatusChanged(state.status_now()).emit(app) {
        tracing::warn!(error = %e, "could not emit engine status");
    }
}

fn emitter(app: AppHandle) -> impl Fn(Notice) + Send + Sync + Clone + 'static {
    move |notice| match notice {
        Notice::State => emit_engines(&app),
        Notice::Images(changed) => {
            tracing::debug!(?changed, "images changed");
            if let Err(e) = changed.emit(&app) {
                tracing::warn!(error = %e, "could not emit image change");
            }
        }
    }
}

/// Start one watcher per engine of the set; the watchers of a previous set stop.
pub fn watch_all(app: &AppHandle) -> Arc<Notify> {
    let state = app.state::<AppState>();
    let stop = state.replace_watchers();
    let keys = state.with_set(|s| s.keys());
    let limit = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let wake = Arc::new(Notify::new());
    let notify = emitter(app.clone());
    for key in keys {
        let watcher = Watcher {
            set: Arc::clone(&state.engines),
            key,
            stop: stop.clone(),
            wake: Arc::clone(&wake),
            limit: Arc::clone(&limit),
            connect_timeout: CONNECT_TIMEOUT,
        };
        tauri::async_runtime::spawn(watcher.run(notify.clone()));
    }
    wake
}

/// Start a watcher for one engine added to the running set (the user typed its address).
pub fn watch_one(app: &AppHandle, key: String) {
    let state = app.state::<AppState>();
    let stop = state.watchers_token();
    let watcher = Watcher {
        set: Arc::clone(&state.engines),
        key,
        stop,
        wake: Arc::new(Notify::new()),
        limit: Arc::new(Semaphore::new(1)),
        connect_timeout: CONNECT_TIMEOUT,
    };
    tauri::async_runtime::spawn(watcher.run(emitter(app.clone())));
}

/// One engine's watcher.
pub struct Watcher {
    pub set: Arc<Mutex<EngineSet>>,
    pub key: String,
    pub stop: CancellationToken,
    /// Retry now (the user asked) instead of waiting out the backoff.
    pub wake: Arc<Notify>,
    pub limit: Arc<Semaphore>,
    pub connect_timeout: Duration,
}

impl Watcher {
    fn with_set<T>(&self, f: impl FnOnce(&mut EngineSet) -> T) -> T {
        f(&mut self.set.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Connect, follow, and after a loss reconnect with backoff, until stopped.
    pub async fn run(self, notify: impl Fn(Notice) + Send + Sync + 'static) {
        let mut backoff = FIRST_BACKOFF;
        let mut was_connected = false;
        loop {
            let Some(spec) = self.with_set(|s| s.spec_of(&self.key)) else {
                return;
            };
            let attempt = tokio::select! {
                _ = self.stop.cancelled() => return,
                r = self.connect(spec) => r,
            };
            if self.stop.is_cancelled() {
                return;
            }
            match attempt {
                Ok(engine) => {
                    self.with_set(|s| s.set_connected(&self.key, engine.clone()));
                    notify(Notice::State);
                    if was_connected {
                        // Whatever happened while the stream was down: the UI reloads.
                        notify(Notice::Images(self.changed(Vec::new(), Vec::new(), true)));
                    }
                    was_connected = true;
                    backoff = FIRST_BACKOFF;
                    tokio::select! {
                        _ = self.stop.cancelled() => return,
                        _ = self.follow(&engine, &notify) => {}
                    }
                    let lost = Error::of(ErrorKind::LostEngine {
                        host: engine.info.host.clone(),
                    });
                    self.with_set(|s| s.set_unreachable(&self.key, lost));
                }
                Err(reason) => self.with_set(|s| s.set_unreachable(&self.key, reason)),
            }
            notify(Notice::State);
            tokio::select! {
                _ = self.stop.cancelled() => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    async fn connect(&self, spec: slipway_core::EngineSpec) -> Result<Engine, Error> {
        let _permit = self.limit.acquire().await.map_err(Error::unexpected)?;
        let host = spec.host.clone().unwrap_or_else(|| self.key.clone());
        match tokio::time::timeout(self.connect_timeout, Engine::connect(spec)).await {
            Ok(r) => r.map_err(single_attempt),
            Err(_) => Err(Error::of(ErrorKind::EngineProbeTimeout {
                host,
                seconds: self.connect_timeout.as_secs().max(1) as u32,
            })),
        }
    }

    fn changed(&self, ids: Vec<String>, actions: Vec<String>, resync: bool) -> ImagesChanged {
        let sizes = sizes_may_change(&actions, resync);
        ImagesChanged {
            engine: self.key.clone(),
            ids,
            actions,
            resync,
            sizes,
        }
    }

    /// Forward events until the stream ends, coalescing bursts.
    async fn follow(&self, engine: &Engine, notify: &impl Fn(Notice)) {
        let mut events = Box::pin(engine.change_events());
        while let Some(first) = events.next().await {
            let Ok(first) = first else { return };
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + COALESCE;
            loop {
                match tokio::time::timeout_at(deadline, events.next()).await {
                    Ok(Some(Ok(e))) => batch.push(e),
                    Ok(Some(Err(_))) | Ok(None) => {
                        notify(Notice::Images(self.batch(batch)));
                        return;
                    }
                    Err(_) => break,
                }
            }
            notify(Notice::Images(self.batch(batch)));
        }
    }

    fn batch(&self, batch: Vec<slipway_core::events::ChangeEvent>) -> ImagesChanged {
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
        self.changed(ids, actions, false)
    }
}

/// Whether events with these actions may have changed any bytes: names alone change none.
fn sizes_may_change(actions: &[String], resync: bool) -> bool {
    resync || actions.iter().any(|a| a != "tag" && a != "untag")
}

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
