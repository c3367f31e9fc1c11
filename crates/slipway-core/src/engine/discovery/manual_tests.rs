use super::*;
use std::fs;

/// An environment with nothing but Slipway's config folder and a Docker config under `root`.
fn env_in(root: &Path) -> DiscoveryEnv {
    DiscoveryEnv {
        home: Some(root.join("home")),
        docker_config: Some(root.join("docker")),
        xdg_config_home: Some(root.join("config")),
        slipway_config_dir: Some(root.join("slipway")),
        ..DiscoveryEnv::default()
    }
}

fn engine(name: &str, host: &str) -> ManualEngine {
    ManualEngine {
        name: name.into(),
        host: host.into(),
        ..ManualEngine::default()
    }
}

fn kind(e: &Error) -> &ErrorKind {
    e.kind().expect("a typed error")
}

#[test]
fn an_engine_added_by_hand_is_saved_and_discovered_first_as_manual() {
    let root = tempfile::tempdir().unwrap();
    let env = env_in(root.path());
    let file = ManualEngines::in_dir(env.slipway_config_dir.as_ref().unwrap());
    file.add(engine("  lab ", " tcp://127.0.0.1:2376 "), &env)
        .unwrap();
    file.add(engine("box", "unix:///tmp/box.sock"), &env)
        .unwrap();
    assert!(file.path().ends_with("slipway/engines.json"));
    let saved: serde_json::Value = serde_json::from_slice(&fs::read(file.path()).unwrap()).unwrap();
    assert_eq!(saved["engines"][0]["name"], "lab", "trimmed");
    assert_eq!(saved["engines"][0]["host"], "tcp://127.0.0.1:2376");

    let found = super::super::discover(&env);
    assert!(found.skipped.is_empty(), "{:?}", found.skipped);
    assert_eq!(found.engines[0].name, "lab");
    assert_eq!(found.engines[0].source, EngineSource::Manual);
    assert_eq!(found.named("box").unwrap().host, "unix:///tmp/box.sock");

    file.remove("lab").unwrap();
    let names: Vec<_> = file
        .list()
        .unwrap()
        .engines
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["box"]);
    let e = file.remove("lab").unwrap_err();
    assert_eq!(e.code, 404);
    assert!(matches!(kind(&e), ErrorKind::NoManualEngine { name } if name == "lab"));
}

#[test]
fn bad_names_and_addresses_are_refused_and_nothing_is_written() {
    let root = tempfile::tempdir().unwrap();
    let env = env_in(root.path());
    let file = ManualEngines::in_dir(&root.path().join("slipway"));
    let e = file
        .add(engine("  ", "tcp://127.0.0.1:1"), &env)
        .unwrap_err();
    assert_eq!((e.code, kind(&e)), (400, &ErrorKind::EngineNameEmpty));
    for host in [
        "http://127.0.0.1:2375",
        "127.0.0.1:2375",
        "tcp://",
        "",
        "ftp://x",
    ] {
        let e = file.add(engine("x", host), &env).unwrap_err();
        assert_eq!(e.code, 400, "{host}");
        assert!(
            matches!(kind(&e), ErrorKind::EngineAddressNotUnderstood { .. }),
            "{host}: {e:?}"
        );
    }
    assert!(!file.path().exists(), "a refused engine writes nothing");
    for host in [
        "unix:///run/x.sock",
        "tcp://127.0.0.1:2375",
        "ssh://me@127.0.0.1:22",
    ] {
        file.add(engine(host, host), &env).unwrap();
    }
}

#[test]
fn a_name_taken_by_another_engine_or_a_docker_context_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let env = env_in(root.path());
    let file = ManualEngines::in_dir(&root.path().join("slipway"));
    file.add(engine("lab", "tcp://127.0.0.1:1"), &env).unwrap();
    let e = file
        .add(engine("lab", "tcp://127.0.0.1:2"), &env)
        .unwrap_err();
    assert_eq!(e.code, 409);
    assert!(matches!(kind(&e), ErrorKind::EngineNameTaken { name } if name == "lab"));

    let meta = serde_json::json!({
        "Name": "build", "Metadata": {},
        "Endpoints": {"docker": {"Host": "ssh://me@127.0.0.1:2222", "SkipTLSVerify": false}},
    });
    let dir = root
        .path()
        .join("docker/contexts/meta")
        .join(super::super::docker::context_dir("build"));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
    let e = file
        .add(engine("build", "tcp://127.0.0.1:3"), &env)
        .unwrap_err();
    assert_eq!(e.code, 409);
    assert!(
        matches!(kind(&e), ErrorKind::EngineNameInUse { name, host } if name == "build" && host == "ssh://me@127.0.0.1:2222"),
        "{e:?}"
    );
    assert!(e.message.contains("\"build\""), "{}", e.message);
}

