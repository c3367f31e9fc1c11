//! `slipway-cli` as a user runs it, against the private dockerd.

use slipway_engine_tests::*;
use std::collections::{BTreeSet, HashSet};
use std::process::Output;
use std::time::{Duration, Instant};

fn cli(args: &[&str]) -> Output {
    run_cli(slipway_cli_command().arg("--host").arg(docker_host()), args)
}

#[test]
fn pulling_a_nonexisting_image_prints_the_error_json_fast_offline() {
    let started = Instant::now();
    let out = cli(&["--json", "images", "pull", "nonexisting"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(!out.status.success());
    let v = json_of(&out);
    let code = v["error"]["code"].as_u64().expect("error.code");
    assert!((400..600).contains(&code), "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("nonexisting"),
        "names the reference: {message}"
    );
    assert_eq!(
        v.as_object().unwrap().len(),
        1,
        "only the error object: {v}"
    );
}

#[test]
fn images_ls_json_lists_what_the_docker_cli_lists() {
    let out = cli(&["--json", "images", "ls"]);
    assert!(out.status.success());
    let v = json_of(&out);
    let ours: BTreeSet<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert!(i["tags"].is_array(), "{i}");
            i["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ours, docker_cli_image_ids());
}

#[test]
fn images_ls_table_has_docker_columns() {
    let out = cli(&["images", "ls"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let header = text.lines().next().unwrap();
    for col in ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"] {
        assert!(header.contains(col), "{header}");
    }
    assert!(text.contains("slipway-test/busybox"), "{text}");
}

#[test]
fn build_with_two_tags_then_get_returns_both() {
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&[&format!("RUN echo {} > /m", unique("cli"))]),
    )]);
    let a = format!("{}:a", unique("cli-build"));
    let b = format!("{}:b", unique("cli-build"));
    let path = ctx.path().to_str().unwrap();
    let out = cli(&["--json", "images", "build", path, "-t", &a, "-t", &b]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = json_of(&out);
    let got = json_of(&cli(&["--json", "images", "get", &b]));
    assert_eq!(built["id"], got["id"]);
    let tags: HashSet<&str> = got["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        tags.contains(a.as_str()) && tags.contains(b.as_str()),
        "{got}"
    );
}

#[test]
fn prune_dry_run_lists_dangling_images_and_deletes_nothing() {
    let tag = unique("cli-dangling");
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&[&format!("RUN echo {} > /m", unique("x"))]),
    )]);
    let path = ctx.path().to_str().unwrap();
    assert!(cli(&["images", "build", path, "-t", &tag]).status.success());
    let ctx2 = context(&[(
        "Dockerfile",
        &dockerfile(&[&format!("RUN echo {} > /m", unique("y"))]),
    )]);
    assert!(
        cli(&["images", "build", ctx2.path().to_str().unwrap(), "-t", &tag])
            .status
            .success()
    );
    let all_ids = || {
        let mut ids: Vec<String> = docker_cli(&["images", "-aq", "--no-trunc"])
            .lines()
            .map(str::to_owned)
            .collect();
        ids.sort();
        ids
    };
    let before = all_ids();
    let out = cli(&["--json", "images", "prune", "--dry-run"]);
    assert!(out.status.success());
    let plan = json_of(&out);
    assert!(!plan["images"].as_array().unwrap().is_empty(), "{plan}");
    assert!(plan["space_to_reclaim"].as_i64().unwrap() > 0);
    assert_eq!(all_ids(), before, "a dry run deletes nothing");
    let human = cli(&["images", "prune", "--dry-run"]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("Nothing was deleted"));
}

