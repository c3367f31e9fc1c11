//! Copy images from one engine to another (Podman's `scp`): the source's save streams
//! straight into the destination's load through a small bounded channel — no temp file, and
//! memory that does not grow with the image. Done only on both engines' word: the source's tar
//! ended with its end blocks, the destination said "Loaded image", and the images are there.
//! A copy that fails or is cancelled cuts the upload off with an error (never a clean end of
//! body), so the destination has an incomplete tar it refuses to load.

use super::archive::{TarEnd, UPLOAD_REPORT};
use crate::engine::Engine;
use crate::engine::stall::{Activity, touching};
use crate::error::{Error, ErrorKind, Operation, Result, TarCut};
use crate::progress::{Progress, ProgressFn};
use crate::reference::validate_image_ref;
use bytes::Bytes;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Chunks in flight between the two engines: with the engines' chunk sizes (≤ 64 KiB from
/// hyper) this bounds the copy's buffer to a few MiB whatever the image size.
const IN_FLIGHT: usize = 16;

/// One copied image, as the destination has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CopiedImage {
    pub id: String,
    /// As the destination names them (Podman qualifies: `localhost/x:1`, `docker.io/library/x:1`).
    pub tags: Vec<String>,
}

/// `copy` — `{"images":[{"id","tags"}],"bytes":N,"destination":".."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CopyResult {
    pub images: Vec<CopiedImage>,
    /// The bytes of the tar that went from one engine to the other.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes: u64,
    /// The destination engine's address.
    pub destination: String,
}

impl Engine {
    /// Copy `images` (names or IDs on this engine) to `dest`. Progress is in bytes (the total
    /// is not known ahead: the tar's size is only known at its end); `cancel` stops both sides.
    /// A failed or cancelled copy leaves nothing new on `dest`.
    #[tracing::instrument(skip(self, dest, progress, cancel), fields(source = %self.info.host, destination = %dest.info.host), err(level = "debug", Display))]
    pub async fn copy_to(
        &self,
        dest: &Engine,
        images: &[String],
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<CopyResult> {
        if images.is_empty() {
            return Err(Error::of(ErrorKind::NothingToSave));
        }
        if self.info.host == dest.info.host {
            return Err(Error::of(ErrorKind::CopyToItself {
                host: self.info.host.clone(),
            }));
        }
        let what = Operation::Copy {
            images: images.to_vec(),
            source: self.info.host.clone(),
            destination: dest.info.host.clone(),
        };
        // Fail before anything moves, naming the image that is missing on the source.
        let mut ids = Vec::new();
        let mut tags = Vec::new();
        for i in images {
            validate_image_ref(i)?;
            let image = self.get(i).await.map_err(|e| self.lost(&what, e))?;
            ids.push(image.id);
            tags.extend(image.tags);
        }
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(id.clone()));
        let before = dest.snapshot(&ids, &tags).await;
        let streamed = self
            .stream_into(dest, images, &what, progress, cancel)
            .await;
        let bytes = match streamed {
            Ok(bytes) => bytes,
            Err(e) => {
                dest.undo_copy(&before).await;
                return Err(e);
            }
        };
        let mut copied = Vec::new();
        for id in &ids {
            let image = dest.get(id).await.map_err(|e| {
                if e.is_not_found() {
                    Error::of(ErrorKind::CopiedImageMissing {
                        image: id.clone(),
                        destination: dest.info.host.clone(),
                    })
                    .during(&what)
                } else {
                    dest.lost(&what, e)
                }
            })?;
            copied.push(CopiedImage {
                id: image.id,
                tags: image.tags,
            });
        }
        Ok(CopyResult {
            images: copied,
            bytes,
            destination: dest.info.host.clone(),
        })
    }

