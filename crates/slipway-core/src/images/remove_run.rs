//! Running a removal plan: the plan is made again from the engine's state right before
//! anything is sent (so a container created since the preview is not deleted unseen), each
//! image's requests run in order, and the report says what the engine then really holds.

use super::remove_plan::{
    ImageRemoval, RefusalReason, RemovalPlan, RemovalRequest, Resolver, plan_removal, recount,
    refusal,
};
use super::remove_rules::{EngineModel, ModelContainer, ModelImage};
use super::{ContainerRef, RemoveResult, full_id};
use crate::cleanup::protection::Protection;
use crate::engine::Engine;
use crate::error::{Error, Result};
use bollard::query_parameters::{ListContainersOptionsBuilder, ListImagesOptions};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Which containers the user agreed may be deleted with their image (Podman's force).
#[derive(Debug, Clone, PartialEq)]
pub enum ContainerConsent {
    None,
    All,
    /// These container IDs, listed to the user before.
    Only(Vec<String>),
}

impl ContainerConsent {
    fn allows(&self, c: &ContainerRef) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Only(ids) => ids.iter().any(|id| id == &c.id),
        }
    }
}

/// What happened to one image, read back from the engine afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImageOutcome {
    pub id: String,
    pub requested: Vec<String>,
    /// Names it no longer has.
    pub untagged: Vec<String>,
    /// Names it still has.
    pub names_left: Vec<String>,
    /// The image is gone.
    pub deleted: bool,
    pub parents_deleted: Vec<String>,
    pub containers_deleted: Vec<ContainerRef>,
    /// The engine refused a request (what went before it is in `untagged`).
    pub error: Option<Error>,
    /// Refused before anything was sent.
    pub refusal: Option<super::remove_plan::Refusal>,
    /// What happened is what the plan said.
    pub as_planned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemovalReport {
    /// The plan that ran (made again just before running).
    pub plan: RemovalPlan,
    pub outcomes: Vec<ImageOutcome>,
    /// Requested references that still exist: what a retry would remove.
    pub left: Vec<String>,
    /// Everything asked for happened.
    pub complete: bool,
}

impl RemovalReport {
    /// The classic `{"result":"success","untagged":[..],"deleted":[..]}` of one image.
    pub fn results(&self) -> Vec<RemoveResult> {
        self.outcomes
            .iter()
            .filter(|o| o.error.is_none() && o.refusal.is_none())
            .map(|o| RemoveResult {
                result: "success".into(),
                untagged: o.untagged.clone(),
                deleted: o
                    .deleted
                    .then(|| o.id.clone())
                    .into_iter()
                    .chain(o.parents_deleted.iter().cloned())
                    .collect(),
                containers_deleted: o.containers_deleted.iter().map(|c| c.id.clone()).collect(),
            })
            .collect()
    }

    /// Every refusal and engine error, in plan order.
    pub fn errors(&self) -> Vec<Error> {
        self.outcomes
            .iter()
            .filter_map(|o| {
                o.refusal
                    .as_ref()
                    .map(|r| r.to_error())
                    .or_else(|| o.error.clone())
            })
            .collect()
    }
}

