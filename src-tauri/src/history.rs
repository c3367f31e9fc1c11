//! Finished tasks, kept across restarts (a JSON file in the app's data folder): the task
//! drawer's "last 50", with each failure's log.

use serde::{Deserialize, Serialize};
use slipway_core::Error;
use std::path::{Path, PathBuf};

/// How many finished tasks are kept.
pub const KEEP: usize = 50;
/// Log lines kept per task: the end, where failures are.
pub const LOG_LINES: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TaskRecord {
    pub id: String,
    /// `pull`, `push`, `build`, `save`, `load`, `import`.
    pub kind: String,
    pub title: String,
    /// The engine it ran on (name and address).
    pub engine: String,
    /// `done`, `failed` or `cancelled`.
    pub state: String,
    /// Milliseconds since the epoch.
    pub started_at: f64,
    pub finished_at: f64,
    pub error: Option<Error>,
    /// One line on what came out ("sha256:… tagged app:1").
    pub result: Option<String>,
    pub log: Vec<String>,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("tasks.json")
}

/// Newest first. A missing or broken file is an empty history, never a failed start.
pub fn load(data_dir: &Path) -> Vec<TaskRecord> {
    std::fs::read(path(data_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Put `record` first (replacing one with its ID), keep the newest [`KEEP`], write atomically.
pub fn record(data_dir: &Path, mut record: TaskRecord) -> std::io::Result<Vec<TaskRecord>> {
    let cut = record.log.len().saturating_sub(LOG_LINES);
    record.log.drain(..cut);
    let mut all = load(data_dir);
    all.retain(|r| r.id != record.id);
    all.insert(0, record);
    all.truncate(KEEP);
    std::fs::create_dir_all(data_dir)?;
    let tmp = path(data_dir).with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(&all)?)?;
    std::fs::rename(tmp, path(data_dir))?;
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: usize, log: usize) -> TaskRecord {
        TaskRecord {
            id: format!("t{id}"),
            kind: "pull".into(),
            title: "Pull x".into(),
            engine: "Docker".into(),
            state: "failed".into(),
            started_at: 1.0,
            finished_at: 2.0,
            error: Some(Error::new(404, "not found")),
            result: None,
            log: (0..log).map(|i| format!("line {i}")).collect(),
        }
    }

    #[test]
    fn finished_tasks_survive_a_restart_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        record(dir.path(), task(1, 3)).unwrap();
        record(dir.path(), task(2, 3)).unwrap();
        let ids: Vec<String> = load(dir.path()).into_iter().map(|t| t.id).collect();
        assert_eq!(ids, ["t2", "t1"]);
    }

    #[test]
    fn only_the_last_fifty_are_kept_with_the_end_of_each_log() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..KEEP + 5 {
            record(dir.path(), task(i, LOG_LINES + 10)).unwrap();
        }
        let all = load(dir.path());
        assert_eq!(all.len(), KEEP);
        assert_eq!(all[0].id, format!("t{}", KEEP + 4));
        assert_eq!(all[0].log.len(), LOG_LINES);
        // The failure is at the end of a log: that part stays.
        assert_eq!(
            all[0].log.last().unwrap(),
            &format!("line {}", LOG_LINES + 9)
        );
    }

    #[test]
    fn a_broken_history_file_is_an_empty_history() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path(dir.path()), b"[{").unwrap();
        assert!(load(dir.path()).is_empty());
    }
}
