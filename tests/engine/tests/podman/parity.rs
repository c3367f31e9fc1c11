//! Podman parity (issue 12): slipway-cli against the harness's Podman service, compared with
//! the `podman` remote CLI against the same service — names, tags, digests, order, codes.

use super::{build_unique, podman_cli};
use slipway_engine_tests::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// slipway-cli --json on the Podman service.
fn cli(args: &[&str]) -> std::process::Output {
    let host = podman_host();
    let mut all = vec!["--host", host.as_str(), "--json"];
    all.extend_from_slice(args);
    run_cli(&mut slipway_cli_command(), &all)
}

/// A root filesystem tarball holding one file with `text` in it.
fn rootfs(dir: &Path, name: &str, text: &str) -> String {
    let tree = dir.join(format!("{name}.d"));
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("marker"), text).unwrap();
    let tar = dir.join(format!("{name}.tar"));
    let ok = Command::new("tar")
        .arg("-cf")
        .arg(&tar)
        .arg("-C")
        .arg(&tree)
        .arg(".")
        .status()
        .unwrap();
    assert!(ok.success());
    tar.display().to_string()
}

/// The names podman itself gives the image `id`.
fn podman_tags(id: &str) -> BTreeSet<String> {
    let json = podman_cli(&["image", "inspect", "--format", "{{json .RepoTags}}", id]);
    serde_json::from_str::<Vec<String>>(json.trim())
        .unwrap()
        .into_iter()
        .collect()
}

fn strings(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn import_keeps_the_tag_and_leaves_latest_to_its_owner() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("imp/{}", unique("y"));
    // Another image already holds `name:latest`: the import must not take it.
    let latest = podman_cli(&[
        "import",
        &rootfs(dir.path(), "old", "old"),
        &format!("{name}:latest"),
    ]);
    let latest = latest.trim().to_owned();
    let ours = ok_json(&cli(&[
        "images",
        "import",
        &rootfs(dir.path(), "new", "new"),
        &format!("{name}:3"),
    ]));
    let id = ours["id"].as_str().unwrap();
    assert_ne!(id, latest);
    assert_eq!(
        strings(&ours["tag"]),
        BTreeSet::from([format!("docker.io/{name}:3")])
    );
    assert_eq!(
        podman_tags(id),
        strings(&ours["tag"]),
        "podman sees the same"
    );
    assert_eq!(
        podman_tags(&latest),
        BTreeSet::from([format!("localhost/{name}:latest")]),
        ":latest stays where podman import put it"
    );
    // The podman CLI's own import of `name:3` gets the same tag (under its own registry).
    let theirs = podman_cli(&[
        "import",
        &rootfs(dir.path(), "cli", "cli"),
        &format!("{name}:3"),
    ]);
    assert_eq!(
        podman_tags(theirs.trim()),
        BTreeSet::from([format!("localhost/{name}:3")])
    );
}

#[tokio::test]
async fn pull_all_tags_brings_every_tag_and_pull_names_its_digest() {
    let e = podman().await;
    let repo = format!("{}/{}", registry(), unique("p-alltags"));
    let (a, b) = (format!("{repo}:a"), format!("{repo}:b"));
    build_unique(&e, &a).await;
    e.tag(&a, &b).await.unwrap();
    for t in [&a, &b] {
        podman_cli(&["push", "--tls-verify=false", t]);
    }
    podman_cli(&["rmi", "-f", &a, &b]);
    let pulled = ok_json(&cli(&["images", "pull", "--all-tags", &repo]));
    assert_eq!(
        strings(&pulled["tag"]),
        BTreeSet::from([a.clone(), b.clone()])
    );
    let listed = podman_cli(&["images", "--format", "{{.Repository}}:{{.Tag}}", &repo]);
    let listed: BTreeSet<String> = listed.lines().map(str::to_owned).collect();
    assert_eq!(
        listed,
        strings(&pulled["tag"]),
        "podman lists the same tags"
    );
    // One tag again: the JSON names the digest podman recorded for it.
    podman_cli(&["rmi", "-f", &a, &b]);
    let one = ok_json(&cli(&["images", "pull", &a]));
    let digests = podman_cli(&["image", "inspect", "--format", "{{json .RepoDigests}}", &a]);
    let digests: Vec<String> = serde_json::from_str(digests.trim()).unwrap();
    let digest = one["digest"]
        .as_str()
        .unwrap_or_else(|| panic!("a digest: {one}"));
    assert!(
        digests.contains(&format!("{repo}@{digest}")),
        "{digest} in {digests:?}"
    );
}

#[tokio::test]
async fn list_with_digests_shows_the_digests_podman_shows() {
    let listing = ok_json(&cli(&["images", "ls", "--digests"]));
    let rows = listing.as_array().unwrap();
    let base = rows
        .iter()
        .find(|r| strings(&r["tags"]).contains(&format!("localhost/{}", base_image())))
        .expect("the base image is listed");
    let digests = podman_cli(&[
        "images",
        "--digests",
        "--format",
        "{{.Digest}}",
        &base_image(),
    ]);
    let digest = digests.lines().next().unwrap_or_default();
    assert!(digest.starts_with("sha256:"), "{digests}");
    assert!(
        strings(&base["digests"])
            .iter()
            .any(|d| d.ends_with(&format!("@{digest}"))),
        "{base}"
    );
}

