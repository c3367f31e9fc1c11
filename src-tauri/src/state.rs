//! What the app holds between commands: the launch choices and every engine (engines.rs).

use crate::engines::{EngineChoice, EngineSet, EngineState, EnginesList};
use serde::{Deserialize, Serialize};
use slipway_core::error::ErrorKind;
use slipway_core::{Engine, EngineInfo, Error};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the app was started (`--host`, `--sandbox`).
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// Every `--host URL` (may be repeated): opened beside the discovered engines; the first
    /// one is the current engine, like `docker -H`.
    pub host: Vec<String>,
    /// Started by `make run` on its own private engine: the UI shows a badge.
    pub sandbox: bool,
}

impl LaunchOptions {
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Self {
        let mut out = Self::default();
        let mut args = args.into_iter().skip(1);
        while let Some(a) = args.next() {
            match a.as_str() {
                "--host" | "-H" => out.host.extend(args.next()),
                "--sandbox" => out.sandbox = true,
                other => {
                    if let Some(h) = other.strip_prefix("--host=") {
                        out.host.push(h.to_owned());
                    }
                }
            }
        }
        out.host.retain(|h| !h.trim().is_empty());
        out
    }
}

/// What the header and the "no engine" screen show: the current engine (in All engines,
/// connected while any engine is).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct EngineStatus {
    pub connected: bool,
    pub info: Option<EngineInfo>,
    /// The private engine `make run` started because no engine answered.
    pub sandbox: bool,
    /// Why nothing is connected.
    pub error: Option<Error>,
    /// Where the engine choice came from: `flag`, `env`, `saved` or `auto`.
    pub source: String,
}

pub struct AppState {
    pub launch: LaunchOptions,
    /// Every engine and the user's choice. Watchers write their own engine's state only.
    pub(crate) engines: Arc<Mutex<EngineSet>>,
    /// The set has been built (discovery read): an empty set is "no engine", not "connecting".
    built: AtomicBool,
    source: Mutex<String>,
    /// Stops every watcher of the previous set when the set is built again.
    watchers: Mutex<Option<slipway_core::CancellationToken>>,
    /// Held from reading the state to emitting it: the window never gets an older list last.
    pub(crate) emitting: Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    pub fn new(launch: LaunchOptions) -> Self {
        Self {
            launch,
            engines: Arc::default(),
            built: AtomicBool::new(false),
            source: Mutex::new("auto".into()),
            watchers: Mutex::new(None),
            emitting: Mutex::new(()),
        }
    }

    /// A token for a new set of watchers; the previous ones are told to stop.
    pub fn replace_watchers(&self) -> slipway_core::CancellationToken {
        let token = slipway_core::CancellationToken::new();
        if let Some(old) = lock(&self.watchers).replace(token.clone()) {
            old.cancel();
        }
        token
    }

    /// The running watchers' token (a watcher added to the set stops with them).
    pub fn watchers_token(&self) -> slipway_core::CancellationToken {
        lock(&self.watchers)
            .get_or_insert_with(Default::default)
            .clone()
    }

    /// Install a freshly built set (keeps the stall timeout); the choice comes with it.
    pub fn install(&self, fresh: EngineSet, choice: Option<EngineChoice>, source: &str) {
        let mut set = lock(&self.engines);
        set.replace_slots(fresh);
        // Only choices the new set knows; otherwise automatic.
        if set.select(choice).is_err() {
            let _ = set.select(None);
        }
        *lock(&self.source) = source.into();
        self.built.store(true, Ordering::SeqCst);
    }

    /// The current engine, if connected.
    pub async fn engine(&self) -> Option<Engine> {
        self.engine_by_key(None).ok()
    }

    /// The engine with this key (`None`: the current one), or why it cannot be used now:
    /// 404 for a key the app does not know, the engine's own reason when unreachable.
    pub fn engine_by_key(&self, key: Option<&str>) -> Result<Engine, Error> {
        lock(&self.engines).engine_by_key(key)
    }

    pub fn engines_list(&self) -> EnginesList {
        lock(&self.engines).list()
    }

