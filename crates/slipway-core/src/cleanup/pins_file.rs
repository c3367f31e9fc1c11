//! The pins file: one list of pins that the app and the CLI both read and write
//! (`$SLIPWAY_CONFIG_DIR/pins.json`, else `<config folder>/slipway/pins.json`).
//!
//! Nothing pinned is deleted, even when this file is damaged. A file that does not parse is
//! kept aside (`pins.json.broken-<time>`) and replaced by a record of the damage, with the
//! complete pins still found in it. While that record stands — across runs, in the app and
//! the CLI alike — every destructive operation is refused (423) until the user either puts a
//! readable pins file back or confirms how to go on ([`PinsFile::resolve_damage`]).

use crate::cleanup::protection::Protection;
use crate::error::{Error, ErrorKind, Result};
use crate::store::{Broken, FileLock, JsonFile, salvage};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "pins.json";
/// Overrides the folder of the pins file (tests, portable setups).
pub const CONFIG_DIR_ENV: &str = "SLIPWAY_CONFIG_DIR";

/// A damaged file that held pins, and what was saved from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DamagedPins {
    /// The file that did not parse (the pins file, or the app's old settings file).
    pub file: String,
    /// Where its bytes are kept, untouched.
    pub kept_at: String,
    /// What the parser said.
    pub reason: String,
    /// The complete pins found in it: still honoured, and offered back.
    pub recovered: Vec<String>,
    /// When it was found (RFC 3339, UTC).
    pub at: String,
}

/// The pins as the front ends show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PinsState {
    /// Where the pins live.
    pub file: String,
    pub pins: Vec<String>,
    /// Set while clean-up and delete are off because a pins file was damaged.
    pub damaged: Option<DamagedPins>,
    /// What protects now: the pins, and while damaged the recovered ones too.
    pub protecting: Vec<String>,
}

impl PinsState {
    /// Everything that protects now: the pins, and while damaged the recovered ones too.
    pub fn protection(&self) -> Protection {
        let recovered = self.damaged.iter().flat_map(|d| d.recovered.iter());
        Protection::from_saved(self.pins.iter().chain(recovered).cloned())
    }

    /// The refusal every destructive operation gives while the damage is unresolved.
    pub fn blocked(&self) -> Option<Error> {
        let d = self.damaged.as_ref()?;
        Some(
            Error::of(ErrorKind::PinsDamaged {
                file: d.file.clone(),
                kept_at: d.kept_at.clone(),
                recovered: d.recovered.clone(),
            })
            .with_detail(&d.reason),
        )
    }

    /// The pins to honour in a delete, or the refusal while damaged.
    pub fn for_deleting(&self) -> Result<Protection> {
        match self.blocked() {
            Some(e) => Err(e),
            None => Ok(self.protection()),
        }
    }
}

/// What is on disk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct PinsDoc {
    pins: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    damaged: Option<DamagedPins>,
    /// The app's pins from before this file existed (its settings) were merged in.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    app_settings_merged: bool,
}

/// The shared pins file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinsFile {
    file: JsonFile,
}

/// Where the app and the CLI keep the pins.
pub fn default_path() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join(FILE_NAME));
    }
    dirs::config_dir()
        .map(|d| d.join("slipway").join(FILE_NAME))
        .ok_or_else(|| {
            Error::of(ErrorKind::NoConfigFolder {
                variable: CONFIG_DIR_ENV.into(),
            })
        })
}

