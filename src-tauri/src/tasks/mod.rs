//! The task manager: every long operation (pull, push, build, save, load, import, prune) runs
//! here, not in the web view. It makes the task IDs, keeps each task's state, progress (as a
//! [`replay::Replay`]), log and cancellation token, decides how it ended from the core call's
//! own result, and is the only writer of the history file. The UI is a projection: it gets
//! [`events`] as things change and [`TaskManager::list`] when it (re)loads.

pub mod events;
pub mod output;
pub mod replay;
mod throttle;

use crate::history::{self, TaskRecord};
use events::{TaskEvents, TaskProgressed};
use output::TaskOutput;
use replay::{Replay, TimedProgress};
use serde::Serialize;
use slipway_core::error::ErrorKind;
use slipway_core::progress::Progress;
use slipway_core::{CancellationToken, Error};
use std::collections::VecDeque;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use throttle::Throttle;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Pull,
    Push,
    Build,
    Save,
    Load,
    Import,
    Prune,
    Copy,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pull => "pull",
            Self::Push => "push",
            Self::Build => "build",
            Self::Save => "save",
            Self::Load => "load",
            Self::Import => "import",
            Self::Prune => "prune",
            Self::Copy => "copy",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::Pull,
            Self::Push,
            Self::Build,
            Self::Save,
            Self::Load,
            Self::Import,
            Self::Prune,
            Self::Copy,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Running,
    Done,
    Failed,
    Cancelled,
}

impl TaskState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// How an operation ended. Done only when the core call returned its result: an error
    /// is never done, whatever was streamed before it.
    fn of(outcome: &Result<TaskOutput, Error>, cancel_asked: bool) -> Self {
        match outcome {
            Ok(_) => Self::Done,
            Err(e) if e.code == 499 || cancel_asked => Self::Cancelled,
            Err(_) => Self::Failed,
        }
    }
}

/// One task as the drawer shows it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct TaskSummary {
    pub id: String,
    pub kind: TaskKind,
    pub title: String,
    /// The engine it runs on (name and address).
    pub engine: String,
    pub state: TaskState,
    /// Milliseconds since the epoch.
    pub started_at: f64,
    pub finished_at: Option<f64>,
    pub error: Option<Error>,
    /// One line on what came out (names, IDs, paths, sizes).
    pub result: Option<String>,
    /// The image it made, for "Open image".
    pub image: Option<String>,
    /// The core's result, for the dialog that started it (the prune sheet shows it).
    pub output: Option<TaskOutput>,
    /// A Cancel was asked for and the operation has not ended yet.
    pub cancelling: bool,
    /// Its end was announced by a notice (a page that reloads announces the others).
    pub noticed: bool,
}

/// A task and, while it runs, its progress so far: what a (re)loaded page starts from.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct TaskView {
    pub task: TaskSummary,
    /// Updates to replay through the UI's `applyProgress` (empty once finished).
    pub progress: Vec<TimedProgress>,
    /// The end of its log.
    pub log: Vec<String>,
}

struct Running {
    task: TaskSummary,
    token: CancellationToken,
    replay: Replay,
    throttle: Throttle,
}

#[derive(Default)]
struct Book {
    /// Oldest first.
    running: Vec<Running>,
    /// This run's finished tasks, newest first, with what the history file does not keep.
    finished: VecDeque<(TaskSummary, Vec<String>)>,
}

struct Shared {
    book: Mutex<Book>,
    events: Box<dyn TaskEvents>,
    /// Where the history file lives; none when the app has no data folder.
    history_dir: Option<PathBuf>,
    next: AtomicU64,
}

/// Cheap to clone: every clone is the same manager.
#[derive(Clone)]
pub struct TaskManager {
    shared: Arc<Shared>,
}

/// What an operation gets from its task: the token that cancels it and a progress sink.
pub struct TaskContext {
    pub id: String,
    pub token: CancellationToken,
    manager: TaskManager,
}

impl TaskContext {
    /// The sink to hand to the core call.
    pub fn progress(&self) -> impl FnMut(Progress) + Send + use<> {
        let (manager, id) = (self.manager.clone(), self.id.clone());
        move |p| manager.progress(&id, p)
    }
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or_default()
}

impl TaskManager {
    pub fn new(events: Box<dyn TaskEvents>, history_dir: Option<PathBuf>) -> Self {
        Self {
            shared: Arc::new(Shared {
                book: Mutex::default(),
                events,
                history_dir,
                next: AtomicU64::new(1),
            }),
        }
    }

    fn book(&self) -> MutexGuard<'_, Book> {
        self.shared.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new ID: unique in this run (counter) and across runs (start time), since the
    /// history is keyed by it.
    fn new_id(&self, kind: TaskKind) -> String {
        let n = self.shared.next.fetch_add(1, Ordering::Relaxed);
        format!("{}-{:x}-{n}", kind.as_str(), now_ms() as u64)
    }

