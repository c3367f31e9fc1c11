//! The context as a streamed tar: a thread walks and packs it into a small bounded channel.

use super::context::PreparedContext;
use super::walk::{Event, Item, Source, annotate, cannot_read, read_error};
use crate::error::{Error, ErrorKind, Operation};
use bytes::Bytes;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::mpsc;

/// Size of the chunks sent to the engine.
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Chunks buffered between the tar thread and the upload. With [`CHUNK_SIZE`] this bounds
/// the memory a build context can take, whatever its size.
const CHANNEL_CAPACITY: usize = 4;

/// The error that ended a context stream, kept for the build to report. The engine only
/// sees a request body cut short, and says "connection failed"; this names the file.
#[derive(Debug, Clone, Default)]
pub struct ContextFailure(Arc<Mutex<Option<Error>>>);

impl ContextFailure {
    /// What ended the stream early, if anything did.
    pub fn take(&self) -> Option<Error> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    fn record(&self, error: Error) {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // The first failure is the cause; later ones are its consequences.
        slot.get_or_insert(error);
    }
}

/// Stream the context as a tar, in chunks of at most [`CHUNK_SIZE`] bytes.
///
/// A thread walks the context and writes the tar into a small bounded channel, so memory
/// stays bounded whatever the context's size. Dropping the stream (a cancelled build)
/// makes the thread stop at its next write or entry. A file that cannot be read ends the
/// stream with an `io::Error` naming it.
#[tracing::instrument(level = "debug", skip_all, fields(context = %prepared.context_dir.display()))]
pub fn tar_stream(
    prepared: PreparedContext,
) -> impl futures_util::Stream<Item = io::Result<Bytes>> + Send + 'static {
    tar_stream_reporting(prepared).0
}

/// [`tar_stream`], plus where the error that ends it early is kept (a 400 naming the
/// file for an unreadable, vanished or shrinking one).
pub fn tar_stream_reporting(
    prepared: PreparedContext,
) -> (
    impl futures_util::Stream<Item = io::Result<Bytes>> + Send + 'static,
    ContextFailure,
) {
    let failure = ContextFailure::default();
    let (mut rx, _detached) = spawn_tar_producer(prepared, failure.clone());
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    (stream, failure)
}

type Chunk = io::Result<Bytes>;

fn spawn_tar_producer(
    prepared: PreparedContext,
    failure: ContextFailure,
) -> (mpsc::Receiver<Chunk>, Option<JoinHandle<()>>) {
    let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
    // Kept only to report a failure to start the thread; dropped when we return.
    let report = tx.clone();
    let span = tracing::debug_span!("context_tar");
    let on_thread = failure.clone();
    let spawned = std::thread::Builder::new()
        .name("slipway-context-tar".into())
        .spawn(move || span.in_scope(|| produce(&prepared, tx, &on_thread)));
    match spawned {
        Ok(handle) => (rx, Some(handle)),
        Err(e) => {
            let error = Error::of(ErrorKind::ContextPackingFailed).with_detail(&e);
            failure.record(error.clone());
            let _ = report.try_send(Err(io::Error::new(e.kind(), error)));
            (rx, None)
        }
    }
}

/// The tar thread's body: write everything, then report how it ended.
fn produce(prepared: &PreparedContext, tx: mpsc::Sender<Chunk>, failure: &ContextFailure) {
    // A panic must end the stream with an error, not look like a complete (short) tar.
    let on_panic = tx.clone();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        write_tar(prepared, tx, failure)
    }));
    if outcome.is_err() && !on_panic.is_closed() {
        let error = Error::of(ErrorKind::ContextPackingFailed);
        failure.record(error.clone());
        let _ = on_panic.blocking_send(Err(io::Error::other(error)));
    }
}

