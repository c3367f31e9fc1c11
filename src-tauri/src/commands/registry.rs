//! Finding images to pull: the engine's registry search (Docker Hub and registries that
//! implement it) and, for private registries, a repository's tags from the registry API.

use super::engine;
use super::transfer::LoginForm;
use crate::state::AppState;
use slipway_core::Error;
use slipway_core::credentials::Credentials;
use slipway_core::images::{SearchOptions, SearchResult};
use slipway_core::reference::Reference;
use tauri::State;

/// The engine's search (`docker search`), with its limit and official/stars filters.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(level = "debug", Display))]
pub async fn images_search(
    state: State<'_, AppState>,
    term: String,
    options: SearchOptions,
) -> Result<Vec<SearchResult>, Error> {
    engine(&state, None).await?.search(&term, &options).await
}

/// Tags of a repository, from the registry's API: the Docker config's credentials for it,
/// or `login`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(login), err(level = "debug", Display))]
pub async fn registry_tags(
    repository: String,
    login: Option<LoginForm>,
) -> Result<Vec<String>, Error> {
    let creds = match &login {
        Some(l) => {
            let registry = Reference::parse(&repository)?.registry().to_owned();
            Some(Credentials::basic(&registry, &l.username, &l.password))
        }
        None => None,
    };
    slipway_core::registry::list_tags(&repository, creds.as_ref()).await
}
