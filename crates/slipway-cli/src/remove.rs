//! `images rm` and `images tag`.
//!
//! `rm` runs the core's removal plan: an image is removed all or nothing (never left with
//! some of its names), and `--force` never deletes a container unless `--delete-containers`
//! says so. Docker's force keeps containers anyway; Podman's deletes the containers of the
//! image (running ones too), so there Slipway refuses and lists them, like Docker would
//! have kept them. `tag` moves a name the way `docker tag` does, and says so on stderr.

use crate::args::RmArgs;
use crate::show;
use slipway_core::error::{ErrorKind, Hint};
use slipway_core::images::{
    ContainerConsent, MovePolicy, RefusalReason, RemovalRequest, TagOutcome,
};
use slipway_core::protection::Protection;
use slipway_core::{Engine, Error, Result};

pub async fn rm(engine: &Engine, a: &RmArgs, protection: &Protection, json: bool) -> Result<()> {
    let request = RemovalRequest {
        references: a.references.clone(),
        force: a.force,
        noprune: a.no_prune,
    };
    let consent = if a.delete_containers {
        ContainerConsent::All
    } else {
        ContainerConsent::None
    };
    let report = engine
        .remove_planned(&request, protection, &consent)
        .await?;
    let results = report.results();
    let print = |to_err: bool| {
        for r in &results {
            let lines = r
                .containers_deleted
                .iter()
                .map(|c| format!("Deleted container: {c}"))
                .chain(r.untagged.iter().map(|u| format!("Untagged: {u}")))
                .chain(r.deleted.iter().map(|d| format!("Deleted: {d}")));
            for l in lines {
                if to_err {
                    eprintln!("{l}");
                } else {
                    println!("{l}");
                }
            }
        }
    };
    let mut errors = report
        .outcomes
        .iter()
        .filter_map(|o| match &o.refusal {
            Some(r) if matches!(r.reason, RefusalReason::ContainersNotAccepted { .. }) => {
                Some(Error::of(ErrorKind::WithHint {
                    cause: r.to_error(),
                    hint: Hint::DeleteContainers,
                }))
            }
            Some(r) => Some(r.to_error()),
            None => o.error.clone(),
        })
        .collect::<Vec<_>>()
        .into_iter();
    if let Some(first) = errors.next() {
        // Like `docker rmi a b`: one refusal does not stop the others. The error (its JSON
        // with --json) is the first; what was done and the other refusals go to stderr.
        print(true);
        errors.for_each(|e| eprintln!("Error: {}", e.message));
        return Err(first);
    }
    let value = if results.len() == 1 {
        serde_json::to_value(&results[0])
    } else {
        serde_json::to_value(&results)
    }
    .map_err(Error::unexpected)?;
    show(json, &value, |_| print(false))
}

pub async fn tag(engine: &Engine, source: &str, target: &str, json: bool) -> Result<()> {
    let outcome = engine
        .tag_checked(source, target, &MovePolicy::Always)
        .await?;
    let moved_from = match &outcome {
        TagOutcome::Tagged { moved_from, .. } => moved_from.clone(),
        TagOutcome::Conflict { .. } => None,
    };
    if let Some(h) = &moved_from {
        let left = if h.keeps.is_empty() {
            "it has no name left".to_owned()
        } else {
            format!("it keeps {}", h.keeps.join(", "))
        };
        eprintln!(
            "Warning: {target} was on image {}; it moved ({left}).",
            output_short(&h.id)
        );
    }
    show(
        json,
        &serde_json::json!({
            "result": "success",
            "source": source,
            "target": target,
            "moved_from": moved_from.map(|h| h.id),
        }),
        |_| {},
    )
}

fn output_short(id: &str) -> String {
    crate::output::short_id(id)
}