fn write_tar(prepared: &PreparedContext, tx: mpsc::Sender<Chunk>, failure: &ContextFailure) {
    let mut builder = tar::Builder::new(ChannelWriter::new(tx));
    // We never use the path-based appends, but make "never follow" explicit anyway.
    builder.follow_symlinks(false);
    let mut entries = 0u64;
    let result = prepared
        .walk(&mut |event| {
            // Checked per entry so a cancelled build stops even while skipping files.
            builder.get_ref().ensure_open()?;
            if let Event::Send(item) = event {
                append_item(&mut builder, item)?;
                entries += 1;
            }
            Ok(())
        })
        .and_then(|()| builder.finish())
        .and_then(|()| builder.get_mut().flush());
    let writer = builder.get_mut();
    match result {
        Ok(()) => tracing::debug!(entries, bytes = writer.sent, "build context sent"),
        Err(_) if writer.is_closed() => {
            tracing::debug!(
                entries,
                bytes = writer.sent,
                "build context receiver dropped; stopped"
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "packing the build context failed");
            failure.record(read_error(&e));
            writer.fail(e);
        }
    }
    // Dropping the builder writes a trailer into the (now closed) writer: discarded.
}

fn append_item<W: Write>(builder: &mut tar::Builder<W>, item: Item) -> io::Result<()> {
    // GNU headers: sizes over 8 GiB and long names/link targets are encoded properly.
    let mut header = tar::Header::new_gnu();
    header.set_mode(item.mode);
    header.set_mtime(item.mtime);
    header.set_uid(0);
    header.set_gid(0);
    match item.source {
        Source::Dir => {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            builder.append_data(&mut header, &item.name, io::empty())
        }
        Source::File { path, len } => {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(len);
            let file = File::open(&path).map_err(|e| annotate(e, cannot_read(&path)))?;
            builder.append_data(&mut header, &item.name, ExactReader::new(file, len, path))
        }
        Source::Symlink { path } => {
            let target = fs::read_link(&path).map_err(|e| {
                annotate(
                    e,
                    ErrorKind::CannotReadLink {
                        path: path.display().to_string(),
                    },
                )
            })?;
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            builder.append_link(&mut header, &item.name, target)
        }
        Source::Memory(contents) => {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(contents.len() as u64);
            builder.append_data(&mut header, &item.name, &contents[..])
        }
    }
}

/// Reads exactly the size written in the tar header: a file that grows is cut at that
/// size, one that shrinks is an error (padding it would send a silently corrupt file).
struct ExactReader {
    inner: io::Take<File>,
    remaining: u64,
    path: PathBuf,
}

impl ExactReader {
    fn new(file: File, len: u64, path: PathBuf) -> Self {
        Self {
            inner: file.take(len),
            remaining: len,
            path,
        }
    }
}

impl Read for ExactReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let n = self
            .inner
            .read(buf)
            .map_err(|e| annotate(e, cannot_read(&self.path)))?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                Error::of(ErrorKind::ContextFileShrank {
                    path: self.path.display().to_string(),
                }),
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// A `Write` that cuts the tar into chunks and hands them to the upload over a bounded
/// channel, blocking while the upload is behind (that is the back-pressure).
struct ChannelWriter {
    tx: Option<mpsc::Sender<Chunk>>,
    buf: Vec<u8>,
    sent: u64,
}

impl ChannelWriter {
    fn new(tx: mpsc::Sender<Chunk>) -> Self {
        Self {
            tx: Some(tx),
            buf: Vec::with_capacity(CHUNK_SIZE),
            sent: 0,
        }
    }

    fn is_closed(&self) -> bool {
        self.tx.as_ref().is_none_or(|tx| tx.is_closed())
    }

