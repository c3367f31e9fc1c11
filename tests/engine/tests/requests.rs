//! The core's request budget on real engines, counted through request-counter: one question
//! for who the engine is per command (`/_ping` on a local socket, never Podman's slow
//! `/version`), and the list (and on Docker disk usage and per-image unique sizes, both from
//! one `/system/df`) in a number of requests that does not grow with the number of images.

use slipway_engine_tests::cli::slipway_cli_command;
use slipway_engine_tests::counter::RequestCounter;
use slipway_engine_tests::*;
use std::process::Command;

/// `slipway-cli --host PROXY --json ARGS…` must succeed; the requests it made.
fn requests_of(counter: &RequestCounter, args: &[&str]) -> Vec<String> {
    let (out, requests) = counter.during(|| {
        slipway_cli_command()
            .args(["--host", &counter.host, "--json"])
            .args(args)
            .output()
            .unwrap()
    });
    assert!(
        out.status.success(),
        "slipway-cli {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    requests
}

/// `count` new distinct images (seed-archive.py: a shared layer and an own one each), loaded
/// with the engine's own CLI; their tags, for removing them again.
fn seed(load: &dyn Fn(&str), count: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("seed.tar");
    let prefix = unique("reqs");
    // Image IDs follow the image's number only: a fresh range for each seeding.
    let first = 1_000_000
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_micros() as usize;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/seed-archive.py");
    let status = Command::new("python3")
        .arg(script)
        .arg(count.to_string())
        .arg(&prefix)
        .arg(&tar)
        .arg(first.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "seed-archive.py");
    load(tar.to_str().unwrap());
    (first..first + count)
        .map(|i| format!("{prefix}/img{}:v{i}", i % 50))
        .collect()
}

fn podman_cli(args: &[&str]) {
    let out = Command::new("podman")
        .args(["--remote", "--url", &podman_host()])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "podman {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Requests asking who the engine is. The counter listens on a unix socket: the answer comes
/// from `/_ping` there, and `/version` (~0.5 s on Podman) is never asked.
fn versions(requests: &[String]) -> usize {
    assert!(
        !requests.iter().any(|r| r.ends_with(" /version")),
        "/version on a local socket: {requests:#?}"
    );
    requests.iter().filter(|r| r.ends_with(" /_ping")).count()
}

/// Each command asks who the engine is once, and as many requests with `extra` more images.
fn same_budget_with_more_images(
    upstream: &str,
    commands: &[&[&str]],
    load: &dyn Fn(&str),
    remove: &dyn Fn(&[String]),
) {
    let counter = RequestCounter::start(upstream);
    let before: Vec<Vec<String>> = commands.iter().map(|c| requests_of(&counter, c)).collect();
    let tags = seed(load, 5);
    let after: Vec<Vec<String>> = commands.iter().map(|c| requests_of(&counter, c)).collect();
    remove(&tags);
    for ((command, before), after) in commands.iter().zip(&before).zip(&after) {
        assert_eq!(
            versions(before),
            1,
            "{command:?} asked who the engine is once: {before:#?}"
        );
        assert_eq!(
            before.len(),
            after.len(),
            "{command:?}: the same requests with 5 more images\n{before:#?}\n{after:#?}"
        );
    }
}

#[test]
fn docker_list_df_and_unique_sizes_cost_the_same_requests_with_more_images() {
    let commands: &[&[&str]] = &[&["images", "ls"], &["df"], &["images", "usage"]];
    same_budget_with_more_images(
        &docker_host(),
        commands,
        &|tar| {
            docker_cli(&["load", "-i", tar]);
        },
        &|tags| {
            let mut args = vec!["rmi"];
            args.extend(tags.iter().map(String::as_str));
            docker_cli(&args);
        },
    );
}

#[test]
fn podman_list_costs_the_same_requests_with_more_images() {
    // Unique sizes are not here: Podman 4.3's `/libpod/system/df` counts only parent/child
    // sharing (0 B shared for images on a common base layer without a parent image), so
    // exact figures still need each image's layers there.
    let commands: &[&[&str]] = &[&["images", "ls"]];
    same_budget_with_more_images(
        &podman_host(),
        commands,
        &|tar| podman_cli(&["load", "-i", tar]),
        &|tags| {
            let mut args = vec!["rmi"];
            args.extend(tags.iter().map(String::as_str));
            podman_cli(&args);
        },
    );
}

#[test]
fn every_command_asks_who_the_engine_is_once_and_never_version_on_a_local_socket() {
    for upstream in [docker_host(), podman_host()] {
        let counter = RequestCounter::start(&upstream);
        for command in [
            &["images", "ls"][..],
            &["df"],
            &["images", "usage"],
            &["images", "prune", "--dry-run", "--all"],
            &["engine"],
        ] {
            let requests = requests_of(&counter, command);
            assert_eq!(
                versions(&requests),
                1,
                "{upstream} {command:?}: {requests:#?}"
            );
        }
    }
}

/// A walk over every image (the prune preview reads each image's layers) goes over a few
/// kept-alive connections, not one per request.
#[test]
fn a_walk_over_every_image_keeps_its_connections_alive() {
    let tags = seed(
        &|tar| {
            docker_cli(&["load", "-i", tar]);
        },
        20,
    );
    let counter = RequestCounter::start(&docker_host());
    let opened = counter.connections();
    let requests = requests_of(&counter, &["images", "prune", "--dry-run", "--all"]);
    let connections = counter.connections() - opened;
    let mut args = vec!["rmi"];
    args.extend(tags.iter().map(String::as_str));
    docker_cli(&args);
    assert!(requests.len() > 20, "{requests:#?}");
    assert!(
        // The walk reads four images at a time over each of its two clients (bollard's and
        // the raw path's pool); the lists and the version take one or two more.
        connections <= 12,
        "{connections} connections for {} requests",
        requests.len()
    );
}

/// On Podman the app's usage snapshot (totals and per-image bytes) reads each image's layers
/// once, not once for the totals and again for the per-image bytes.
#[tokio::test]
async fn podman_usage_snapshot_reads_each_image_once() {
    use slipway_core::images::ListOptions;
    use slipway_core::{Engine, EngineSpec};
    let counter = RequestCounter::start(&podman_host());
    let e = Engine::connect(EngineSpec::host(&counter.host))
        .await
        .unwrap();
    let images = e.list(&ListOptions::default()).await.unwrap().len();
    let before = counter.requests().len();
    let snapshot = e.usage_snapshot().await.unwrap();
    let requests = counter.requests().split_off(before);
    let inspects = requests
        .iter()
        .filter(|r| r.ends_with("/json") && r.contains(" /v"))
        .count();
    let histories = requests.iter().filter(|r| r.ends_with("/history")).count();
    let lists = requests
        .iter()
        .filter(|r| r.ends_with(" /images/json") || r.contains("/images/json?"))
        .count();
    assert_eq!(snapshot.images.len(), images);
    assert_eq!((inspects, histories), (images, images), "{requests:#?}");
    // One list for the walk and the totals: Podman takes ~10 s to list 1,000 images.
    assert_eq!(lists, 1, "{requests:#?}");
}

/// The prune preview lists the engine's images once for the top level and once with
/// intermediates, and reads the layers of that same list: a third list cost Podman ~10 s at
/// 1,000 images (58 s previews where df took 34 s).
#[test]
fn the_prune_preview_lists_each_kind_once() {
    for upstream in [docker_host(), podman_host()] {
        let counter = RequestCounter::start(&upstream);
        let requests = requests_of(&counter, &["images", "prune", "--dry-run", "--all"]);
        let lists: Vec<&String> = requests
            .iter()
            .filter(|r| r.contains("/images/json"))
            .collect();
        let with_intermediates = lists.iter().filter(|r| r.contains("all=true")).count();
        assert_eq!(
            (lists.len(), with_intermediates),
            (2, 1),
            "{upstream}: {requests:#?}"
        );
        // It did walk the images (the preview has something to delete on the test engines).
        assert!(
            requests.iter().any(|r| r.ends_with("/history")),
            "{upstream}: {requests:#?}"
        );
    }
}
