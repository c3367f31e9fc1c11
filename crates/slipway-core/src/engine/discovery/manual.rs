//! Engines the user added by hand (a name, an address, TLS files or an ssh identity), kept
//! in `engines.json` beside the pins file (the app and the CLI share it). Written atomically
//! under the file's lock; a file that does not parse is kept aside (`engines.json.broken-<UTC>`),
//! the entries still whole in it are kept, and discovery reports it as a skipped file.

use super::{DiscoveredEngine, Discovery, DiscoveryEnv, EngineSource, TlsFiles};
use crate::error::{Error, ErrorKind, Result};
use crate::store::{Broken, JsonFile, Loaded, salvage};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "engines.json";

/// One engine added by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ManualEngine {
    pub name: String,
    /// `unix:///…`, `tcp://…`, `ssh://…` (`npipe://…` on Windows).
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsFiles>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

impl ManualEngine {
    fn entry(&self) -> DiscoveredEngine {
        DiscoveredEngine {
            name: self.name.clone(),
            host: self.host.clone(),
            source: EngineSource::Manual,
            tls: self.tls.clone(),
            identity: self.identity.clone(),
            current: false,
            podman_default: false,
        }
    }

    /// Trimmed, with empty TLS settings and an empty identity left out.
    fn tidied(mut self) -> Self {
        self.name = self.name.trim().to_owned();
        self.host = self.host.trim().to_owned();
        let blank = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        self.identity = blank(self.identity);
        self.tls = self.tls.take().and_then(|t| {
            let t = TlsFiles {
                ca: blank(t.ca),
                cert: blank(t.cert),
                key: blank(t.key),
                skip_verify: t.skip_verify,
            };
            (t != TlsFiles::default()).then_some(t)
        });
        self
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct EnginesDoc {
    engines: Vec<ManualEngine>,
}

/// What a read found: the engines, and the damage if the file had to be kept aside.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listed {
    pub engines: Vec<ManualEngine>,
    pub damaged: Option<Error>,
}

/// The file of engines added by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualEngines {
    file: JsonFile,
}

/// Where the app and the CLI keep engines added by hand: beside the pins file.
pub fn default_path() -> Result<PathBuf> {
    crate::pins_file::default_path().map(|p| p.with_file_name(FILE_NAME))
}

