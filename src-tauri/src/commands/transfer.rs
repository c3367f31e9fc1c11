//! Moving images in and out of the engine: pull, push, save, load, import. Each starts a
//! task in the task manager and returns it at once; progress and the end come as events.

use super::paths::{save_target, user_path};
use super::tasks::start_on;
use crate::state::AppState;
use crate::tasks::output::{SaveResult, TaskOutput};
use crate::tasks::{TaskKind, TaskManager, TaskSummary};
use serde::{Deserialize, Serialize};
use slipway_core::Error;
use slipway_core::credentials::{self, Credentials};
use slipway_core::reference::Reference;
use slipway_core::transfer::{ImportOptions, Overwrite, PullOptions};
use tauri::State;

/// Where a save would write, checked first: the full path (`~` expanded) and whether a file
/// is already there — the window asks before it sends `replace`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SaveTarget {
    pub path: String,
    pub exists: bool,
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(err(level = "debug", Display))]
pub async fn images_save_check(path: String) -> Result<SaveTarget, Error> {
    // Off the main thread: a slow mount must not freeze the window.
    tauri::async_runtime::spawn_blocking(move || {
        let target = save_target(&path)?;
        Ok(SaveTarget {
            exists: std::fs::symlink_metadata(&target).is_ok(),
            path: target.display().to_string(),
        })
    })
    .await
    .map_err(Error::unexpected)?
}

/// Save `references` of the engine `engine` (`None`: the current one) into one tar at `path`, streamed; the file appears only when complete.
/// A file already at `path` is replaced only with `replace` (the user said so); otherwise it
/// stays and the task fails (409) naming it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, tasks))]
pub async fn images_save(
    state: State<'_, AppState>,
    tasks: State<'_, TaskManager>,
    engine: Option<String>,
    title: String,
    references: Vec<String>,
    path: String,
    replace: bool,
) -> Result<TaskSummary, Error> {
    let overwrite = match replace {
        true => Overwrite::Replace,
        false => Overwrite::Refuse,
    };
    Ok(start_on(
        &state,
        &tasks,
        engine.as_deref(),
        TaskKind::Save,
        title,
        move |engine, task| async move {
            let target = save_target(&path)?;
            let bytes = engine
                .save_as(
                    &references,
                    &target,
                    overwrite,
                    &mut task.progress(),
                    &task.token,
                )
                .await?;
            Ok(TaskOutput::Save(SaveResult {
                path: target.display().to_string(),
                bytes,
            }))
        },
    )
    .await)
}

/// Pull `reference` (`name[:tag|@digest]`).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, tasks))]
pub async fn image_pull(
    state: State<'_, AppState>,
    tasks: State<'_, TaskManager>,
    engine: Option<String>,
    title: String,
    reference: String,
    platform: Option<String>,
    all_tags: bool,
) -> Result<TaskSummary, Error> {
    let options = PullOptions {
        platform: platform.filter(|p| !p.trim().is_empty()),
        all_tags,
        credentials: None,
    };
    Ok(start_on(
        &state,
        &tasks,
        engine.as_deref(),
        TaskKind::Pull,
        title,
        |engine, task| async move {
            let pulled = engine
                .pull(&reference, &options, &mut task.progress(), &task.token)
                .await?;
            Ok(TaskOutput::Pull(pulled))
        },
    )
    .await)
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

/// Push `reference` from the engine `engine` (`None`: the current one), with the Docker config's credentials for its registry or `login`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, tasks, login))]
pub async fn image_push(
    state: State<'_, AppState>,
    tasks: State<'_, TaskManager>,
    engine: Option<String>,
    title: String,
    reference: String,
    login: Option<LoginForm>,
) -> Result<TaskSummary, Error> {
    Ok(start_on(
        &state,
        &tasks,
        engine.as_deref(),
        TaskKind::Push,
        title,
        |engine, task| async move {
            let registry = Reference::parse(&reference)?.registry().to_owned();
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
            let pushed = engine
                .push(
                    &reference,
                    creds.as_ref(),
                    &mut task.progress(),
                    &task.token,
                )
                .await?;
            Ok(TaskOutput::Push(pushed))
        },
    )
    .await)
}

/// Load images from a tar made by `save` (or `docker save`).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, tasks))]
pub async fn images_load(
    state: State<'_, AppState>,
    tasks: State<'_, TaskManager>,
    engine: Option<String>,
    title: String,
    path: String,
) -> Result<TaskSummary, Error> {
    Ok(start_on(
        &state,
        &tasks,
        engine.as_deref(),
        TaskKind::Load,
        title,
        |engine, task| async move {
            let path = user_path(&path, "a tar file to load")?;
            let loaded = engine
                .load(&path, &mut task.progress(), &task.token)
                .await?;
            Ok(TaskOutput::Load(loaded))
        },
    )
    .await)
}

/// Make an image from a root filesystem tarball, named `reference` if given.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, tasks))]
pub async fn image_import(
    state: State<'_, AppState>,
    tasks: State<'_, TaskManager>,
    engine: Option<String>,
    title: String,
    path: String,
    reference: Option<String>,
) -> Result<TaskSummary, Error> {
    let options = ImportOptions {
        reference: reference.filter(|r| !r.trim().is_empty()),
        ..Default::default()
    };
    Ok(start_on(
        &state,
        &tasks,
        engine.as_deref(),
        TaskKind::Import,
        title,
        |engine, task| async move {
            let path = user_path(&path, "a tarball to import")?;
            let imported = engine
                .import(&path, &options, &mut task.progress(), &task.token)
                .await?;
            Ok(TaskOutput::Import(imported))
        },
    )
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_save_check_says_whether_a_file_would_be_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images.tar");
        let typed = path.to_str().unwrap().to_owned();
        let fresh = images_save_check(typed.clone()).await.unwrap();
        assert_eq!(
            fresh,
            SaveTarget {
                path: typed.clone(),
                exists: false
            }
        );
        std::fs::write(&path, b"mine").unwrap();
        assert!(images_save_check(typed).await.unwrap().exists);
        let e = images_save_check(dir.path().display().to_string())
            .await
            .unwrap_err();
        assert!(e.message.contains("is a folder"), "{}", e.message);
    }
}
