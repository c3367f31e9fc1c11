//! Slipway's own files (pins, settings, task history): written atomically under an advisory
//! lock, and never silently replaced when they do not parse.
//!
//! A write goes to a temporary file in the same folder, is flushed to disk, renamed over the
//! old file and the folder is flushed too: a crash leaves either the old file or the new one,
//! never half of one. Every read and write holds `NAME.lock` (beside the file, because the
//! rename replaces the file itself), so the app and the CLI never interleave.
//!
//! A file that does not parse is kept aside as `NAME.broken-<UTC time>` (its bytes untouched)
//! and the caller says what replaces it and is told where the original went: the outcome is
//! typed ([`Loaded::Recovered`]), so a front end cannot miss it.

pub mod salvage;

use crate::error::{Error, ErrorKind, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to wait for another Slipway process to finish with a file. Locks are held for
/// one read-modify-write (milliseconds); a holder stuck longer must not hang this one.
const LOCK_PATIENCE: Duration = Duration::from_secs(5);

/// One JSON file of Slipway's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonFile {
    path: PathBuf,
    patience: Duration,
}

/// Proof that the file's lock is held; released on drop.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// A file that did not parse, and where its bytes were kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub file: PathBuf,
    pub kept_at: PathBuf,
    /// The parser's sentence (line and column).
    pub reason: String,
    /// The original bytes, for salvaging what is still complete in them.
    pub bytes: Vec<u8>,
}

/// What a read found.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded<T> {
    /// No file yet.
    Missing,
    Read(T),
    /// The file did not parse: it was kept aside and `value` (from the caller) now stands in
    /// its place on disk.
    Recovered {
        value: T,
        broken: Broken,
    },
}

impl<T> Loaded<T> {
    /// The value, `default` when there was no file; drops the news of a broken file.
    pub fn into_value_or(self, default: T) -> T {
        match self {
            Loaded::Missing => default,
            Loaded::Read(v) | Loaded::Recovered { value: v, .. } => v,
        }
    }
}

impl JsonFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            patience: LOCK_PATIENCE,
        }
    }

    /// Wait at most `patience` for the lock (instead of [`LOCK_PATIENCE`]).
    pub fn with_patience(mut self, patience: Duration) -> Self {
        self.patience = patience;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into())
    }

    fn folder(&self) -> &Path {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    /// Take the exclusive lock (creating the folder), waiting at most a few seconds.
    pub fn lock(&self) -> Result<FileLock> {
        std::fs::create_dir_all(self.folder()).map_err(|e| {
            io_error(
                e,
                ErrorKind::CannotCreateFolderFor {
                    path: shown(&self.path),
                },
            )
        })?;
        let lock_path = self.folder().join(format!("{}.lock", self.name()));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| {
                io_error(
                    e,
                    ErrorKind::CannotLock {
                        path: shown(&lock_path),
                    },
                )
            })?;
        let deadline = Instant::now() + self.patience;
        loop {
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => return Ok(FileLock { _file: file }),
                Err(fs4::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(fs4::TryLockError::WouldBlock) => {
                    return Err(Error::of(ErrorKind::FileLocked {
                        path: shown(&lock_path),
                        millis: u32::try_from(self.patience.as_millis()).unwrap_or(u32::MAX),
                    }));
                }
                Err(fs4::TryLockError::Error(e)) => {
                    return Err(io_error(
                        e,
                        ErrorKind::CannotLock {
                            path: shown(&lock_path),
                        },
                    ));
                }
            }
        }
    }

    /// Read and parse. A file that does not parse is kept aside and `replacement` (given what
    /// broke) is written in its place — the original bytes are safe at `kept_at` before the
    /// file is touched, so a crash at any point loses nothing.
    pub fn load<T: DeserializeOwned + Serialize>(
        &self,
        lock: &FileLock,
        replacement: impl FnOnce(&Broken) -> T,
    ) -> Result<Loaded<T>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::Missing),
            Err(e) => {
                return Err(io_error(
                    e,
                    ErrorKind::CannotRead {
                        path: shown(&self.path),
                    },
                ));
            }
        };
        let reason = match serde_json::from_slice::<T>(&bytes) {
            Ok(v) => return Ok(Loaded::Read(v)),
            // The parser's own words (an empty file reads "EOF while parsing … column 0").
            Err(e) => e.to_string(),
        };
        let kept_at = self.keep_aside()?;
        tracing::warn!(file = %self.path.display(), kept_at = %kept_at.display(), %reason, "file did not parse; kept aside");
        let broken = Broken {
            file: self.path.clone(),
            kept_at,
            reason,
            bytes,
        };
        let value = replacement(&broken);
        self.save(lock, &value)?;
        Ok(Loaded::Recovered { value, broken })
    }

    /// Write `value` atomically (temp file, fsync, rename, fsync the folder).
    pub fn save<T: Serialize + ?Sized>(&self, _lock: &FileLock, value: &T) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(value).map_err(Error::unexpected)?;
        bytes.push(b'\n');
        write_atomic(&self.path, &bytes).map_err(|e| {
            io_error(
                e,
                ErrorKind::CannotWrite {
                    path: shown(&self.path),
                },
            )
        })
    }

    /// Link (or copy) the current bytes to a fresh `NAME.broken-<time>` beside the file.
    fn keep_aside(&self) -> Result<PathBuf> {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        for n in 1..1000 {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!("-{n}")
            };
            let kept_at = self
                .folder()
                .join(format!("{}.broken-{stamp}{suffix}", self.name()));
            // A hard link keeps the very bytes and fails if the name is taken; a filesystem
            // without links gets a copy.
            let kept = match std::fs::hard_link(&self.path, &kept_at) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(_) if kept_at.exists() => continue,
                Err(_) => std::fs::read(&self.path).and_then(|b| write_atomic(&kept_at, &b)),
            };
            kept.and_then(|()| sync_folder(self.folder()))
                .map_err(|e| {
                    io_error(
                        e,
                        ErrorKind::CannotKeepAside {
                            path: shown(&self.path),
                        },
                    )
                })?;
            return Ok(kept_at);
        }
        Err(Error::of(ErrorKind::NoFreeNameAside {
            path: shown(&self.path),
        }))
    }
}

