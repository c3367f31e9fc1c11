//! Safe cleanup against the private dockerd: what the preview lists is exactly what goes,
//! whatever the mode; what changed since the preview stays; pins hold; bytes add up.
//! Tests in this binary run one at a time (`--test-threads=1`), so the engine's df
//! difference around a prune is that prune's alone.

use slipway_core::Engine;
use slipway_core::cleanup::{KeepReason, PlanItem, PruneOutcome, PrunePlan};
use slipway_core::images::PruneOptions;
use slipway_core::progress;
use slipway_core::protection::Protection;
use slipway_engine_tests::*;
use std::collections::HashSet;

/// An image with a 1 MiB incompressible layer of its own and the cleanup marker label.
async fn sized_image(e: &Engine, marker: &str, tags: &[&str]) -> String {
    let dir = random_context(1);
    // random_context's bytes repeat within a process: make this layer this image's own.
    let mut blob = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("blob"))
        .unwrap();
    std::io::Write::write_all(&mut blob, unique("blob").as_bytes()).unwrap();
    let df = dockerfile(&[
        "COPY blob /blob",
        &format!("LABEL slipway.cleanup={marker}"),
    ]);
    std::fs::write(dir.path().join("Dockerfile"), df).unwrap();
    build_in(e, dir.path(), tags).await
}

/// Confirm `items` to the end (no progress wanted, never cancelled).
async fn confirm(
    e: &Engine,
    items: &[PlanItem],
    pins: &Protection,
    save_to: Option<&std::path::Path>,
) -> slipway_core::Result<PruneOutcome> {
    e.prune_exact(items, pins, save_to, &mut progress::ignore, &no_cancel())
        .await
}

fn scoped(marker: &str, all: bool) -> PruneOptions {
    PruneOptions {
        all,
        labels: vec![format!("slipway.cleanup={marker}")],
        ..Default::default()
    }
}

fn planned(plan: &PrunePlan) -> HashSet<String> {
    plan.images.iter().map(|i| i.id.clone()).collect()
}

async fn existing(e: &Engine, ids: &HashSet<String>) -> HashSet<String> {
    let mut out = HashSet::new();
    for id in ids {
        if e.get(id).await.is_ok() {
            out.insert(id.clone());
        }
    }
    out
}

/// Confirm the whole preview and check: exactly the previewed images are gone, the others
/// stay, and the bytes freed are what the preview said (within 1% of the engine's df).
async fn confirm_and_check(e: &Engine, plan: &PrunePlan, all_built: &HashSet<String>) {
    let df_before = e.df().await.unwrap().images.size;
    let outcome = confirm(e, &plan.images, &Protection::default(), None)
        .await
        .unwrap();
    let df_after = e.df().await.unwrap().images.size;
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    let left = existing(e, all_built).await;
    let gone: HashSet<String> = all_built.difference(&left).cloned().collect();
    assert_eq!(gone, planned(plan), "deleted set == previewed set");
    let engine_diff = df_before - df_after;
    assert_eq!(outcome.space_reclaimed, engine_diff);
    let within = |a: i64, b: i64| (a - b).abs() * 100 <= b.max(1);
    assert!(
        within(plan.space_to_reclaim, engine_diff),
        "previewed {} vs engine df difference {engine_diff}",
        plan.space_to_reclaim
    );
    assert_eq!(outcome.predicted, plan.space_to_reclaim);
}

#[tokio::test]
async fn dangling_mode_deletes_exactly_the_previewed_untagged_images() {
    let e = docker().await;
    let marker = unique("c-dangling");
    let tag = unique("c-rebuilt");
    let old = sized_image(&e, &marker, &[&tag]).await;
    let new = sized_image(&e, &marker, &[&tag]).await; // `old` becomes dangling
    let plan = e.prune_plan(&scoped(&marker, false)).await.unwrap();
    assert_eq!(planned(&plan), HashSet::from([old.clone()]));
    assert!(
        plan.images[0].unique_size >= 1 << 20,
        "{:?}",
        plan.images[0]
    );
    confirm_and_check(&e, &plan, &HashSet::from([old, new])).await;
}

#[tokio::test]
async fn all_mode_with_keep_newest_and_until_deletes_exactly_the_preview() {
    let e = docker().await;
    let marker = unique("c-keep");
    let repo = unique("c-repo");
    let mut built = HashSet::new();
    for n in 1..=3 {
        built.insert(sized_image(&e, &marker, &[&format!("{repo}:{n}")]).await);
        // Creation times are in seconds: one apart so "newest" is unambiguous.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    let options = PruneOptions {
        keep: Some(2),
        // Created before "now": all three match; the rule is what spares two.
        until: Some("0s".into()),
        ..scoped(&marker, true)
    };
    let plan = e.prune_plan(&options).await.unwrap();
    assert_eq!(plan.images.len(), 1, "{:?}", plan.images);
    assert_eq!(plan.images[0].tags, vec![format!("{repo}:1")]);
    let kept: Vec<&KeepReason> = plan.kept.iter().map(|k| &k.reason).collect();
    assert_eq!(kept.len(), 2, "{:?}", plan.kept);
    assert!(
        kept.iter()
            .all(|r| matches!(r, KeepReason::KeepNewest { keep: 2, .. }))
    );
    confirm_and_check(&e, &plan, &built).await;
    assert!(e.get(&format!("{repo}:3")).await.is_ok());
}

