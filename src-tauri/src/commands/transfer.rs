//! Moving images in and out of the engine: save (more to come: load, pull, push).
//! Progress streams over a `Channel`; each operation is a task the UI can cancel.

use super::engine;
use crate::state::AppState;
use crate::tasks::Throttle;
use serde::Serialize;
use slipway_core::Error;
use slipway_core::progress::Progress;
use std::path::PathBuf;
use std::time::Duration;
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
    let target = user_path(&path)?;
    let engine = engine(&state).await?;
    let mut throttle = Throttle::new(Duration::from_millis(100));
    let mut send = |p: Progress| {
        if throttle.admit(&p) {
            let _ = on_progress.send(p);
        }
    };
    let bytes = engine
        .save(&references, &target, &mut send, &guard.token)
        .await?;
    Ok(SaveResult {
        path: target.display().to_string(),
        bytes,
    })
}

/// Stop a running task; false when it is not running (any more).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn task_cancel(state: State<'_, AppState>, task: String) -> Result<bool, Error> {
    Ok(state.tasks.cancel(&task))
}

/// A path the user typed or picked: `~` is their home; anything else must be absolute
/// (relative to what? the app has no meaningful working directory).
fn user_path(typed: &str) -> Result<PathBuf, Error> {
    let typed = typed.trim();
    let path = match typed.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(rest))
            .ok_or_else(|| Error::bad_request("HOME is not set, so ~ cannot be expanded."))?,
        None => PathBuf::from(typed),
    };
    if typed.is_empty() {
        return Err(Error::bad_request("Choose a file to save to."));
    }
    if !path.is_absolute() {
        return Err(Error::bad_request(format!(
            "{typed} is not a full path: start it with / or ~/."
        )));
    }
    if path.is_dir() {
        return Err(Error::bad_request(format!(
            "{} is a folder: add a file name such as images.tar.",
            path.display()
        )));
    }
    match path.parent() {
        Some(dir) if dir.is_dir() => Ok(path),
        _ => Err(Error::bad_request(format!(
            "The folder of {} does not exist.",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_refused_because_the_app_has_no_working_directory() {
        assert_eq!(user_path("images.tar").unwrap_err().code, 400);
        assert_eq!(user_path("  ").unwrap_err().code, 400);
    }

    #[test]
    fn a_folder_or_a_missing_folder_is_a_clear_error_not_a_failed_save() {
        let dir = tempfile::tempdir().unwrap();
        let e = user_path(dir.path().to_str().unwrap()).unwrap_err();
        assert!(e.message.contains("is a folder"), "{}", e.message);
        let missing = dir.path().join("nope/out.tar");
        let e = user_path(missing.to_str().unwrap()).unwrap_err();
        assert!(e.message.contains("does not exist"), "{}", e.message);
        let ok = dir.path().join("out.tar");
        assert_eq!(user_path(ok.to_str().unwrap()).unwrap(), ok);
    }

    #[test]
    fn tilde_means_home() {
        let Some(home) = std::env::var_os("HOME") else {
            return;
        };
        if !PathBuf::from(&home).is_dir() {
            return;
        }
        assert_eq!(
            user_path("~/x.tar").unwrap(),
            PathBuf::from(home).join("x.tar")
        );
    }
}
