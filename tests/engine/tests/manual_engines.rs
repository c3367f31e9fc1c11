//! Engines added by hand (`slipway-cli engines add/rm`): kept in Slipway's config folder (a
//! temporary one here), listed by `engines ls` first with source `manual`, reachable by name,
//! and a name a Docker context already has is refused. The system's sockets are kept out.

use slipway_engine_tests::*;
use std::path::Path;
use std::process::Output;

/// slipway-cli with its settings under `root`, Slipway's own files (engines.json) in
/// `root/slipway` (SLIPWAY_CONFIG_DIR).
fn cli(root: &Path, args: &[&str]) -> Output {
    std::fs::create_dir_all(root.join("slipway")).unwrap();
    run_cli(
        slipway_cli_isolated(root).env("SLIPWAY_CONFIG_DIR", root.join("slipway")),
        args,
    )
}

#[test]
fn an_engine_added_by_hand_is_listed_reachable_and_used_by_name_then_removed() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    assert_success(&cli(r, &["engines", "add", "sw-hand", &docker_host()]));
    let saved = std::fs::read_to_string(r.join("slipway/engines.json")).unwrap();
    assert!(saved.contains(&docker_host()), "{saved}");

    let out = cli(r, &["engines", "ls", "--json"]);
    assert_success(&out);
    let rows = json_of(&out);
    let first = &rows[0];
    assert_eq!(first["name"], "sw-hand", "{rows:#}");
    assert_eq!(first["source"], "manual");
    assert_eq!(first["reachable"], true, "{first}");
    assert_eq!(first["kind"], "docker");

    // By name, like a context: the harness dockerd's images.
    let out = cli(r, &["--context", "sw-hand", "images", "ls", "--json"]);
    assert_success(&out);
    // One row per image here, one per name in `docker images`: compare the IDs.
    let listed: std::collections::BTreeSet<String> = json_of(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["id"]
                .as_str()
                .unwrap()
                .trim_start_matches("sha256:")
                .to_owned()
        })
        .collect();
    let theirs: std::collections::BTreeSet<String> = docker_cli(&["images", "-q", "--no-trunc"])
        .lines()
        .map(|l| l.trim().trim_start_matches("sha256:").to_owned())
        .collect();
    assert!(!theirs.is_empty());
    assert_eq!(listed, theirs);

    let out = cli(r, &["--json", "engines", "rm", "sw-hand"]);
    assert_success(&out);
    assert_eq!(json_of(&out)["result"], "success");
    let out = cli(r, &["engines", "ls", "--json"]);
    assert!(
        !json_of(&out)
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "sw-hand")
    );
    let out = cli(r, &["--json", "engines", "rm", "sw-hand"]);
    assert!(!out.status.success());
    assert_eq!(json_of(&out)["error"]["code"], 404);
}

#[test]
fn a_docker_context_name_bad_url_or_missing_tls_file_is_refused_with_a_clear_error() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    docker_context(&r.join("docker"), "sw-ctx", &docker_host(), false);

    let out = cli(
        r,
        &["--json", "engines", "add", "sw-ctx", "tcp://127.0.0.1:2375"],
    );
    assert!(!out.status.success());
    let e = json_of(&out);
    assert_eq!(e["error"]["code"], 409, "{e}");
    assert_eq!(e["error"]["kind"]["type"], "engine_name_in_use");
    assert!(e["error"]["message"].as_str().unwrap().contains("sw-ctx"));

    let out = cli(
        r,
        &["--json", "engines", "add", "x", "http://127.0.0.1:2375"],
    );
    assert_eq!(json_of(&out)["error"]["code"], 400);
    let missing = r.join("no-ca.pem");
    let out = cli(
        r,
        &[
            "--json",
            "engines",
            "add",
            "x",
            "tcp://127.0.0.1:2376",
            "--tls-ca",
            missing.to_str().unwrap(),
        ],
    );
    let e = json_of(&out);
    assert_eq!(e["error"]["code"], 400, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no-ca.pem")
    );
    assert!(!r.join("slipway/engines.json").exists(), "nothing saved");
}

#[test]
fn a_damaged_engines_file_is_kept_aside_reported_and_its_whole_entries_still_listed() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    std::fs::create_dir_all(r.join("slipway")).unwrap();
    let broken = format!(
        r#"{{"engines":[{{"name":"sw-kept","host":"{}"}},{{"name":"sw-cut","ho"#,
        docker_host()
    );
    std::fs::write(r.join("slipway/engines.json"), &broken).unwrap();
    let out = cli(r, &["engines", "ls", "--json"]);
    assert_success(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("engines.json.broken-"), "{stderr}");
    let rows = json_of(&out);
    let kept = engine_row(&rows, "sw-kept");
    assert_eq!(kept["reachable"], true);
    let aside: Vec<_> = std::fs::read_dir(r.join("slipway"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("engines.json.broken-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read_to_string(aside[0].path()).unwrap(), broken);
}
