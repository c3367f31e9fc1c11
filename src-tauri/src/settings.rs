//! The engine the user picked in the app and the stall timeout, remembered between runs (a
//! small JSON file in the app's config folder), written atomically under a lock. Never holds
//! credentials.
//!
//! A file that does not parse is kept aside (`settings.json.broken-<time>`) and the window
//! is told; the app starts on defaults. Pins used to live here: they moved to the shared
//! pins file (`slipway_core::pins_file`), and `pins` is only read to move them once.

use serde::{Deserialize, Serialize};
use slipway_core::Error;
use slipway_core::error::ErrorKind;
use slipway_core::store::{JsonFile, Loaded};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The stall timeouts the app accepts, in seconds: at least a second (the engine's clock
/// counts whole seconds), at most an hour (longer, and a frozen engine looks like work).
pub const STALL_TIMEOUT_SECS: RangeInclusive<u32> = 1..=3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The engine picked in the app: its key (a context/connection name) or its URL.
    /// `None`: find the engine automatically.
    pub engine_host: Option<String>,
    /// The user looks at every engine in one grid (`engine_host` is then not used).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_engines: bool,
    /// No bytes from the engine for this many seconds and a request or stream is given up.
    #[serde(default = "default_stall_timeout_secs")]
    pub stall_timeout_secs: u32,
    /// Pins from before the shared pins file: moved there at start, then dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pins: Vec<String>,
}

fn default_stall_timeout_secs() -> u32 {
    slipway_core::DEFAULT_STALL_TIMEOUT.as_secs() as u32
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            engine_host: None,
            all_engines: false,
            stall_timeout_secs: default_stall_timeout_secs(),
            pins: Vec::new(),
        }
    }
}

/// A stall timeout the app accepts, or a 400 saying which ones it does.
pub fn check_stall_timeout(seconds: u32) -> Result<u32, Error> {
    if STALL_TIMEOUT_SECS.contains(&seconds) {
        return Ok(seconds);
    }
    Err(Error::of(ErrorKind::StallTimeoutOutOfRange {
        seconds,
        min: *STALL_TIMEOUT_SECS.start(),
        max: *STALL_TIMEOUT_SECS.end(),
    }))
}

impl Settings {
    /// The stall timeout to use; a value edited out of range by hand counts as the default.
    pub fn stall_timeout(&self) -> Duration {
        let secs = check_stall_timeout(self.stall_timeout_secs)
            .unwrap_or_else(|_| default_stall_timeout_secs());
        Duration::from_secs(secs.into())
    }

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
    fn the_stall_timeout_is_120_seconds_until_changed_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Settings::load(dir.path()).stall_timeout(),
            Duration::from_secs(120)
        );
        Settings::update(dir.path(), |s| s.stall_timeout_secs = 15).unwrap();
        let s = Settings::load(dir.path());
        assert_eq!(s.stall_timeout(), Duration::from_secs(15));
        // The engine choice is independent of it.
        assert_eq!(s.engine_host, None);
    }

    #[test]
    fn stall_timeouts_from_one_second_to_an_hour_are_accepted() {
        assert_eq!(check_stall_timeout(1).unwrap(), 1);
        assert_eq!(check_stall_timeout(3600).unwrap(), 3600);
        for bad in [0, 3601, u32::MAX] {
            let e = check_stall_timeout(bad).unwrap_err();
            assert_eq!(e.code, 400);
            assert!(e.message.contains(&bad.to_string()) && e.message.contains("1 to 3600"));
        }
        // Out of range by hand in the file: the default, not a hang or a zero bound.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            Settings::path(dir.path()),
            br#"{"engine_host":null,"stall_timeout_secs":0}"#,
        )
        .unwrap();
        assert_eq!(
            Settings::load(dir.path()).stall_timeout(),
            Duration::from_secs(120)
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