#[tokio::test]
async fn list_is_newest_first_with_shared_size_unknown_as_on_docker() {
    let e = podman().await;
    let older = build_unique(&e, &unique("p-order-old")).await;
    // Created times are in seconds.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let newer = build_unique(&e, &unique("p-order-new")).await;
    let listing = ok_json(&cli(&["images", "ls"]));
    let rows = listing.as_array().unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let theirs = podman_cli(&["images", "-q", "--no-trunc"]);
    let theirs: Vec<&str> = theirs.lines().collect();
    let at = |list: &[&str], id: &str| list.iter().position(|i| *i == id).unwrap();
    assert!(at(&ids, &newer) < at(&ids, &older), "newest first: {ids:?}");
    assert!(
        at(&theirs, &newer) < at(&theirs, &older),
        "as podman: {theirs:?}"
    );
    let created: Vec<i64> = rows
        .iter()
        .map(|r| r["created"].as_i64().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");
    // Docker (API 1.41) says -1 for a shared size it did not compute; so does Slipway here.
    assert!(rows.iter().all(|r| r["shared_size"] == -1), "{listing}");
}

/// `images rm ID` of an image with two names, on `host`: the error JSON.
fn rm_by_id_refusal(host: &str, id: &str) -> serde_json::Value {
    let out = run_cli(
        &mut slipway_cli_command(),
        &["--host", host, "--json", "images", "rm", id],
    );
    assert!(!out.status.success());
    json_of(&out)
}

#[tokio::test]
async fn removing_an_id_with_several_names_is_refused_with_409_as_on_docker() {
    let e = podman().await;
    let a = unique("p-two-a");
    let b = format!("{}:two", unique("p-two-b"));
    let id = build_unique(&e, &a).await;
    e.tag(&a, &b).await.unwrap();
    let err = e.remove(&id, false, false).await.unwrap_err();
    assert_eq!(err.code, 409, "{}", err.message);
    let kind = serde_json::to_value(&err.kind).unwrap();
    assert_eq!(kind["refusal"]["kind"], "several_names", "{kind}");
    let theirs = Command::new("podman")
        .args(["--remote", "--url", &podman_host(), "rmi", &id])
        .output()
        .unwrap();
    assert!(!theirs.status.success(), "podman refuses it too");
    assert_eq!(podman_tags(&id).len(), 2, "both names stay");
    // The CLI's answer is the one it gives on Docker for the same image.
    let ours = rm_by_id_refusal(&podman_host(), &id);
    let d = docker().await;
    let docker_id = build_tagged(&d, &a).await;
    d.tag(&a, &b).await.unwrap();
    let docker = rm_by_id_refusal(&docker_host(), &docker_id);
    for answer in [&ours, &docker] {
        assert_eq!(answer["error"]["code"], 409, "{answer}");
        assert_eq!(
            answer["error"]["kind"]["type"], "remove_refused",
            "{answer}"
        );
        assert_eq!(
            answer["error"]["kind"]["refusal"]["kind"], "several_names",
            "{answer}"
        );
    }
    assert_eq!(podman_tags(&id).len(), 2, "both names stay");
    d.remove(&docker_id, true, false).await.unwrap();
}

#[tokio::test]
async fn builder_prune_says_podman_keeps_no_build_cache() {
    let preview = ok_json(&cli(&["builder-prune", "--dry-run"]));
    assert_eq!(preview["space_to_reclaim"], 0, "{preview}");
    let out = cli(&["builder-prune"]);
    assert!(!out.status.success());
    let err = &json_of(&out)["error"];
    assert_eq!(err["code"], 501, "{err}");
    assert_eq!(err["kind"]["type"], "no_build_cache_on_podman", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("images prune"),
        "says what to do instead: {err}"
    );
}

#[tokio::test]
async fn registry_data_asks_the_registry_itself_and_agrees_with_docker() {
    let seeded = format!("{}/slipway-test/busybox:latest", registry());
    let ours = ok_json(&cli(&["images", "registry-data", &seeded]));
    let docker = ok_json(&run_cli(
        &mut slipway_cli_command(),
        &[
            "--host",
            &docker_host(),
            "--json",
            "images",
            "registry-data",
            &seeded,
        ],
    ));
    assert_eq!(
        ours, docker,
        "the same answer as through Docker's /distribution"
    );
    assert!(ours["digest"].as_str().unwrap().starts_with("sha256:"));
    // What podman itself pulls has that digest.
    podman_cli(&["pull", "--tls-verify=false", &seeded]);
    let digests = podman_cli(&[
        "image",
        "inspect",
        "--format",
        "{{json .RepoDigests}}",
        &seeded,
    ]);
    assert!(
        digests.contains(ours["digest"].as_str().unwrap()),
        "{digests}"
    );
    let missing = cli(&[
        "images",
        "registry-data",
        &format!("{}/slipway-absent:x", registry()),
    ]);
    let err = &json_of(&missing)["error"];
    assert_eq!(err["code"], 404, "{err}");
    assert_eq!(err["kind"]["type"], "not_in_registry", "{err}");
}

/// `login` on Podman to the auth registry with `password`, with a docker config of its own.
fn login(password: &str) -> std::process::Output {
    let config = tempfile::tempdir().unwrap();
    let registry = auth_registry();
    output_with_stdin(
        slipway_cli_command()
            .args(["--host", &podman_host(), "--json", "login", &registry])
            .args(["-u", &env("SLIPWAY_TEST_AUTH_USER"), "--password-stdin"])
            .env("DOCKER_CONFIG", config.path()),
        password,
    )
}

#[tokio::test]
async fn login_to_a_plain_http_loopback_registry_checks_the_password() {
    let good = login(&env("SLIPWAY_TEST_AUTH_PASSWORD"));
    let answer = ok_json(&good);
    assert_eq!(answer["status"], "Login Succeeded", "{answer}");
    let bad = login("wrong");
    assert!(!bad.status.success());
    let err = &json_of(&bad)["error"];
    assert_eq!(err["code"], 401, "{err}");
    // The podman CLI, told the registry is plain HTTP, agrees on both.
    let auth_dir = tempfile::tempdir().unwrap();
    let podman_login = |password: &str| {
        output_with_stdin(
            Command::new("podman")
                .args([
                    "--remote",
                    "--url",
                    &podman_host(),
                    "login",
                    "--tls-verify=false",
                ])
                .args(["-u", &env("SLIPWAY_TEST_AUTH_USER"), "--password-stdin"])
                .arg(auth_registry())
                .env("REGISTRY_AUTH_FILE", auth_dir.path().join("auth.json")),
            password,
        )
        .status
        .success()
    };
    assert!(podman_login(&env("SLIPWAY_TEST_AUTH_PASSWORD")));
    assert!(!podman_login("wrong"));
}

/// slipway-cli's `events --json` on `host`, read until `until` has been seen or 10 s pass.
async fn events_until(
    host: &str,
    act: impl FnOnce(),
    until: impl Fn(&serde_json::Value) -> bool,
) -> Vec<serde_json::Value> {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(slipway_cli())
        .args(["--host", host, "--json", "events"])
        .env_remove("DOCKER_HOST")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    // The stream is open once the engine has answered: give it a moment.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    act();
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Ok(Some(line)) = lines.next_line().await {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            let done = until(&v);
            seen.push(v);
            if done {
                break;
            }
        }
    })
    .await;
    seen
}

