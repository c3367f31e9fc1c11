use super::*;
use crate::engines::tests::version_only_engine;
use crate::engines::{EngineChoice, EngineState};

fn watcher(set: &Arc<Mutex<EngineSet>>, key: &str, stop: &CancellationToken) -> Watcher {
    Watcher {
        set: Arc::clone(set),
        key: key.to_owned(),
        stop: stop.clone(),
        wake: Arc::new(Notify::new()),
        limit: Arc::new(Semaphore::new(2)),
        connect_timeout: Duration::from_secs(2),
    }
}

fn recorder() -> (
    Arc<Mutex<Vec<Notice>>>,
    impl Fn(Notice) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let out = Arc::clone(&seen);
    (seen, move |n| out.lock().unwrap().push(n))
}

fn state_of(set: &Arc<Mutex<EngineSet>>, key: &str) -> EngineState {
    let list = set.lock().unwrap().list();
    list.engines.iter().find(|e| e.key == key).unwrap().state
}

/// The fake engine ends every event stream at once: each watcher sees its engine lost,
/// marks it unreachable, reconnects on its own and asks its UI rows to resync — while the
/// engine that is not there is reported unreachable without holding the other back.
#[tokio::test]
async fn each_engine_is_watched_on_its_own_and_a_lost_one_reconnects_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let live = version_only_engine(dir.path(), "live").await;
    let gone = format!("unix://{}/gone.sock", dir.path().display());
    let set = Arc::new(Mutex::new(EngineSet::build(
        &[live.clone(), gone.clone()],
        &[],
    )));
    set.lock().unwrap().select(Some(EngineChoice::All)).unwrap();
    let stop = CancellationToken::new();
    let (seen_live, out_live) = recorder();
    let (_seen_gone, out_gone) = recorder();
    tokio::spawn(watcher(&set, &gone, &stop).run(out_gone));
    tokio::spawn(watcher(&set, &live, &stop).run(out_live));

    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let resynced = seen_live.lock().unwrap().iter().any(
            |n| matches!(n, Notice::Images(c) if c.resync && c.engine == live && c.ids.is_empty()),
        );
        if resynced && state_of(&set, &gone) == EngineState::Unreachable {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no reconnect within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let list = set.lock().unwrap().list();
    let gone_view = list.engines.iter().find(|e| e.key == gone).unwrap();
    assert_eq!(gone_view.error.as_ref().unwrap().code, 503, "{gone_view:?}");
    assert_eq!(
        list.choice,
        Some(EngineChoice::All),
        "watchers never change the choice"
    );
    stop.cancel();
}

#[tokio::test]
async fn a_stopped_watcher_writes_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let live = version_only_engine(dir.path(), "live").await;
    let set = Arc::new(Mutex::new(EngineSet::build(
        std::slice::from_ref(&live),
        &[],
    )));
    let stop = CancellationToken::new();
    let (seen, out) = recorder();
    stop.cancel();
    watcher(&set, &live, &stop).run(out).await;
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(state_of(&set, &live), EngineState::Connecting);
}

#[test]
fn only_names_given_or_taken_leave_the_sizes_as_they_were() {
    let of = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(!sizes_may_change(&of(&["tag"]), false));
    assert!(!sizes_may_change(&of(&["tag", "untag"]), false));
    assert!(sizes_may_change(&of(&["tag", "delete"]), false));
    assert!(sizes_may_change(&of(&["pull"]), false));
    assert!(sizes_may_change(&of(&["container:destroy"]), false));
    assert!(sizes_may_change(&of(&[]), true));
}