    pub fn with_set<T>(&self, f: impl FnOnce(&mut EngineSet) -> T) -> T {
        f(&mut lock(&self.engines))
    }

    /// The user picked (`None`: automatic); refused (404) for an engine not in the set.
    pub fn select(&self, choice: Option<EngineChoice>, source: &str) -> Result<(), Error> {
        lock(&self.engines).select(choice)?;
        *lock(&self.source) = source.into();
        Ok(())
    }

    pub async fn status(&self) -> EngineStatus {
        self.status_now()
    }

    pub fn status_now(&self) -> EngineStatus {
        let view = lock(&self.engines).current_view();
        let source = lock(&self.source).clone();
        let sandbox = self.launch.sandbox;
        let Some(view) = view else {
            let error = self
                .built
                .load(Ordering::SeqCst)
                .then(|| Error::of(ErrorKind::NoEngine { tried: Vec::new() }));
            return EngineStatus {
                connected: false,
                info: None,
                sandbox,
                error,
                source,
            };
        };
        let connected = view.state == EngineState::Connected;
        EngineStatus {
            connected,
            info: if connected { view.info } else { None },
            sandbox,
            error: if view.state == EngineState::Unreachable {
                view.error
            } else {
                None
            },
            source,
        }
    }

    /// Use `limit` from now on: for the engines connected now (tasks already running keep
    /// the bound they started with) and every one connected later.
    pub async fn set_stall_timeout(&self, limit: Duration) {
        lock(&self.engines).set_stall_timeout(limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        std::iter::once("slipway")
            .chain(list.iter().copied())
            .map(String::from)
            .collect()
    }

    #[test]
    fn host_flag_is_read_in_both_spellings_like_the_docker_cli_and_may_be_repeated() {
        assert_eq!(
            LaunchOptions::from_args(args(&["--host", "unix:///x"])).host,
            ["unix:///x"]
        );
        assert_eq!(
            LaunchOptions::from_args(args(&["--host=tcp://h:1"])).host,
            ["tcp://h:1"]
        );
        assert_eq!(
            LaunchOptions::from_args(args(&[
                "--host",
                "unix:///a",
                "-H",
                "unix:///b",
                "--host=tcp://c:1"
            ]))
            .host,
            ["unix:///a", "unix:///b", "tcp://c:1"]
        );
        assert!(LaunchOptions::from_args(args(&["--sandbox"])).sandbox);
        assert!(LaunchOptions::from_args(args(&[])).host.is_empty());
        assert!(LaunchOptions::from_args(args(&["--host"])).host.is_empty());
    }

    #[tokio::test]
    async fn the_status_is_connecting_until_the_set_is_built_then_no_engine_when_it_is_empty() {
        let state = AppState::new(LaunchOptions::default());
        let s = state.status().await;
        assert!(!s.connected && s.error.is_none(), "connecting");
        state.install(EngineSet::default(), None, "auto");
        let s = state.status().await;
        assert_eq!(s.error.unwrap().code, 503);
        assert_eq!(
            state.engine_by_key(None).unwrap_err().kind.as_deref(),
            Some(&ErrorKind::NotConnected)
        );
    }

    #[tokio::test]
    async fn the_status_follows_the_current_engine_and_a_saved_choice_survives_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let a = crate::engines::tests::version_only_engine(dir.path(), "a").await;
        let state = AppState::new(LaunchOptions::default());
        let set = EngineSet::build(&[a.clone(), "unix:///nowhere.sock".into()], &[]);
        state.install(set, Some(EngineChoice::Engine(a.clone())), "saved");
        let engine = crate::engines::tests::connected(&a).await;
        state.with_set(|s| s.set_connected(&a, engine));
        let s = state.status().await;
        assert!(s.connected);
        assert_eq!(s.info.unwrap().host, a);
        assert_eq!(s.source, "saved");
        // A choice the new set does not know falls back to automatic.
        state.install(
            EngineSet::default(),
            Some(EngineChoice::Engine("gone".into())),
            "saved",
        );
        assert_eq!(state.engines_list().choice, None);
    }
}
