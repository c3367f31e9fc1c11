use super::*;
use crate::tasks::output::SaveResult;
use slipway_core::progress::LayerProgress;
use slipway_core::transfer::PullResult;
use tokio::sync::{mpsc, oneshot};

#[derive(Debug)]
enum Ev {
    Started(TaskSummary),
    Progressed(TaskProgressed),
    Finished(TaskSummary),
}

struct Recorder(mpsc::UnboundedSender<Ev>);

impl TaskEvents for Recorder {
    fn started(&self, task: &TaskSummary) {
        let _ = self.0.send(Ev::Started(task.clone()));
    }
    fn progressed(&self, update: TaskProgressed) {
        let _ = self.0.send(Ev::Progressed(update));
    }
    fn finished(&self, task: &TaskSummary) {
        let _ = self.0.send(Ev::Finished(task.clone()));
    }
}

fn manager(dir: Option<&std::path::Path>) -> (TaskManager, mpsc::UnboundedReceiver<Ev>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (
        TaskManager::new(Box::new(Recorder(tx)), dir.map(Into::into)),
        rx,
    )
}

/// The next finished event, skipping the others.
async fn finished(rx: &mut mpsc::UnboundedReceiver<Ev>) -> TaskSummary {
    loop {
        match rx.recv().await.expect("a finished event") {
            Ev::Finished(t) => return t,
            _ => continue,
        }
    }
}

fn layer(id: &str, status: &str, current: u64) -> Progress {
    Progress::Layer(LayerProgress {
        layer: id.into(),
        status: status.into(),
        current: Some(current),
        total: Some(10),
    })
}

fn pulled() -> TaskOutput {
    TaskOutput::Pull(PullResult {
        id: "sha256:abc".into(),
        tag: vec!["app:1".into()],
        digest: None,
    })
}

fn spawn_pull<Fut>(
    m: &TaskManager,
    op: impl FnOnce(TaskContext) -> Fut + Send + 'static,
) -> TaskSummary
where
    Fut: Future<Output = Result<TaskOutput, Error>> + Send + 'static,
{
    m.spawn(
        TaskKind::Pull,
        "Pull app:1".into(),
        "Docker unix:///x".into(),
        op,
    )
}

#[tokio::test]
async fn the_backend_makes_a_fresh_id_for_every_task_and_announces_it() {
    let (m, mut rx) = manager(None);
    let a = spawn_pull(&m, |_| async { Ok(pulled()) });
    let b = spawn_pull(&m, |_| async { Ok(pulled()) });
    assert_ne!(a.id, b.id);
    assert!(a.id.starts_with("pull-"), "{}", a.id);
    assert_eq!(a.state, TaskState::Running);
    assert!(matches!(rx.recv().await, Some(Ev::Started(t)) if t.id == a.id));
}

#[tokio::test]
async fn a_reloaded_page_gets_the_running_task_with_its_progress_so_far() {
    let (m, mut rx) = manager(None);
    let (release, wait) = oneshot::channel::<()>();
    let task = spawn_pull(&m, |ctx| async move {
        let mut send = ctx.progress();
        for i in 0..=5 {
            send(layer("a1", "Downloading", i));
        }
        send(layer("b2", "Waiting", 0));
        send(Progress::Message {
            line: "Trying to pull".into(),
        });
        wait.await.ok();
        Ok(pulled())
    });
    // Wait until the operation has reported everything.
    while !matches!(rx.recv().await, Some(Ev::Progressed(p)) if p.log.as_deref() == Some("Trying to pull"))
    {
    }
    let views = m.list_with(Vec::new());
    assert_eq!(views.len(), 1);
    let view = &views[0];
    assert_eq!(view.task.id, task.id);
    assert_eq!(view.task.title, "Pull app:1");
    assert_eq!(view.task.state, TaskState::Running);
    let replay: Vec<&Progress> = view.progress.iter().map(|u| &u.progress).collect();
    assert_eq!(
        replay,
        [&layer("a1", "Downloading", 5), &layer("b2", "Waiting", 0)]
    );
    assert_eq!(
        view.log,
        ["a1: Downloading", "b2: Waiting", "Trying to pull"]
    );
    release.send(()).unwrap();
    let done = finished(&mut rx).await;
    assert_eq!(done.state, TaskState::Done);
    assert_eq!(done.result.as_deref(), Some("app:1"));
    assert_eq!(done.image.as_deref(), Some("sha256:abc"));
}

#[tokio::test]
async fn cancel_stops_the_operation_and_the_task_ends_cancelled() {
    let (m, mut rx) = manager(None);
    let task = spawn_pull(&m, |ctx| async move {
        ctx.token.cancelled().await;
        Err(Error::cancelled("Pulling app:1"))
    });
    assert!(m.cancel(&task.id));
    assert!(m.list_with(Vec::new())[0].task.cancelling);
    let end = finished(&mut rx).await;
    assert_eq!(end.state, TaskState::Cancelled);
    assert!(!end.cancelling);
    assert!(
        !m.cancel(&task.id),
        "a finished task can no longer be cancelled"
    );
}

#[tokio::test]
async fn an_operation_that_returned_an_error_is_never_done() {
    let (m, mut rx) = manager(None);
    spawn_pull(&m, |ctx| async move {
        // Everything looked fine on the way…
        let mut send = ctx.progress();
        send(layer("a1", "Pull complete", 10));
        send(Progress::Message {
            line: "Status: Downloaded newer image".into(),
        });
        // …but the core call did not return its result.
        Err(Error::unavailable(
            "The stream from the engine ended before the pull finished.",
        ))
    });
    let end = finished(&mut rx).await;
    assert_eq!(end.state, TaskState::Failed);
    assert_eq!(end.error.unwrap().code, 503);
    assert_eq!(end.result, None);
    assert_eq!(end.image, None);
}

