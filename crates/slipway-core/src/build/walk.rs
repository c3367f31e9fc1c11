//! Walking the context in tar order, deciding per entry what is sent and what is ignored.

use super::context::{DOCKERIGNORE, DockerignoreInTar, PreparedContext};
use crate::error::{Error, ErrorKind, Operation};
use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// One thing the walk found.
pub(super) enum Event {
    /// Goes into the tar.
    Send(Item),
    /// Left out by `.dockerignore`; `is_dir` for a directory skipped as a whole.
    Ignored { path: PathBuf, is_dir: bool },
}

pub(super) struct Item {
    /// Path inside the tar (real OS name, so non-UTF-8 names survive).
    pub(super) name: PathBuf,
    pub(super) mode: u32,
    pub(super) mtime: u64,
    pub(super) source: Source,
}

pub(super) enum Source {
    Dir,
    File { path: PathBuf, len: u64 },
    Symlink { path: PathBuf },
    Memory(Arc<[u8]>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    Symlink,
}

impl Kind {
    /// `None` for sockets, fifos and devices: they are never sent.
    fn of(meta: &Metadata) -> Option<Self> {
        let t = meta.file_type();
        if t.is_symlink() {
            Some(Self::Symlink)
        } else if t.is_dir() {
            Some(Self::Dir)
        } else if t.is_file() {
            Some(Self::File)
        } else {
            None
        }
    }
}

type Sink<'a> = dyn FnMut(Event) -> io::Result<()> + 'a;

impl PreparedContext {
    /// Walk the context in tar order: sorted by name, depth first, each directory before
    /// its contents; then the generated files (`.dockerignore`, external Dockerfile).
    pub(super) fn walk(&self, sink: &mut Sink<'_>) -> io::Result<()> {
        self.walk_dir(&self.context_dir, "", Path::new(""), &[], sink)?;
        if let DockerignoreInTar::Add(contents) = &self.dockerignore_in_tar {
            sink(Event::Send(memory_item(
                DOCKERIGNORE,
                0o644,
                now(),
                contents,
            )))?;
        }
        if let Some(external) = &self.external_dockerfile {
            let item = memory_item(
                &self.dockerfile_in_tar,
                0o600,
                external.mtime,
                &external.contents,
            );
            sink(Event::Send(item))?;
        }
        Ok(())
    }

    fn walk_dir(
        &self,
        dir: &Path,
        dir_rel: &str,
        dir_name: &Path,
        parent_hits: &[bool],
        sink: &mut Sink<'_>,
    ) -> io::Result<()> {
        for entry in sorted_entries(dir)? {
            let file_name = entry.file_name();
            let rel = match dir_rel {
                "" => file_name.to_string_lossy().into_owned(),
                _ => format!("{dir_rel}/{}", file_name.to_string_lossy()),
            };
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).map_err(|e| annotate(e, cannot_read(&path)))?;
            let Some(kind) = Kind::of(&meta) else {
                tracing::debug!(path = %path.display(), "skipping special file");
                continue;
            };
            let (ignored, hits) = self.ignore.match_path(&rel, parent_hits);
            let send = !ignored || self.always_sent.contains(&rel);
            let name = dir_name.join(&file_name);
            if send {
                sink(Event::Send(self.item(
                    name.clone(),
                    &rel,
                    path.clone(),
                    &meta,
                    kind,
                )))?;
            }
            match kind {
                Kind::Dir if send || self.must_walk_ignored_dir(&rel) => {
                    self.walk_dir(&path, &rel, &name, &hits, sink)?;
                }
                Kind::Dir => sink(Event::Ignored { path, is_dir: true })?,
                _ if !send => sink(Event::Ignored {
                    path,
                    is_dir: false,
                })?,
                _ => {}
            }
        }
        Ok(())
    }

    /// An ignored directory is walked only if something inside may still be sent.
    fn must_walk_ignored_dir(&self, rel: &str) -> bool {
        self.ignore.exception_may_match_below(rel)
            || self.always_sent.iter().any(|p| {
                p.len() > rel.len() && p.starts_with(rel) && p.as_bytes()[rel.len()] == b'/'
            })
    }

