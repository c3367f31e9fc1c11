//! Moving images in and out of the engine: pull, push, save, load, import.
//! Progress streams over a `Channel`; each operation is a task the UI can cancel.

use super::engine;
use super::paths::{save_target, user_path};
use crate::state::AppState;
use crate::tasks::channel_sink;
use serde::{Deserialize, Serialize};
use slipway_core::Error;
use slipway_core::credentials::{self, Credentials};
use slipway_core::progress::Progress;
use slipway_core::reference::Reference;
use slipway_core::transfer::{ImportOptions, LoadResult, PullOptions, PullResult, PushResult};
use tauri::State;
use tauri::ipc::Channel;

/// Where a save went and how big it is.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SaveResult {
    pub path: String,
    #[specta(type = f64)]
    pub bytes: u64,
}

/// Save `references` into one tar at `path`, streamed; the file appears only when complete.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, on_progress), err(level = "debug", Display))]
pub async fn images_save(
    state: State<'_, AppState>,
    task: String,
    references: Vec<String>,
    path: String,
    on_progress: Channel<Progress>,
) -> Result<SaveResult, Error> {
    let guard = state.tasks.start(&task)?;
    let target = save_target(&path)?;
    let engine = engine(&state).await?;
    let mut send = channel_sink(on_progress);
    let bytes = engine
        .save(&references, &target, &mut send, &guard.token)
        .await?;
    Ok(SaveResult {
        path: target.display().to_string(),
        bytes,
    })
}

/// Pull `reference` (`name[:tag|@digest]`); layers stream to `on_progress`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, on_progress), err(level = "debug", Display))]
pub async fn image_pull(
    state: State<'_, AppState>,
    task: String,
    reference: String,
    platform: Option<String>,
    all_tags: bool,
    on_progress: Channel<Progress>,
) -> Result<PullResult, Error> {
    let guard = state.tasks.start(&task)?;
    let engine = engine(&state).await?;
    let options = PullOptions {
        platform: platform.filter(|p| !p.trim().is_empty()),
        all_tags,
        credentials: None,
    };
    let mut send = channel_sink(on_progress);
    engine
        .pull(&reference, &options, &mut send, &guard.token)
        .await
}

/// A login typed into the push form. Never logged.
#[derive(Clone, Deserialize, specta::Type)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    /// Keep it the way `docker login` does (the Docker config, or not at all where the user
    /// has a credential store).
    pub remember: bool,
}

/// Push `reference`, with the Docker config's credentials for its registry or `login`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, login, on_progress), err(level = "debug", Display))]
pub async fn image_push(
    state: State<'_, AppState>,
    task: String,
    reference: String,
    login: Option<LoginForm>,
    on_progress: Channel<Progress>,
) -> Result<PushResult, Error> {
    let guard = state.tasks.start(&task)?;
    let registry = Reference::parse(&reference)?.registry().to_owned();
    let engine = engine(&state).await?;
    let creds = login
        .as_ref()
        .map(|l| Credentials::basic(&registry, &l.username, &l.password));
    if let (Some(c), Some(l)) = (&creds, &login) {
        // Check the login first: a wrong password is a clear error now, not a failed push.
        engine.login(c).await?;
        if l.remember {
            credentials::save_to_docker_config(c)?;
        }
    }
    let mut send = channel_sink(on_progress);
    engine
        .push(&reference, creds.as_ref(), &mut send, &guard.token)
        .await
}

/// Load images from a tar made by `save` (or `docker save`).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, on_progress), err(level = "debug", Display))]
pub async fn images_load(
    state: State<'_, AppState>,
    task: String,
    path: String,
    on_progress: Channel<Progress>,
) -> Result<LoadResult, Error> {
    let guard = state.tasks.start(&task)?;
    let path = user_path(&path, "a tar file to load")?;
    let engine = engine(&state).await?;
    let mut send = channel_sink(on_progress);
    engine.load(&path, &mut send, &guard.token).await
}

/// Make an image from a root filesystem tarball, named `reference` if given.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, on_progress), err(level = "debug", Display))]
pub async fn image_import(
    state: State<'_, AppState>,
    task: String,
    path: String,
    reference: Option<String>,
    on_progress: Channel<Progress>,
) -> Result<PullResult, Error> {
    let guard = state.tasks.start(&task)?;
    let path = user_path(&path, "a tarball to import")?;
    let engine = engine(&state).await?;
    let options = ImportOptions {
        reference: reference.filter(|r| !r.trim().is_empty()),
        ..Default::default()
    };
    let mut send = channel_sink(on_progress);
    engine
        .import(&path, &options, &mut send, &guard.token)
        .await
}

/// Stop a running task; false when it is not running (any more).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn task_cancel(state: State<'_, AppState>, task: String) -> Result<bool, Error> {
    Ok(state.tasks.cancel(&task))
}
