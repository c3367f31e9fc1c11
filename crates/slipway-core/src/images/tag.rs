//! Naming images. A name belongs to one image: giving it to another moves it, and the engine
//! does that silently (the old image may be left without any name). [`Engine::tag_checked`]
//! says so first, unless the caller already agreed to move it from that very image.

use super::missing;
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Operation, Result};
use crate::reference::{Reference, validate_image_ref};
use bollard::query_parameters::TagImageOptions;
use serde::{Deserialize, Serialize};

/// The image that holds a name now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TagHolder {
    pub id: String,
    /// Every name it has now (the moved one included).
    pub tags: Vec<String>,
    /// The names it keeps once this one moves; empty means it is left without a name.
    pub keeps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TagOutcome {
    /// The source image has the name; `moved_from` lost it.
    Tagged {
        name: String,
        moved_from: Option<TagHolder>,
    },
    /// Another image holds the name and nothing changed: ask, then tag again with
    /// [`MovePolicy::From`] the holder's ID.
    Conflict { name: String, holder: TagHolder },
}

/// What to do when another image holds the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MovePolicy {
    /// Change nothing and report the conflict.
    Ask,
    /// Move it, but only from this image (the one the user was shown).
    From(String),
    /// Move it from whichever image holds it, as `docker tag` does.
    Always,
}

impl Engine {
    /// Give `source` the name `target` (`repo[:tag]`, tag defaults to `latest`).
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn tag(&self, source: &str, target: &str) -> Result<()> {
        validate_image_ref(source)?;
        let t = target_reference(target)?;
        let opts = TagImageOptions {
            repo: Some(t.repository()),
            tag: t.tag_or_default().map(str::to_owned),
        };
        self.api.tag_image(source, Some(opts)).await.map_err(|e| {
            missing(source, e).during(Operation::Tag {
                source: source.into(),
                target: target.into(),
            })
        })
    }

    /// `tag`, unless another image holds the name and `policy` does not allow moving it.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn tag_checked(
        &self,
        source: &str,
        target: &str,
        policy: &MovePolicy,
    ) -> Result<TagOutcome> {
        let t = target_reference(target)?;
        let source_id = self.get(source).await?.id;
        let name = t.normalized();
        let holder = match self.get(&name).await {
            // The engine may resolve a short name to another spelling (Podman's `localhost/x`):
            // only an image that has this very name holds it.
            Ok(d) if d.tags.iter().any(|n| t.matches_name(n)) => Some(d),
            Ok(_) => None,
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e),
        };
        let holder = holder.filter(|h| h.id != source_id).map(|h| TagHolder {
            keeps: h
                .tags
                .iter()
                .filter(|n| !t.matches_name(n))
                .cloned()
                .collect(),
            id: h.id,
            tags: h.tags,
        });
        if let Some(h) = &holder {
            let agreed = match policy {
                MovePolicy::Ask => false,
                MovePolicy::From(id) => *id == h.id,
                MovePolicy::Always => true,
            };
            if !agreed {
                return Ok(TagOutcome::Conflict {
                    name,
                    holder: h.clone(),
                });
            }
        }
        self.tag(source, target).await?;
        Ok(TagOutcome::Tagged {
            name,
            moved_from: holder,
        })
    }
}

fn target_reference(target: &str) -> Result<Reference> {
    let t = Reference::parse(target)?;
    if t.digest.is_some() {
        return Err(Error::of(ErrorKind::TagHasDigest {
            target: target.into(),
        }));
    }
    Ok(t)
}