    fn item(&self, name: PathBuf, rel: &str, path: PathBuf, meta: &Metadata, kind: Kind) -> Item {
        let source = match kind {
            Kind::Dir => Source::Dir,
            Kind::Symlink => Source::Symlink { path },
            Kind::File => match &self.dockerignore_in_tar {
                DockerignoreInTar::Replace(contents) if rel == DOCKERIGNORE => {
                    Source::Memory(contents.clone())
                }
                _ => Source::File {
                    path,
                    len: meta.len(),
                },
            },
        };
        Item {
            name,
            mode: mode_of(meta, kind),
            mtime: mtime_of(meta),
            source,
        }
    }
}

fn memory_item(name: &str, mode: u32, mtime: u64, contents: &Arc<[u8]>) -> Item {
    Item {
        name: PathBuf::from(name),
        mode,
        mtime,
        source: Source::Memory(contents.clone()),
    }
}

/// A directory's entries sorted by name, so the tar is deterministic.
fn sorted_entries(dir: &Path) -> io::Result<Vec<fs::DirEntry>> {
    let mut entries = fs::read_dir(dir)
        .and_then(|it| it.collect::<io::Result<Vec<_>>>())
        .map_err(|e| {
            annotate(
                e,
                ErrorKind::CannotList {
                    path: dir.display().to_string(),
                },
            )
        })?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

/// Files and symlinks below `dir`, from directory listings only (no stat, no reads), for
/// the summary of an ignored directory. Unreadable parts are not counted.
pub(super) fn count_files_below(dir: &Path) -> u64 {
    let mut count = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(entry.path()),
                Ok(t) if t.is_file() || t.is_symlink() => count += 1,
                _ => {}
            }
        }
    }
    count
}

#[cfg(unix)]
fn mode_of(meta: &Metadata, _kind: Kind) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

/// Windows has no Unix modes; like the docker CLI, make everything executable so scripts
/// copied into Linux images still run.
#[cfg(not(unix))]
fn mode_of(_meta: &Metadata, kind: Kind) -> u32 {
    match kind {
        Kind::Symlink => 0o777,
        Kind::Dir | Kind::File => 0o755,
    }
}

pub(super) fn mtime_of(meta: &Metadata) -> u64 {
    meta.modified().map_or(0, seconds_since_epoch)
}

fn now() -> u64 {
    seconds_since_epoch(SystemTime::now())
}

fn seconds_since_epoch(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Put Slipway's sentence naming the file into an I/O error (the system's text as its
/// detail), so "permission denied" says which file; `read_error` takes it out again.
pub(super) fn annotate(e: io::Error, kind: ErrorKind) -> io::Error {
    io::Error::new(e.kind(), Error::of(kind).with_detail(&e))
}

pub(super) fn cannot_read(path: &Path) -> ErrorKind {
    ErrorKind::CannotRead {
        path: path.display().to_string(),
    }
}

/// An unreadable, vanished or shrinking file in the user's folder is their input to fix: a
/// 400 naming it (the sentence `annotate` put in says which file).
pub(super) fn read_error(e: &io::Error) -> Error {
    let code = match e.kind() {
        io::ErrorKind::NotFound
        | io::ErrorKind::PermissionDenied
        | io::ErrorKind::UnexpectedEof => 400,
        other => Error::from(io::Error::from(other)).code,
    };
    let typed = e.get_ref().and_then(|inner| inner.downcast_ref::<Error>());
    match typed {
        Some(sentence) => sentence.clone().with_code(code),
        None => Error::raw(code, e.to_string()),
    }
    .during(Operation::ReadContext)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::context::prepare;
    use crate::build::test_support::*;
    /// Ignored directories reported as skipped wholesale (the walk did not enter them).
    fn skipped_dirs(dir: &Path) -> Vec<String> {
        let prepared = prepare(dir, None).unwrap();
        let mut skipped = Vec::new();
        prepared
            .walk(&mut |event| {
                if let Event::Ignored { path, is_dir: true } = event {
                    let rel = path.strip_prefix(&prepared.context_dir).unwrap();
                    skipped.push(rel.to_string_lossy().into_owned());
                }
                Ok(())
            })
            .unwrap();
        skipped
    }

    #[test]
    fn ignored_dir_without_reachable_exceptions_is_not_entered() {
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            (".dockerignore", Some("node_modules\n!src/keep\n")),
            ("node_modules/a/index.js", Some("x")),
        ]);
        assert_eq!(skipped_dirs(dir.path()), ["node_modules"]);
        fs::write(
            dir.path().join(DOCKERIGNORE),
            "node_modules\n!node_modules/a/keep\n",
        )
        .unwrap();
        assert!(skipped_dirs(dir.path()).is_empty());
    }
}
