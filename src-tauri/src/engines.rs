//! Every engine the app knows (discovered, `--host`, the remembered one), each with its own
//! state, and which one the user is looking at (one engine, or all of them). Plain data under
//! one lock: the watchers (live.rs) write their own engine's state and nothing else, so a
//! reconnecting engine never changes the user's choice.

use serde::{Deserialize, Serialize};
use slipway_core::engine::discovery::{DiscoveredEngine, EngineSource};
use slipway_core::error::ErrorKind;
use slipway_core::{Engine, EngineInfo, EngineKind, EngineSpec, Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum EngineState {
    Connecting,
    Connected,
    Unreachable,
}

/// One engine as the switcher shows it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct EngineView {
    /// Stable: the context/connection/socket name, or the URL of a `--host` entry.
    pub key: String,
    pub host: String,
    /// `flag`, `saved`, `docker_context`, `podman_connection`, `socket`, `docker_host`.
    pub source: String,
    pub state: EngineState,
    pub kind: Option<EngineKind>,
    pub version: Option<String>,
    /// What it said when connected.
    pub info: Option<EngineInfo>,
    /// Why it is unreachable (typed: the UI says it in the user's language).
    pub error: Option<Error>,
}

/// What the user looks at: one engine, or every reachable one in one grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum EngineChoice {
    All,
    Engine(String),
}

/// The whole list, sent on every change (simple and safe to replay).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct EnginesList {
    pub engines: Vec<EngineView>,
    /// `None`: automatic (the engine the docker CLI would use, else the first that answers).
    pub choice: Option<EngineChoice>,
    /// The engine a command that names none goes to (in All engines too: pull, build, load).
    pub current: Option<String>,
}

struct Slot {
    view: EngineView,
    spec: EngineSpec,
    engine: Option<Engine>,
    /// The docker CLI would use it (`DOCKER_HOST`, the current context).
    preferred: bool,
}

/// The engines and the choice. Order is stable: `--host` entries, then discovery's order.
#[derive(Default)]
pub struct EngineSet {
    slots: Vec<Slot>,
    choice: Option<EngineChoice>,
    /// The settings' stall timeout, given to every engine as it connects.
    stall: Option<std::time::Duration>,
}

fn source_name(source: EngineSource) -> &'static str {
    match source {
        EngineSource::DockerContext => "docker_context",
        EngineSource::PodmanConnection => "podman_connection",
        EngineSource::Socket => "socket",
        EngineSource::DockerHost => "docker_host",
        EngineSource::Manual => "manual",
    }
}

/// The address compared for duplicates (`/x.sock` and `unix:///x.sock/` are one place).
fn same_place(host: &str) -> String {
    let h = host.trim();
    let h = h.strip_prefix("unix://").unwrap_or(h);
    h.trim_end_matches('/').to_owned()
}

impl EngineSet {
    /// `--host` entries first (keyed by their URL), then every discovered engine not at one
    /// of those addresses.
    pub fn build(flags: &[String], discovered: &[DiscoveredEngine]) -> Self {
        let mut set = Self::default();
        for host in flags {
            set.add_host(host, "flag");
        }
        for d in discovered {
            let place = same_place(&d.host);
            if set.slots.iter().any(|s| same_place(&s.view.host) == place)
                || set.slots.iter().any(|s| s.view.key == d.name)
            {
                continue;
            }
            set.slots.push(Slot {
                view: fresh_view(&d.name, &d.host, source_name(d.source)),
                spec: EngineSpec::of(d),
                engine: None,
                preferred: d.current,
            });
        }
        set
    }

    /// Add an engine by its URL (a `--host`, or the remembered choice); the key of the entry
    /// at that address (existing or new).
    pub fn add_host(&mut self, host: &str, source: &str) -> String {
        let place = same_place(host);
        if let Some(s) = self
            .slots
            .iter()
            .find(|s| s.view.key == host || same_place(&s.view.host) == place)
        {
            return s.view.key.clone();
        }
        self.slots.push(Slot {
            view: fresh_view(host, host, source),
            spec: EngineSpec {
                host: Some(host.to_owned()),
                ignore_env: true,
                ..EngineSpec::default()
            },
            engine: None,
            preferred: false,
        });
        host.to_owned()
    }

    /// The key of the entry with this key or at this address.
    pub fn find(&self, key_or_host: &str) -> Option<String> {
        let place = same_place(key_or_host);
        self.slots
            .iter()
            .find(|s| s.view.key == key_or_host)
            .or_else(|| {
                self.slots
                    .iter()
                    .find(|s| same_place(&s.view.host) == place)
            })
            .map(|s| s.view.key.clone())
    }

    pub fn keys(&self) -> Vec<String> {
        self.slots.iter().map(|s| s.view.key.clone()).collect()
    }

    /// Each engine's view with how it is reached (its TLS files and ssh identity).
    pub fn views_with_specs(&self) -> Vec<(EngineView, EngineSpec)> {
        self.slots
            .iter()
            .map(|s| (s.view.clone(), s.spec.clone()))
            .collect()
    }

    pub fn spec_of(&self, key: &str) -> Option<EngineSpec> {
        self.slot(key).map(|s| s.spec.clone())
    }

