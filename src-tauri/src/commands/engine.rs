//! The engines: every discovered one (Docker contexts, Podman connections, well-known
//! sockets) plus each `--host`, one watcher each; and which one the user looks at — `--host`
//! first, else the choice remembered in the app (one engine or All engines), else the one the
//! docker CLI would use (`DOCKER_HOST`, the current context), else the first that answers.

use crate::engines::{EngineChoice, EngineSet, EnginesList};
use crate::live;
use crate::settings::Settings;
use crate::state::{AppState, EngineStatus};
use slipway_core::Error;
use slipway_core::engine::discovery;
use tauri::{AppHandle, Manager, State};

pub(crate) fn config_dir(app: &AppHandle) -> Option<std::path::PathBuf> {
    app.path().app_config_dir().ok()
}

/// Which engine the set starts on, and why.
fn initial_choice(
    flags: &[String],
    saved: &Settings,
    set: &mut EngineSet,
) -> (Option<EngineChoice>, &'static str) {
    if let Some(first) = flags.first() {
        return (set.find(first).map(EngineChoice::Engine), "flag");
    }
    if saved.all_engines {
        return (Some(EngineChoice::All), "saved");
    }
    if let Some(h) = saved
        .engine_host
        .as_deref()
        .filter(|h| !h.trim().is_empty())
    {
        // An address remembered from before (or typed by the user) that discovery does not
        // list is opened as it is; a name that is gone falls back to automatic.
        let key = set.find(h).or_else(|| {
            (h.contains("://") || h.starts_with('/')).then(|| set.add_host(h, "saved"))
        });
        if let Some(key) = key {
            return (Some(EngineChoice::Engine(key)), "saved");
        }
    }
    let env = std::env::var("DOCKER_HOST").is_ok_and(|h| !h.trim().is_empty());
    (None, if env { "env" } else { "auto" })
}

/// Build the engine set afresh (discovery read again), start one watcher per engine (the
/// previous set's watchers stop), tell the UI.
#[tracing::instrument(skip(app))]
pub async fn connect_now(app: &AppHandle) -> EngineStatus {
    let state = app.state::<AppState>();
    let saved = config_dir(app)
        .map(|d| Settings::load(&d))
        .unwrap_or_default();
    state.set_stall_timeout(saved.stall_timeout()).await;
    // Reading settings files: off the async threads.
    let discovered = tauri::async_runtime::spawn_blocking(discovery::engines)
        .await
        .unwrap_or_default();
    for s in &discovered.skipped {
        tracing::info!(path = %s.path, reason = %s.reason, "engine settings skipped");
    }
    let mut set = EngineSet::build(&state.launch.host, &discovered.engines);
    let (choice, source) = initial_choice(&state.launch.host, &saved, &mut set);
    state.install(set, choice, source);
    live::watch_all(app);
    live::emit_engines(app);
    state.status().await
}

fn remember(app: &AppHandle, choice: Option<&EngineChoice>) -> Result<(), Error> {
    let Some(dir) = config_dir(app) else {
        return Ok(());
    };
    Settings::update(&dir, |s| {
        s.all_engines = choice == Some(&EngineChoice::All);
        s.engine_host = match choice {
            Some(EngineChoice::Engine(key)) => Some(key.clone()),
            _ => None,
        };
    })
    .map(|_| ())
    .map_err(|e| Error::of(slipway_core::error::ErrorKind::ChoiceNotSaved).with_detail(e.message))
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn engine_status(state: State<'_, AppState>) -> Result<EngineStatus, Error> {
    Ok(state.status().await)
}

/// Every engine with its state, and the choice.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn engines_list(state: State<'_, AppState>) -> Result<EnginesList, Error> {
    Ok(state.engines_list())
}

/// Look at one engine or at All engines, remembered. Watchers are not touched: each engine
/// keeps its own, whatever is shown.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app))]
pub async fn engine_select(app: AppHandle, choice: EngineChoice) -> Result<EnginesList, Error> {
    let state = app.state::<AppState>();
    state.select(Some(choice.clone()), "saved")?;
    live::emit_engines(&app);
    remember(&app, Some(&choice))?;
    Ok(state.engines_list())
}

/// Try every engine again (discovery read again too).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app))]
pub async fn engine_retry(app: AppHandle) -> Result<EngineStatus, Error> {
    Ok(connect_now(&app).await)
}

/// Pick an engine by its address (`None`: automatic) and remember it; an address the set
/// does not have yet is added and watched.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app))]
pub async fn engine_choose(app: AppHandle, host: Option<String>) -> Result<EngineStatus, Error> {
    let host = host.map(|h| h.trim().to_owned()).filter(|h| !h.is_empty());
    let state = app.state::<AppState>();
    let choice = match &host {
        None => None,
        Some(h) => {
            let (key, added) = state.with_set(|s| match s.find(h) {
                Some(k) => (k, false),
                None => (s.add_host(h, "saved"), true),
            });
            if added {
                live::watch_one(&app, key.clone());
            }
            Some(EngineChoice::Engine(key))
        }
    };
    let source = if choice.is_some() { "saved" } else { "auto" };
    state.select(choice.clone(), source)?;
    live::emit_engines(&app);
    remember(&app, choice.as_ref())?;
    Ok(state.status().await)
}

/// The well-known engine addresses on this platform, for the engine picker.
#[tauri::command]
#[specta::specta]
pub fn engine_candidates() -> Vec<String> {
    slipway_core::engine::default_sockets()
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_core::engine::discovery::{DiscoveredEngine, EngineSource};

    fn set() -> EngineSet {
        let lab = DiscoveredEngine {
            name: "lab".into(),
            host: "tcp://127.0.0.1:2376".into(),
            source: EngineSource::DockerContext,
            tls: None,
            identity: None,
            current: false,
            podman_default: false,
        };
        EngineSet::build(&[], &[lab])
    }

    fn saved(host: Option<&str>, all: bool) -> Settings {
        Settings {
            engine_host: host.map(str::to_owned),
            all_engines: all,
            ..Settings::default()
        }
    }

    #[test]
    fn the_first_host_flag_wins_then_the_remembered_choice_then_automatic() {
        let mut s = set();
        let flags = ["unix:///a.sock".to_owned()];
        let mut with_flag = EngineSet::build(&flags, &[]);
        assert_eq!(
            initial_choice(&flags, &saved(Some("lab"), true), &mut with_flag),
            (Some(EngineChoice::Engine("unix:///a.sock".into())), "flag")
        );
        assert_eq!(
            initial_choice(&[], &saved(None, true), &mut s),
            (Some(EngineChoice::All), "saved")
        );
        // Remembered by name or by address (older versions kept the address).
        assert_eq!(
            initial_choice(&[], &saved(Some("lab"), false), &mut s).0,
            Some(EngineChoice::Engine("lab".into()))
        );
        assert_eq!(
            initial_choice(&[], &saved(Some("tcp://127.0.0.1:2376"), false), &mut s).0,
            Some(EngineChoice::Engine("lab".into()))
        );
        // An address discovery does not list is opened as it is …
        assert_eq!(
            initial_choice(&[], &saved(Some("unix:///typed.sock"), false), &mut s).0,
            Some(EngineChoice::Engine("unix:///typed.sock".into()))
        );
        assert!(s.keys().contains(&"unix:///typed.sock".to_owned()));
        // … a name that is gone means automatic.
        assert_eq!(
            initial_choice(&[], &saved(Some("gone"), false), &mut s).0,
            None
        );
        assert_eq!(initial_choice(&[], &saved(None, false), &mut s).0, None);
    }
}
