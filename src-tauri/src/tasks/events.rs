//! How the task manager tells the UI what changed: typed tauri-specta events.

use super::TaskSummary;
use super::replay::TimedProgress;
use serde::Serialize;
use slipway_core::progress::Progress;
use tauri::AppHandle;
use tauri_specta::Event;

/// A task started (the command that started it also returns it).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct TaskStarted(pub TaskSummary);

/// A running task made progress. Byte counters are thinned to a few per second.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct TaskProgressed {
    pub id: String,
    pub at: f64,
    pub progress: Progress,
    /// The log line this update makes, if any (the backend keeps the log: it is history).
    pub log: Option<String>,
}

impl TaskProgressed {
    pub fn new(id: &str, timed: TimedProgress, log: Option<String>) -> Self {
        Self {
            id: id.to_owned(),
            at: timed.at,
            progress: timed.progress,
            log,
        }
    }
}

/// A task ended: done (the core call returned its result), failed or cancelled.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct TaskFinished(pub TaskSummary);

/// Where the manager's news goes: the window, or a recorder in tests.
pub trait TaskEvents: Send + Sync + 'static {
    fn started(&self, task: &TaskSummary);
    fn progressed(&self, update: TaskProgressed);
    fn finished(&self, task: &TaskSummary);
}

/// The window's web view, through tauri-specta's typed events.
pub struct WindowEvents(pub AppHandle);

impl WindowEvents {
    fn send<E: Event + Serialize + Clone>(&self, event: E) {
        if let Err(e) = event.emit(&self.0) {
            tracing::warn!(error = %e, event = E::NAME, "could not emit a task event");
        }
    }
}

impl TaskEvents for WindowEvents {
    fn started(&self, task: &TaskSummary) {
        self.send(TaskStarted(task.clone()));
    }

    fn progressed(&self, update: TaskProgressed) {
        self.send(update);
    }

    fn finished(&self, task: &TaskSummary) {
        self.send(TaskFinished(task.clone()));
    }
}
