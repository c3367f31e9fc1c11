//! Bad input against the private dockerd, as a user meets it through `slipway-cli`: a value
//! that cannot be read is a 400 that names it and changes nothing on the engine.

use slipway_engine_tests::*;
use std::collections::HashSet;
use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    cli_command(args)
        .output()
        .expect("slipway-cli runs (built by make test)")
}

fn cli_command(args: &[&str]) -> Command {
    let mut c = Command::new(slipway_cli());
    c.arg("--host")
        .arg(docker_host())
        .arg("--json")
        .args(args)
        .env_remove("DOCKER_HOST");
    c
}

/// The `{"error":{..}}` of a failed run (exit code ≠ 0 checked).
fn error_of(out: &Output) -> (u64, String) {
    assert!(
        !out.status.success(),
        "expected a failure, got: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        v["error"]["code"].as_u64().unwrap(),
        v["error"]["message"].as_str().unwrap().to_owned(),
    )
}

fn all_image_ids() -> HashSet<String> {
    docker_cli(&["images", "-a", "-q", "--no-trunc"])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn container_ids() -> HashSet<String> {
    docker_cli(&["ps", "-a", "-q", "--no-trunc"])
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn an_until_too_long_for_the_engine_is_a_400_and_prunes_nothing() {
    let e = docker().await;
    // An unused tagged image that `prune --all` with a wrapped-around cutoff would take.
    let victim = build_tagged(&e, &format!("{}:1", unique("in-until"))).await;
    let before = all_image_ids();
    for args in [
        &["images", "prune", "--all", "--until", "99999999999999999h"][..],
        &[
            "images",
            "prune",
            "--all",
            "--filter",
            "until=99999999999999999h",
        ],
        &["images", "prune", "--all", "--until", "106752d"],
    ] {
        let (code, message) = error_of(&cli(args));
        assert_eq!(code, 400, "{args:?}: {message}");
        let value = args.last().unwrap().trim_start_matches("until=");
        assert!(message.contains(value), "{args:?}: {message}");
    }
    assert_eq!(all_image_ids(), before, "nothing was deleted");
    assert!(e.get(&victim).await.is_ok());
    e.remove(&victim, true, false).await.unwrap();
}

#[tokio::test]
async fn until_means_the_same_in_a_list_a_preview_and_a_prune() {
    let e = docker().await;
    let tag = format!("{}:1", unique("in-days"));
    let id = build_tagged(&e, &tag).await;
    // Creation times are whole seconds: let "before now" include it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // Docker 20.10 refuses `until` in a list and `1d` anywhere; Slipway reads both itself.
    let listed = |until: &str| {
        let out = cli(&["images", "ls", "--filter", &format!("until={until}")]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).contains(&id)
    };
    assert!(listed("0s"), "created before now");
    assert!(!listed("1d"), "not created more than a day ago");
    let out = cli(&["images", "prune", "--all", "--until", "1d", "--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&id));
    let out = cli(&["images", "prune", "--until", "1d"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = cli(&["builder-prune", "--until", "1d"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(e.get(&id).await.is_ok());
    e.remove(&id, true, false).await.unwrap();
}

#[test]
fn a_filter_the_engine_would_refuse_is_a_sentence_naming_it_before_any_engine_call() {
    let nowhere = "unix:///tmp/slipway-nowhere.sock";
    for (args, named) in [
        (
            &["images", "ls", "--filter", "reference=app["][..],
            "reference=app[",
        ),
        (
            &["images", "ls", "--filter", "reference=[]x"],
            "reference=[]x",
        ),
        (&["images", "ls", "--filter", "label="], "label"),
        (&["images", "ls", "--filter", "since="], "since="),
        (&["images", "ls", "--filter", "colour=red"], "colour"),
        (&["images", "ls", "--filter", "until=soon"], "soon"),
        (&["images", "prune", "--filter", "label!="], "label"),
        (&["images", "prune", "--until", "1x"], "1x"),
        (
            &["images", "search", "x", "--filter", "stars=many"],
            "stars=many",
        ),
        (&["builder-prune", "--until", "yesterday"], "yesterday"),
        (&["builder-prune", "--keep-storage=-1"], "-1"),
    ] {
        let out = Command::new(slipway_cli())
            .args(["--host", nowhere, "--json"])
            .args(args)
            .output()
            .unwrap();
        let (code, message) = error_of(&out);
        assert_eq!(code, 400, "{args:?}: {message} (not an unreachable engine)");
        assert!(message.contains(named), "{args:?}: {message}");
    }
}

#[test]
fn a_malformed_reference_pattern_is_a_400_not_the_engines_500() {
    // What the engine itself says to it: `syntax error in pattern`, HTTP 500, naming nothing.
    let raw = docker_cli_raw(&["images", "--filter", "reference=app["]);
    assert!(!raw.status.success(), "the engine refuses it too");
    let (code, message) = error_of(&cli(&["images", "ls", "--filter", "reference=app["]));
    assert_eq!(code, 400);
    assert!(message.contains("reference=app["), "{message}");
}

/// Run as root, the suite reads every file: drop the capabilities that let it, so a mode-000
/// file is unreadable for slipway-cli as it is for a user.
fn without_file_read_override(args: &[&str]) -> Output {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !is_root {
        return cli(args);
    }
    let caps = "-dac_override,-dac_read_search";
    let mut c = Command::new("setpriv");
    c.args([
        &format!("--inh-caps={caps}"),
        &format!("--bounding-set={caps}"),
    ])
    .arg(slipway_cli())
    .args(["--host", &docker_host(), "--json"])
    .args(args)
    .env_remove("DOCKER_HOST");
    c.output().expect("setpriv (util-linux) runs")
}

#[cfg(unix)]
#[test]
fn an_unreadable_context_file_is_named_and_the_build_leaves_nothing_behind() {
    use std::os::unix::fs::PermissionsExt;
    let ctx = context(&[
        ("Dockerfile", &dockerfile(&["COPY . /ctx"])),
        ("a-readable.txt", "fine"),
        ("secret/locked.key", "no"),
    ]);
    let locked = ctx.path().join("secret/locked.key");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let (images, containers) = (all_image_ids(), container_ids());
    let tag = format!("{}:1", unique("in-locked"));
    let out =
        without_file_read_override(&["images", "build", ctx.path().to_str().unwrap(), "-t", &tag]);
    let (code, message) = error_of(&out);
    assert_eq!(code, 400, "{message}");
    assert!(
        message.contains(&locked.display().to_string()),
        "names the file: {message}"
    );
    assert!(message.contains("ermission denied"), "{message}");
    assert!(!message.contains("connection"), "{message}");
    assert_eq!(
        all_image_ids(),
        images,
        "no image, not even a layer, was made"
    );
    assert_eq!(container_ids(), containers, "no build container was left");
    // The same context builds once the file is readable: nothing was left half-done.
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out =
        without_file_read_override(&["images", "build", ctx.path().to_str().unwrap(), "-t", &tag]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    docker_cli(&["rmi", &tag]);
}
