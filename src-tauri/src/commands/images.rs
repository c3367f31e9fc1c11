//! Image commands: list, details, containers, history, inspect, tag, remove (planned: a
//! single name removed from the details view goes through the same plan).

use super::engine as engine_of;
use crate::state::AppState;
use slipway_core::Error;
use slipway_core::images::{
    ContainerConsent, ContainerRef, HistoryEntry, ImageDetails, ImageSummary, ListOptions,
    MovePolicy, RemovalPlan, RemovalReport, RemovalRequest, TagOutcome,
};
use tauri::State;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn images_list(
    state: State<'_, AppState>,
    engine: Option<String>,
) -> Result<Vec<ImageSummary>, Error> {
    engine_of(&state, engine.as_deref())
        .await?
        .list(&ListOptions::default())
        .await
}

/// Rows to paint before `images_list` answers where the engine lists slowly (Podman);
/// `null` where the list is the quick way.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn images_quick_list(
    state: State<'_, AppState>,
    engine: Option<String>,
) -> Result<Option<Vec<ImageSummary>>, Error> {
    engine_of(&state, engine.as_deref())
        .await?
        .quick_list()
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_get(
    state: State<'_, AppState>,
    engine: Option<String>,
    reference: String,
) -> Result<ImageDetails, Error> {
    engine_of(&state, engine.as_deref())
        .await?
        .get(&reference)
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_history(
    state: State<'_, AppState>,
    engine: Option<String>,
    reference: String,
) -> Result<Vec<HistoryEntry>, Error> {
    engine_of(&state, engine.as_deref())
        .await?
        .history(&reference)
        .await
}

/// Containers created from this image, running or not.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_containers(
    state: State<'_, AppState>,
    engine: Option<String>,
    reference: String,
) -> Result<Vec<ContainerRef>, Error> {
    engine_of(&state, engine.as_deref())
        .await?
        .containers_using(&reference)
        .await
}

/// The engine's inspect document, pretty-printed for the raw JSON tab.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_inspect(
    state: State<'_, AppState>,
    engine: Option<String>,
    reference: String,
) -> Result<String, Error> {
    let v = engine_of(&state, engine.as_deref())
        .await?
        .inspect(&reference)
        .await?;
    serde_json::to_string_pretty(&v).map_err(Error::unexpected)
}

/// Give `source` the name `target`. When another image holds it, nothing changes and the
/// conflict comes back (with that image's ID) until `move_from` names that same image.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn image_tag(
    state: State<'_, AppState>,
    engine: Option<String>,
    source: String,
    target: String,
    move_from: Option<String>,
) -> Result<TagOutcome, Error> {
    let policy = move_from.map_or(MovePolicy::Ask, MovePolicy::From);
    engine_of(&state, engine.as_deref())
        .await?
        .tag_checked(&source, &target, &policy)
        .await
}

/// What removing these names/IDs would do, from the engine's rules and the pins. Nothing
/// is changed.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn images_remove_plan(
    state: State<'_, AppState>,
    engine: Option<String>,
    references: Vec<String>,
    force: bool,
) -> Result<RemovalPlan, Error> {
    let request = RemovalRequest {
        references,
        force,
        noprune: false,
    };
    let pins = super::cleanup::pins_for_preview().await?;
    engine_of(&state, engine.as_deref())
        .await?
        .plan_removal(&request, &pins)
        .await
}

/// Remove names/IDs as planned (the plan is made again first) and report what the engine
/// then holds. Containers Podman's force would delete go only when listed in
/// `accept_containers` (the ones the user was shown); pinned images never go.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn images_remove(
    state: State<'_, AppState>,
    engine: Option<String>,
    references: Vec<String>,
    force: bool,
    accept_containers: Vec<String>,
) -> Result<RemovalReport, Error> {
    let request = RemovalRequest {
        references,
        force,
        noprune: false,
    };
    // Pinned images are refused even when forced; everything is refused (423) while a pins
    // file is damaged.
    let pins = super::cleanup::pins_for_deleting().await?;
    let consent = ContainerConsent::Only(accept_containers);
    engine_of(&state, engine.as_deref())
        .await?
        .remove_planned(&request, &pins, &consent)
        .await
}