    fn slot(&self, key: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.view.key == key)
    }

    fn slot_mut(&mut self, key: &str) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.view.key == key)
    }

    pub fn choice(&self) -> Option<&EngineChoice> {
        self.choice.as_ref()
    }

    /// The user's choice; an engine that is not in the set is refused (404).
    pub fn select(&mut self, choice: Option<EngineChoice>) -> Result<(), Error> {
        if let Some(EngineChoice::Engine(key)) = &choice
            && self.slot(key).is_none()
        {
            return Err(Error::of(ErrorKind::UnknownEngine { name: key.clone() }));
        }
        self.choice = choice;
        Ok(())
    }

    /// Where a command that names no engine goes: the chosen engine; in All engines or
    /// automatic, the one the docker CLI would use, else the first connected, else the first.
    pub fn current_key(&self) -> Option<String> {
        if let Some(EngineChoice::Engine(key)) = &self.choice {
            return Some(key.clone());
        }
        self.slots
            .iter()
            .find(|s| s.preferred)
            .or_else(|| self.slots.iter().find(|s| s.engine.is_some()))
            .or_else(|| self.slots.first())
            .map(|s| s.view.key.clone())
    }

    pub fn is_all(&self) -> bool {
        self.choice == Some(EngineChoice::All)
    }

    /// The engine with this key (`None`: the current one), or why it cannot be used now.
    pub fn engine_by_key(&self, key: Option<&str>) -> Result<Engine, Error> {
        let key = match key {
            Some(k) => k.to_owned(),
            None => self
                .current_key()
                .ok_or_else(|| Error::of(ErrorKind::NotConnected))?,
        };
        let slot = self
            .slot(&key)
            .ok_or_else(|| Error::of(ErrorKind::UnknownEngine { name: key.clone() }))?;
        match (&slot.engine, &slot.view.error) {
            (Some(e), _) => Ok(e.clone()),
            (None, Some(reason)) => Err(reason.clone()),
            (None, None) => Err(Error::of(ErrorKind::NotConnected)),
        }
    }

    pub fn set_connecting(&mut self, key: &str) {
        if let Some(s) = self.slot_mut(key) {
            s.engine = None;
            s.view.state = EngineState::Connecting;
            s.view.error = None;
        }
    }

    pub fn set_connected(&mut self, key: &str, engine: Engine) {
        let engine = match self.stall {
            Some(limit) => engine.with_stall_timeout(limit),
            None => engine,
        };
        if let Some(s) = self.slot_mut(key) {
            s.view.state = EngineState::Connected;
            s.view.kind = Some(engine.info.kind);
            s.view.version = Some(engine.info.version.clone());
            s.view.info = Some(engine.info.clone());
            s.view.error = None;
            s.engine = Some(engine);
        }
    }

    /// Kind and version stay: what it was when last seen helps tell engines apart.
    pub fn set_unreachable(&mut self, key: &str, reason: Error) {
        if let Some(s) = self.slot_mut(key) {
            s.engine = None;
            s.view.state = EngineState::Unreachable;
            s.view.error = Some(reason);
        }
    }

    /// Use `limit` from now on: for the engines connected now (tasks already running keep
    /// the bound they started with) and every one connected later.
    /// The settings' stall timeout (the core's default until the settings were read).
    pub fn stall_timeout(&self) -> std::time::Duration {
        self.stall.unwrap_or(slipway_core::DEFAULT_STALL_TIMEOUT)
    }

    pub fn set_stall_timeout(&mut self, limit: std::time::Duration) {
        self.stall = Some(limit);
        for s in &mut self.slots {
            if let Some(e) = s.engine.take() {
                s.engine = Some(e.with_stall_timeout(limit));
            }
        }
    }

    /// Keep the choice and stall timeout, replace the engines (a retry found new ones).
    pub fn replace_slots(&mut self, fresh: EngineSet) {
        self.slots = fresh.slots;
    }

    pub fn list(&self) -> EnginesList {
        EnginesList {
            engines: self.slots.iter().map(|s| s.view.clone()).collect(),
            choice: self.choice.clone(),
            current: self.current_key(),
        }
    }

    /// The current engine's view; in All engines, any connected one stands for "connected".
    pub fn current_view(&self) -> Option<EngineView> {
        let current = self.current_key().and_then(|k| self.slot(&k));
        if self.is_all()
            && current.is_none_or(|s| s.engine.is_none())
            && let Some(s) = self.slots.iter().find(|s| s.engine.is_some())
        {
            return Some(s.view.clone());
        }
        current.map(|s| s.view.clone())
    }
}

fn fresh_view(key: &str, host: &str, source: &str) -> EngineView {
    EngineView {
        key: key.to_owned(),
        host: host.to_owned(),
        source: source.to_owned(),
        state: EngineState::Connecting,
        kind: None,
        version: None,
        info: None,
        error: None,
    }
}

/// The engine `key` names (a key of the set, an engine's address, or an address nothing
/// names, reached as it is), with the stall timeout of the settings. Engines of the set are
/// the set's connections; an unreachable one answers with its own reason.
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn resolve<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    key: &str,
) -> Result<Engine, Error> {
    use tauri::Manager;
    let state = app.state::<crate::state::AppState>();
    let key = key.trim();
    let known = state.with_set(|set| set.find(key));
    if let Some(k) = known {
        return state.engine_by_key(Some(&k));
    }
    if !key.contains("://") {
        return Err(Error::of(slipway_core::error::ErrorKind::UnknownEngine {
            name: key.to_owned(),
        }));
    }
    let spec = EngineSpec {
        host: Some(key.to_owned()),
        ignore_env: true,
        ..EngineSpec::default()
    };
    let stall = state.with_set(|set| set.stall_timeout());
    Ok(Engine::connect(spec)
        .await
        .map_err(single_attempt)?
        .with_stall_timeout(stall))
}

/// `connect` with one host says "no engine answered. Tried: …"; the attempt's own error is
/// that engine's reason.
pub fn single_attempt(e: Error) -> Error {
    match e.kind.as_deref() {
        Some(ErrorKind::NoEngine { tried }) if tried.len() == 1 => tried[0].error.clone(),
        _ => e,
    }
}

#[cfg(test)]
#[path = "engines_tests.rs"]
pub(crate) mod tests;