    /// The two streams, run together in this task: the source's save feeds the channel, the
    /// destination's load reads it. The first error (or the cancel) drops both requests.
    async fn stream_into(
        &self,
        dest: &Engine,
        images: &[String],
        what: &Operation,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<u64> {
        let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(IN_FLIGHT);
        let whole = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let names: Vec<&str> = images.iter().map(String::as_str).collect();
        let save = self.watched(self.long.export_images(&names), Activity::new(), what);
        let sent = Arc::new(tokio::sync::Notify::new());
        let pump = pump(
            self,
            dest,
            save,
            tx,
            (whole.clone(), sent.clone()),
            done.clone(),
            what,
        );

        let activity = Activity::new();
        let body = touching(body(rx, whole.clone()), activity.clone());
        let opts = bollard::query_parameters::ImportImageOptions {
            quiet: true,
            platform: None,
        };
        let answer = dest
            .long
            .import_image_stream(opts, body, None)
            .map(|r| r.map(|info| info.stream.or(info.status).unwrap_or_default()));
        let mut answer = dest.watched(answer, activity, what);
        let load = async {
            let mut loaded = false;
            while let Some(item) = answer.next().await {
                let text = item?;
                loaded |= text.lines().any(|l| l.starts_with("Loaded image"));
            }
            if loaded {
                Ok(())
            } else {
                Err(Error::of(ErrorKind::NothingCopied {
                    destination: dest.info.host.clone(),
                })
                .during(what))
            }
        };
        let both = futures_util::future::try_join(pump, load);
        tokio::pin!(both);
        let mut tick = tokio::time::interval(UPLOAD_REPORT);
        let (mut reported, mut told_total) = (0, false);
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    if whole.load(Ordering::Acquire) {
                        // The whole tar went already: the destination loads it even if we
                        // hang up (measured with Podman 4.3: the image appeared seconds
                        // later). Wait for its answer (bounded by the stall guard), so the
                        // caller can remove what it made.
                        tracing::info!("cancelled after the whole tar was sent; waiting for the load");
                        let _ = (&mut both).await;
                    }
                    return Err(Error::cancelled(what));
                }
                r = &mut both => {
                    let (bytes, ()) = r?;
                    progress(Progress::Bytes { done: bytes, total: Some(bytes) });
                    return Ok(bytes);
                }
                // The tar's size is known once its end went through: say so at once (the
                // destination may take a while to load it).
                _ = sent.notified(), if !told_total => {
                    told_total = true;
                    let now = done.load(Ordering::Relaxed);
                    reported = now;
                    progress(Progress::Bytes { done: now, total: Some(now) });
                }
                _ = tick.tick() => {
                    let now = done.load(Ordering::Relaxed);
                    if now != reported {
                        reported = now;
                        progress(Progress::Bytes { done: now, total: None });
                    }
                }
            }
        }
    }

    /// What this (destination) engine has of a copy before it starts: which of the images
    /// are here already, and which image holds each of the names the copy brings.
    async fn snapshot(&self, ids: &[String], tags: &[String]) -> Before {
        let mut before = Before::default();
        for id in ids {
            before.images.push((id.clone(), self.get(id).await.is_ok()));
        }
        for tag in tags {
            let holder = self.get(tag).await.ok().map(|i| i.id);
            before.names.push((tag.clone(), holder));
        }
        before
    }

    /// After a failed copy, put this (destination) engine back as it was: a name the load
    /// moved goes back to the image that held it (a late-cancelled load may already have
    /// taken `x:1` from an older image), a name it added to an image that was here is taken
    /// off again, and an image that was not here before goes. The log says what was undone.
    async fn undo_copy(&self, before: &Before) {
        let was_here = |id: &str| before.images.iter().any(|(i, here)| i == id && *here);
        for (tag, holder) in &before.names {
            let now = self.get(tag).await.ok().map(|i| (i.id, i.tags.len()));
            match (holder, now) {
                (Some(old), Some((new, _))) if *old != new => {
                    tracing::warn!(%tag, image = %old, "a failed copy moved a name; giving it back");
                    if let Err(e) = self.tag(old, tag).await {
                        tracing::warn!(%tag, error = %e, "could not give a name back after a failed copy");
                    }
                }
                // Untagging an image's only name deletes it: never for an image that was here.
                (None, Some((new, count))) if was_here(&new) && count > 1 => {
                    tracing::warn!(%tag, image = %new, "a failed copy added a name; taking it off");
                    if let Err(e) = self.remove(tag, false, true).await {
                        tracing::warn!(%tag, error = %e, "could not take a name off after a failed copy");
                    }
                }
                _ => {}
            }
        }
        for (id, here) in &before.images {
            if *here || self.get(id).await.is_err() {
                continue;
            }
            tracing::warn!(image = %id, host = %self.info.host, "a failed copy left an image; removing it");
            if let Err(e) = self.remove(id, true, false).await {
                tracing::warn!(image = %id, error = %e, "could not remove what a failed copy left");
            }
        }
    }
}

