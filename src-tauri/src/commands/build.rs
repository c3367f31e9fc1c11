//! Building images: what a context would send (shown before starting), and the build itself,
//! a task in the task manager.

use super::paths::{existing_dir, user_path};
use super::tasks::start;
use crate::state::AppState;
use crate::tasks::output::TaskOutput;
use crate::tasks::{TaskKind, TaskManager, TaskSummary};
use slipway_core::Error;
use slipway_core::build::BuildOptions;
use slipway_core::context::ContextSummary;
use tauri::State;

/// The Dockerfile's text, for the form to read stages and `ARG`s from. `dockerfile` is
/// relative to the context like `docker build -f`; default `Dockerfile`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(err(level = "debug", Display))]
pub async fn build_read_dockerfile(
    context: String,
    dockerfile: Option<String>,
) -> Result<String, Error> {
    let context = existing_dir(&context, "a build context folder")?;
    let path = match dockerfile
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
    {
        Some(d) if d.starts_with('/') || d.starts_with("~/") => user_path(&d, "a Dockerfile")?,
        Some(d) => context.join(d),
        None => context.join("Dockerfile"),
    };
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| Error::bad_request(format!("No Dockerfile at {}: {e}", path.display())))?;
    // A Dockerfile is small; something huge is not one (and must not be read into the UI).
    if meta.len() > 1024 * 1024 {
        return Err(Error::bad_request(format!(
            "{} is {} bytes: too big to be a Dockerfile.",
            path.display(),
            meta.len()
        )));
    }
    tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| Error::bad_request(format!("Cannot read {}: {e}", path.display())))
}

/// Files and bytes the build would send after `.dockerignore` (no file contents read).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(err(level = "debug", Display))]
pub async fn build_context_summary(
    context: String,
    dockerfile: Option<String>,
) -> Result<ContextSummary, Error> {
    let context = existing_dir(&context, "a build context folder")?;
    // Like `docker build -f`: a relative Dockerfile is inside the context.
    let dockerfile = dockerfile
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .map(|d| match d.starts_with('/') || d.starts_with("~/") {
            true => user_path(&d, "a Dockerfile"),
            false => Ok(std::path::PathBuf::from(d)),
        })
        .transpose()?;
    // Walking a big tree is blocking I/O: keep it off the async runtime.
    tauri::async_runtime::spawn_blocking(move || {
        slipway_core::context::context_summary(&context, dockerfile.as_deref())
    })
    .await
    .map_err(|e| Error::internal(e.to_string()))?
}

/// Build `context` with `options` as a task; `Step i/N` lines stream as its progress.
/// The options carry build args (secrets, often): never logged.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, tasks, options))]
pub async fn image_build(
    state: State<'_, AppState>,
    tasks: State<'_, TaskManager>,
    title: String,
    context: String,
    options: BuildOptions,
) -> Result<TaskSummary, Error> {
    Ok(start(
        &state,
        &tasks,
        TaskKind::Build,
        title,
        |engine, task| async move {
            let context = existing_dir(&context, "a build context folder")?;
            let built = engine
                .build(&context, &options, &mut task.progress(), &task.token)
                .await?;
            Ok(TaskOutput::Build(built))
        },
    )
    .await)
}
