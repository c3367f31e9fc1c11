//! The change stream the app refreshes on: on dockerd, what a cancelled classic build leaves
//! behind arrives with container events only, never an image event; Podman's container events
//! arrive too, under its own action names.

use futures_util::StreamExt;
use slipway_core::CancellationToken;
use slipway_core::build::BuildOptions;
use slipway_core::images::ListOptions;
use slipway_core::progress::Progress;
use slipway_engine_tests::*;
use std::time::Duration;

#[tokio::test]
async fn a_cancelled_builds_leftover_exists_when_its_last_container_event_arrives() {
    let e = docker().await;
    let dangling = ListOptions {
        filters: vec![("dangling".into(), "true".into())],
        ..Default::default()
    };
    let before = e.list(&dangling).await.unwrap();
    // The stream replays the current second: let the previous test's events fall out of it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut events = Box::pin(e.change_events());
    let marker = unique("left");
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&[
            &format!("RUN echo {marker} > /a"),
            "RUN sleep 60",
            "RUN true",
        ]),
    )]);
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let mut on_step = move |p: Progress| {
        if matches!(p, Progress::Build(ref b) if b.step == 3) {
            // The sleeping step has started: give it a moment to be really running.
            let stop = stop.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(500)).await;
                stop.cancel();
            });
        }
    };
    let options = BuildOptions {
        tags: vec![format!("{}:1", unique("cancelled"))],
        ..Default::default()
    };
    let r = e.build(ctx.path(), &options, &mut on_step, &cancel).await;
    assert_eq!(r.unwrap_err().code, 499, "the build was cancelled");
    let mut kinds = Vec::new();
    let seen_destroy = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(ev) = events.next().await {
            let ev = ev.unwrap();
            kinds.push(format!("{} {} {}", ev.kind, ev.action, ev.id));
            // Step 2's container, then the sleeping step's, killed by the cancel.
            let destroyed = kinds
                .iter()
                .filter(|k| k.starts_with("container destroy"))
                .count();
            if destroyed == 2 {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(seen_destroy, Ok(true), "{kinds:?}");
    assert!(
        !kinds.iter().any(|k| k.starts_with("image")),
        "dockerd sends no image event for the leftover: {kinds:?}"
    );
    let after = e.list(&dangling).await.unwrap();
    let new: Vec<_> = after
        .iter()
        .filter(|i| !before.iter().any(|b| b.id == i.id))
        .collect();
    assert_eq!(
        new.len(),
        1,
        "the committed step is left behind, untagged: {new:?}"
    );
}

#[tokio::test]
async fn podmans_container_events_reach_the_change_stream_with_its_own_action_names() {
    let e = podman().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut events = Box::pin(e.change_events());
    let cli = std::env::var("SLIPWAY_TEST_DOCKER_CLI").unwrap_or_else(|_| "docker".into());
    let run = |args: &[&str]| {
        let out = std::process::Command::new(&cli)
            .args(["-H", &e.info.host])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let id = run(&["create", &format!("localhost/{}", base_image()), "true"]);
    run(&["rm", &id]);
    let mut seen = Vec::new();
    let removed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = events.next().await {
            let ev = ev.unwrap();
            seen.push(format!("{} {}", ev.kind, ev.action));
            // Podman says `remove` where Docker says `destroy`.
            if ev.kind == "container" && ev.action == "remove" && ev.id == id {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(removed, Ok(true), "{seen:?}");
    assert!(seen.contains(&"container create".to_string()), "{seen:?}");
}
