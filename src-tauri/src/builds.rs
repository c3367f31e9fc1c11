//! Recent builds, for one-click rebuild: the build form as it was started, kept in the app's
//! data folder (`recent-builds.json`, written atomically under a lock, readable by the user
//! only — build args can be secrets). The window shows a projection; it never keeps them
//! itself (they used to be in its localStorage: `migrate` takes them over once).

use serde::{Deserialize, Serialize};
use slipway_core::Error;
use slipway_core::store::{FileLock, JsonFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How many recent builds are kept.
pub const KEEP: usize = 10;

/// The build form's fields, as the window has them (`ui/src/lib/build/form.ts`). Fields an
/// older entry lacks read as empty.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(default, rename_all = "camelCase")]
pub struct BuildForm {
    pub context: String,
    pub dockerfile: String,
    pub tags: String,
    pub target: String,
    pub args: BTreeMap<String, String>,
    pub extra_args: String,
    pub labels: String,
    pub platform: String,
    pub no_cache: bool,
    pub pull: bool,
    pub network: String,
    #[serde(rename = "memoryMiB")]
    pub memory_mib: String,
    pub cpu_shares: String,
    /// Older entries lack it: the classic builder, as they were built.
    pub builder: slipway_core::build::Builder,
}

/// Build args and extra args can be secrets: never printed, not even in a debug log.
impl std::fmt::Debug for BuildForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildForm")
            .field("context", &self.context)
            .field("dockerfile", &self.dockerfile)
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

impl BuildForm {
    /// The same build: same context, Dockerfile and tags (a newer one replaces the older).
    fn same_build(&self, other: &Self) -> bool {
        self.context == other.context
            && self.dockerfile == other.dockerfile
            && self.tags == other.tags
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct RecentBuild {
    pub form: BuildForm,
    /// When it was started, in milliseconds since the epoch (also its identity).
    pub at: f64,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("recent-builds.json")
}

/// Newest first. Missing: none yet; broken: the complete entries (the original kept aside
/// and the window told).
pub fn list(data_dir: &Path) -> Result<Vec<RecentBuild>, Error> {
    change(data_dir, |_| false)
}

/// Put `form` first (replacing the same build), keep the newest [`KEEP`].
pub fn remember(data_dir: &Path, form: BuildForm, at: f64) -> Result<Vec<RecentBuild>, Error> {
    change(data_dir, |all| {
        merge(all, [RecentBuild { form, at }]);
        true
    })
}

/// Drop the entry started at `at`.
pub fn forget(data_dir: &Path, at: f64) -> Result<Vec<RecentBuild>, Error> {
    change(data_dir, |all| {
        let before = all.len();
        all.retain(|r| r.at != at);
        all.len() != before
    })
}

/// Take over entries the window kept before (its localStorage), merged with what is here.
pub fn migrate(data_dir: &Path, old: Vec<RecentBuild>) -> Result<Vec<RecentBuild>, Error> {
    change(data_dir, |all| {
        merge(all, old);
        true
    })
}

/// Add `new` entries: each replaces an older one of the same build; newest first, [`KEEP`].
fn merge(all: &mut Vec<RecentBuild>, new: impl IntoIterator<Item = RecentBuild>) {
    all.extend(new);
    all.sort_by(|a, b| b.at.total_cmp(&a.at));
    let mut kept: Vec<RecentBuild> = Vec::new();
    for r in all.drain(..) {
        if !kept.iter().any(|k| k.form.same_build(&r.form)) {
            kept.push(r);
        }
    }
    kept.truncate(KEEP);
    *all = kept;
}

/// Read, `edit` (true: it changed something), write if so — all under the file's lock.
fn change(
    data_dir: &Path,
    edit: impl FnOnce(&mut Vec<RecentBuild>) -> bool,
) -> Result<Vec<RecentBuild>, Error> {
    let file = JsonFile::new(path(data_dir));
    let lock = file.lock()?;
    let mut all = read(&file, &lock)?;
    if edit(&mut all) {
        file.save(&lock, &all)?;
    }
    Ok(all)
}

fn read(file: &JsonFile, lock: &FileLock) -> Result<Vec<RecentBuild>, Error> {
    crate::files::read_list(file, lock, "builds")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(context: &str, tags: &str, secret: &str) -> BuildForm {
        BuildForm {
            context: context.into(),
            tags: tags.into(),
            args: BTreeMap::from([("TOKEN".to_string(), secret.to_string())]),
            ..BuildForm::default()
        }
    }

    fn contexts(all: &[RecentBuild]) -> Vec<&str> {
        all.iter().map(|r| r.form.context.as_str()).collect()
    }

    #[test]
    fn recent_builds_survive_a_restart_newest_first_the_same_build_once() {
        let dir = tempfile::tempdir().unwrap();
        remember(dir.path(), form("/a", "a:1", "s1"), 1.0).unwrap();
        remember(dir.path(), form("/b", "b:1", "s2"), 2.0).unwrap();
        remember(dir.path(), form("/a", "a:1", "s3"), 3.0).unwrap();
        let all = list(dir.path()).unwrap();
        assert_eq!(contexts(&all), ["/a", "/b"]);
        assert_eq!(all[0].form.args["TOKEN"], "s3", "the newer one replaced it");
        for i in 0..KEEP + 3 {
            remember(dir.path(), form(&format!("/c{i}"), "", ""), 10.0 + i as f64).unwrap();
        }
        let all = list(dir.path()).unwrap();
        assert_eq!(all.len(), KEEP);
        assert_eq!(all[0].form.context, format!("/c{}", KEEP + 2));
        let all = forget(dir.path(), all[0].at).unwrap();
        assert_eq!(all[0].form.context, format!("/c{}", KEEP + 1));
        assert_eq!(list(dir.path()).unwrap(), all);
    }

    #[cfg(unix)]
    #[test]
    fn the_file_holding_build_args_is_readable_by_the_user_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        remember(dir.path(), form("/a", "a:1", "hunter2"), 1.0).unwrap();
        let mode = std::fs::metadata(path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }

    #[test]
    fn build_args_never_show_in_a_debug_line() {
        let line = format!("{:?}", form("/a", "a:1", "hunter2"));
        assert!(line.contains("/a") && !line.contains("hunter2"), "{line}");
    }

    #[test]
    fn entries_from_the_window_merge_once_with_what_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        remember(dir.path(), form("/a", "a:1", "new"), 5.0).unwrap();
        // As the window kept them: camelCase, some fields missing in old entries.
        let old: Vec<RecentBuild> = serde_json::from_str(
            r#"[{"form":{"context":"/a","dockerfile":"","tags":"a:1","args":{"TOKEN":"old"}},"at":4},
                {"form":{"context":"/old","tags":"o:1","extraArgs":"X=1","noCache":true,"memoryMiB":"64"},"at":3}]"#,
        )
        .unwrap();
        let all = migrate(dir.path(), old.clone()).unwrap();
        assert_eq!(contexts(&all), ["/a", "/old"]);
        assert_eq!(all[0].form.args["TOKEN"], "new", "the newer entry wins");
        assert!(all[1].form.no_cache && all[1].form.memory_mib == "64");
        // Again (a window that could not clear its copy): nothing doubles.
        assert_eq!(migrate(dir.path(), old).unwrap(), all);
    }

    #[test]
    fn a_damaged_file_keeps_its_complete_entries_and_the_original_aside() {
        let dir = tempfile::tempdir().unwrap();
        remember(dir.path(), form("/a", "a:1", ""), 1.0).unwrap();
        remember(dir.path(), form("/b", "b:1", ""), 2.0).unwrap();
        let full = std::fs::read(path(dir.path())).unwrap();
        let cut = &full[..full.len() - 30];
        std::fs::write(path(dir.path()), cut).unwrap();
        assert_eq!(contexts(&list(dir.path()).unwrap()), ["/b"]);
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains("recent-builds.json.broken-"))
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(std::fs::read(&kept[0]).unwrap(), cut);
        assert!(
            crate::files::kept_aside()
                .iter()
                .any(|k| k.kind == "builds" && k.salvaged == 1)
        );
    }
}
