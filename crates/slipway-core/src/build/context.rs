//! The Docker build context: `.dockerignore` matching, validation and a streamed tar.
//!
//! Everything here runs before the engine is called, so bad input becomes a 400 with a
//! sentence a person can act on instead of an opaque engine error halfway through an upload.
//!
//! Choices (kept in line with the docker CLI unless noted):
//! * `.dockerignore` follows moby's patternmatcher: last matching pattern wins, a pattern
//!   matching a parent directory matches everything below it, `**` crosses directories.
//! * The tar keeps file modes and mtimes (seconds) like the docker CLI; uid/gid are 0.
//! * Symlinks are stored as symlinks and never followed; sockets, fifos and devices are
//!   skipped; hard links are stored as separate regular files.
//! * The Dockerfile and `.dockerignore` are always sent, even when ignored, because the
//!   engine needs them (the daemon applies `.dockerignore` again on its side).
//! * A Dockerfile outside the context is shipped as `.slipway-dockerfile-<hex>`, and that
//!   name is appended to the shipped `.dockerignore` so `COPY . .` does not pick it up
//!   (the docker CLI does the same with `.dockerfile.<hex>`).
//! * [`ContextSummary::ignored`] counts ignored files and symlinks. For an ignored
//!   directory that is skipped, the files below it are counted with a cheap walk (directory
//!   listings only, nothing is opened or read); unreadable parts of it are not counted.

//!
//! The parts live beside this file: `dockerignore.rs` (matching), `walk.rs` (what is sent),
//! `summary.rs` (counting), `stream.rs` (the tar upload). Their public items are re-exported
//! here, so `slipway_core::context::…` paths keep working.

pub use super::dockerignore::DockerIgnore;
use super::dockerignore::read_dockerignore;
pub use super::stream::{CHUNK_SIZE, ContextFailure, tar_stream, tar_stream_reporting};
pub use super::summary::{ContextSummary, context_summary};
use super::walk::mtime_of;
use crate::error::{Error, ErrorKind, Operation, Result};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub(super) const DOCKERIGNORE: &str = ".dockerignore";
const DEFAULT_DOCKERFILE: &str = "Dockerfile";

/// A validated build context, ready to be streamed with [`tar_stream`].
#[derive(Debug, Clone)]
pub struct PreparedContext {
    /// The context folder, with symlinks resolved.
    pub context_dir: PathBuf,
    /// The Dockerfile on disk, with symlinks resolved.
    pub dockerfile: PathBuf,
    /// The Dockerfile's name inside the tar: what the engine's `dockerfile` option needs.
    pub dockerfile_in_tar: String,
    pub(super) ignore: DockerIgnore,
    /// Sent even when ignored: `.dockerignore` and an in-context Dockerfile.
    pub(super) always_sent: Vec<String>,
    pub(super) dockerignore_in_tar: DockerignoreInTar,
    pub(super) external_dockerfile: Option<ExternalDockerfile>,
}

/// What to send as the root `.dockerignore`.
#[derive(Debug, Clone)]
pub(super) enum DockerignoreInTar {
    /// Whatever is on disk (absent, or a symlink we do not follow).
    AsOnDisk,
    /// The root `.dockerignore` with these contents: the ones we matched with, so what we
    /// filtered and what the engine re-applies agree even if the file changes meanwhile.
    Replace(Arc<[u8]>),
    /// No `.dockerignore` on disk, but one is needed to hide an external Dockerfile.
    Add(Arc<[u8]>),
}

#[derive(Debug, Clone)]
pub(super) struct ExternalDockerfile {
    pub(super) contents: Arc<[u8]>,
    pub(super) mtime: u64,
}

