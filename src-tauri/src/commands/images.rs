//! Image commands: list, details, containers, history, inspect, tag, untag, remove.

use super::engine;
use crate::state::AppState;
use serde::Serialize;
use slipway_core::Error;
use slipway_core::images::{
    ContainerRef, HistoryEntry, ImageDetails, ImageSummary, ListOptions, RemoveResult,
};
use tauri::State;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn images_list(state: State<'_, AppState>) -> Result<Vec<ImageSummary>, Error> {
    engine(&state).await?.list(&ListOptions::default()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_get(
    state: State<'_, AppState>,
    reference: String,
) -> Result<ImageDetails, Error> {
    engine(&state).await?.get(&reference).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_history(
    state: State<'_, AppState>,
    reference: String,
) -> Result<Vec<HistoryEntry>, Error> {
    engine(&state).await?.history(&reference).await
}

/// Containers created from this image, running or not.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_containers(
    state: State<'_, AppState>,
    reference: String,
) -> Result<Vec<ContainerRef>, Error> {
    engine(&state).await?.containers_using(&reference).await
}

/// The engine's inspect document, pretty-printed for the raw JSON tab.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_inspect(state: State<'_, AppState>, reference: String) -> Result<String, Error> {
    let v = engine(&state).await?.inspect(&reference).await?;
    serde_json::to_string_pretty(&v).map_err(|e| Error::internal(e.to_string()))
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_tag(
    state: State<'_, AppState>,
    source: String,
    target: String,
) -> Result<(), Error> {
    engine(&state).await?.tag(&source, &target).await
}

/// Remove one name; the image stays while it has others.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_untag(state: State<'_, AppState>, name: String) -> Result<RemoveResult, Error> {
    // Untagging the last name deletes the image: off while a pins file is damaged.
    super::cleanup::pins_for_deleting().await?;
    engine(&state).await?.remove(&name, false, false).await
}

/// What happened to one image of a bulk removal.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RemoveOutcome {
    pub reference: String,
    pub result: Option<RemoveResult>,
    pub error: Option<Error>,
}

/// Remove several images; one failure does not stop the rest, and each is reported.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn images_remove(
    state: State<'_, AppState>,
    references: Vec<String>,
    force: bool,
) -> Result<Vec<RemoveOutcome>, Error> {
    // Pinned images are refused (409 naming the pin) even when forced; everything is refused
    // (423) while a pins file is damaged.
    let pins = super::cleanup::pins_for_deleting().await?;
    let engine = engine(&state).await?;
    let mut outcomes = Vec::with_capacity(references.len());
    for reference in references {
        let r = engine
            .remove_unless_protected(&reference, force, false, &pins)
            .await;
        let (result, error) = match r {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e)),
        };
        outcomes.push(RemoveOutcome {
            reference,
            result,
            error,
        });
    }
    Ok(outcomes)
}