impl ManualEngines {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            file: JsonFile::new(path),
        }
    }

    /// `engines.json` in Slipway's config folder `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self::at(dir.join(FILE_NAME))
    }

    /// The file both front ends use ([`default_path`]).
    pub fn shared() -> Result<Self> {
        default_path().map(Self::at)
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The engines; a damaged file is kept aside and its whole entries stand in for it.
    pub fn list(&self) -> Result<Listed> {
        let lock = self.file.lock()?;
        self.read(&lock)
    }

    fn read(&self, lock: &crate::store::FileLock) -> Result<Listed> {
        let salvaged = |broken: &Broken| EnginesDoc {
            engines: salvage::array_elements(&broken.bytes, Some("engines"))
                .into_iter()
                .filter_map(|v| serde_json::from_value(v).ok())
                .collect(),
        };
        Ok(match self.file.load(lock, salvaged)? {
            Loaded::Missing => Listed::default(),
            Loaded::Read(doc) => Listed {
                engines: doc.engines,
                damaged: None,
            },
            Loaded::Recovered { value, broken } => Listed {
                damaged: Some(
                    Error::of(ErrorKind::ManualEnginesDamaged {
                        path: broken.file.display().to_string(),
                        kept_at: broken.kept_at.display().to_string(),
                        count: u32::try_from(value.engines.len()).unwrap_or(u32::MAX),
                    })
                    .with_detail(&broken.reason),
                ),
                engines: value.engines,
            },
        })
    }

    /// Add `engine` (checked: a name no other engine has, a known scheme, TLS files that are
    /// regular files). `env` is where the other engines' names are looked up.
    pub fn add(&self, engine: ManualEngine, env: &DiscoveryEnv) -> Result<ManualEngine> {
        self.put(None, engine, env)
    }

    /// Replace the engine named `name` (its name may change, under the same checks as `add`).
    pub fn edit(
        &self,
        name: &str,
        engine: ManualEngine,
        env: &DiscoveryEnv,
    ) -> Result<ManualEngine> {
        self.put(Some(name), engine, env)
    }

    fn put(
        &self,
        replacing: Option<&str>,
        engine: ManualEngine,
        env: &DiscoveryEnv,
    ) -> Result<ManualEngine> {
        let engine = engine.tidied();
        validate(&engine)?;
        let others = super::discover_found(env);
        if let Some(other) = others.engines.iter().find(|e| e.name == engine.name) {
            return Err(Error::of(ErrorKind::EngineNameInUse {
                name: engine.name.clone(),
                host: other.host.clone(),
            }));
        }
        let lock = self.file.lock()?;
        let mut list = self.read(&lock)?.engines;
        if let Some(old) = replacing {
            let at = list.iter().position(|e| e.name == old).ok_or_else(|| {
                Error::of(ErrorKind::NoManualEngine {
                    name: old.to_owned(),
                })
            })?;
            list.remove(at);
            if list.iter().any(|e| e.name == engine.name) {
                return Err(taken(&engine.name));
            }
            list.insert(at, engine.clone());
        } else {
            if list.iter().any(|e| e.name == engine.name) {
                return Err(taken(&engine.name));
            }
            list.push(engine.clone());
        }
        self.file.save(&lock, &EnginesDoc { engines: list })?;
        Ok(engine)
    }

    /// Forget the engine named `name`.
    pub fn remove(&self, name: &str) -> Result<()> {
        let lock = self.file.lock()?;
        let mut list = self.read(&lock)?.engines;
        let before = list.len();
        list.retain(|e| e.name != name);
        if list.len() == before {
            return Err(Error::of(ErrorKind::NoManualEngine {
                name: name.to_owned(),
            }));
        }
        self.file.save(&lock, &EnginesDoc { engines: list })
    }
}

fn taken(name: &str) -> Error {
    Error::of(ErrorKind::EngineNameTaken {
        name: name.to_owned(),
    })
}

/// The schemes an engine added by hand may use.
fn scheme_ok(host: &str) -> bool {
    let schemes: &[&str] = if cfg!(windows) {
        &["unix://", "tcp://", "ssh://", "npipe://"]
    } else {
        &["unix://", "tcp://", "ssh://"]
    };
    schemes.iter().any(|s| {
        host.strip_prefix(s)
            .is_some_and(|rest| !rest.trim().is_empty())
    })
}

/// A name, an address Slipway can reach, and files that are there and are regular files.
pub fn validate(engine: &ManualEngine) -> Result<()> {
    if engine.name.trim().is_empty() {
        return Err(Error::of(ErrorKind::EngineNameEmpty));
    }
    if !scheme_ok(engine.host.trim()) {
        return Err(Error::of(ErrorKind::EngineAddressNotUnderstood {
            host: engine.host.clone(),
        }));
    }
    let tls = engine.tls.iter().flat_map(|t| [&t.ca, &t.cert, &t.key]);
    for file in tls.chain([&engine.identity]).flatten() {
        crate::transfer::open_regular(Path::new(file))?;
    }
    Ok(())
}

/// Discovery's part: the engines added by hand, first in the list.
pub(super) fn engines(env: &DiscoveryEnv, found: &mut Discovery) {
    let Some(dir) = &env.slipway_config_dir else {
        return;
    };
    let file = ManualEngines::in_dir(dir);
    match file.list() {
        Ok(listed) => {
            if let Some(damage) = listed.damaged {
                found.skip(file.path(), damage);
            }
            for e in &listed.engines {
                found.add(e.entry());
            }
        }
        Err(e) => found.skip(file.path(), e),
    }
}

#[cfg(test)]
#[path = "manual_tests.rs"]
mod tests;
