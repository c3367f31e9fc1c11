use super::*;
use slipway_core::engine::discovery::DiscoveredEngine;

/// An engine that answers every request with its version (enough to connect to).
pub(crate) async fn version_only_engine(dir: &std::path::Path, name: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sock = dir.join(format!("{name}.sock"));
    let listener = tokio::net::UnixListener::bind(&sock).unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let body =
                    r#"{"Version":"20.10.0","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}"#;
                let mut buf = vec![0u8; 8192];
                // One answer per request head read (requests here have no body).
                while let Ok(n) = conn.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if conn.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("unix://{}", sock.display())
}

pub(crate) async fn connected(host: &str) -> Engine {
    Engine::connect(EngineSpec::host(host)).await.unwrap()
}

fn discovered(name: &str, host: &str, current: bool) -> DiscoveredEngine {
    DiscoveredEngine {
        name: name.into(),
        host: host.into(),
        source: EngineSource::DockerContext,
        tls: None,
        identity: None,
        current,
        podman_default: false,
    }
}

fn lost(host: &str) -> Error {
    Error::of(ErrorKind::LostEngine { host: host.into() })
}

#[test]
fn host_flags_come_first_keyed_by_url_and_hide_a_discovered_engine_at_the_same_address() {
    let set = EngineSet::build(
        &["unix:///a.sock".into(), "tcp://127.0.0.1:1".into()],
        &[
            discovered("default", "unix:///a.sock/", true),
            discovered("lab", "tcp://127.0.0.1:2", false),
        ],
    );
    assert_eq!(
        set.keys(),
        ["unix:///a.sock", "tcp://127.0.0.1:1", "lab"].map(String::from)
    );
    let list = set.list();
    assert_eq!(list.engines[0].source, "flag");
    assert_eq!(list.engines[2].source, "docker_context");
    assert!(
        list.engines
            .iter()
            .all(|e| e.state == EngineState::Connecting)
    );
    assert_eq!(set.find("unix:///a.sock"), Some("unix:///a.sock".into()));
    assert_eq!(set.find("tcp://127.0.0.1:2"), Some("lab".into()));
}

#[test]
fn automatic_means_the_engine_the_docker_cli_would_use() {
    let mut set = EngineSet::build(
        &[],
        &[
            discovered("a", "unix:///a.sock", false),
            discovered("b", "unix:///b.sock", true),
        ],
    );
    assert_eq!(set.current_key().as_deref(), Some("b"));
    set.select(Some(EngineChoice::Engine("a".into()))).unwrap();
    assert_eq!(set.current_key().as_deref(), Some("a"));
    // In All engines, commands without an engine go to the automatic one.
    set.select(Some(EngineChoice::All)).unwrap();
    assert_eq!(set.current_key().as_deref(), Some("b"));
    let e = set
        .select(Some(EngineChoice::Engine("nope".into())))
        .unwrap_err();
    assert_eq!(e.code, 404);
    assert_eq!(
        set.choice(),
        Some(&EngineChoice::All),
        "a refused choice changes nothing"
    );
}

/// The old bug: the user switched to an engine that failed, then the previous engine's
/// watcher reconnected and put its engine back as the current one.
#[tokio::test]
async fn a_reconnecting_engine_never_takes_back_the_users_choice() {
    let dir = tempfile::tempdir().unwrap();
    let a = version_only_engine(dir.path(), "a").await;
    let b = "unix:///nowhere/b.sock".to_owned();
    let mut set = EngineSet::build(&[a.clone(), b.clone()], &[]);
    set.select(Some(EngineChoice::Engine(a.clone()))).unwrap();
    set.set_connected(&a, connected(&a).await);
    assert_eq!(set.engine_by_key(None).unwrap().info.host, a);

    // The user switches to b, which cannot be reached …
    set.select(Some(EngineChoice::Engine(b.clone()))).unwrap();
    set.set_unreachable(&b, lost(&b));
    // … while a's watcher loses its stream and reconnects.
    set.set_unreachable(&a, lost(&a));
    set.set_connected(&a, connected(&a).await);

    assert_eq!(set.choice(), Some(&EngineChoice::Engine(b.clone())));
    assert_eq!(set.list().current.as_deref(), Some(b.as_str()));
    let e = set.engine_by_key(None).unwrap_err();
    assert_eq!(
        e.kind.as_deref(),
        Some(&ErrorKind::LostEngine { host: b.clone() })
    );
    let view = set.current_view().unwrap();
    assert_eq!(
        (view.key.as_str(), view.state),
        (b.as_str(), EngineState::Unreachable)
    );
    // a is still usable by its key (a row of a in another view).
    assert_eq!(set.engine_by_key(Some(&a)).unwrap().info.host, a);
}

#[tokio::test]
async fn each_engine_keeps_its_own_state_and_all_engines_is_connected_while_any_is() {
    let dir = tempfile::tempdir().unwrap();
    let a = version_only_engine(dir.path(), "a").await;
    let b = version_only_engine(dir.path(), "b").await;
    let mut set = EngineSet::build(&[a.clone(), b.clone()], &[]);
    set.select(Some(EngineChoice::All)).unwrap();
    set.set_connected(&a, connected(&a).await);
    set.set_connected(&b, connected(&b).await);
    set.set_unreachable(&a, lost(&a));
    let list = set.list();
    assert_eq!(list.engines[0].state, EngineState::Unreachable);
    assert_eq!(list.engines[1].state, EngineState::Connected);
    assert_eq!(
        list.engines[0].version.as_deref(),
        Some("20.10.0"),
        "last seen"
    );
    assert!(set.engine_by_key(Some(&a)).is_err());
    assert_eq!(set.engine_by_key(Some(&b)).unwrap().info.host, b);
    // The automatic engine (a) is down: All engines still counts as connected, through b.
    assert_eq!(set.current_view().unwrap().key, b);
    let unknown = set.engine_by_key(Some("zzz")).unwrap_err();
    assert_eq!(unknown.code, 404);
}

#[tokio::test]
async fn the_stall_timeout_reaches_the_engines_connected_now_and_every_later_one() {
    let dir = tempfile::tempdir().unwrap();
    let a = version_only_engine(dir.path(), "a").await;
    let b = version_only_engine(dir.path(), "b").await;
    let mut set = EngineSet::build(&[a.clone(), b.clone()], &[]);
    set.set_stall_timeout(std::time::Duration::from_secs(7));
    set.set_connected(&a, connected(&a).await);
    let secs = |set: &EngineSet, k: &str| set.engine_by_key(Some(k)).unwrap().stall_timeout();
    assert_eq!(secs(&set, &a), std::time::Duration::from_secs(7));
    set.set_stall_timeout(std::time::Duration::from_secs(300));
    set.set_connected(&b, connected(&b).await);
    assert_eq!(secs(&set, &a), std::time::Duration::from_secs(300));
    assert_eq!(secs(&set, &b), std::time::Duration::from_secs(300));
}
