//! Images created in the same second, where the list's whole seconds cannot tell them apart:
//! "keep the newest N tags" with two tags of one repository (on the private dockerd through
//! the CLI a user runs, and on Podman through the core), and a prune of a parent and its
//! child built in the same second.
//!
//! For "keep newest" the images are loaded from archives this suite writes, with creation
//! times a fraction of a second apart inside one second: the list's seconds tie, the
//! engine's inspect time (RFC 3339 with nanoseconds) does not. The older one gets the tag
//! that sorts last, so a ranking that falls back to the tag keeps the wrong one.

use sha2::{Digest, Sha256};
use slipway_core::Engine;
use slipway_core::cleanup::KeepReason;
use slipway_core::cleanup::PlanItem;
use slipway_core::images::{ListOptions, PruneOptions};
use slipway_core::progress;
use slipway_core::protection::Protection;
use slipway_engine_tests::*;
use std::process::Command;

const SECOND: &str = "2024-05-01T10:00:00";

/// A one-layer image archive (`docker save` format) named `tag`, created at `created`,
/// labelled `slipway.keep=<marker>`, with a layer of its own.
fn image_archive(
    dir: &std::path::Path,
    tag: &str,
    created: &str,
    marker: &str,
) -> std::path::PathBuf {
    let mut layer = tar::Builder::new(Vec::new());
    let body = format!("{tag} {created} {}", unique("layer"));
    let mut header = tar::Header::new_gnu();
    header.set_size(body.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    layer
        .append_data(&mut header, "marker", body.as_bytes())
        .unwrap();
    let layer = layer.into_inner().unwrap();
    let diff_id = format!("sha256:{:x}", Sha256::digest(&layer));
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": { "Labels": { "slipway.keep": marker } },
        "rootfs": { "type": "layers", "diff_ids": [diff_id] },
        "history": [{ "created": created, "created_by": "slipway keep-newest test" }],
    })
    .to_string();
    let manifest = serde_json::json!([{
        "Config": "config.json",
        "RepoTags": [tag],
        "Layers": ["layer/layer.tar"],
    }])
    .to_string();
    let path = dir.join(format!("{}.tar", unique("archive")));
    let mut archive = tar::Builder::new(std::fs::File::create(&path).unwrap());
    for (name, data) in [
        ("config.json", config.as_bytes()),
        ("layer/layer.tar", &layer[..]),
        ("manifest.json", manifest.as_bytes()),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        archive.append_data(&mut header, name, data).unwrap();
    }
    archive.finish().unwrap();
    path
}

/// Load `repo:a` (newer, .9 s) and `repo:b` (older, .1 s) of one second; returns their IDs.
async fn same_second_pair(e: &Engine, repo: &str, marker: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut ids = Vec::new();
    for (tag, fraction) in [("a", "900000000"), ("b", "100000000")] {
        let tag = format!("{repo}:{tag}");
        let archive = image_archive(dir.path(), &tag, &format!("{SECOND}.{fraction}Z"), marker);
        e.load(&archive, &mut progress::ignore, &no_cancel())
            .await
            .expect("the archive loads");
        ids.push(e.get(&tag).await.expect("loaded under its tag").id);
    }
    let listed = e
        .list(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|i| ids.contains(&i.id))
        .map(|i| i.created)
        .collect::<Vec<_>>();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0], listed[1], "the list's seconds tie: {listed:?}");
    (ids.remove(0), ids.remove(0))
}

fn cli_json(args: &[&str]) -> serde_json::Value {
    let out = cli(&[&["--json"][..], args].concat());
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(slipway_cli())
        .arg("--host")
        .arg(docker_host())
        .args(args)
        .env_remove("DOCKER_HOST")
        .output()
        .expect("slipway-cli runs")
}

#[tokio::test]
async fn keep_one_keeps_the_tag_built_later_in_the_same_second_and_says_which() {
    let e = docker().await;
    let (repo, marker) = (unique("keep-same-second"), unique("keep"));
    let (newer, older) = same_second_pair(&e, &repo, &marker).await;
    let filter = format!("label=slipway.keep={marker}");
    let args = [
        "images", "prune", "--all", "--keep", "1", "--filter", &filter,
    ];

    let plan = cli_json(&[&args[..], &["--dry-run"]].concat());
    let going: Vec<&str> = plan["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(going, [older.as_str()], "the older one goes: {plan}");
    let kept = &plan["kept"][0];
    assert_eq!(kept["id"], newer.as_str(), "{plan}");
    assert_eq!(kept["reason"]["kind"], "keep_newest");
    assert_eq!(
        kept["reason"]["tags"],
        serde_json::json!([format!("{repo}:a")]),
        "the plan names the tag it kept"
    );

    let table = cli(&[&args[..], &["--dry-run"]].concat());
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains(&format!("{repo}:a is the newest tag of {repo}")),
        "the CLI says which tag it kept:\n{table}"
    );

    let outcome = cli_json(&args);
    assert!(
        outcome["skipped"].as_array().unwrap().is_empty(),
        "{outcome}"
    );
    assert!(e.get(&older).await.is_err(), "the older one was deleted");
    assert!(e.get(&newer).await.is_ok(), "the newer one stays");
    e.remove(&newer, true, false).await.unwrap();
}