/// Check the context and Dockerfile and work out the Dockerfile's name in the tar.
///
/// A relative `dockerfile` is looked up like the docker CLI's `-f`: relative to the
/// current directory if it exists there, else relative to the context.
#[tracing::instrument(level = "debug", skip_all, fields(context = %context.display(), dockerfile = ?dockerfile), err(level = "debug", Display))]
pub fn prepare(context: &Path, dockerfile: Option<&Path>) -> Result<PreparedContext> {
    let context_dir = resolve_context(context)?;
    let dockerfile_on_disk = find_dockerfile(context, dockerfile)?;
    let dockerfile = fs::canonicalize(&dockerfile_on_disk).map_err(|e| {
        Error::of(ErrorKind::DockerfileUnresolvable {
            path: dockerfile_on_disk.display().to_string(),
        })
        .with_detail(e)
    })?;
    let raw_ignore = read_dockerignore(&context_dir)?;
    let ignore = match &raw_ignore {
        Some(raw) => DockerIgnore::parse(&String::from_utf8_lossy(raw)).map_err(|e| {
            e.during(Operation::File {
                path: context_dir.join(DOCKERIGNORE).display().to_string(),
            })
        })?,
        None => DockerIgnore::default(),
    };

    let mut always_sent = vec![DOCKERIGNORE.to_owned()];
    let (dockerfile_in_tar, external_dockerfile) = match relative_inside(&context_dir, &dockerfile)
    {
        Some(rel) => {
            always_sent.push(rel.clone());
            (rel, None)
        }
        None => (
            unused_name(&context_dir),
            Some(read_external_dockerfile(&dockerfile)?),
        ),
    };
    let dockerignore_in_tar = dockerignore_in_tar(
        &context_dir,
        raw_ignore,
        external_dockerfile
            .is_some()
            .then_some(dockerfile_in_tar.as_str()),
    );
    tracing::debug!(
        dockerfile_in_tar,
        external = external_dockerfile.is_some(),
        patterns = ignore.len(),
        "build context prepared"
    );
    Ok(PreparedContext {
        context_dir,
        dockerfile,
        dockerfile_in_tar,
        ignore,
        always_sent,
        dockerignore_in_tar,
        external_dockerfile,
    })
}

fn resolve_context(context: &Path) -> Result<PathBuf> {
    let path = context.display().to_string();
    let unopenable = |e: io::Error| {
        Error::of(ErrorKind::ContextUnopenable { path: path.clone() }).with_detail(e)
    };
    let dir = fs::canonicalize(context).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::of(ErrorKind::ContextMissing { path: path.clone() }),
        _ => unopenable(e),
    })?;
    let meta = fs::metadata(&dir).map_err(unopenable)?;
    if !meta.is_dir() {
        return Err(Error::of(ErrorKind::ContextIsAFile { path }));
    }
    // Fail now rather than mid-upload if the folder cannot even be listed.
    fs::read_dir(&dir).map_err(|e| {
        Error::of(ErrorKind::ContextUnreadable { path: path.clone() }).with_detail(e)
    })?;
    Ok(dir)
}

/// Where the Dockerfile is on disk (not yet canonical), checked to be a non-empty file.
fn find_dockerfile(context: &Path, dockerfile: Option<&Path>) -> Result<PathBuf> {
    let candidates: Vec<PathBuf> = match dockerfile {
        // Like the docker CLI, fall back to a lowercase `dockerfile`.
        None => vec![context.join(DEFAULT_DOCKERFILE), context.join("dockerfile")],
        Some(path) if path.is_absolute() => vec![path.to_path_buf()],
        Some(path) => std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .into_iter()
            .chain([context.join(path)])
            .collect(),
    };
    let chosen = candidates
        .iter()
        .find(|c| c.is_file())
        .or_else(|| candidates.iter().find(|c| c.exists()));
    let Some(path) = chosen else {
        return Err(missing_dockerfile(dockerfile, &candidates));
    };
    check_dockerfile(path)?;
    Ok(path.clone())
}

fn missing_dockerfile(given: Option<&Path>, looked_at: &[PathBuf]) -> Error {
    match given {
        None => Error::of(ErrorKind::NoDockerfileInContext {
            path: looked_at[0].display().to_string(),
        }),
        Some(path) => Error::of(ErrorKind::DockerfileMissing {
            path: path.display().to_string(),
            looked_at: looked_at.iter().map(|p| p.display().to_string()).collect(),
        }),
    }
}

fn unreadable_dockerfile(path: &Path, e: io::Error) -> Error {
    Error::of(ErrorKind::DockerfileUnreadable {
        path: path.display().to_string(),
    })
    .with_detail(e)
}

fn check_dockerfile(path: &Path) -> Result<()> {
    let shown = path.display().to_string();
    let meta = fs::metadata(path).map_err(|e| unreadable_dockerfile(path, e))?;
    if meta.is_dir() {
        return Err(Error::of(ErrorKind::DockerfileIsAFolder { path: shown }));
    }
    if !meta.is_file() {
        return Err(Error::of(ErrorKind::DockerfileNotRegular { path: shown }));
    }
    if meta.len() == 0 {
        return Err(Error::of(ErrorKind::DockerfileEmpty { path: shown }));
    }
    File::open(path).map_err(|e| unreadable_dockerfile(path, e))?;
    Ok(())
}