#[tokio::test]
async fn an_error_after_cancel_counts_as_cancelled_and_a_result_after_cancel_as_done() {
    let (m, mut rx) = manager(None);
    let (go, wait) = oneshot::channel::<()>();
    let t = spawn_pull(&m, |_| async move {
        wait.await.ok();
        Err(Error::internal("connection reset"))
    });
    m.cancel(&t.id);
    go.send(()).unwrap();
    assert_eq!(finished(&mut rx).await.state, TaskState::Cancelled);

    let (go, wait) = oneshot::channel::<()>();
    let t = spawn_pull(&m, |_| async move {
        wait.await.ok();
        Ok(pulled())
    });
    m.cancel(&t.id);
    go.send(()).unwrap();
    // The engine finished before it could stop: the image is there, so it is done.
    assert_eq!(finished(&mut rx).await.state, TaskState::Done);
}

#[tokio::test]
async fn a_panicking_operation_ends_failed_not_running_for_ever() {
    let (m, mut rx) = manager(None);
    spawn_pull(&m, |_| async { panic!("boom") });
    let end = finished(&mut rx).await;
    assert_eq!(end.state, TaskState::Failed);
    assert!(m.list_with(Vec::new())[0].task.state == TaskState::Failed);
}

#[tokio::test]
async fn the_history_gets_each_task_once_in_its_final_state_with_the_end_of_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let (m, mut rx) = manager(Some(dir.path()));
    let (go, wait) = oneshot::channel::<()>();
    let t = m.spawn(
        TaskKind::Save,
        "Save 1 image".into(),
        "Docker unix:///x".into(),
        |ctx| async move {
            let mut send = ctx.progress();
            for i in 0..history::LOG_LINES + 20 {
                send(Progress::Message {
                    line: format!("line {i}"),
                });
            }
            wait.await.ok();
            Ok(TaskOutput::Save(SaveResult {
                path: "/tmp/a.tar".into(),
                bytes: 2_000_000,
            }))
        },
    );
    while !matches!(rx.recv().await, Some(Ev::Progressed(p)) if p.log.as_deref() == Some(&*format!("line {}", history::LOG_LINES + 19)))
    {
    }
    assert!(
        history::load(dir.path()).is_empty(),
        "nothing is written while it runs"
    );
    go.send(()).unwrap();
    finished(&mut rx).await;
    let kept = history::load(dir.path());
    assert_eq!(kept.len(), 1);
    let r = &kept[0];
    assert_eq!((r.id.as_str(), r.state.as_str()), (t.id.as_str(), "done"));
    assert_eq!(r.kind, "save");
    assert_eq!(r.result.as_deref(), Some("/tmp/a.tar · 2.00 MB"));
    assert_eq!(r.log.len(), history::LOG_LINES);
    assert_eq!(
        r.log.last().unwrap(),
        &format!("line {}", history::LOG_LINES + 19)
    );
}

#[tokio::test]
async fn the_list_shows_this_runs_tasks_then_earlier_ones_and_tracks_notices() {
    let dir = tempfile::tempdir().unwrap();
    let earlier = TaskRecord {
        id: "push-1".into(),
        kind: "push".into(),
        title: "Push app:1".into(),
        engine: "Docker".into(),
        state: "failed".into(),
        started_at: 1.0,
        finished_at: 2.0,
        error: Some(Error::new(401, "unauthorized")),
        result: None,
        log: vec!["denied".into()],
    };
    history::record(dir.path(), earlier).unwrap();
    let (m, mut rx) = manager(Some(dir.path()));
    let t = spawn_pull(&m, |_| async { Ok(pulled()) });
    finished(&mut rx).await;
    let list = m.list().await;
    let ids: Vec<&str> = list.iter().map(|v| v.task.id.as_str()).collect();
    assert_eq!(ids, [t.id.as_str(), "push-1"]);
    // This run's task still has what the history does not keep.
    assert_eq!(list[0].task.image.as_deref(), Some("sha256:abc"));
    assert!(!list[0].task.noticed, "its end was not announced yet");
    assert!(list[1].task.noticed, "earlier runs announced theirs");
    assert_eq!(list[1].log, ["denied"]);
    m.noticed(&t.id);
    assert!(m.list().await[0].task.noticed);
}

#[tokio::test]
async fn byte_counts_are_thinned_on_the_way_to_the_window_but_the_snapshot_has_the_latest() {
    let (m, mut rx) = manager(None);
    let (go, wait) = oneshot::channel::<()>();
    m.spawn(
        TaskKind::Load,
        "Load a.tar".into(),
        String::new(),
        |ctx| async move {
            let mut send = ctx.progress();
            for done in 1..=1000 {
                send(Progress::Bytes { done, total: None });
            }
            send(Progress::Message {
                line: "sent".into(),
            });
            wait.await.ok();
            Ok(TaskOutput::Load(slipway_core::transfer::LoadResult {
                loaded: vec!["a:1".into()],
            }))
        },
    );
    let mut bytes_events = 0;
    loop {
        match rx.recv().await.unwrap() {
            Ev::Progressed(p) if p.log.is_some() => break,
            Ev::Progressed(_) => bytes_events += 1,
            _ => {}
        }
    }
    assert!(bytes_events < 100, "{bytes_events} byte updates sent");
    let view = &m.list_with(Vec::new())[0];
    assert_eq!(
        view.progress.last().unwrap().progress,
        Progress::Bytes {
            done: 1000,
            total: None
        }
    );
    go.send(()).unwrap();
    assert_eq!(finished(&mut rx).await.result.as_deref(), Some("a:1"));
}
