//! The app's own files — settings, task history, recent builds and the shared pins file —
//! checked when the app starts, and what the window is told about any that had to be kept
//! aside.
//!
//! Pins damage lasts (it is recorded in the pins file, `slipway_core::pins_file`); a damaged
//! settings or history file is news for this run: it was kept aside, what could be saved was,
//! and the window shows it until the user dismisses it.

use crate::settings::Settings;
use serde::Serialize;
use slipway_core::Error;
use slipway_core::pins_file::{PinsFile, PinsState, damage_of};
use slipway_core::store::{Broken, FileLock, JsonFile, Loaded, salvage};
use std::path::Path;
use std::sync::Mutex;

/// A file of the app's that did not parse this run, and where it was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct KeptAside {
    /// `settings`, `history` or `builds` (recent builds).
    pub kind: String,
    pub file: String,
    pub kept_at: String,
    pub reason: String,
    /// History: the complete records kept from it.
    pub salvaged: u32,
}

/// What the window shows about the app's files: the backend's answer, the UI a projection.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct FilesState {
    pub pins: PinsState,
    pub kept_aside: Vec<KeptAside>,
}

static KEPT_ASIDE: Mutex<Vec<KeptAside>> = Mutex::new(Vec::new());

/// The pins file the app uses: the one shared with the CLI.
pub fn pins_file() -> Result<PinsFile, Error> {
    // Tests never reach the user's pins: without `with_pins_at` there is none.
    #[cfg(test)]
    return match PINS_AT.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        Some(p) => Ok(PinsFile::at(p)),
        None => Err(Error::internal("no pins file in this test")),
    };
    #[cfg(not(test))]
    PinsFile::shared()
}

#[cfg(test)]
static PINS_AT: Mutex<Option<std::path::PathBuf>> = Mutex::new(None);