#[test]
fn prune_deletes_exactly_what_its_dry_run_listed_keeping_pins_and_newest_tags() {
    let marker = unique("cli-prune");
    let repo = unique("cli-repo");
    let pinned = unique("cli-pinned");
    let build = |tag: &str| {
        let ctx = context(&[(
            "Dockerfile",
            &dockerfile(&[
                &format!("RUN echo {} > /m", unique("x")),
                &format!("LABEL slipway.cli={marker}"),
            ]),
        )]);
        let out = cli(&[
            "--json",
            "images",
            "build",
            ctx.path().to_str().unwrap(),
            "-t",
            tag,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json_of(&out)["id"].as_str().unwrap().to_owned()
    };
    let old = build(&format!("{repo}:1"));
    std::thread::sleep(Duration::from_millis(1100));
    let newest = build(&format!("{repo}:2"));
    let pin = build(&format!("{pinned}:1"));
    let label = format!("label=slipway.cli={marker}");
    let args = [
        "images",
        "prune",
        "--all",
        "--filter",
        &label,
        "--keep",
        "1",
        "--protect",
        &pinned,
    ];
    let dry = cli(&[&["--json"], &args[..], &["--dry-run"]].concat());
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let plan = json_of(&dry);
    let listed: HashSet<String> = plan["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, HashSet::from([old.clone()]), "{plan}");
    let reasons: Vec<&str> = plan["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["reason"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2, "{plan}");
    assert!(reasons.contains(&"protected") && reasons.contains(&"keep_newest"));
    let table = cli(&[&args[..], &["--dry-run"]].concat());
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains(&format!("pinned by \"{pinned}\"")), "{text}");
    assert!(text.contains("UNIQUE"), "{text}");

    let done = cli(&[&["--json"], &args[..]].concat());
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let r = json_of(&done);
    let deleted: HashSet<String> = r["images_deleted"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["Deleted"].as_str().map(str::to_owned))
        .filter(|d| [&old, &newest, &pin].contains(&d))
        .collect();
    assert_eq!(deleted, listed, "{r}");
    assert!(r["space_reclaimed"].as_i64().is_some(), "{r}");
    let exists = |id: &str| docker_cli_raw(&["image", "inspect", id]).status.success();
    assert!(!exists(&old) && exists(&newest) && exists(&pin));
    // Bulk delete honours the same pins: refused, and the image stays.
    let rm = cli(&["--json", "images", "rm", "-f", &pin, "--protect", &pinned]);
    assert!(!rm.status.success());
    assert_eq!(json_of(&rm)["error"]["code"], 409);
    assert!(exists(&pin));
}

#[test]
fn bad_input_is_a_400_before_any_engine_is_asked() {
    let out = slipway_cli_command()
        .args([
            "--host",
            "unix:///tmp/slipway-nowhere.sock",
            "--json",
            "images",
            "ls",
            "--filter",
            "colour=red",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(json_of(&out)["error"]["code"], 400);
    let out = slipway_cli_command()
        .args([
            "--host",
            "unix:///tmp/slipway-nowhere.sock",
            "--json",
            "images",
            "pull",
            "UPPER CASE",
        ])
        .output()
        .unwrap();
    assert_eq!(json_of(&out)["error"]["code"], 400);
}

#[test]
fn an_unreachable_engine_is_503_naming_the_address() {
    let out = slipway_cli_command()
        .args([
            "--host",
            "unix:///tmp/slipway-nowhere.sock",
            "--json",
            "images",
            "ls",
        ])
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["error"]["code"], 503);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/tmp/slipway-nowhere.sock")
    );
}

#[test]
fn engine_command_reports_kind_and_api() {
    let v = json_of(&cli(&["--json", "engine"]));
    assert_eq!(v["kind"], "docker");
    assert_eq!(v["api_version"], "1.41");
}

#[test]
fn build_summary_counts_what_would_be_sent() {
    let ctx = context(&[
        ("Dockerfile", "FROM scratch\n"),
        (".dockerignore", "*.tmp\n"),
        ("a.txt", "12345"),
        ("b.tmp", "ignored"),
    ]);
    let out = cli(&[
        "--json",
        "images",
        "build",
        ctx.path().to_str().unwrap(),
        "--summary",
    ]);
    let v = json_of(&out);
    assert_eq!(v["ignored"], 1, "{v}");
    assert_eq!(v["files"], 3, "Dockerfile, .dockerignore, a.txt: {v}");
}

#[test]
fn save_and_load_through_the_cli_round_trip() {
    let tag = unique("cli-save");
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&[&format!("RUN echo {} > /m", unique("s"))]),
    )]);
    assert!(
        cli(&["images", "build", ctx.path().to_str().unwrap(), "-t", &tag])
            .status
            .success()
    );
    let id = json_of(&cli(&["--json", "images", "get", &tag]))["id"].clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.tar");
    let f = file.to_str().unwrap();
    assert!(cli(&["images", "save", &tag, "-o", f]).status.success());
    assert!(cli(&["images", "rm", &tag]).status.success());
    let loaded = json_of(&cli(&["--json", "images", "load", "-i", f]));
    assert_eq!(loaded["loaded"][0], format!("{tag}:latest"));
    assert_eq!(json_of(&cli(&["--json", "images", "get", &tag]))["id"], id);
}