impl Engine {
    /// Every image (intermediate ones too) and container, as the removal rules need them.
    #[tracing::instrument(skip(self), level = "debug", err(level = "debug", Display))]
    pub async fn removal_model(&self) -> Result<EngineModel> {
        let opts = ListImagesOptions {
            all: true,
            ..Default::default()
        };
        let images = self
            .api
            .list_images(Some(opts))
            .await
            .map_err(Error::from)?;
        let containers = self
            .api
            .list_containers(Some(
                ListContainersOptionsBuilder::default().all(true).build(),
            ))
            .await
            .map_err(Error::from)?;
        let mut seen = HashSet::new();
        Ok(EngineModel::new(
            self.info.kind,
            images
                .into_iter()
                // One entry per image, whatever an engine repeats.
                .filter(|i| seen.insert(full_id(&i.id)))
                .map(|i| ModelImage {
                    id: full_id(&i.id),
                    tags: super::real_names(i.repo_tags),
                    digests: super::real_names(i.repo_digests),
                    parent: if i.parent_id.is_empty() {
                        String::new()
                    } else {
                        full_id(&i.parent_id)
                    },
                    size: i.size,
                })
                .collect(),
            containers
                .into_iter()
                .filter_map(|c| {
                    let image_id = full_id(c.image_id.as_deref()?);
                    Some(ModelContainer {
                        container: ContainerRef {
                            id: c.id.unwrap_or_default(),
                            name: c
                                .names
                                .unwrap_or_default()
                                .first()
                                .map(|n| n.trim_start_matches('/').to_owned())
                                .unwrap_or_default(),
                            state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                            status: c.status.unwrap_or_default(),
                        },
                        image_id,
                    })
                })
                .collect(),
        ))
    }

    /// What removing `request` would do now. Nothing is changed.
    #[tracing::instrument(skip(self, protection), err(level = "debug", Display))]
    pub async fn plan_removal(
        &self,
        request: &RemovalRequest,
        protection: &Protection,
    ) -> Result<RemovalPlan> {
        let model = self.removal_model().await?;
        Ok(plan_removal(&model, request, protection))
    }

    /// Plan `request` again on the engine's current state and run it; containers Podman's
    /// force would delete are refused unless `consent` names them.
    #[tracing::instrument(skip(self, protection), err(level = "debug", Display))]
    pub async fn remove_planned(
        &self,
        request: &RemovalRequest,
        protection: &Protection,
        consent: &ContainerConsent,
    ) -> Result<RemovalReport> {
        let before = self.removal_model().await?;
        let mut plan = plan_removal(&before, request, protection);
        for image in plan.images.iter_mut() {
            let unseen: Vec<ContainerRef> = image
                .containers_deleted
                .iter()
                .filter(|c| !consent.allows(c))
                .cloned()
                .collect();
            if !unseen.is_empty() {
                let what = image.requested.first().cloned().unwrap_or_default();
                let reason = RefusalReason::ContainersNotAccepted { containers: unseen };
                *image = ImageRemoval {
                    refusal: Some(refusal(before.kind, &what, reason, false)),
                    untag: Vec::new(),
                    delete: false,
                    parents_deleted: Vec::new(),
                    containers_deleted: Vec::new(),
                    containers_kept: Vec::new(),
                    kept_for_children: Vec::new(),
                    steps: Vec::new(),
                    ..image.clone()
                };
            }
        }
        let plan = recount(plan);
        let mut errors: Vec<Option<Error>> = Vec::with_capacity(plan.images.len());
        for image in &plan.images {
            let mut error = None;
            for step in &image.steps {
                if let Err(e) = self
                    .remove(&step.reference, step.force, request.noprune)
                    .await
                {
                    // The rest of this image's requests would act on a state nobody planned.
                    error = Some(e);
                    break;
                }
            }
            errors.push(error);
        }
        let after = self.removal_model().await?;
        let outcomes: Vec<ImageOutcome> = plan
            .images
            .iter()
            .zip(errors)
            .map(|(planned, error)| observe(&before, &after, planned, error))
            .collect();
        let resolver = Resolver::new(&after);
        let left = request
            .references
            .iter()
            .filter(|r| resolver.resolve(r).is_ok())
            .cloned()
            .collect();
        let complete = outcomes
            .iter()
            .all(|o| o.error.is_none() && o.refusal.is_none());
        Ok(RemovalReport {
            plan,
            outcomes,
            left,
            complete,
        })
    }
}