#[test]
fn tls_and_identity_files_must_be_regular_files_that_exist() {
    let root = tempfile::tempdir().unwrap();
    let env = env_in(root.path());
    let file = ManualEngines::in_dir(&root.path().join("slipway"));
    let ca = root.path().join("ca.pem");
    fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
    let with_tls = |ca: &Path| ManualEngine {
        tls: Some(TlsFiles {
            ca: Some(ca.display().to_string()),
            ..TlsFiles::default()
        }),
        ..engine("lab", "tcp://127.0.0.1:2376")
    };
    let missing = root.path().join("nope.pem");
    let e = file.add(with_tls(&missing), &env).unwrap_err();
    assert!(matches!(kind(&e), ErrorKind::CannotRead { path } if path.ends_with("nope.pem")));
    let e = file.add(with_tls(root.path()), &env).unwrap_err();
    assert!(matches!(kind(&e), ErrorKind::FolderNotFile { .. }), "{e:?}");
    let e = file
        .add(
            ManualEngine {
                identity: Some(missing.display().to_string()),
                ..engine("ssh", "ssh://me@127.0.0.1")
            },
            &env,
        )
        .unwrap_err();
    assert_eq!(e.code, 400);

    let added = file.add(with_tls(&ca), &env).unwrap();
    assert_eq!(added.tls.as_ref().unwrap().ca.as_deref(), ca.to_str());
    let found = super::super::discover(&env);
    assert_eq!(found.named("lab").unwrap().tls, added.tls);
    // Blank TLS settings are no TLS settings.
    let plain = file
        .add(
            ManualEngine {
                tls: Some(TlsFiles::default()),
                identity: Some(" ".into()),
                ..engine("plain", "tcp://127.0.0.1:2375")
            },
            &env,
        )
        .unwrap();
    assert_eq!((plain.tls, plain.identity), (None, None));
}

#[test]
fn an_edit_replaces_in_place_and_may_rename() {
    let root = tempfile::tempdir().unwrap();
    let env = env_in(root.path());
    let file = ManualEngines::in_dir(&root.path().join("slipway"));
    file.add(engine("a", "tcp://127.0.0.1:1"), &env).unwrap();
    file.add(engine("b", "tcp://127.0.0.1:2"), &env).unwrap();
    file.edit("a", engine("a2", "tcp://127.0.0.1:9"), &env)
        .unwrap();
    let list = file.list().unwrap().engines;
    assert_eq!(list[0], engine("a2", "tcp://127.0.0.1:9"));
    assert_eq!(list[1].name, "b");
    let e = file
        .edit("a2", engine("b", "tcp://127.0.0.1:9"), &env)
        .unwrap_err();
    assert_eq!(e.code, 409);
    let e = file
        .edit("zz", engine("zz", "tcp://127.0.0.1:9"), &env)
        .unwrap_err();
    assert_eq!(e.code, 404);
    assert_eq!(
        file.list().unwrap().engines,
        list,
        "refused edits change nothing"
    );
}

#[test]
fn a_damaged_file_is_kept_aside_reported_as_skipped_and_its_whole_entries_kept() {
    let root = tempfile::tempdir().unwrap();
    let env = env_in(root.path());
    let dir = root.path().join("slipway");
    fs::create_dir_all(&dir).unwrap();
    let bytes = br#"{"engines":[{"name":"lab","host":"tcp://127.0.0.1:1"},{"name":"cut","ho"#;
    fs::write(dir.join(FILE_NAME), bytes).unwrap();

    let found = super::super::discover(&env);
    assert_eq!(found.skipped.len(), 1, "{:?}", found.skipped);
    let reason = &found.skipped[0].reason;
    let Some(ErrorKind::ManualEnginesDamaged { kept_at, count, .. }) = reason.kind() else {
        panic!("{reason:?}")
    };
    assert_eq!(*count, 1);
    assert_eq!(
        fs::read(kept_at).unwrap(),
        bytes,
        "the original bytes are kept"
    );
    assert!(kept_at.contains("engines.json.broken-"), "{kept_at}");
    assert_eq!(found.named("lab").unwrap().source, EngineSource::Manual);
    // The salvaged list is the file now: the next read is clean and loses nothing more.
    let again = ManualEngines::in_dir(&dir).list().unwrap();
    assert_eq!(again.damaged, None);
    assert_eq!(again.engines, [engine("lab", "tcp://127.0.0.1:1")]);
}