#[tokio::test]
async fn podman_ranks_the_same_second_by_its_precise_created_time_too() {
    let e = podman().await;
    let (repo, marker) = (unique("keep-same-second"), unique("keep"));
    let (newer, older) = same_second_pair(&e, &repo, &marker).await;
    let options = PruneOptions {
        all: true,
        keep: Some(1),
        labels: vec![format!("slipway.keep={marker}")],
        ..Default::default()
    };
    let plan = e.prune_plan(&options).await.unwrap();
    let going: Vec<&str> = plan.images.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(going, [older.as_str()], "{plan:?}");
    assert_eq!(plan.kept.len(), 1, "{plan:?}");
    assert_eq!(plan.kept[0].id, newer);
    let KeepReason::KeepNewest { tags, .. } = &plan.kept[0].reason else {
        panic!("{:?}", plan.kept[0].reason)
    };
    // Podman names images in full: `localhost/<repo>:a`.
    assert_eq!(tags.len(), 1, "{tags:?}");
    assert!(tags[0].ends_with(&format!("{repo}:a")), "{tags:?}");
    for id in [newer, older] {
        e.remove(&id, true, false).await.unwrap();
    }
}

/// A parent and a child built from it in the same second, the parent's ID sorting first (so
/// a removal by creation time, ties kept in the preview's ID order, takes the parent first).
/// Builds of a LABEL alone take a fraction of a second: a few tries find such a pair.
async fn parent_and_child_in_one_second(e: &Engine, marker: &str) -> (String, String) {
    for attempt in 0..30 {
        let parent_tag = format!("{}:1", unique("same-second-parent"));
        let child_tag = format!("{}:1", unique("same-second-child"));
        let parent = build_lines(
            e,
            &[&format!("LABEL slipway.pair={marker} attempt={attempt}")],
            &[&parent_tag],
        )
        .await;
        let ctx = context(&[("Dockerfile", &format!("FROM {parent_tag}\nLABEL child=1\n"))]);
        let child = build_in(e, ctx.path(), &[&child_tag]).await;
        let all = e
            .list(&ListOptions {
                all: true,
                ..Default::default()
            })
            .await
            .unwrap();
        let of = |id: &str| all.iter().find(|i| i.id == id).unwrap().clone();
        let (p, c) = (of(&parent), of(&child));
        assert_eq!(c.parent_id, parent, "the engine records the child's parent");
        if p.created == c.created && parent < child {
            return (parent, child);
        }
        e.remove(&child, true, false).await.unwrap();
        e.remove(&parent, true, false).await.unwrap();
    }
    panic!("no parent and child built within one second in 30 tries");
}

#[tokio::test]
async fn a_parent_and_its_child_of_one_second_are_pruned_child_first_and_both_go() {
    let e = docker().await;
    let marker = unique("pair");
    let (parent, child) = parent_and_child_in_one_second(&e, &marker).await;
    let options = PruneOptions {
        all: true,
        labels: vec![format!("slipway.pair={marker}")],
        ..Default::default()
    };
    let plan = e.prune_plan(&options).await.unwrap();
    let mut planned: Vec<&str> = plan.images.iter().map(|i| i.id.as_str()).collect();
    planned.sort();
    assert_eq!(planned, [parent.as_str(), child.as_str()], "{plan:?}");
    let items: Vec<PlanItem> = plan.images.clone();
    let outcome = e
        .prune_exact(
            &items,
            &Protection::default(),
            None,
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap();
    assert!(
        outcome.skipped.is_empty(),
        "nothing refused (\"dependent child images\") or reported kept: {:?}",
        outcome.skipped
    );
    assert!(e.get(&child).await.is_err() && e.get(&parent).await.is_err());
    let deleted: Vec<&str> = outcome
        .images_deleted
        .iter()
        .filter_map(|d| d.deleted.as_deref())
        .collect();
    assert!(deleted.contains(&parent.as_str()) && deleted.contains(&child.as_str()));
}