/// The destination before a copy (see `Engine::snapshot`).
#[derive(Debug, Default)]
struct Before {
    /// Each image copied, and whether the destination had it already.
    images: Vec<(String, bool)>,
    /// Each name the copy brings, and the image on the destination holding it (if any).
    names: Vec<(String, Option<String>)>,
}

/// Move the source's tar into the channel, counting bytes and watching for the tar's end.
/// Only a whole tar marks the upload `whole`; anything else ends it with an error.
async fn pump<S>(
    source: &Engine,
    dest: &Engine,
    mut save: S,
    tx: mpsc::Sender<std::io::Result<Bytes>>,
    (whole, sent): (Arc<AtomicBool>, Arc<tokio::sync::Notify>),
    done: Arc<AtomicU64>,
    what: &Operation,
) -> Result<u64>
where
    S: futures_util::Stream<Item = Result<Bytes>> + Unpin,
{
    let mut end = TarEnd::default();
    let mut total = 0u64;
    while let Some(chunk) = save.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                let _ = tx
                    .send(Err(std::io::Error::other("the source failed")))
                    .await;
                return Err(e);
            }
        };
        end.feed(&chunk);
        total += chunk.len() as u64;
        done.store(total, Ordering::Relaxed);
        if tx.send(Ok(chunk)).await.is_err() {
            // The destination stopped reading before the end (its answer, if it comes
            // first, says why).
            return Err(Error::of(ErrorKind::ConnectionBroke {
                operation: what.clone(),
                host: dest.info.host.clone(),
            }));
        }
    }
    if !end.is_complete(total) {
        let _ = tx
            .send(Err(std::io::Error::other("the source's tar was cut short")))
            .await;
        return Err(Error::of(ErrorKind::TarCutShort(TarCut {
            host: source.info.host.clone(),
            bytes: total,
        }))
        .during(what));
    }
    whole.store(true, Ordering::Release);
    sent.notify_one();
    Ok(total)
}

/// The upload: what the channel brings, then — only if the source's tar was whole — a clean
/// end; otherwise an error, so the connection is cut and the engine sees no complete body.
fn body(
    rx: mpsc::Receiver<std::io::Result<Bytes>>,
    whole: Arc<AtomicBool>,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let end = futures_util::stream::once(async move {
        if whole.load(Ordering::Acquire) {
            None
        } else {
            Some(Err(std::io::Error::other("the copy stopped")))
        }
    })
    .filter_map(std::future::ready);
    chunks.chain(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_upload_ends_cleanly_only_after_a_whole_tar() {
        let (tx, rx) = mpsc::channel(2);
        let whole = Arc::new(AtomicBool::new(false));
        tx.send(Ok(Bytes::from_static(b"abc"))).await.unwrap();
        drop(tx);
        let got: Vec<_> = body(rx, whole).collect().await;
        assert_eq!(got.len(), 2);
        assert!(
            got[1].is_err(),
            "a copy that stopped must not end its body cleanly"
        );

        let (tx, rx) = mpsc::channel(2);
        let whole = Arc::new(AtomicBool::new(true));
        tx.send(Ok(Bytes::from_static(b"abc"))).await.unwrap();
        drop(tx);
        let got: Vec<_> = body(rx, whole).collect().await;
        assert_eq!(got.len(), 1);
        assert!(got[0].is_ok());
    }

    #[tokio::test]
    async fn a_cut_tar_is_an_error_naming_the_source_and_cuts_the_upload() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("src.sock");
        let _quiet = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let source = Engine::unconnected(&format!("unix://{}", sock.display()));
        let (tx, rx) = mpsc::channel(4);
        let whole = Arc::new(AtomicBool::new(false));
        let save = futures_util::stream::iter(vec![Ok(Bytes::from(vec![1u8; 4096]))]);
        let what = Operation::Copy {
            images: vec!["x:1".into()],
            source: source.info.host.clone(),
            destination: "unix:///dst.sock".into(),
        };
        let e = pump(
            &source,
            &source,
            save,
            tx,
            (whole.clone(), Arc::default()),
            Arc::default(),
            &what,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, 502);
        assert!(e.message.contains("src.sock"), "{}", e.message);
        assert!(e.message.starts_with("Copying x:1 from"), "{}", e.message);
        let got: Vec<_> = body(rx, whole).collect().await;
        assert!(got.last().unwrap().is_err());
    }
}
