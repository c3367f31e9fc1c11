//! Searching registries through the engine, and asking a registry about an image.

use super::to_filter_map;
use crate::credentials::{self, Credentials};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Operation, Result};
use crate::reference::Reference;
use bollard::query_parameters::SearchImagesOptions;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchResult {
    pub name: String,
    pub description: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub stars: i64,
    pub official: bool,
    pub automated: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchOptions {
    pub limit: Option<i32>,
    pub official_only: bool,
    pub min_stars: Option<u32>,
}

/// What a registry says about an image, without pulling it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegistryData {
    pub digest: String,
    pub media_type: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: i64,
    pub platforms: Vec<String>,
}

impl Engine {
    /// Search a registry (Docker Hub on Docker; the configured registries on Podman).
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn search(&self, term: &str, options: &SearchOptions) -> Result<Vec<SearchResult>> {
        if term.trim().is_empty() {
            return Err(Error::of(ErrorKind::EmptySearch));
        }
        super::check_search_limit(options.limit)?;
        let mut filters = Vec::new();
        if options.official_only {
            filters.push(("is-official".to_owned(), "true".to_owned()));
        }
        if let Some(s) = options.min_stars {
            filters.push(("stars".to_owned(), s.to_string()));
        }
        let context = |e: Error| {
            // Docker relays a registry without a search API as "500 Unexpected status code 404".
            let e = if e.code == 500 && e.message.contains("status code 404") {
                Error::of(ErrorKind::NoSearchApi).with_detail(e.detail.unwrap_or(e.message))
            } else {
                e
            };
            e.during(Operation::Search { term: term.into() })
        };
        let mut query = format!("/images/search?term={}", crate::raw::query_escape(term));
        if let Some(l) = options.limit {
            query.push_str(&format!("&limit={l}"));
        }
        if !filters.is_empty() {
            let json = serde_json::to_string(&to_filter_map(&filters)).unwrap_or_default();
            query.push_str(&format!("&filters={}", crate::raw::query_escape(&json)));
        }
        // Raw, because Podman answers with other field names (`Name`, `Stars`, `Official`).
        let rows = match self.raw_json("GET", &query, None).await {
            Ok(v) => v,
            Err(e) if e.code == 501 => {
                let opts = SearchImagesOptions {
                    term: term.to_owned(),
                    limit: options.limit,
                    filters: (!filters.is_empty()).then(|| to_filter_map(&filters)),
                };
                let typed = self
                    .api
                    .search_images(opts)
                    .await
                    .map_err(|e| context(e.into()))?;
                serde_json::to_value(typed).map_err(Error::unexpected)?
            }
            Err(e) => return Err(context(e)),
        };
        Ok(rows
            .as_array()
            .map(|a| a.iter().map(search_row).collect())
            .unwrap_or_default())
    }

    /// Digest and platforms of a remote image, asking the registry through the engine
    /// (Docker) or directly (Podman, which cannot).
    #[tracing::instrument(skip(self, credentials), err(level = "debug", Display))]
    pub async fn registry_data(
        &self,
        reference: &str,
        credentials: Option<&Credentials>,
    ) -> Result<RegistryData> {
        if self.is_podman() {
            // Podman has no `/distribution` endpoint: ask the registry itself.
            return crate::registry::manifest::manifest_data(reference, credentials, self.stall)
                .await;
        }
        let r = Reference::parse(reference)?;
        let creds = credentials::lookup(credentials, r.registry(), self.stall)
            .await?
            .map(|c| c.to_bollard());
        let d = self
            .api
            .inspect_registry_image(&r.normalized(), creds)
            .await
            .map_err(|e| {
                Error::from(e).during(Operation::AskRegistry {
                    reference: r.to_string(),
                })
            })?;
        Ok(RegistryData {
            digest: d.descriptor.digest.unwrap_or_default(),
            media_type: d.descriptor.media_type.unwrap_or_default(),
            size: d.descriptor.size.unwrap_or_default(),
            platforms: d
                .platforms
                .into_iter()
                .map(|p| {
                    let mut s = format!(
                        "{}/{}",
                        p.os.unwrap_or_default(),
                        p.architecture.unwrap_or_default()
                    );
                    if let Some(v) = p.variant.filter(|v| !v.is_empty()) {
                        s.push('/');
                        s.push_str(&v);
                    }
                    s
                })
                .collect(),
        })
    }
}

/// One search hit in Docker's spelling (`name`, `star_count`, `is_official`) or Podman's
/// (`Name`, `Stars`, `Official` as "[OK]" or "").
fn search_row(v: &serde_json::Value) -> SearchResult {
    let text = |a: &str, b: &str| {
        v[a].as_str()
            .or_else(|| v[b].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let flag = |a: &str, b: &str| {
        v[a].as_bool()
            .or_else(|| v[b].as_bool())
            .or_else(|| v[b].as_str().map(|s| !s.is_empty()))
            .unwrap_or_default()
    };
    SearchResult {
        name: text("name", "Name"),
        description: text("description", "Description"),
        stars: v["star_count"]
            .as_i64()
            .or_else(|| v["Stars"].as_i64())
            .unwrap_or_default(),
        official: flag("is_official", "Official"),
        automated: flag("is_automated", "Automated"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_rows_are_read_in_docker_and_podman_spelling() {
        let docker = search_row(
            &serde_json::json!({"name":"busybox","star_count":3,"is_official":true,"is_automated":false,"description":"d"}),
        );
        let podman = search_row(
            &serde_json::json!({"Index":"r","Name":"busybox","Stars":3,"Official":"[OK]","Automated":"","Description":"d"}),
        );
        assert_eq!(docker, podman);
        assert!(docker.official && !docker.automated);
    }
}
