//! Finished tasks, kept across restarts (a JSON file in the app's data folder): the task
//! drawer's "last 50", with each failure's log.

use serde::{Deserialize, Serialize};
use slipway_core::Error;
use slipway_core::store::{FileLock, JsonFile};
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

/// Newest first. A missing file is an empty history; a broken one keeps every record that
/// still parses (the original is kept aside and the window told), never a failed start.
pub fn load(data_dir: &Path) -> Vec<TaskRecord> {
    let file = JsonFile::new(path(data_dir));
    match file.lock().and_then(|lock| read(&file, &lock)) {
        Ok(all) => all,
        Err(e) => {
            tracing::warn!(error = %e, "task history unreadable");
            Vec::new()
        }
    }
}

/// Put `record` first (replacing one with its ID), keep the newest [`KEEP`], write atomically
/// under the history's lock.
pub fn record(data_dir: &Path, mut record: TaskRecord) -> std::io::Result<Vec<TaskRecord>> {
    let cut = record.log.len().saturating_sub(LOG_LINES);
    record.log.drain(..cut);
    let file = JsonFile::new(path(data_dir));
    let write = || -> Result<Vec<TaskRecord>, Error> {
        let lock = file.lock()?;
        let mut all = read(&file, &lock)?;
        all.retain(|r| r.id != record.id);
        all.insert(0, record);
        all.truncate(KEEP);
        file.save(&lock, &all)?;
        Ok(all)
    };
    write().map_err(|e| std::io::Error::other(e.message))
}

fn read(file: &JsonFile, lock: &FileLock) -> Result<Vec<TaskRecord>, Error> {
    crate::files::read_list(file, lock, "history")
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

    fn kept_aside(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains("tasks.json.broken-"))
            .collect()
    }

    #[test]
    fn a_truncated_history_keeps_its_complete_records_and_the_original_aside() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..3 {
            record(dir.path(), task(i, 2)).unwrap();
        }
        let full = std::fs::read(path(dir.path())).unwrap();
        // Cut inside the oldest record (t0, the last in the file).
        let cut = &full[..full.len() - 40];
        std::fs::write(path(dir.path()), cut).unwrap();
        let ids: Vec<String> = load(dir.path()).into_iter().map(|t| t.id).collect();
        assert_eq!(ids, ["t2", "t1"]);
        let kept = kept_aside(dir.path());
        assert_eq!(kept.len(), 1);
        assert_eq!(
            std::fs::read(&kept[0]).unwrap(),
            cut,
            "the original, untouched"
        );
        assert!(
            crate::files::kept_aside()
                .iter()
                .any(|k| k.kind == "history"
                    && k.kept_at == kept[0].display().to_string()
                    && k.salvaged == 2),
            "the window is told"
        );
        // The salvaged history is the file now, and new tasks go on top of it.
        record(dir.path(), task(3, 1)).unwrap();
        let ids: Vec<String> = load(dir.path()).into_iter().map(|t| t.id).collect();
        assert_eq!(ids, ["t3", "t2", "t1"]);
        assert_eq!(kept_aside(dir.path()).len(), 1);
    }

    #[test]
    fn one_incomplete_record_drops_only_that_record() {
        let dir = tempfile::tempdir().unwrap();
        let good = serde_json::to_value(task(1, 1)).unwrap();
        let other = serde_json::to_value(task(2, 1)).unwrap();
        let text = serde_json::json!([good, {"id": "t9", "kind": "pull"}, other]);
        std::fs::write(path(dir.path()), text.to_string()).unwrap();
        let ids: Vec<String> = load(dir.path()).into_iter().map(|t| t.id).collect();
        assert_eq!(ids, ["t1", "t2"]);
        assert_eq!(kept_aside(dir.path()).len(), 1);
    }

    #[test]
    fn garbage_is_an_empty_history_but_the_file_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path(dir.path()), b"[{").unwrap();
        assert!(load(dir.path()).is_empty());
        assert_eq!(std::fs::read(&kept_aside(dir.path())[0]).unwrap(), b"[{");
    }
}