/// What the engine holds now, compared with before, for one planned image.
fn observe(
    before: &EngineModel,
    after: &EngineModel,
    planned: &ImageRemoval,
    error: Option<Error>,
) -> ImageOutcome {
    let was = before.image(&planned.id);
    let now = after.image(&planned.id);
    let tags_before = was.map(|i| i.tags.clone()).unwrap_or_default();
    let names_left = now.map(|i| i.tags.clone()).unwrap_or_default();
    let untagged: Vec<String> = tags_before
        .iter()
        .filter(|t| !names_left.contains(t))
        .cloned()
        .collect();
    let deleted = was.is_some() && now.is_none();
    // Ancestors that were there before and are gone now.
    let mut parents_deleted = Vec::new();
    let mut at = was.map(|i| i.parent.clone()).unwrap_or_default();
    while let Some(p) = before.image(&at) {
        if after.image(&p.id).is_none() {
            parents_deleted.push(p.id.clone());
        }
        at = p.parent.clone();
        if parents_deleted.len() > before.images().count() {
            break;
        }
    }
    let containers_deleted: Vec<ContainerRef> = before
        .users(&planned.id)
        .into_iter()
        .filter(|c| {
            !after
                .containers()
                .iter()
                .any(|a| a.container.id == c.container.id)
        })
        .map(|c| c.container.clone())
        .collect();
    let same = |a: &[String], b: &[String]| {
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        a.sort();
        b.sort();
        a == b
    };
    let ids = |c: &[ContainerRef]| c.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    let as_planned = error.is_none()
        && same(&untagged, &planned.untag)
        && deleted == (planned.delete && was.is_some())
        && same(&parents_deleted, &planned.parents_deleted)
        && same(&ids(&containers_deleted), &ids(&planned.containers_deleted));
    ImageOutcome {
        id: planned.id.clone(),
        requested: planned.requested.clone(),
        untagged,
        names_left,
        deleted,
        parents_deleted,
        containers_deleted,
        error,
        refusal: planned.refusal.clone(),
        as_planned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineKind;

    fn image(id: &str, parent: &str, tags: &[&str]) -> ModelImage {
        ModelImage {
            id: id.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            digests: vec![],
            parent: parent.into(),
            size: 1,
        }
    }

    fn web() -> ModelContainer {
        ModelContainer {
            container: ContainerRef {
                id: "c1".into(),
                name: "web".into(),
                state: "exited".into(),
                status: String::new(),
            },
            image_id: "sha256:a".into(),
        }
    }

    fn model(images: Vec<ModelImage>, containers: Vec<ModelContainer>) -> EngineModel {
        EngineModel::new(EngineKind::Podman, images, containers)
    }

    fn planned() -> ImageRemoval {
        ImageRemoval {
            id: "sha256:a".into(),
            requested: vec!["a:1".into(), "a:2".into()],
            untag: vec!["a:2".into(), "a:1".into()],
            delete: true,
            parents_deleted: vec!["sha256:p".into()],
            containers_deleted: vec![web().container],
            ..Default::default()
        }
    }

    #[test]
    fn what_the_engine_holds_afterwards_is_read_back_and_compared_with_the_plan() {
        let before = model(
            vec![
                image("sha256:p", "", &[]),
                image("sha256:a", "sha256:p", &["a:1", "a:2"]),
            ],
            vec![web()],
        );
        let after = model(vec![], vec![]);
        let o = observe(&before, &after, &planned(), None);
        assert!(o.deleted && o.as_planned, "{o:?}");
        assert_eq!(o.parents_deleted, vec!["sha256:p".to_string()]);
        assert_eq!(o.containers_deleted[0].name, "web");
    }

    #[test]
    fn a_half_done_image_says_which_names_went_and_which_stayed() {
        let before = model(vec![image("sha256:a", "", &["a:1", "a:2"])], vec![web()]);
        let after = model(vec![image("sha256:a", "", &["a:2"])], vec![web()]);
        let error = Some(Error::conflict("in use"));
        let o = observe(&before, &after, &planned(), error);
        assert_eq!(o.untagged, vec!["a:1".to_string()]);
        assert_eq!(o.names_left, vec!["a:2".to_string()]);
        assert!(!o.deleted && !o.as_planned && o.containers_deleted.is_empty());
    }
}