/// A damage record for `broken`, with the complete pins found under `"pins"` in it.
pub fn damage_of(broken: &Broken) -> DamagedPins {
    let recovered = Protection::from_saved(salvage::strings_under(&broken.bytes, "pins")).patterns;
    DamagedPins {
        file: broken.file.display().to_string(),
        kept_at: broken.kept_at.display().to_string(),
        reason: broken.reason.clone(),
        recovered,
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

impl PinsFile {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            file: JsonFile::new(path),
        }
    }

    /// The file both front ends use ([`default_path`]).
    pub fn shared() -> Result<Self> {
        default_path().map(Self::at)
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Read the pins; a damaged file is kept aside and recorded here.
    pub fn state(&self) -> Result<PinsState> {
        self.change(|_| Ok(false))
    }

    /// Pin `patterns` (each checked first: a typo is an error, not a silent no-op).
    pub fn add(&self, patterns: impl IntoIterator<Item = String>) -> Result<PinsState> {
        let new = Protection::new(patterns)?.patterns;
        self.change(move |doc| {
            refuse_while_damaged(doc)?;
            let before = doc.pins.len();
            for p in new {
                if !doc.pins.contains(&p) {
                    doc.pins.push(p);
                }
            }
            Ok(doc.pins.len() != before)
        })
    }

    /// Unpin `patterns`; each must be pinned, or nothing changes (404).
    pub fn remove(&self, patterns: &[String]) -> Result<PinsState> {
        let gone: Vec<String> = patterns.iter().map(|p| p.trim().to_owned()).collect();
        self.change(move |doc| {
            refuse_while_damaged(doc)?;
            if let Some(p) = gone.iter().find(|p| !doc.pins.contains(p)) {
                return Err(Error::of(ErrorKind::NotPinned { pattern: p.clone() }));
            }
            doc.pins.retain(|p| !gone.contains(p));
            Ok(!gone.is_empty())
        })
    }

    /// Replace the whole list (the app's pins editor).
    pub fn set(&self, patterns: impl IntoIterator<Item = String>) -> Result<PinsState> {
        let new = Protection::new(patterns)?.patterns;
        self.change(move |doc| {
            refuse_while_damaged(doc)?;
            let changed = doc.pins != new;
            doc.pins = new;
            Ok(changed)
        })
    }

    /// The user's answer to a damaged file: keep the recovered pins, or start without them.
    /// Turns clean-up and delete back on.
    pub fn resolve_damage(&self, keep_recovered: bool) -> Result<PinsState> {
        self.change(move |doc| {
            let Some(d) = doc.damaged.take() else {
                return Err(Error::of(ErrorKind::NoPinsDamage));
            };
            if keep_recovered {
                for p in d.recovered {
                    if !doc.pins.contains(&p) {
                        doc.pins.push(p);
                    }
                }
            }
            Ok(true)
        })
    }

    /// Merge the app's pins from before this file existed, once. While the file is damaged
    /// nothing is merged (the old ones stay where they are until the damage is resolved).
    pub fn merge_app_settings(&self, old: &[String]) -> Result<PinsState> {
        let old = Protection::from_saved(old.iter().cloned()).patterns;
        self.change(move |doc| {
            if doc.damaged.is_some() || doc.app_settings_merged {
                return Ok(false);
            }
            for p in old {
                if !doc.pins.contains(&p) {
                    doc.pins.push(p);
                }
            }
            doc.app_settings_merged = true;
            Ok(true)
        })
    }

    /// Whether the app's old settings pins still wait to be merged: if that settings file is
    /// damaged, its pins are lost unless this records the damage.
    pub fn awaits_app_settings(&self) -> Result<bool> {
        let mut waits = false;
        self.change(|doc| {
            waits = !doc.app_settings_merged;
            Ok(false)
        })?;
        Ok(waits)
    }

    /// Record that another file holding pins (the app's old settings) was damaged: clean-up
    /// and delete stop until the user confirms, as for a damaged pins file.
    pub fn record_damage(&self, damage: DamagedPins) -> Result<PinsState> {
        self.change(move |doc| {
            doc.damaged = Some(merge_damage(doc.damaged.take(), damage));
            doc.app_settings_merged = true;
            Ok(true)
        })
    }

    /// Lock, read (keeping a broken file aside), apply `f`, write if it changed something.
    fn change(&self, f: impl FnOnce(&mut PinsDoc) -> Result<bool>) -> Result<PinsState> {
        let lock = self.file.lock()?;
        let mut doc = self.read(&lock)?;
        if f(&mut doc)? {
            self.file.save(&lock, &doc)?;
        }
        let mut state = PinsState {
            file: self.path().display().to_string(),
            pins: Protection::from_saved(doc.pins.iter().cloned()).patterns,
            damaged: doc.damaged,
            protecting: vec![],
        };
        state.protecting = state.protection().patterns;
        Ok(state)
    }

    fn read(&self, lock: &FileLock) -> Result<PinsDoc> {
        let loaded = self.file.load(lock, |broken| PinsDoc {
            pins: vec![],
            damaged: Some(damage_of(broken)),
            // Whatever the broken file said about it is unknown: merge again (a no-op when
            // the settings hold no pins any more).
            app_settings_merged: false,
        })?;
        Ok(loaded.into_value_or(PinsDoc::default()))
    }
}

fn refuse_while_damaged(doc: &PinsDoc) -> Result<()> {
    let state = PinsState {
        file: String::new(),
        pins: vec![],
        damaged: doc.damaged.clone(),
        protecting: vec![],
    };
    state.blocked().map_or(Ok(()), Err)
}

/// A second damage before the first was resolved: name the newest, keep every recovered pin.
fn merge_damage(old: Option<DamagedPins>, mut new: DamagedPins) -> DamagedPins {
    if let Some(old) = old {
        for p in old.recovered.into_iter().rev() {
            if !new.recovered.contains(&p) {
                new.recovered.insert(0, p);
            }
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    fn kept_aside(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains(".broken-"))
            .collect()
    }

    #[test]
    fn pins_added_and_removed_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let f = PinsFile::at(dir.path().join(FILE_NAME));
        assert!(f.state().unwrap().pins.is_empty());
        f.add(strings(&["db", " team/* ", "db"])).unwrap();
        let again = PinsFile::at(dir.path().join(FILE_NAME));
        assert_eq!(again.state().unwrap().pins, ["db", "team/*"]);
        assert_eq!(again.remove(&strings(&["db"])).unwrap().pins, ["team/*"]);
        assert_eq!(f.state().unwrap().pins, ["team/*"]);
    }

    #[test]
    fn a_typo_or_an_unknown_pin_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let f = PinsFile::at(dir.path().join(FILE_NAME));
        f.add(strings(&["db"])).unwrap();
        assert_eq!(f.add(strings(&["ok", "my app"])).unwrap_err().code, 400);
        assert_eq!(f.remove(&strings(&["db", "nope"])).unwrap_err().code, 404);
        assert_eq!(f.state().unwrap().pins, ["db"]);
    }

    #[test]
    fn a_truncated_pins_file_is_kept_aside_blocks_deleting_and_keeps_protecting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, br#"{"pins": ["db", "team/*", "we"#).unwrap();
        let f = PinsFile::at(&path);
        let state = f.state().unwrap();
        let d = state.damaged.clone().expect("the damage is reported");
        assert_eq!(d.recovered, ["db", "team/*"]);
        let kept = kept_aside(dir.path());
        assert_eq!(kept.len(), 1);
        assert_eq!(d.kept_at, kept[0].display().to_string());
        assert_eq!(
            std::fs::read(&kept[0]).unwrap(),
            br#"{"pins": ["db", "team/*", "we"#
        );
        // The recovered pins still protect, and nothing may be deleted yet.
        assert!(
            state
                .protection()
                .matching("x", &strings(&["db:1"]))
                .is_some()
        );
        let refused = state.for_deleting().unwrap_err();
        assert_eq!(refused.code, 423);
        assert!(refused.message.contains(&d.kept_at), "{}", refused.message);
        // Editing the pins is refused too: it would hide the damage.
        assert_eq!(f.add(strings(&["x"])).unwrap_err().code, 423);
        assert_eq!(f.set(strings(&[])).unwrap_err().code, 423);
    }

    #[test]
    fn the_damage_persists_across_runs_until_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"{\"pins\": [\"db\"").unwrap();
        PinsFile::at(&path).state().unwrap();
        // Another process (the CLI, the app after a restart) sees the same refusal.
        let later = PinsFile::at(&path).state().unwrap();
        assert!(later.for_deleting().is_err());
        assert_eq!(kept_aside(dir.path()).len(), 1, "kept aside once");
        let resolved = PinsFile::at(&path).resolve_damage(true).unwrap();
        assert_eq!(resolved.pins, ["db"]);
        assert!(resolved.damaged.is_none());
        let protection = PinsFile::at(&path).state().unwrap().for_deleting().unwrap();
        assert!(protection.matching("x", &strings(&["db:2"])).is_some());
        assert_eq!(
            PinsFile::at(&path).resolve_damage(true).unwrap_err().code,
            409
        );
    }

    #[test]
    fn starting_without_the_recovered_pins_is_an_explicit_choice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"{\"pins\": [\"db\"").unwrap();
        let f = PinsFile::at(&path);
        let s = f.resolve_damage(false).unwrap();
        assert!(s.pins.is_empty() && s.damaged.is_none());
        assert!(f.state().unwrap().for_deleting().unwrap().is_empty());
        // The original is still kept aside for whoever wants it back.
        assert_eq!(kept_aside(dir.path()).len(), 1);
    }

    #[test]
    fn a_readable_pins_file_put_back_by_hand_ends_the_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"{\"pins\": [\"db\"").unwrap();
        let f = PinsFile::at(&path);
        assert!(f.state().unwrap().damaged.is_some());
        std::fs::write(&path, br#"{"pins": ["db", "web"]}"#).unwrap();
        let s = f.state().unwrap();
        assert!(s.damaged.is_none());
        assert_eq!(s.for_deleting().unwrap().patterns, ["db", "web"]);
    }

    #[test]
    fn damaged_app_settings_block_until_confirmed_and_keep_the_pins_already_here() {
        let dir = tempfile::tempdir().unwrap();
        let f = PinsFile::at(dir.path().join(FILE_NAME));
        f.add(strings(&["cli-pin"])).unwrap();
        assert!(f.awaits_app_settings().unwrap());
        let broken = Broken {
            file: dir.path().join("settings.json"),
            kept_at: dir.path().join("settings.json.broken-x"),
            reason: "EOF".into(),
            bytes: br#"{"engine_host":null,"pins":["app-pin","ot"#.to_vec(),
        };
        let s = f.record_damage(damage_of(&broken)).unwrap();
        assert_eq!(s.damaged.as_ref().unwrap().recovered, ["app-pin"]);
        assert!(s.for_deleting().is_err());
        let protection = s.protection();
        assert!(protection.matching("x", &strings(&["cli-pin:1"])).is_some());
        assert!(protection.matching("x", &strings(&["app-pin:1"])).is_some());
        assert!(!f.awaits_app_settings().unwrap());
        assert_eq!(f.resolve_damage(false).unwrap().pins, ["cli-pin"]);
    }

    #[test]
    fn the_apps_old_pins_are_merged_once() {
        let dir = tempfile::tempdir().unwrap();
        let f = PinsFile::at(dir.path().join(FILE_NAME));
        f.add(strings(&["cli"])).unwrap();
        let s = f
            .merge_app_settings(&strings(&["app", "cli", "bad pin"]))
            .unwrap();
        assert_eq!(s.pins, ["cli", "app"]);
        f.remove(&strings(&["app"])).unwrap();
        // A second launch with the same old settings does not bring it back.
        assert_eq!(
            f.merge_app_settings(&strings(&["app"])).unwrap().pins,
            ["cli"]
        );
    }
}
