//! Long operations in flight, by the task ID the UI chose, so `task_cancel` can stop them.

use slipway_core::progress::Progress;
use slipway_core::{CancellationToken, Error};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Tasks {
    running: Mutex<HashMap<String, CancellationToken>>,
}

impl Tasks {
    /// Register `id`; the guard unregisters it when the operation ends, however it ends.
    pub fn start(&self, id: &str) -> Result<TaskGuard<'_>, Error> {
        if id.trim().is_empty() {
            return Err(Error::bad_request("A task needs an ID."));
        }
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.contains_key(id) {
            return Err(Error::new(409, format!("Task {id} is already running.")));
        }
        let token = CancellationToken::new();
        running.insert(id.to_owned(), token.clone());
        Ok(TaskGuard {
            tasks: self,
            id: id.to_owned(),
            token,
        })
    }

    /// Cancel `id`; false when no such task runs (it may just have finished).
    pub fn cancel(&self, id: &str) -> bool {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.get(id).map(|t| t.cancel()).is_some()
    }
}

pub struct TaskGuard<'a> {
    tasks: &'a Tasks,
    id: String,
    pub token: CancellationToken,
}

impl Drop for TaskGuard<'_> {
    fn drop(&mut self) {
        let mut running = self.tasks.running.lock().unwrap_or_else(|e| e.into_inner());
        running.remove(&self.id);
    }
}

/// A progress sink for a `Channel`: byte counters thinned to a few per second.
pub fn channel_sink(channel: tauri::ipc::Channel<Progress>) -> impl FnMut(Progress) + Send {
    let mut throttle = Throttle::new(Duration::from_millis(100));
    move |p: Progress| {
        if throttle.admit(&p) {
            let _ = channel.send(p);
        }
    }
}

/// Byte counters arrive per chunk (thousands per second); the UI needs a few per second.
/// Everything else passes through, and the last byte count is never dropped.
pub struct Throttle {
    every: Duration,
    last: Option<Instant>,
}

impl Throttle {
    pub fn new(every: Duration) -> Self {
        Self { every, last: None }
    }

    pub fn admit(&mut self, p: &Progress) -> bool {
        let Progress::Bytes { done, total } = p else {
            return true;
        };
        let finished = total.is_some_and(|t| *done >= t);
        let now = Instant::now();
        if finished
            || self
                .last
                .is_none_or(|l| now.duration_since(l) >= self.every)
        {
            self.last = Some(now);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_task_can_no_longer_be_cancelled_and_its_id_is_free_again() {
        let tasks = Tasks::default();
        {
            let guard = tasks.start("save-1").unwrap();
            assert!(tasks.cancel("save-1"));
            assert!(guard.token.is_cancelled());
        }
        assert!(!tasks.cancel("save-1"));
        assert!(tasks.start("save-1").is_ok());
    }

    /// Two operations under one ID would make Cancel stop the wrong one.
    #[test]
    fn the_same_id_cannot_run_twice() {
        let tasks = Tasks::default();
        let _g = tasks.start("t").unwrap();
        assert_eq!(tasks.start("t").err().unwrap().code, 409);
    }

    #[test]
    fn byte_updates_are_thinned_but_the_last_one_gets_through() {
        let mut t = Throttle::new(Duration::from_secs(60));
        let bytes = |done| Progress::Bytes {
            done,
            total: Some(100),
        };
        assert!(t.admit(&bytes(1)));
        assert!(!t.admit(&bytes(2)));
        assert!(t.admit(&Progress::Message { line: "x".into() }));
        assert!(t.admit(&bytes(100)));
    }
}