/// The `/`-separated path of `file` inside `dir` (both canonical), if it is inside and
/// representable as UTF-8 (the engine takes the name as a string; otherwise we ship a copy).
fn relative_inside(dir: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(dir).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    let joined = parts?.join("/");
    (!joined.is_empty()).then_some(joined)
}

fn read_external_dockerfile(path: &Path) -> Result<ExternalDockerfile> {
    let contents = fs::read(path).map_err(|e| unreadable_dockerfile(path, e))?;
    let mtime = fs::metadata(path).map(|m| mtime_of(&m)).unwrap_or(0);
    Ok(ExternalDockerfile {
        contents: contents.into(),
        mtime,
    })
}

/// A `.slipway-dockerfile-<hex>` name not already used in the context.
fn unused_name(dir: &Path) -> String {
    loop {
        let name = format!(".slipway-dockerfile-{}", random_hex());
        if fs::symlink_metadata(dir.join(&name)).is_err() {
            return name;
        }
    }
}

/// 64 random-enough bits without a `rand` dependency: std's `RandomState` is seeded from
/// the OS. This only has to avoid clashing with a file name, not to be secret.
fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

fn dockerignore_in_tar(dir: &Path, raw: Option<Vec<u8>>, hide: Option<&str>) -> DockerignoreInTar {
    let is_regular = fs::symlink_metadata(dir.join(DOCKERIGNORE)).is_ok_and(|m| m.is_file());
    match (raw, is_regular, hide) {
        (Some(mut raw), true, hide) => {
            if let Some(name) = hide {
                if !raw.is_empty() && !raw.ends_with(b"\n") {
                    raw.push(b'\n');
                }
                raw.extend_from_slice(format!("{name}\n").as_bytes());
            }
            DockerignoreInTar::Replace(raw.into())
        }
        (None, _, Some(name)) => {
            DockerignoreInTar::Add(format!("{DOCKERIGNORE}\n{name}\n").into_bytes().into())
        }
        _ => DockerignoreInTar::AsOnDisk,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::test_support::*;
    // --- validation ----------------------------------------------------------------------

    #[test]
    fn missing_context_is_a_400() {
        let dir = tempfile::tempdir().unwrap();
        let err = prepare(&dir.path().join("nope"), None).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(err.message.contains("does not exist"), "{}", err.message);
    }

    #[test]
    fn context_that_is_a_file_is_a_400() {
        let dir = tree(&[("Dockerfile", Some("FROM scratch\n"))]);
        let err = prepare(&dir.path().join("Dockerfile"), None).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(
            err.message.contains("is a file, not a folder"),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_dockerfile_is_a_400_naming_the_path_looked_for() {
        let dir = tree(&[("app.txt", Some("x"))]);
        let err = prepare(dir.path(), None).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(
            err.message
                .contains(&dir.path().join("Dockerfile").display().to_string()),
            "{}",
            err.message
        );
        let err = prepare(dir.path(), Some(Path::new("nope.Dockerfile"))).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(err.message.contains("nope.Dockerfile"), "{}", err.message);
    }

    #[test]
    fn empty_or_folder_dockerfile_is_a_400() {
        let dir = tree(&[("Dockerfile", Some("")), ("df", None)]);
        assert!(
            prepare(dir.path(), None)
                .unwrap_err()
                .message
                .contains("empty")
        );
        let err = prepare(dir.path(), Some(&dir.path().join("df"))).unwrap_err();
        assert!(err.message.contains("is a folder"), "{}", err.message);
    }

    #[test]
    fn relative_dockerfile_falls_back_to_the_context() {
        let dir = tree(&[("docker/app.Dockerfile", Some("FROM scratch\n"))]);
        let prepared = prepare(dir.path(), Some(Path::new("docker/app.Dockerfile"))).unwrap();
        assert_eq!(prepared.dockerfile_in_tar, "docker/app.Dockerfile");
        assert!(prepared.external_dockerfile.is_none());
    }

    #[test]
    fn lowercase_dockerfile_is_found_like_the_docker_cli_does() {
        let dir = tree(&[("dockerfile", Some("FROM scratch\n"))]);
        assert_eq!(
            prepare(dir.path(), None).unwrap().dockerfile_in_tar,
            "dockerfile"
        );
    }
}
