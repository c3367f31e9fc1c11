//! The quick first list (Podman's df, painted before its slow list answers): the same named
//! images as the list and as `podman images`, with the same names, sizes and times.

use super::{build_unique, podman_cli};
use slipway_core::images::{ImageSummary, ListOptions};
use slipway_engine_tests::*;
use std::collections::BTreeMap;

/// ID → (sorted names, size, created) of the named images.
fn named(images: &[ImageSummary]) -> BTreeMap<String, (Vec<String>, i64, i64)> {
    images
        .iter()
        .filter(|i| !i.tags.is_empty())
        .map(|i| {
            let mut tags = i.tags.clone();
            tags.sort();
            (i.id.clone(), (tags, i.size, i.created))
        })
        .collect()
}

#[tokio::test]
async fn the_quick_list_names_what_the_list_and_podman_name() {
    let e = podman().await;
    let a = unique("p-quick");
    let id = build_unique(&e, &format!("{a}:1")).await;
    e.tag(&id, &format!("{a}:2")).await.unwrap();
    let quick = e
        .quick_list()
        .await
        .unwrap()
        .expect("Podman has a quick list");
    let list = e.list(&ListOptions::default()).await.unwrap();
    assert_eq!(named(&quick), named(&list));
    let ours = named(&quick)
        .remove(&id)
        .expect("the new image is in the quick list")
        .0;
    // Both names, as Podman qualifies them (a compat build: docker.io/library/…).
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert!(ours[0].ends_with(&format!("/{a}:1")), "{ours:?}");
    assert!(ours[1].ends_with(&format!("/{a}:2")), "{ours:?}");
    // Podman's own CLI names the same image with the same names.
    let theirs: Vec<String> =
        podman_cli(&["images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"])
            .lines()
            .filter(|l| {
                id.trim_start_matches("sha256:")
                    .starts_with(l.split(' ').next().unwrap())
            })
            .map(|l| l.split(' ').nth(1).unwrap().to_owned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
    assert_eq!(ours, theirs);
    // Newest first, as the list has them.
    let created: Vec<i64> = quick.iter().map(|i| i.created).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");
    e.remove(&format!("{a}:1"), false, false).await.unwrap();
    e.remove(&format!("{a}:2"), false, false).await.unwrap();
}

#[tokio::test]
async fn docker_has_no_quick_list_its_list_is_quick() {
    assert!(docker().await.quick_list().await.unwrap().is_none());
}