/// `df --verbose`, like `docker system df -v`: every image the docker CLI lists, each with
/// unique + shared = its size, an image's own layer unique and the base it is built on shared.
#[test]
fn df_verbose_gives_each_images_unique_and_shared_bytes() {
    let tag = unique("cli-dfv");
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&["RUN head -c 1048576 /dev/urandom > /blob"]),
    )]);
    assert!(
        cli(&["images", "build", ctx.path().to_str().unwrap(), "-t", &tag])
            .status
            .success()
    );
    let id = json_of(&cli(&["--json", "images", "get", &tag]))["id"].clone();
    let base_id = docker_cli(&["image", "inspect", "--format", "{{.Id}}", &base_image()]);
    let v = json_of(&cli(&["--json", "df", "--verbose"]));
    let images = v["images"].as_array().expect("images");
    let ids: BTreeSet<String> = images
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, docker_cli_image_ids());
    let bytes =
        |i: &serde_json::Value, k: &str| i[k].as_i64().unwrap_or_else(|| panic!("{k}: {i}"));
    for i in images {
        assert_eq!(
            bytes(i, "unique_size") + bytes(i, "shared_size"),
            bytes(i, "size"),
            "{i}"
        );
    }
    let ours = images
        .iter()
        .find(|i| i["id"] == id)
        .expect("the built image");
    let base = images
        .iter()
        .find(|i| i["id"] == base_id.trim())
        .expect("the base image");
    assert!(
        bytes(ours, "unique_size") >= 1 << 20,
        "its own 1 MiB: {ours}"
    );
    assert_eq!(
        bytes(ours, "shared_size"),
        bytes(base, "size"),
        "shares exactly its base: {ours} {base}"
    );
    assert_eq!(v["disk"]["images"]["count"], ids.len(), "{}", v["disk"]);
}

/// `login` keeps the password where the user's Docker config says: through its credential
/// helper (never in plain text in config.json), like `docker login`.
#[test]
fn login_saves_through_the_users_credential_helper() {
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let stored = home.path().join("stored.json");
    let helper = bin.join("docker-credential-slipwaytest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = store ] && cat > '{}'\n",
            stored.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = home.path().join("docker");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        r#"{"credsStore":"slipwaytest"}"#,
    )
    .unwrap();

    let registry = auth_registry();
    let password = env("SLIPWAY_TEST_AUTH_PASSWORD");
    let out = output_with_stdin(
        slipway_cli_command()
            .args(["--host", &docker_host(), "--json", "login", &registry])
            .args(["-u", &env("SLIPWAY_TEST_AUTH_USER"), "--password-stdin"])
            .env_remove("DOCKER_HOST")
            .env("DOCKER_CONFIG", &config)
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            ),
        &password,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_of(&out)["saved_to"], "docker-credential-slipwaytest");
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&stored).unwrap()).unwrap();
    assert_eq!(saved["ServerURL"], registry);
    assert_eq!(saved["Secret"], password.as_str());
    let config_text = std::fs::read_to_string(config.join("config.json")).unwrap();
    assert!(
        !config_text.contains("auths"),
        "nothing in plain text: {config_text}"
    );
}
