//! Building images: what a context would send (shown before starting), and the build itself,
//! a task in the task manager.

use super::paths::{existing_dir, user_path};
use super::tasks::start_on;
use crate::state::AppState;
use crate::tasks::output::TaskOutput;
use crate::tasks::{TaskKind, TaskManager, TaskSummary};
use slipway_core::Error;
use slipway_core::build::BuildOptions;
use slipway_core::context::ContextSummary;
use slipway_core::error::ErrorKind;
use std::io::Read;
use std::path::Path;
use tauri::State;

/// The Dockerfile's text, for the form to read stages and `ARG`s from. `dockerfile` is
/// relative to the context like `docker build -f`; default `Dockerfile`.
///
/// The window may name any path here, so this reads only what a build would: a file inside
/// the context, or one named like a Dockerfile (`Dockerfile`, `Containerfile`, `*.Dockerfile`,
/// `Dockerfile.*` …) — a regular file of at most [`DOCKERFILE_LIMIT`] bytes.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(err(level = "debug", Display))]
pub async fn build_read_dockerfile(
    context: String,
    dockerfile: Option<String>,
) -> Result<String, Error> {
    let context = existing_dir(&context, "a build context folder")?;
    let path = match dockerfile
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
    {
        Some(d) if d.starts_with('/') || d.starts_with("~/") => user_path(&d, "a Dockerfile")?,
        Some(d) => context.join(d),
        None => context.join("Dockerfile"),
    };
    tauri::async_runtime::spawn_blocking(move || read_dockerfile(&context, &path))
        .await
        .map_err(Error::unexpected)?
}

/// A Dockerfile is small; something bigger is not one (and must not be read into the UI).
pub const DOCKERFILE_LIMIT: u64 = 1024 * 1024;

/// Read `path` as the Dockerfile of `context`, if the rules of [`build_read_dockerfile`] allow.
fn read_dockerfile(context: &Path, path: &Path) -> Result<String, Error> {
    // Symlinks resolved: what counts is the file that would be read.
    let shown = || path.display().to_string();
    let real = path
        .canonicalize()
        .map_err(|e| Error::of(ErrorKind::NoDockerfileAt { path: shown() }).with_detail(e))?;
    let inside = context
        .canonicalize()
        .is_ok_and(|context| real.starts_with(context));
    if !inside && !named_like_a_dockerfile(&real) {
        return Err(Error::of(ErrorKind::OutsideContext {
            path: leads_to(path, &real),
            context: context.display().to_string(),
        }));
    }
    // The checked file, not the name: a link changed since cannot lead elsewhere.
    let (file, meta) = slipway_core::transfer::open_regular(&real)?;
    let too_big = |bytes| {
        Error::of(ErrorKind::DockerfileTooBig {
            path: shown(),
            bytes,
            limit: DOCKERFILE_LIMIT,
        })
    };
    if meta.len() > DOCKERFILE_LIMIT {
        return Err(too_big(meta.len()));
    }
    // Bounded even if the file grows after the check.
    let mut bytes = Vec::new();
    file.take(DOCKERFILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::of(ErrorKind::CannotRead { path: shown() }).with_detail(e))?;
    if bytes.len() as u64 > DOCKERFILE_LIMIT {
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|_| Error::of(ErrorKind::DockerfileNotText { path: shown() }))
}

/// `Dockerfile`, `Containerfile`, `NAME.Dockerfile`, `Dockerfile.NAME` (any case).
fn named_like_a_dockerfile(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    ["dockerfile", "containerfile"].iter().any(|base| {
        name == *base
            || name
                .strip_suffix(base)
                .is_some_and(|stem| stem.len() > 1 && stem.ends_with('.'))
            || name
                .strip_prefix(base)
                .is_some_and(|rest| rest.len() > 1 && rest.starts_with('.'))
    })
}

/// The path as given, and where it leads when that is elsewhere.
fn leads_to(given: &Path, real: &Path) -> String {
    if given == real {
        given.display().to_string()
    } else {
        format!("{} (→ {})", given.display(), real.display())
    }
}

/// Files and bytes the build would send after `.dockerignore` (no file contents read).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(err(level = "debug", Display))]
pub async fn build_context_summary(
    context: String,
    dockerfile: Option<String>,
) -> Result<ContextSummary, Error> {
    let context = existing_dir(&context, "a build context folder")?;
    // Like `docker build -f`: a relative Dockerfile is inside the context.
    let dockerfile = dockerfile
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .map(|d| match d.starts_with('/') || d.starts_with("~/") {
            true => user_path(&d, "a Dockerfile"),
            false => Ok(std::path::PathBuf::from(d)),
        })
        .transpose()?;
    // Walking a big tree is blocking I/O: keep it off the async runtime.
    tauri::async_runtime::spawn_blocking(move || {
        slipway_core::context::context_summary(&context, dockerfile.as_deref())
    })
    .await
    .map_err(Error::unexpected)?
}