/// Replace `path` with `bytes` so that readers see the old or the new file, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(folder)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_folder(folder)
}

/// Make a rename in `folder` durable.
fn sync_folder(folder: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(folder)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        Ok(())
    }
}

/// Slipway's sentence about `kind`'s file, with the system's text as detail and the status
/// its kind of failure has (404, 403, 507 …).
fn io_error(e: std::io::Error, kind: ErrorKind) -> Error {
    let code = Error::from(std::io::Error::from(e.kind())).code;
    Error::of(kind).with_detail(e).with_code(code)
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
    struct Doc {
        names: Vec<String>,
    }

    fn doc(n: &[&str]) -> Doc {
        Doc {
            names: n.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_saved_file_reads_back_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = JsonFile::new(dir.path().join("sub/doc.json"));
        let lock = f.lock().unwrap();
        assert_eq!(
            f.load::<Doc>(&lock, |_| unreachable!()).unwrap(),
            Loaded::Missing
        );
        f.save(&lock, &doc(&["a"])).unwrap();
        f.save(&lock, &doc(&["a", "b"])).unwrap();
        assert_eq!(
            f.load::<Doc>(&lock, |_| unreachable!()).unwrap(),
            Loaded::Read(doc(&["a", "b"]))
        );
        assert_eq!(
            entries(&dir.path().join("sub")),
            ["doc.json", "doc.json.lock"]
        );
    }

    #[test]
    fn a_file_that_does_not_parse_is_kept_aside_byte_for_byte_and_replaced_as_told() {
        let dir = tempfile::tempdir().unwrap();
        let f = JsonFile::new(dir.path().join("doc.json"));
        std::fs::write(f.path(), br#"{"names":["a","b"#).unwrap();
        let lock = f.lock().unwrap();
        let got = f.load::<Doc>(&lock, |b| {
            assert!(b.bytes.starts_with(b"{\"names\""));
            doc(&["stand-in"])
        });
        let Loaded::Recovered { value, broken } = got.unwrap() else {
            panic!("a broken file must be reported")
        };
        assert_eq!(value, doc(&["stand-in"]));
        assert!(broken.reason.contains("EOF"), "{}", broken.reason);
        let kept_name = broken.kept_at.file_name().unwrap().to_string_lossy();
        assert!(kept_name.starts_with("doc.json.broken-"), "{kept_name}");
        assert_eq!(
            std::fs::read(&broken.kept_at).unwrap(),
            br#"{"names":["a","b"#,
            "the original bytes are kept, untouched"
        );
        // The stand-in is on disk now: the next read is a plain read.
        assert_eq!(
            f.load::<Doc>(&lock, |_| unreachable!()).unwrap(),
            Loaded::Read(doc(&["stand-in"]))
        );
    }

    #[test]
    fn two_breakages_in_the_same_second_keep_both_originals() {
        let dir = tempfile::tempdir().unwrap();
        let f = JsonFile::new(dir.path().join("doc.json"));
        let lock = f.lock().unwrap();
        let mut kept = Vec::new();
        for garbage in [&b"{"[..], b"[1,"] {
            std::fs::write(f.path(), garbage).unwrap();
            // Empty is broken too: the stand-in is a value that does not parse as Doc.
            match f.load::<serde_json::Value>(&lock, |_| serde_json::json!(null)) {
                Ok(Loaded::Recovered { broken, .. }) => kept.push(broken.kept_at),
                other => panic!("{other:?}"),
            }
            std::fs::remove_file(f.path()).unwrap();
        }
        assert_ne!(kept[0], kept[1]);
        assert_eq!(std::fs::read(&kept[0]).unwrap(), b"{");
        assert_eq!(std::fs::read(&kept[1]).unwrap(), b"[1,");
    }

    #[test]
    fn an_empty_file_is_broken_not_missing() {
        let dir = tempfile::tempdir().unwrap();
        let f = JsonFile::new(dir.path().join("doc.json"));
        std::fs::write(f.path(), b"").unwrap();
        let lock = f.lock().unwrap();
        match f.load::<Doc>(&lock, |_| Doc::default()).unwrap() {
            Loaded::Recovered { broken, .. } => {
                assert!(broken.bytes.is_empty());
                assert!(broken.reason.contains("EOF"), "{}", broken.reason);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_lock_excludes_a_second_holder_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let f = JsonFile::new(dir.path().join("doc.json"));
        let held = f.lock().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let f2 = f.clone();
        let waiter = std::thread::spawn(move || {
            let _second = f2.lock().unwrap();
            tx.send(Instant::now()).unwrap();
        });
        std::thread::sleep(Duration::from_millis(300));
        assert!(rx.try_recv().is_err(), "the second holder waits");
        let released = Instant::now();
        drop(held);
        let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(got >= released);
        waiter.join().unwrap();
    }

    #[test]
    fn a_lock_held_too_long_is_a_clear_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let f = JsonFile::new(dir.path().join("doc.json"));
        let _held = f.lock().unwrap();
        let started = Instant::now();
        let e = f
            .clone()
            .with_patience(Duration::from_millis(200))
            .lock()
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(e.code, 409);
        assert!(e.message.contains("doc.json.lock"), "{}", e.message);
        assert!(e.message.contains("more than 0.2 seconds"), "{}", e.message);
        // Typed, so the app words it in the user's language.
        assert!(
            matches!(e.kind(), Some(ErrorKind::FileLocked { path, millis: 200 }) if path.ends_with("doc.json.lock")),
            "{e:?}"
        );
    }

    #[test]
    fn concurrent_read_modify_writes_under_the_lock_lose_no_update() {
        let dir = tempfile::tempdir().unwrap();
        let f = JsonFile::new(dir.path().join("doc.json"));
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let f = f.clone();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        let lock = f.lock().unwrap();
                        let mut d = f
                            .load::<Doc>(&lock, |_| unreachable!())
                            .unwrap()
                            .into_value_or(Doc::default());
                        d.names.push(format!("{w}-{i}"));
                        f.save(&lock, &d).unwrap();
                    }
                })
            })
            .collect();
        workers.into_iter().for_each(|w| w.join().unwrap());
        let lock = f.lock().unwrap();
        let d = f
            .load::<Doc>(&lock, |_| unreachable!())
            .unwrap()
            .into_value_or(Doc::default());
        assert_eq!(d.names.len(), 40);
    }
}
