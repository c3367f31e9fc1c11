//! What changes in the engine, as it happens: image events, and the container events that
//! change what the image list and disk usage show (a container made from an image, one
//! removed, one started or stopped). A classic build cancelled half-way leaves its last
//! committed step behind as an untagged image without any image event — dockerd 20.10 only
//! sends the build containers' events (create … kill, die, destroy) — so following containers
//! is what makes such leftovers appear.

use crate::engine::Engine;
use crate::error::{Error, Result};
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One image event (tag, untag, delete, pull, push, load, import, save …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImageEvent {
    pub action: String,
    /// Image ID or name as the engine reports it.
    pub id: String,
    /// The name involved (`x:1` for a tag event), when the engine says.
    pub name: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub time: i64,
}

/// An image or container event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChangeEvent {
    /// `image` or `container`.
    pub kind: String,
    pub action: String,
    pub id: String,
    /// The image name, or the container's name.
    pub name: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub time: i64,
}

/// Container actions that change what images and disk usage show. Attach, exec, resize,
/// health checks … change neither.
pub fn container_action_matters(action: &str) -> bool {
    matches!(
        action,
        "create" | "destroy" | "remove" | "start" | "die" | "died" | "stop" | "commit" | "prune"
    )
}

impl Engine {
    /// Image events as they happen. The stream ends when the engine connection drops;
    /// callers reconnect and resync.
    #[tracing::instrument(skip(self))]
    pub fn image_events(&self) -> impl Stream<Item = Result<ImageEvent>> + Send + 'static {
        self.events_of(&["image"]).map(|e| {
            e.map(|e| ImageEvent {
                action: e.action,
                id: e.id,
                name: e.name,
                time: e.time,
            })
        })
    }

    /// Image events and the container events that matter to images and disk usage.
    #[tracing::instrument(skip(self))]
    pub fn change_events(&self) -> impl Stream<Item = Result<ChangeEvent>> + Send + 'static {
        self.events_of(&["image", "container"]).filter(|e| {
            let keep = match e {
                Ok(e) => e.kind != "container" || container_action_matters(&e.action),
                Err(_) => true,
            };
            std::future::ready(keep)
        })
    }

    fn events_of(
        &self,
        types: &[&str],
    ) -> impl Stream<Item = Result<ChangeEvent>> + Send + 'static {
        let mut filters = HashMap::new();
        filters.insert(
            "type".to_owned(),
            types.iter().map(|t| t.to_string()).collect(),
        );
        // The request goes out on first poll; `since` = now makes events that happen between
        // this call and that poll arrive too (the engine replays them from its log).
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let opts = bollard::query_parameters::EventsOptions {
            filters: Some(filters),
            since: Some(now.to_string()),
            ..Default::default()
        };
        // Podman sends `delete` after `untag` when one name of several goes (the image
        // stays): a delete of an image that is still there is no delete.
        let podman = self.is_podman().then(|| self.clone());
        let events = self.long.events(Some(opts)).map(|item| {
            let e = item.map_err(Error::from)?;
            let actor = e.actor.unwrap_or_default();
            let attributes = actor.attributes.unwrap_or_default();
            Ok(ChangeEvent {
                kind: e.typ.map(|t| t.to_string()).unwrap_or_default(),
                action: e.action.unwrap_or_default(),
                id: actor.id.unwrap_or_default(),
                name: attributes.get("name").cloned(),
                time: e.time.unwrap_or_default(),
            })
        });
        events.filter_map(move |e| {
            let podman = podman.clone();
            async move {
                let still_there = match (&e, &podman) {
                    (Ok(ev), Some(engine)) if ev.kind == "image" && ev.action == "delete" => {
                        engine.inspect(&ev.id).await.is_ok()
                    }
                    _ => false,
                };
                (!still_there).then_some(e)
            }
        })
    }
}
