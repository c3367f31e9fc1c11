//! The engine the user picked in the app, remembered between runs (a small JSON file in the
//! app's config folder). Never holds credentials.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// `None`: find the engine automatically.
    pub engine_host: Option<String>,
    /// Pinned names, repository patterns and IDs: never pruned, never bulk-deleted.
    #[serde(default)]
    pub pins: Vec<String>,
}

impl Settings {
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("settings.json")
    }

    /// Missing or unreadable settings mean defaults: a broken file must not stop the app.
    pub fn load(config_dir: &Path) -> Self {
        std::fs::read(Self::path(config_dir))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, config_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(config_dir)?;
        let tmp = Self::path(config_dir).with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(tmp, Self::path(config_dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chosen_engine_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings {
            engine_host: Some("unix:///run/podman/podman.sock".into()),
            pins: vec!["db".into(), "team/*".into()],
        };
        s.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()), s);
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
    fn a_corrupt_settings_file_falls_back_to_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(Settings::path(dir.path()), b"{not json").unwrap();
        assert_eq!(Settings::load(dir.path()), Settings::default());
    }
}