/// Run `f` with the app's pins file at `path` (one test at a time), not the user's.
#[cfg(test)]
pub fn with_pins_at(path: &Path, f: impl FnOnce()) {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    *PINS_AT.lock().unwrap_or_else(|e| e.into_inner()) = Some(path.to_owned());
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    *PINS_AT.lock().unwrap_or_else(|e| e.into_inner()) = None;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A list file of the app's own (history, recent builds): a damaged one keeps its complete
/// entries (a truncated file those before the cut, an entry missing a field is dropped alone),
/// the broken file is kept aside and reported to the window as `kind`.
pub fn read_list<T: serde::de::DeserializeOwned + Serialize>(
    file: &JsonFile,
    lock: &FileLock,
    kind: &str,
) -> Result<Vec<T>, Error> {
    let salvage = |broken: &Broken| -> Vec<T> {
        salvage::array_elements(&broken.bytes, None)
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect()
    };
    match file.load(lock, salvage)? {
        Loaded::Recovered { value, broken } => {
            report(kind, &broken, value.len());
            Ok(value)
        }
        other => Ok(other.into_value_or(Vec::new())),
    }
}

/// Remember (for the window) that `broken` was kept aside.
pub fn report(kind: &str, broken: &Broken, salvaged: usize) {
    let notice = KeptAside {
        kind: kind.into(),
        file: broken.file.display().to_string(),
        kept_at: broken.kept_at.display().to_string(),
        reason: broken.reason.clone(),
        salvaged: u32::try_from(salvaged).unwrap_or(u32::MAX),
    };
    let mut all = KEPT_ASIDE.lock().unwrap_or_else(|e| e.into_inner());
    if !all.contains(&notice) {
        all.push(notice);
    }
}

pub fn kept_aside() -> Vec<KeptAside> {
    KEPT_ASIDE.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The user read the notice about the file kept at `kept_at`.
pub fn dismiss(kept_at: &str) {
    KEPT_ASIDE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|k| k.kept_at != kept_at);
}

/// The app's settings file did not parse. If it may still have held pins (from before the
/// shared pins file), those pins are treated as damaged: clean-up stops until the user says.
pub fn settings_damaged(broken: &Broken) {
    report("settings", broken, 0);
    let recorded = pins_file().and_then(|pins| {
        if pins.awaits_app_settings()? {
            pins.record_damage(damage_of(broken))?;
        }
        Ok(())
    });
    if let Err(e) = recorded {
        tracing::error!(error = %e, "could not record the damaged settings in the pins file");
    }
}

/// At start: read the settings (keeping a broken file aside) and move the pins they held
/// into the shared pins file, once, before the settings forget them.
pub fn startup(config_dir: Option<&Path>, data_dir: Option<&Path>) {
    if let Some(dir) = config_dir {
        migrate_pins(dir);
    }
    if let Some(dir) = data_dir {
        // Reading is enough: a broken history (or recent builds file) is kept aside and
        // salvaged by the read, and the window is told before it opens.
        crate::history::load(dir);
        if let Err(e) = crate::builds::list(dir) {
            tracing::warn!(error = %e, "recent builds unreadable");
        }
    }
}

/// Move the pins of the app's old settings into the shared pins file, once (a no-op after).
pub fn migrate_pins(config_dir: &Path) {
    // Unreadable (not broken) settings may still hold pins: leave them for another start.
    let settings = match Settings::update(config_dir, |_| {}) {
        Ok(s) => s,
        Err(e) => return tracing::warn!(error = %e, "settings unreadable; pins not moved"),
    };
    // Even with none to move: from now on a broken settings file holds no pins.
    let merged = pins_file().and_then(|pins| pins.merge_app_settings(&settings.pins));
    match merged {
        // The settings forget their pins only once they are in the pins file (a damaged
        // pins file keeps them waiting until the damage is resolved).
        Ok(state) if state.damaged.is_none() && !settings.pins.is_empty() => {
            if let Err(e) = Settings::update(config_dir, |s| s.pins.clear()) {
                tracing::warn!(error = %e, "pins moved, but the old copy stays in the settings");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "could not move the pins into the pins file"),
    }
}

/// The state of the files now.
pub fn state() -> Result<FilesState, Error> {
    Ok(FilesState {
        pins: pins_file()?.state()?,
        kept_aside: kept_aside(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_core::pins_file::PinsFile;

    #[test]
    fn the_pins_of_old_settings_move_to_the_shared_file_once_and_the_engine_choice_stays() {
        let config = tempfile::tempdir().unwrap();
        let shared = tempfile::tempdir().unwrap();
        let pins_path = shared.path().join("pins.json");
        std::fs::write(
            Settings::path(config.path()),
            br#"{"engine_host":"unix:///x.sock","pins":["db","team/*"]}"#,
        )
        .unwrap();
        with_pins_at(&pins_path, || {
            startup(Some(config.path()), None);
            let pins = PinsFile::at(&pins_path).state().unwrap();
            assert_eq!(pins.pins, ["db", "team/*"]);
            let settings = Settings::load(config.path());
            assert!(settings.pins.is_empty(), "the old copy is gone");
            assert_eq!(settings.engine_host.as_deref(), Some("unix:///x.sock"));
            // A pin removed later (in the app or the CLI) does not come back on restart.
            PinsFile::at(&pins_path).set(["db".to_string()]).unwrap();
            startup(Some(config.path()), None);
            assert_eq!(PinsFile::at(&pins_path).state().unwrap().pins, ["db"]);
            // New settings hold no pins: if they break now, deleting goes on.
            std::fs::write(Settings::path(config.path()), b"{\"engine_h").unwrap();
            startup(Some(config.path()), None);
            assert!(PinsFile::at(&pins_path).state().unwrap().damaged.is_none());
        });
    }

    #[test]
    fn a_first_start_with_no_old_pins_marks_them_moved() {
        let config = tempfile::tempdir().unwrap();
        let shared = tempfile::tempdir().unwrap();
        let pins_path = shared.path().join("pins.json");
        with_pins_at(&pins_path, || {
            startup(Some(config.path()), None);
            std::fs::write(Settings::path(config.path()), b"{\"engine_h").unwrap();
            startup(Some(config.path()), None);
            assert!(PinsFile::at(&pins_path).state().unwrap().damaged.is_none());
            assert!(kept_aside().iter().any(|k| k.kind == "settings"
                && k.file == Settings::path(config.path()).display().to_string()));
        });
    }

    #[test]
    fn truncated_old_settings_block_deleting_with_their_complete_pins_recovered() {
        let config = tempfile::tempdir().unwrap();
        let shared = tempfile::tempdir().unwrap();
        let pins_path = shared.path().join("pins.json");
        std::fs::write(
            Settings::path(config.path()),
            b"{\n  \"engine_host\": null,\n  \"pins\": [\n    \"db\",\n    \"tea",
        )
        .unwrap();
        with_pins_at(&pins_path, || {
            startup(Some(config.path()), None);
            let state = state().unwrap();
            let damaged = state.pins.damaged.clone().expect("blocked");
            assert_eq!(damaged.recovered, ["db"]);
            assert!(damaged.kept_at.contains("settings.json.broken-"));
            assert_eq!(state.pins.for_deleting().unwrap_err().code, 423);
            assert!(
                state
                    .kept_aside
                    .iter()
                    .any(|k| k.kept_at == damaged.kept_at)
            );
            // A restart does not lift it.
            startup(Some(config.path()), None);
            assert!(pins_file().unwrap().state().unwrap().damaged.is_some());
            dismiss(&damaged.kept_at);
            assert!(kept_aside().iter().all(|k| k.kept_at != damaged.kept_at));
        });
    }
}