/// Build `context` with `options` as a task; `Step i/N` lines stream as its progress.
/// The options carry build args (secrets, often): never logged.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, tasks, options))]
pub async fn image_build(
    state: State<'_, AppState>,
    tasks: State<'_, TaskManager>,
    engine: Option<String>,
    title: String,
    context: String,
    options: BuildOptions,
) -> Result<TaskSummary, Error> {
    Ok(start_on(
        &state,
        &tasks,
        engine.as_deref(),
        TaskKind::Build,
        title,
        |engine, task| async move {
            let context = existing_dir(&context, "a build context folder")?;
            let built = engine
                .build(&context, &options, &mut task.progress(), &task.token)
                .await?;
            Ok(TaskOutput::Build(built))
        },
    )
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_with_dockerfile() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        dir
    }

    #[test]
    fn any_file_inside_the_context_is_read() {
        let ctx = context_with_dockerfile();
        std::fs::create_dir(ctx.path().join("build")).unwrap();
        std::fs::write(ctx.path().join("build/app.df"), "FROM scratch AS app\n").unwrap();
        let text = read_dockerfile(ctx.path(), &ctx.path().join("build/app.df")).unwrap();
        assert_eq!(text, "FROM scratch AS app\n");
        assert_eq!(
            read_dockerfile(ctx.path(), &ctx.path().join("Dockerfile")).unwrap(),
            "FROM scratch\n"
        );
    }

    #[test]
    fn outside_the_context_only_a_file_named_like_a_dockerfile_is_read() {
        let ctx = context_with_dockerfile();
        let elsewhere = tempfile::tempdir().unwrap();
        for name in [
            "Dockerfile",
            "prod.Dockerfile",
            "Dockerfile.dev",
            "Containerfile",
        ] {
            let p = elsewhere.path().join(name);
            std::fs::write(&p, "FROM scratch\n").unwrap();
            assert_eq!(
                read_dockerfile(ctx.path(), &p).unwrap(),
                "FROM scratch\n",
                "{name}"
            );
        }
        let secret = elsewhere.path().join("id_ed25519");
        std::fs::write(&secret, "PRIVATE KEY").unwrap();
        let e = read_dockerfile(ctx.path(), &secret).unwrap_err();
        assert_eq!(e.code, 403);
        assert!(
            e.message.contains(&secret.display().to_string()),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("outside the build context"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_symlink_counts_as_what_it_points_to() {
        let ctx = context_with_dockerfile();
        let elsewhere = tempfile::tempdir().unwrap();
        let secret = elsewhere.path().join("shadow");
        std::fs::write(&secret, "root:x").unwrap();
        // Named like a Dockerfile, inside the context, but leading out of it to another file.
        let link = ctx.path().join("evil.Dockerfile");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        let e = read_dockerfile(ctx.path(), &link).unwrap_err();
        assert_eq!(e.code, 403);
        assert!(e.message.contains("evil.Dockerfile") && e.message.contains("shadow"));
        // `..` out of the context is outside too.
        let e = read_dockerfile(ctx.path(), &ctx.path().join("../../etc/passwd")).unwrap_err();
        assert!(e.code == 403 || e.code == 400, "{e:?}");
        assert!(!e.message.contains("root:"));
    }

    #[test]
    fn only_regular_files_of_bounded_size_that_are_text() {
        let ctx = context_with_dockerfile();
        let e = read_dockerfile(ctx.path(), ctx.path()).unwrap_err();
        assert_eq!(e.code, 400);
        assert!(e.message.contains("is a folder"), "{}", e.message);
        let fifo = ctx.path().join("Dockerfile.fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let e = read_dockerfile(ctx.path(), &fifo).unwrap_err();
        assert!(e.message.contains("named pipe"), "{}", e.message);
        let big = ctx.path().join("big.Dockerfile");
        std::fs::write(&big, vec![b'#'; DOCKERFILE_LIMIT as usize + 1]).unwrap();
        let e = read_dockerfile(ctx.path(), &big).unwrap_err();
        assert!(e.message.contains("too big"), "{}", e.message);
        let binary = ctx.path().join("bin.Dockerfile");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        let e = read_dockerfile(ctx.path(), &binary).unwrap_err();
        assert!(e.message.contains("not text"), "{}", e.message);
        let e = read_dockerfile(ctx.path(), &ctx.path().join("Nope")).unwrap_err();
        assert!(e.message.starts_with("No Dockerfile at"), "{}", e.message);
    }

    #[test]
    fn dockerfile_names() {
        for yes in [
            "Dockerfile",
            "dockerfile",
            "a.Dockerfile",
            "Dockerfile.prod",
            "Containerfile",
            "x.containerfile",
        ] {
            assert!(named_like_a_dockerfile(Path::new(yes)), "{yes}");
        }
        for no in [
            "passwd",
            "Dockerfiles",
            "myDockerfile",
            ".Dockerfile",
            "Dockerfile.",
            "id_rsa",
        ] {
            assert!(!named_like_a_dockerfile(Path::new(no)), "{no}");
        }
    }
}
