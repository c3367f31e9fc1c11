//! The engine the user picked in the app, remembered between runs (a small JSON file in the
//! app's config folder), written atomically under a lock. Never holds credentials.
//!
//! A file that does not parse is kept aside (`settings.json.broken-<time>`) and the window
//! is told; the app starts on defaults. Pins used to live here: they moved to the shared
//! pins file (`slipway_core::pins_file`), and `pins` is only read to move them once.

use serde::{Deserialize, Serialize};
use slipway_core::Error;
use slipway_core::store::{JsonFile, Loaded};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// `None`: find the engine automatically.
    pub engine_host: Option<String>,
    /// Pins from before the shared pins file: moved there at start, then dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pins: Vec<String>,
}

impl Settings {
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("settings.json")
    }

    /// Missing settings are defaults; a broken file is kept aside (and reported), then the
    /// app goes on with defaults: a broken file must not stop the app.
    pub fn load(config_dir: &Path) -> Self {
        Self::update(config_dir, |_| {}).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "settings unreadable; using defaults");
            Self::default()
        })
    }

    /// Change the settings under the lock (read, `change`, write if it changed).
    pub fn update(config_dir: &Path, change: impl FnOnce(&mut Self)) -> Result<Self, Error> {
        let file = JsonFile::new(Self::path(config_dir));
        let lock = file.lock()?;
        let loaded = file.load(&lock, |_| Self::default())?;
        let before = match loaded {
            Loaded::Recovered { value, broken } => {
                crate::files::settings_damaged(&broken);
                value
            }
            other => other.into_value_or(Self::default()),
        };
        let mut after = before.clone();
        change(&mut after);
        if after != before || !file.path().exists() && after != Self::default() {
            file.save(&lock, &after)?;
        }
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chosen_engine_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        Settings::update(dir.path(), |s| {
            s.engine_host = Some("unix:///run/podman/podman.sock".into())
        })
        .unwrap();
        assert_eq!(
            Settings::load(dir.path()).engine_host.as_deref(),
            Some("unix:///run/podman/podman.sock")
        );
    }

    #[test]
    fn settings_from_before_pins_existed_still_load_with_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            Settings::path(dir.path()),
            br#"{"engine_host":"unix:///x.sock"}"#,
        )
        .unwrap();
        let s = Settings::load(dir.path());
        assert_eq!(s.engine_host.as_deref(), Some("unix:///x.sock"));
        assert!(s.pins.is_empty());
    }

    #[test]
    fn a_corrupt_settings_file_is_kept_aside_and_the_app_goes_on_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = Settings::path(dir.path());
        std::fs::write(&path, b"{\"engine_host\":\"unix:///x.so").unwrap();
        // The pins file this would record a damage in: not the user's.
        let pins_dir = tempfile::tempdir().unwrap();
        crate::files::with_pins_at(&pins_dir.path().join("pins.json"), || {
            assert_eq!(Settings::load(dir.path()), Settings::default());
        });
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("settings.json.broken-"))
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(
            std::fs::read(dir.path().join(&kept[0])).unwrap(),
            b"{\"engine_host\":\"unix:///x.so"
        );
        assert!(
            crate::files::kept_aside()
                .iter()
                .any(|k| k.kind == "settings" && k.kept_at.ends_with(&kept[0])),
            "the window is told"
        );
        // The settings were from before the pins file: their pins count as damaged.
        let pins = slipway_core::pins_file::PinsFile::at(pins_dir.path().join("pins.json"));
        let damaged = pins.state().unwrap().damaged.expect("pins damage recorded");
        assert!(damaged.file.ends_with("settings.json"));
    }
}