#[tokio::test]
async fn an_image_tagged_between_preview_and_confirm_is_not_deleted() {
    let e = docker().await;
    let marker = unique("c-race");
    let a = sized_image(&e, &marker, &[&unique("c-race-a")]).await;
    let b = sized_image(&e, &marker, &[&unique("c-race-b")]).await;
    let plan = e.prune_plan(&scoped(&marker, true)).await.unwrap();
    assert_eq!(planned(&plan), HashSet::from([a.clone(), b.clone()]));
    let late = format!("{}:late", unique("c-race-late"));
    docker_cli(&["tag", &a, &late]);
    let outcome = confirm(&e, &plan.images, &Protection::default(), None)
        .await
        .unwrap();
    assert!(e.get(&a).await.is_ok(), "tagged since the preview: stays");
    assert!(e.get(&b).await.is_err(), "unchanged: deleted");
    assert_eq!(outcome.skipped.len(), 1, "{:?}", outcome.skipped);
    assert_eq!(outcome.skipped[0].id, a);
    assert!(
        outcome.skipped[0].reason.contains(&late),
        "{:?}",
        outcome.skipped
    );
    assert_eq!(
        e.get(&a).await.unwrap().tags.len(),
        2,
        "no tag of it was removed"
    );
}

#[tokio::test]
async fn a_pinned_image_survives_prune_all_and_bulk_delete() {
    let e = docker().await;
    let marker = unique("c-pin");
    let pinned_repo = unique("c-pinned");
    let pinned = sized_image(&e, &marker, &[&format!("{pinned_repo}:1")]).await;
    let other = sized_image(&e, &marker, &[&unique("c-other")]).await;
    let options = PruneOptions {
        protect: vec![pinned_repo.clone()],
        ..scoped(&marker, true)
    };
    let plan = e.prune_plan(&options).await.unwrap();
    assert_eq!(planned(&plan), HashSet::from([other.clone()]));
    assert_eq!(
        plan.kept[0].reason,
        KeepReason::Protected {
            pattern: pinned_repo.clone()
        },
        "the preview says why it stays"
    );
    // A caller that passes the pinned image anyway (stale preview) still cannot delete it.
    let unpinned_plan = e.prune_plan(&scoped(&marker, true)).await.unwrap();
    let pins = Protection::new([pinned_repo.clone()]).unwrap();
    let outcome = confirm(&e, &unpinned_plan.images, &pins, None)
        .await
        .unwrap();
    assert!(e.get(&pinned).await.is_ok());
    assert!(e.get(&other).await.is_err());
    assert!(outcome.skipped[0].reason.contains("Pinned"), "{outcome:?}");
    // Bulk delete, forced, by ID and by name: refused with a 409 naming the pin.
    for reference in [pinned.clone(), format!("{pinned_repo}:1")] {
        let err = e
            .remove_unless_protected(&reference, true, false, &pins)
            .await
            .unwrap_err();
        assert_eq!(err.code, 409);
        assert!(err.message.contains(&pinned_repo), "{}", err.message);
    }
    assert!(e.get(&pinned).await.is_ok());
    e.remove(&pinned, true, false).await.unwrap();
}

#[tokio::test]
async fn save_before_delete_then_load_restores_the_same_ids() {
    let e = docker().await;
    let marker = unique("c-save");
    let tag = format!("{}:1", unique("c-saved"));
    let tagged = sized_image(&e, &marker, &[&tag]).await;
    let dangling = sized_image(&e, &marker, &[]).await;
    let plan = e.prune_plan(&scoped(&marker, true)).await.unwrap();
    assert_eq!(
        planned(&plan),
        HashSet::from([tagged.clone(), dangling.clone()])
    );
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("before-prune.tar");
    let outcome = confirm(&e, &plan.images, &Protection::default(), Some(&tar))
        .await
        .unwrap();
    assert_eq!(outcome.saved_to.as_deref(), Some(tar.to_str().unwrap()));
    assert!(e.get(&tagged).await.is_err() && e.get(&dangling).await.is_err());
    e.load(&tar, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    assert_eq!(e.get(&tag).await.unwrap().id, tagged, "same ID, same name");
    assert!(e.get(&dangling).await.is_ok(), "the untagged one too");
}

#[tokio::test]
async fn a_failed_save_deletes_nothing() {
    let e = docker().await;
    let marker = unique("c-nosave");
    let id = sized_image(&e, &marker, &[&unique("c-nosave")]).await;
    let plan = e.prune_plan(&scoped(&marker, true)).await.unwrap();
    let err = confirm(
        &e,
        &plan.images,
        &Protection::default(),
        Some(std::path::Path::new("/nonexistent-dir/x.tar")),
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("nothing was deleted"),
        "{}",
        err.message
    );
    assert!(e.get(&id).await.is_ok());
}

/// What this engine can show of build-cache prune: the preview reads the engine's own df
/// records and the prune (keep-storage on API 1.41) agrees with it. Debian 12 has no buildx,
/// so this engine never holds BuildKit cache and both sides are empty here; which records a
/// prune picks, and their total, are checked by build_cache.rs's unit tests.
#[tokio::test]
async fn build_cache_preview_reads_the_engine_and_agrees_with_its_prune() {
    let e = docker().await;
    let plan = e.build_cache_plan(Some(0), true, None).await.unwrap();
    let cache = e.df().await.unwrap().build_cache;
    assert_eq!(
        plan.records.len() as u64,
        cache.count - cache.active,
        "keeping nothing, the preview lists every cache record not in use"
    );
    assert_eq!(plan.total, e.df().await.unwrap().build_cache.size);
    let r = e.prune_build_cache(Some(0), true, None).await.unwrap();
    assert_eq!(r.space_reclaimed, plan.space_to_reclaim);
    assert_eq!(r.caches_deleted.len(), plan.records.len());
}