#[tokio::test]
async fn removing_one_name_is_an_untag_without_a_delete_as_on_docker() {
    let e = podman().await;
    let a = unique("p-evt-keep");
    let id = build_unique(&e, &a).await;
    let b = format!("{}:two", unique("p-evt-name"));
    e.tag(&a, &b).await.unwrap();
    let marker = unique("p-evt-marker");
    // A later tag marks the end: every event of the removal has arrived by then.
    let seen = events_until(
        &podman_host(),
        || {
            podman_cli(&["rmi", &b]);
            podman_cli(&["tag", &a, &marker]);
        },
        |v| v["action"] == "tag" && v["name"].as_str().is_some_and(|n| n.contains(&marker)),
    )
    .await;
    // Podman may still deliver this image's build and first tag (made just before the stream
    // began): look at what the removal sent, up to the marker.
    let mine: Vec<&str> = seen
        .iter()
        .filter(|v| {
            v["id"]
                .as_str()
                .is_some_and(|i| !i.is_empty() && id.ends_with(i))
        })
        .map(|v| v["action"].as_str().unwrap())
        .collect();
    assert_eq!(mine.last(), Some(&"tag"), "the marker ends it: {seen:?}");
    assert!(
        mine.contains(&"untag"),
        "the name's removal is an untag: {seen:?}"
    );
    assert!(
        !mine.contains(&"delete"),
        "and no delete, the image stays: {seen:?}"
    );
    assert!(e.get(&a).await.is_ok(), "the image stays");
    // A real removal still reports its delete.
    let seen = events_until(
        &podman_host(),
        || {
            podman_cli(&["rmi", "-f", &id]);
        },
        |v| v["action"] == "delete",
    )
    .await;
    assert!(seen.iter().any(|v| v["action"] == "delete"), "{seen:?}");
}

#[tokio::test]
async fn buildkit_is_refused_on_podman_with_what_to_use_instead() {
    let ctx = context(&[("Dockerfile", &format!("FROM {}\n", base_image()))]);
    let path = ctx.path().to_str().unwrap();
    let tag = format!("{}:1", unique("podman-buildkit"));
    let out = cli(&["images", "build", path, "--builder", "buildkit", "-t", &tag]);
    assert!(!out.status.success(), "Podman has no BuildKit");
    let err = &json_of(&out)["error"];
    assert_eq!(err["code"], 400, "{err}");
    assert_eq!(err["kind"]["type"], "build_kit_unavailable", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("--builder classic"),
        "says what to use instead: {err}"
    );
    let listed = podman_cli(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(!listed.contains(&tag), "nothing was built: {listed}");
}