    fn ensure_open(&self) -> io::Result<()> {
        if self.is_closed() {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                Error::cancelled(Operation::Build),
            ));
        }
        Ok(())
    }

    fn send_buffer(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.ensure_open()?;
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_SIZE));
        let len = chunk.len() as u64;
        let tx = self.tx.as_ref().expect("checked by ensure_open");
        if tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
            return self.ensure_open();
        }
        self.sent += len;
        Ok(())
    }

    /// End the stream with `error`; later writes (e.g. the tar trailer) are discarded.
    fn fail(&mut self, error: io::Error) {
        self.buf.clear();
        if let Some(tx) = self.tx.take() {
            let _ = tx.blocking_send(Err(error));
        }
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.ensure_open()?;
        let n = data.len().min(CHUNK_SIZE - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK_SIZE {
            self.send_buffer()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::context::{DockerIgnore, context_summary, prepare};
    use crate::build::test_support::*;
    use futures_util::StreamExt;
    use std::time::{Duration, Instant};
    // --- tar ---------------------------------------------------------------------------------

    #[tokio::test]
    async fn tar_leaves_out_ignored_files_but_always_has_dockerfile_and_dockerignore() {
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            (
                ".dockerignore",
                Some("Dockerfile\n.dockerignore\n*.secret\nbuild\n"),
            ),
            ("app.txt", Some("app")),
            ("key.secret", Some("shh")),
            ("build/out.o", Some("obj")),
            ("src/main.rs", Some("fn main() {}")),
        ]);
        let entries = tar_of(dir.path(), None).await;
        assert_eq!(
            paths(&entries),
            [
                ".dockerignore",
                "Dockerfile",
                "app.txt",
                "src",
                "src/main.rs"
            ]
        );
        assert_eq!(find(&entries, "Dockerfile").data, b"FROM scratch\n");
        assert_eq!(
            find(&entries, ".dockerignore").data,
            b"Dockerfile\n.dockerignore\n*.secret\nbuild\n"
        );
        assert_eq!(find(&entries, "src").kind, tar::EntryType::Directory);
        assert!(entries.iter().all(|e| e.uid == 0 && e.gid == 0));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn tar_keeps_file_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            ("run.sh", Some("#!/bin/sh\n")),
        ]);
        fs::set_permissions(dir.path().join("run.sh"), fs::Permissions::from_mode(0o750)).unwrap();
        let entries = tar_of(dir.path(), None).await;
        assert_eq!(find(&entries, "run.sh").mode, 0o750);
    }

    #[tokio::test]
    async fn exception_inside_an_ignored_dir_sends_only_the_exception() {
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            (".dockerignore", Some("vendor\n!vendor/keep/me.txt\n")),
            ("vendor/drop.txt", Some("x")),
            ("vendor/keep/me.txt", Some("kept")),
            ("vendor/keep/not-me.txt", Some("x")),
        ]);
        let entries = tar_of(dir.path(), None).await;
        assert_eq!(
            paths(&entries),
            [".dockerignore", "Dockerfile", "vendor/keep/me.txt"]
        );
        assert_eq!(context_summary(dir.path(), None).unwrap().ignored, 2);
    }

    #[tokio::test]
    async fn dockerfile_inside_an_ignored_dir_is_still_sent() {
        let dir = tree(&[
            ("docker/Dockerfile", Some("FROM scratch\n")),
            ("docker/other", Some("x")),
            (".dockerignore", Some("docker\n")),
        ]);
        let dockerfile = dir.path().join("docker/Dockerfile");
        let prepared = prepare(dir.path(), Some(&dockerfile)).unwrap();
        assert_eq!(prepared.dockerfile_in_tar, "docker/Dockerfile");
        let entries = read_tar(&tar_bytes(prepared).await);
        assert_eq!(paths(&entries), [".dockerignore", "docker/Dockerfile"]);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn symlink_to_outside_is_stored_as_a_link_not_its_contents() {
        let outside = tree(&[("secret.txt", Some("do not ship"))]);
        let dir = tree(&[("Dockerfile", Some("FROM scratch\n"))]);
        let target = outside.path().join("secret.txt");
        std::os::unix::fs::symlink(&target, dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("dirlink")).unwrap();
        let entries = tar_of(dir.path(), None).await;
        let link = find(&entries, "link");
        assert_eq!(link.kind, tar::EntryType::Symlink);
        assert_eq!(link.link.as_deref(), Some(target.to_str().unwrap()));
        assert!(link.data.is_empty());
        assert_eq!(find(&entries, "dirlink").kind, tar::EntryType::Symlink);
        assert!(!paths(&entries).iter().any(|p| p.contains("secret")));
    }

    #[tokio::test]
    async fn external_dockerfile_is_shipped_under_a_generated_name() {
        let elsewhere = tree(&[("build.Dockerfile", Some("FROM busybox\nRUN true\n"))]);
        let dir = tree(&[("app.txt", Some("app")), (".dockerignore", Some("*.tmp"))]);
        let prepared =
            prepare(dir.path(), Some(&elsewhere.path().join("build.Dockerfile"))).unwrap();
        let name = prepared.dockerfile_in_tar.clone();
        assert!(name.starts_with(".slipway-dockerfile-"), "{name}");
        assert_eq!(name.len(), ".slipway-dockerfile-".len() + 16);
        let entries = read_tar(&tar_bytes(prepared).await);
        assert_eq!(find(&entries, &name).data, b"FROM busybox\nRUN true\n");
        // Hidden from `COPY . .` the way the docker CLI hides its copy.
        assert_eq!(
            find(&entries, ".dockerignore").data,
            format!("*.tmp\n{name}\n").as_bytes()
        );
    }

    #[tokio::test]
    async fn external_dockerfile_without_dockerignore_adds_one_hiding_it() {
        let elsewhere = tree(&[("Dockerfile", Some("FROM scratch\n"))]);
        let dir = tree(&[("app.txt", Some("app"))]);
        let prepared = prepare(dir.path(), Some(&elsewhere.path().join("Dockerfile"))).unwrap();
        let name = prepared.dockerfile_in_tar.clone();
        let summary = prepared.summary().unwrap();
        let entries = read_tar(&tar_bytes(prepared).await);
        assert_eq!(paths(&entries), ["app.txt", ".dockerignore", name.as_str()]);
        let hidden = DockerIgnore::parse(&String::from_utf8_lossy(
            &find(&entries, ".dockerignore").data,
        ))
        .unwrap();
        assert!(hidden.is_ignored(&name));
        assert_eq!(summary.files, 3);
    }

    #[tokio::test]
    async fn long_paths_survive_the_tar() {
        let long = format!("{}/{}.txt", "d".repeat(120), "f".repeat(120));
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            (long.as_str(), Some("x")),
        ]);
        let entries = tar_of(dir.path(), None).await;
        assert_eq!(find(&entries, &long).data, b"x");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn sockets_are_skipped() {
        let dir = tree(&[("Dockerfile", Some("FROM scratch\n"))]);
        let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
        let entries = tar_of(dir.path(), None).await;
        assert_eq!(paths(&entries), ["Dockerfile"]);
    }

    #[test]
    fn unreadable_file_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("vanished.txt");
        let item = Item {
            name: "vanished.txt".into(),
            mode: 0o644,
            mtime: 0,
            source: Source::File {
                path: gone.clone(),
                len: 3,
            },
        };
        let err = append_item(&mut tar::Builder::new(Vec::new()), item).unwrap_err();
        assert!(
            err.to_string().contains(&gone.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn file_that_shrinks_while_sent_is_an_error_not_a_corrupt_tar() {
        let dir = tree(&[("short", Some("abc"))]);
        let path = dir.path().join("short");
        let item = Item {
            name: "short".into(),
            mode: 0o644,
            mtime: 0,
            source: Source::File {
                path: path.clone(),
                len: 10,
            },
        };
        let err = append_item(&mut tar::Builder::new(Vec::new()), item).unwrap_err();
        assert!(err.to_string().contains("got shorter"), "{err}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn unreadable_file_ends_the_stream_with_an_error_naming_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            ("locked", Some("x")),
        ]);
        let locked = dir.path().join("locked");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        if File::open(&locked).is_ok() {
            eprintln!("skipped: running with privileges that read any file");
            return;
        }
        let mut stream = std::pin::pin!(tar_stream(prepare(dir.path(), None).unwrap()));
        let mut error = None;
        while let Some(chunk) = stream.next().await {
            if let Err(e) = chunk {
                error = Some(e);
            }
        }
        let error = error.expect("the stream should end with an error");
        assert!(error.to_string().contains("locked"), "{error}");
    }

    #[tokio::test]
    async fn a_file_gone_mid_stream_is_kept_as_a_400_naming_it_for_the_build() {
        let dir = context_with_big_file();
        fs::write(dir.path().join("zz-later.txt"), "x").unwrap();
        let (stream, failure) = tar_stream_reporting(prepare(dir.path(), None).unwrap());
        let mut stream = std::pin::pin!(stream);
        // The tar thread is held up by the big file (bounded channel) when this goes.
        stream.next().await.unwrap().unwrap();
        assert!(failure.take().is_none(), "nothing failed yet");
        fs::remove_file(dir.path().join("zz-later.txt")).unwrap();
        let mut ended_with_error = false;
        while let Some(chunk) = stream.next().await {
            ended_with_error = chunk.is_err();
        }
        assert!(ended_with_error, "the stream must not end like a whole tar");
        let e = failure.take().expect("the cause is kept");
        assert_eq!(e.code, 400);
        assert!(e.message.contains("zz-later.txt"), "{}", e.message);
        // Typed, so the app words it in the user's language; the system's text is the detail.
        let path = dir.path().join("zz-later.txt").display().to_string();
        assert_eq!(
            e.kind(),
            Some(&ErrorKind::CannotRead { path: path.clone() })
        );
        assert_eq!(e.context, [Operation::ReadContext]);
        let detail = e.detail.as_deref().expect("the system's text");
        assert_eq!(
            e.message,
            format!("Reading the build context: Cannot read {path}: {detail}")
        );
    }

    // --- streaming -------------------------------------------------------------------------

    const BIG: u64 = 50 * 1024 * 1024;

    fn context_with_big_file() -> tempfile::TempDir {
        let dir = tree(&[("Dockerfile", Some("FROM scratch\n"))]);
        // Sparse: 50 MiB of zeros on the tar side without writing them to disk.
        File::create(dir.path().join("big.bin"))
            .unwrap()
            .set_len(BIG)
            .unwrap();
        dir
    }

    #[tokio::test]
    async fn big_context_is_streamed_in_bounded_chunks() {
        let dir = context_with_big_file();
        let mut stream = std::pin::pin!(tar_stream(prepare(dir.path(), None).unwrap()));
        let (mut chunks, mut total) = (0u64, 0u64);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            assert!(chunk.len() <= CHUNK_SIZE, "chunk of {} bytes", chunk.len());
            chunks += 1;
            total += chunk.len() as u64;
        }
        assert!(total > BIG);
        assert!(chunks >= BIG / CHUNK_SIZE as u64, "only {chunks} chunks");
    }

    #[tokio::test]
    async fn dropping_the_stream_stops_the_tar_thread() {
        let dir = context_with_big_file();
        let (mut rx, handle) = spawn_tar_producer(
            prepare(dir.path(), None).unwrap(),
            ContextFailure::default(),
        );
        let handle = handle.expect("thread started");
        let first = rx.recv().await.expect("a first chunk").unwrap();
        assert_eq!(first.len(), CHUNK_SIZE);
        drop(rx);
        let deadline = Instant::now() + Duration::from_secs(1);
        while !handle.is_finished() {
            assert!(
                Instant::now() < deadline,
                "tar thread still running after the stream was dropped"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        handle.join().unwrap();
    }
}