    /// Start `operation` as a task on the async runtime and return its summary at once.
    pub fn spawn<F, Fut>(
        &self,
        kind: TaskKind,
        title: String,
        engine: String,
        operation: F,
    ) -> TaskSummary
    where
        F: FnOnce(TaskContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<TaskOutput, Error>> + Send + 'static,
    {
        let task = TaskSummary {
            id: self.new_id(kind),
            kind,
            title,
            engine,
            state: TaskState::Running,
            started_at: now_ms(),
            finished_at: None,
            error: None,
            result: None,
            image: None,
            output: None,
            cancelling: false,
            noticed: false,
        };
        let token = CancellationToken::new();
        self.book().running.push(Running {
            task: task.clone(),
            token: token.clone(),
            replay: Replay::default(),
            throttle: Throttle::new(throttle::EVERY),
        });
        self.shared.events.started(&task);
        let ctx = TaskContext {
            id: task.id.clone(),
            token,
            manager: self.clone(),
        };
        let manager = self.clone();
        let id = task.id.clone();
        tokio::spawn(async move {
            // Run it in a task of its own: a panic in the operation ends this task as
            // failed instead of leaving it "running" for ever.
            let outcome = match tokio::spawn(operation(ctx)).await {
                Ok(outcome) => outcome,
                Err(e) => Err(Error::of(ErrorKind::TaskStoppedUnexpectedly).with_detail(e)),
            };
            manager.finish(&id, outcome).await;
        });
        task
    }

    fn progress(&self, id: &str, progress: Progress) {
        let at = now_ms();
        let update = {
            let mut book = self.book();
            let Some(run) = book.running.iter_mut().find(|r| r.task.id == id) else {
                return;
            };
            // The replay sees every update; the window only what the throttle lets by.
            let log = run.replay.apply(&progress, at);
            (run.throttle.admit(&progress) || log.is_some())
                .then(|| TaskProgressed::new(id, TimedProgress { at, progress }, log))
        };
        if let Some(update) = update {
            self.shared.events.progressed(update);
        }
    }

    /// End task `id` with the operation's outcome: keep it, write it to the history (once,
    /// in its final state), then tell the window.
    async fn finish(&self, id: &str, outcome: Result<TaskOutput, Error>) {
        let (task, log) = {
            let mut book = self.book();
            let Some(i) = book.running.iter().position(|r| r.task.id == id) else {
                return;
            };
            let run = book.running.remove(i);
            let mut task = run.task;
            task.state = TaskState::of(&outcome, run.token.is_cancelled());
            task.finished_at = Some(now_ms());
            task.cancelling = false;
            match outcome {
                Ok(output) => {
                    task.result = Some(output.result_line());
                    task.image = output.image();
                    task.output = Some(output);
                }
                Err(e) => task.error = Some(e),
            }
            let log = run.replay.log();
            book.finished.push_front((task.clone(), log.clone()));
            book.finished.truncate(history::KEEP);
            (task, log)
        };
        if let Some(dir) = self.shared.history_dir.clone() {
            let record = to_record(&task, log);
            let written = tokio::task::spawn_blocking(move || {
                history::record(&dir, record)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .await;
            match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(id, error = %e, "could not write the task history"),
                Err(e) => tracing::warn!(id, error = %e, "could not write the task history"),
            }
        }
        self.shared.events.finished(&task);
    }

    /// Ask task `id` to stop; false when no such task runs (it may just have finished).
    pub fn cancel(&self, id: &str) -> bool {
        let mut book = self.book();
        let Some(run) = book.running.iter_mut().find(|r| r.task.id == id) else {
            return false;
        };
        run.token.cancel();
        run.task.cancelling = true;
        true
    }

    /// The window announced the end of task `id`.
    pub fn noticed(&self, id: &str) {
        let mut book = self.book();
        if let Some((task, _)) = book.finished.iter_mut().find(|(t, _)| t.id == id) {
            task.noticed = true;
        }
    }

    /// Running tasks (newest first, with their progress so far), then finished ones
    /// (newest first: this run's, then the history's), [`history::KEEP`] of those at most.
    pub async fn list(&self) -> Vec<TaskView> {
        let kept = match self.shared.history_dir.clone() {
            Some(dir) => tokio::task::spawn_blocking(move || history::load(&dir))
                .await
                .unwrap_or_default(),
            None => Vec::new(),
        };
        self.list_with(kept)
    }

    fn list_with(&self, kept: Vec<TaskRecord>) -> Vec<TaskView> {
        let book = self.book();
        let running = book.running.iter().rev().map(|r| TaskView {
            task: r.task.clone(),
            progress: r.replay.updates(),
            log: r.replay.log(),
        });
        let this_run = book.finished.iter().map(|(task, log)| TaskView {
            task: task.clone(),
            progress: Vec::new(),
            log: log.clone(),
        });
        let earlier = kept
            .into_iter()
            .filter(|r| !book.finished.iter().any(|(t, _)| t.id == r.id))
            .filter_map(from_record);
        running
            .chain(this_run.chain(earlier).take(history::KEEP))
            .collect()
    }
}

fn to_record(task: &TaskSummary, log: Vec<String>) -> TaskRecord {
    TaskRecord {
        id: task.id.clone(),
        kind: task.kind.as_str().into(),
        title: task.title.clone(),
        engine: task.engine.clone(),
        state: task.state.as_str().into(),
        started_at: task.started_at,
        finished_at: task.finished_at.unwrap_or_else(now_ms),
        error: task.error.clone(),
        result: task.result.clone(),
        log,
    }
}

/// A task of an earlier run, from the history file; announced back then.
fn from_record(r: TaskRecord) -> Option<TaskView> {
    let state = match r.state.as_str() {
        "done" => TaskState::Done,
        "cancelled" => TaskState::Cancelled,
        _ => TaskState::Failed,
    };
    Some(TaskView {
        task: TaskSummary {
            id: r.id,
            kind: TaskKind::parse(&r.kind)?,
            title: r.title,
            engine: r.engine,
            state,
            started_at: r.started_at,
            finished_at: Some(r.finished_at),
            error: r.error,
            result: r.result,
            image: None,
            output: None,
            cancelling: false,
            noticed: true,
        },
        progress: Vec::new(),
        log: r.log,
    })
}

#[cfg(test)]
mod tests;
