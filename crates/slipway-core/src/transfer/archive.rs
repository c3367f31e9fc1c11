//! Images as files: save to a tar, load a tar, import a root filesystem tarball. Each is done
//! only on the engine's own word: save when the whole tar arrived (a complete body that ends
//! with the tar's end-of-archive blocks), load on "Loaded image", import on the new image's
//! ID. Uploads count as activity for the stall bound and report the bytes sent.

use super::{ImportOptions, LoadResult, PullResult, next_or_cancel};
use crate::engine::Engine;
use crate::engine::stall::{Activity, touching};
use crate::error::{Error, ErrorKind, Operation, Result, TarCut};
use crate::progress::{Progress, ProgressFn};
use crate::reference::{Reference, validate_image_ref};
use futures_util::{Stream, StreamExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

/// How often an upload reports the bytes it sent while the engine has not answered yet.
pub(super) const UPLOAD_REPORT: Duration = Duration::from_millis(250);

impl Engine {
    /// Save images into one tar at `path`, streamed, replacing a file already there (like
    /// `docker save -o`). The file appears only when complete: a failure or cancel leaves
    /// whatever was at `path` before untouched, and no partial file.
    pub async fn save(
        &self,
        images: &[String],
        path: &Path,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<u64> {
        self.save_as(images, path, Overwrite::Replace, progress, cancel)
            .await
    }

    /// [`Engine::save`], saying what happens to a file already at `path`: with
    /// [`Overwrite::Refuse`] it stays untouched and the save is a 409 naming it — checked
    /// before the export starts and again, atomically, when the complete file is put in place.
    #[tracing::instrument(skip(self, progress, cancel), err(level = "debug", Display))]
    pub async fn save_as(
        &self,
        images: &[String],
        path: &Path,
        overwrite: Overwrite,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<u64> {
        if images.is_empty() {
            return Err(Error::of(ErrorKind::NothingToSave));
        }
        if overwrite == Overwrite::Refuse && std::fs::symlink_metadata(path).is_ok() {
            return Err(exists(path));
        }
        let what = Operation::Save {
            images: images.to_vec(),
            path: path.display().to_string(),
        };
        for i in images {
            validate_image_ref(i)?;
            self.get(i).await.map_err(|e| self.lost(&what, e))?;
        }
        let partial = partial_path(path)?;
        let result = self
            .save_into(images, path, &partial, &what, progress, cancel)
            .await;
        let result = match result {
            Ok(n) => put_in_place(&partial, path, overwrite).await.map(|_| n),
            Err(e) => Err(e),
        };
        if result.is_err() {
            let _ = tokio::fs::remove_file(&partial).await;
        }
        result
    }

    async fn save_into(
        &self,
        images: &[String],
        path: &Path,
        partial: &Path,
        what: &Operation,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<u64> {
        let names: Vec<&str> = images.iter().map(String::as_str).collect();
        let mut stream = self.watched(self.long.export_images(&names), Activity::new(), what);
        let mut file = tokio::fs::File::create(partial)
            .await
            .map_err(|e| write_error(e, path))?;
        let mut end = TarEnd::default();
        let mut done = 0u64;
        let mut last_report = 0u64;
        while let Some(chunk) = next_or_cancel(&mut stream, cancel, what).await? {
            let chunk = chunk?;
            file.write_all(&chunk)
                .await
                .map_err(|e| write_error(e, path))?;
            end.feed(&chunk);
            done += chunk.len() as u64;
            // Report every MiB: enough for a smooth bar, few enough not to flood a UI.
            if done - last_report >= 1 << 20 {
                last_report = done;
                progress(Progress::Bytes { done, total: None });
            }
        }
        if !end.is_complete(done) {
            return Err(Error::of(ErrorKind::TarCutShort(TarCut {
                host: self.info.host.clone(),
                bytes: done,
            }))
            .during(what));
        }
        file.flush().await.map_err(|e| write_error(e, path))?;
        file.sync_all().await.map_err(|e| write_error(e, path))?;
        progress(Progress::Bytes {
            done,
            total: Some(done),
        });
        Ok(done)
    }

    /// Load images from a tar made by `save` (or `docker save`), streamed from disk.
    #[tracing::instrument(skip(self, progress, cancel), err(level = "debug", Display))]
    pub async fn load(
        &self,
        path: &Path,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<LoadResult> {
        let what = Operation::Load {
            path: path.display().to_string(),
        };
        let mut upload = Upload::open(path, progress).await?;
        let opts = bollard::query_parameters::ImportImageOptions {
            quiet: true,
            platform: None,
        };
        let activity = Activity::new();
        let body = upload.body(activity.clone());
        let stream = self
            .long
            .import_image_stream(opts, body, None)
            .map(|r| r.map(|info| info.stream.or(info.status).unwrap_or_default()));
        let mut stream = self.watched(stream, activity, &what);
        let mut loaded = Vec::new();
        while let Some(item) = upload.next(&mut stream, cancel, &what, progress).await? {
            for line in item?.lines() {
                let name = line
                    .strip_prefix("Loaded image: ")
                    .or_else(|| line.strip_prefix("Loaded image ID: "))
                    .or_else(|| line.strip_prefix("Loaded image(s): "));
                if let Some(n) = name {
                    loaded.extend(n.split(',').map(|s| s.trim().to_owned()));
                }
            }
        }
        if loaded.is_empty() {
            return Err(Error::of(ErrorKind::NothingLoaded {
                path: path.display().to_string(),
            })
            .during(what));
        }
        Ok(LoadResult { loaded })
    }

    /// Import a root filesystem tarball as a new image (`docker import`).
    #[tracing::instrument(skip(self, progress, cancel), err(level = "debug", Display))]
    pub async fn import(
        &self,
        path: &Path,
        options: &ImportOptions,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<PullResult> {
        let target = options
            .reference
            .as_deref()
            .map(Reference::parse)
            .transpose()?;
        let what = Operation::Import {
            path: path.display().to_string(),
        };
        let mut upload = Upload::open(path, progress).await?;
        let (repo, tag) = import_name(target.as_ref(), self.is_podman());
        let opts = bollard::query_parameters::CreateImageOptions {
            from_src: Some("-".into()),
            repo,
            tag,
            changes: options.changes.clone(),
            message: options.message.clone(),
            platform: options.platform.clone().unwrap_or_default(),
            ..Default::default()
        };
        let activity = Activity::new();
        let body = bollard::body_try_stream(upload.body(activity.clone()));
        let stream = self.long.create_image(Some(opts), Some(body), None);
        let mut stream = self.watched(stream, activity, &what);
        let mut id = None;
        while let Some(item) = upload.next(&mut stream, cancel, &what, progress).await? {
            if let Some(s) = item?.status.as_deref().map(str::trim)
                && s.starts_with("sha256:")
            {
                id = Some(s.to_owned());
            }
        }
        let id = id.ok_or_else(|| Error::of(ErrorKind::ImportWithoutId).during(&what))?;
        let image = self.get(&id).await.map_err(|e| self.lost(&what, e))?;
        Ok(PullResult {
            id: image.id,
            tag: image.tags,
            digest: None,
        })
    }
}

/// The `repo` and `tag` of an import. Podman's compat import reads no `tag` (the image
/// would become `:latest`, taking that name from another image): it gets `repo=name:tag`.
fn import_name(target: Option<&Reference>, podman: bool) -> (Option<String>, Option<String>) {
    let Some(t) = target else {
        return (None, None);
    };
    let tag = t.tag_or_default().map(str::to_owned);
    match (podman, tag) {
        (true, Some(tag)) => (Some(format!("{}:{tag}", t.repository())), None),
        (_, tag) => (Some(t.repository()), tag),
    }
}

/// Whether a save may replace a file already at its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    Replace,
    /// Leave it, and fail (409) instead.
    Refuse,
}

fn exists(path: &Path) -> Error {
    Error::of(ErrorKind::FileExists {
        path: path.display().to_string(),
    })
}

/// Move the complete `partial` to `path`. Refusing to overwrite, a hard link puts it there
/// only if nothing is there yet (atomically: a file that appeared meanwhile stays); a file
/// system without links gets a check and a rename.
async fn put_in_place(partial: &Path, path: &Path, overwrite: Overwrite) -> Result<()> {
    if overwrite == Overwrite::Replace {
        return tokio::fs::rename(partial, path)
            .await
            .map_err(|e| write_error(e, path));
    }
    match tokio::fs::hard_link(partial, path).await {
        Ok(()) => {
            let _ = tokio::fs::remove_file(partial).await;
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists(path)),
        Err(_) if tokio::fs::symlink_metadata(path).await.is_ok() => Err(exists(path)),
        Err(_) => tokio::fs::rename(partial, path)
            .await
            .map_err(|e| write_error(e, path)),
    }
}

/// The partial file sits beside the target, so the final rename never crosses file systems.
pub(crate) fn partial_path(path: &Path) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        Error::of(ErrorKind::NotAFileName {
            path: path.display().to_string(),
        })
    })?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(Error::of(ErrorKind::FolderMissing {
            path: dir.display().to_string(),
        }));
    }
    Ok(dir.join(format!(".{}.partial", name.to_string_lossy())))
}

/// A full disk (or quota) says so and names the file; other write errors name it too.
fn write_error(e: std::io::Error, path: &Path) -> Error {
    const ENOSPC: i32 = 28;
    const EDQUOT: i32 = 122;
    if e.kind() == std::io::ErrorKind::StorageFull
        || matches!(e.raw_os_error(), Some(ENOSPC | EDQUOT))
    {
        return Error::of(ErrorKind::NoSpace {
            path: path.display().to_string(),
        })
        .with_detail(e);
    }
    let code = Error::from(std::io::Error::new(e.kind(), "")).code;
    Error::of(ErrorKind::CannotWrite {
        path: path.display().to_string(),
    })
    .with_detail(e)
    .with_code(code)
}

/// Watches the last bytes of a tar: a complete one ends with two zero 512-byte blocks and is
/// a whole number of blocks long (Go's archive/tar, which Docker and Podman use, writes both).
#[derive(Default)]
pub(super) struct TarEnd {
    last: Vec<u8>,
}

const TAR_END: usize = 1024;

impl TarEnd {
    pub(super) fn feed(&mut self, chunk: &[u8]) {
        if chunk.len() >= TAR_END {
            self.last.clear();
            self.last.extend_from_slice(&chunk[chunk.len() - TAR_END..]);
        } else {
            self.last.extend_from_slice(chunk);
            let extra = self.last.len().saturating_sub(TAR_END);
            self.last.drain(..extra);
        }
    }

    pub(super) fn is_complete(&self, total: u64) -> bool {
        total.is_multiple_of(512) && self.last.len() == TAR_END && self.last.iter().all(|b| *b == 0)
    }
}

/// A regular, non-empty file streamed as an upload: the bytes handed to the connection mark
/// activity and are reported as progress while the engine has not answered.
struct Upload {
    /// Opened (and checked) once: what is sent is the file that was checked.
    file: Option<std::fs::File>,
    total: u64,
    sent: Arc<AtomicU64>,
}

/// Check a file given to load or import before anything is sent: it must be a readable,
/// regular, non-empty file (a folder, FIFO, socket or device is named as such; an empty file
/// would import as a 0-byte image). Returns its size.
pub fn check_upload(path: &Path) -> Result<u64> {
    open_upload(path).map(|(_, size)| size)
}

fn open_upload(path: &Path) -> Result<(std::fs::File, u64)> {
    let (file, meta) = super::open_regular(path)?;
    if meta.len() == 0 {
        return Err(Error::of(ErrorKind::EmptyFile {
            path: path.display().to_string(),
        }));
    }
    Ok((file, meta.len()))
}

impl Upload {
    async fn open(path: &Path, progress: ProgressFn<'_>) -> Result<Self> {
        let owned = path.to_owned();
        let (file, total) = tokio::task::spawn_blocking(move || open_upload(&owned))
            .await
            .map_err(Error::unexpected)??;
        progress(Progress::Bytes {
            done: 0,
            total: Some(total),
        });
        Ok(Self {
            file: Some(file),
            total,
            sent: Arc::default(),
        })
    }

    /// The file's bytes, read as the connection takes them (once: the handle moves into it).
    fn body(
        &mut self,
        activity: Activity,
    ) -> impl Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static {
        let sent = self.sent.clone();
        let file = match self.file.take() {
            Some(f) => {
                let f = tokio::fs::File::from_std(f);
                tokio_util::io::ReaderStream::with_capacity(f, 256 * 1024).left_stream()
            }
            None => futures_util::stream::once(async {
                Err(std::io::Error::other("the upload was already sent"))
            })
            .right_stream(),
        };
        touching(file, activity).inspect(move |chunk| {
            if let Ok(c) = chunk {
                sent.fetch_add(c.len() as u64, Ordering::Relaxed);
            }
        })
    }

    /// The next answer item, reporting upload progress meanwhile; `None` at the end.
    async fn next<S: Stream + Unpin>(
        &self,
        stream: &mut S,
        cancel: &CancellationToken,
        what: &Operation,
        progress: ProgressFn<'_>,
    ) -> Result<Option<S::Item>> {
        let mut tick = tokio::time::interval(UPLOAD_REPORT);
        let mut reported = 0;
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(Error::cancelled(what)),
                item = stream.next() => return Ok(item),
                _ = tick.tick() => {
                    let sent = self.sent.load(Ordering::Relaxed).min(self.total);
                    if sent != reported {
                        reported = sent;
                        progress(Progress::Bytes { done: sent, total: Some(self.total) });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_tar_with_its_end_blocks_counts_as_whole() {
        let mut end = TarEnd::default();
        end.feed(&[1u8; 512]);
        end.feed(&[0u8; 700]);
        assert!(!end.is_complete(1212), "not a whole number of blocks");
        end.feed(&[0u8; 324]);
        assert!(end.is_complete(1536));
        let mut cut = TarEnd::default();
        cut.feed(&[1u8; 4096]);
        assert!(!cut.is_complete(4096), "data up to the end: cut off");
        let mut tiny = TarEnd::default();
        tiny.feed(&[0u8; 512]);
        assert!(!tiny.is_complete(512));
    }

    #[tokio::test]
    async fn refusing_to_overwrite_keeps_a_file_that_appeared_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.tar");
        let partial = partial_path(&path).unwrap();
        std::fs::write(&partial, b"new").unwrap();
        std::fs::write(&path, b"old").unwrap();
        let e = put_in_place(&partial, &path, Overwrite::Refuse)
            .await
            .unwrap_err();
        assert_eq!(e.code, 409);
        assert!(e.message.contains("out.tar exists"), "{}", e.message);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        // Nothing there: the complete file is put in place and the partial one goes.
        std::fs::remove_file(&path).unwrap();
        put_in_place(&partial, &path, Overwrite::Refuse)
            .await
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert!(!partial.exists());
        // Replacing is a rename over the old file.
        std::fs::write(&partial, b"newer").unwrap();
        put_in_place(&partial, &path, Overwrite::Replace)
            .await
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"newer");
        assert!(!partial.exists());
    }

    #[tokio::test]
    async fn a_save_that_may_not_overwrite_fails_before_asking_the_engine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kept.tar");
        std::fs::write(&path, b"mine").unwrap();
        // No engine answers there: the refusal comes first.
        let sock = dir.path().join("none.sock");
        let _quiet = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let engine = Engine::unconnected(&format!("unix://{}", sock.display()));
        let e = engine
            .save_as(
                &["x:1".into()],
                &path,
                Overwrite::Refuse,
                &mut crate::progress::ignore,
                &CancellationToken::new(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, 409, "{e:?}");
        assert_eq!(std::fs::read(&path).unwrap(), b"mine");
        assert!(!partial_path(&path).unwrap().exists(), "no partial file");
    }

    #[test]
    fn a_full_disk_is_named_with_the_file() {
        let e = write_error(
            std::io::Error::from_raw_os_error(28),
            Path::new("/mnt/x.tar"),
        );
        assert_eq!(e.code, 507);
        assert!(
            e.message
                .starts_with("No space left while writing /mnt/x.tar")
        );
    }

    #[tokio::test]
    async fn empty_and_missing_files_are_refused_before_any_engine_call() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.tar");
        std::fs::write(&empty, b"").unwrap();
        let e = Upload::open(&empty, &mut crate::progress::ignore)
            .await
            .err()
            .unwrap();
        assert_eq!(e.code, 400);
        assert!(e.message.contains("empty.tar") && e.message.contains("empty"));
        let e = Upload::open(dir.path(), &mut crate::progress::ignore)
            .await
            .err()
            .unwrap();
        assert_eq!(e.code, 400);
    }

    /// A FIFO would block the read until someone writes to it: refused at once, named.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_fifo_to_load_or_import_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("images.tar");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let opened = tokio::time::timeout(
            Duration::from_secs(5),
            Upload::open(&fifo, &mut crate::progress::ignore),
        )
        .await
        .expect("no hang");
        let e = opened.err().unwrap();
        assert_eq!(e.code, 400);
        assert!(
            e.message.contains("images.tar") && e.message.contains("named pipe (FIFO)"),
            "{}",
            e.message
        );
        assert_eq!(check_upload(&fifo).unwrap_err().message, e.message);
    }

    #[tokio::test]
    async fn an_upload_counts_what_the_connection_took() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.tar");
        std::fs::write(&f, vec![7u8; 300_000]).unwrap();
        let mut up = Upload::open(&f, &mut crate::progress::ignore)
            .await
            .unwrap();
        let chunks: Vec<_> = up.body(Activity::new()).collect().await;
        assert_eq!(
            chunks
                .iter()
                .map(|c| c.as_ref().unwrap().len())
                .sum::<usize>(),
            300_000
        );
        assert_eq!(up.sent.load(Ordering::Relaxed), 300_000);
    }
}
