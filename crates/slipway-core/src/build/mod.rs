//! `build(path, tag)`: a Dockerfile build from a streamed context, with step progress.

pub mod context;
mod dockerignore;
mod glob;
mod refusal;
mod stream;
mod summary;
#[cfg(test)]
mod test_support;
mod trace;
mod walk;

use crate::engine::Engine;
use crate::engine::stall::{Activity, touching};
use crate::error::{BuildLimit, Error, ErrorKind, Operation, Result};
use crate::progress::{BuildTracker, Progress, ProgressFn};
use crate::reference::Reference;
use bollard::models::BuildInfoAux;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// `build` — `{"id","tag":[..]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BuildResult {
    pub id: String,
    pub tag: Vec<String>,
}

/// Which builder runs the Dockerfile: the engine's classic one, or BuildKit (Docker only:
/// `RUN --mount`, cached steps reported as such, a cache the engine keeps apart).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Builder {
    #[default]
    Classic,
    Buildkit,
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BuildOptions {
    /// Missing in a request: the classic builder.
    #[serde(default)]
    pub builder: Builder,
    /// Dockerfile path; relative to the context, or anywhere (shipped into the context).
    pub dockerfile: Option<PathBuf>,
    /// Every name the image gets; the first goes with the build, the rest are tagged after.
    pub tags: Vec<String>,
    pub build_args: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub target: Option<String>,
    pub no_cache: bool,
    /// Always try to pull newer base images.
    pub pull: bool,
    pub platform: Option<String>,
    pub network_mode: Option<String>,
    /// Bytes.
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub memory: Option<i64>,
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub cpu_shares: Option<i64>,
    pub cpuset_cpus: Option<String>,
    /// Bytes.
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub shm_size: Option<i64>,
    pub cache_from: Vec<String>,
    /// `host:ip` entries.
    pub extra_hosts: Vec<String>,
    pub squash: bool,
}

/// Build args are often secrets: a debug line names them, never their values.
impl std::fmt::Debug for BuildOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildOptions")
            .field("builder", &self.builder)
            .field("dockerfile", &self.dockerfile)
            .field("tags", &self.tags)
            .field("build_args", &self.build_args.keys().collect::<Vec<_>>())
            .field("labels", &self.labels)
            .field("target", &self.target)
            .field("no_cache", &self.no_cache)
            .field("pull", &self.pull)
            .field("platform", &self.platform)
            .field("network_mode", &self.network_mode)
            .field("memory", &self.memory)
            .field("cpu_shares", &self.cpu_shares)
            .field("cpuset_cpus", &self.cpuset_cpus)
            .field("shm_size", &self.shm_size)
            .field("cache_from", &self.cache_from)
            .field("extra_hosts", &self.extra_hosts)
            .field("squash", &self.squash)
            .finish()
    }
}

fn out_of_range(resource: BuildLimit) -> Error {
    Error::of(ErrorKind::BuildLimitOutOfRange { resource })
}

fn small_limit(resource: BuildLimit, v: Option<i64>) -> Result<Option<i32>> {
    v.map(|x| i32::try_from(x).map_err(|_| out_of_range(resource)))
        .transpose()
}

/// `request` with `extra` added to its query when it is the build request (a BuildKit
/// session's requests go through the same client and stay as they are).
fn with_query(mut request: bollard::BollardRequest, extra: &str) -> bollard::BollardRequest {
    let uri = request.uri();
    if !uri.path().ends_with("/build") {
        return request;
    }
    let path_and_query = match uri.query() {
        Some(q) if !q.is_empty() => format!("{}?{q}&{extra}", uri.path()),
        _ => format!("{}?{extra}", uri.path()),
    };
    let mut parts = uri.clone().into_parts();
    match path_and_query.parse() {
        Ok(pq) => parts.path_and_query = Some(pq),
        Err(_) => return request,
    }
    if let Ok(uri) = http::Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    request
}

impl BuildOptions {
    /// `memory` and `shmsize` as the engine reads them (64-bit): bollard's fields are i32,
    /// which would cap a build at 2 GiB, so they go into the query beside bollard's.
    fn limits_query(&self) -> Result<Option<String>> {
        let mut query = Vec::new();
        for (name, resource, value) in [
            ("memory", BuildLimit::Memory, self.memory),
            ("shmsize", BuildLimit::SharedMemory, self.shm_size),
        ] {
            match value {
                Some(v) if v <= 0 => return Err(out_of_range(resource)),
                Some(v) => query.push(format!("{name}={v}")),
                None => {}
            }
        }
        Ok((!query.is_empty()).then(|| query.join("&")))
    }

    fn to_engine(
        &self,
        dockerfile_in_tar: String,
    ) -> Result<bollard::query_parameters::BuildImageOptions> {
        Ok(bollard::query_parameters::BuildImageOptions {
            dockerfile: dockerfile_in_tar,
            t: self.tags.first().cloned(),
            extrahosts: (!self.extra_hosts.is_empty()).then(|| self.extra_hosts.join(",")),
            nocache: self.no_cache,
            cachefrom: (!self.cache_from.is_empty()).then(|| self.cache_from.clone()),
            pull: self.pull.then(|| "1".to_owned()),
            rm: true,
            // Without forcerm a failed step leaves its container behind.
            forcerm: true,
            // memory and shmsize: `limits_query`.
            cpushares: small_limit(BuildLimit::CpuShares, self.cpu_shares)?,
            cpusetcpus: self.cpuset_cpus.clone(),
            buildargs: (!self.build_args.is_empty()).then(|| {
                self.build_args
                    .clone()
                    .into_iter()
                    .collect::<HashMap<_, _>>()
            }),
            squash: self.squash.then_some(true),
            labels: (!self.labels.is_empty()).then(|| self.labels.clone().into_iter().collect()),
            networkmode: self.network_mode.clone(),
            platform: self.platform.clone().unwrap_or_default(),
            target: self.target.clone().unwrap_or_default(),
            version: match self.builder {
                Builder::Classic => bollard::query_parameters::BuilderVersion::BuilderV1,
                Builder::Buildkit => bollard::query_parameters::BuilderVersion::BuilderBuildKit,
            },
            // bollard opens the session (the engine asks it for registry credentials) and
            // drives it beside the build's stream.
            session: (self.builder == Builder::Buildkit).then(session_id),
            ..Default::default()
        })
    }
}

/// A BuildKit session's name: unique on the engine for as long as the build runs.
fn session_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("slipway-{}-{nanos:x}-{n}", std::process::id())
}

/// A credential helper that takes longer than this is left out of the build's credentials.
const CREDENTIAL_LOOKUP: std::time::Duration = std::time::Duration::from_secs(10);

/// "Successfully built 0da47227e2aa" (Docker) / the final ID line of Podman.
fn id_in_line(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix("Successfully built ")?;
    Some(rest.trim().to_owned())
}

impl Engine {
    /// `build(path, tag)` with all options. Input is checked before anything is sent.
    /// The options hold build args (secrets, often): only the tags and target are traced.
    #[tracing::instrument(
        skip(self, options, progress, cancel),
        fields(tags = ?options.tags, target = ?options.target),
        err(level = "debug", Display)
    )]
    pub async fn build(
        &self,
        path: &Path,
        options: &BuildOptions,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<BuildResult> {
        for t in &options.tags {
            let r = Reference::parse(t)?;
            if r.digest.is_some() {
                return Err(Error::of(ErrorKind::TagHasDigest { target: t.clone() }));
            }
        }
        // The engine's info says whether it has BuildKit (one rule: `with_capabilities`).
        if options.builder == Builder::Buildkit && !self.info.buildkit {
            return Err(Error::of(ErrorKind::BuildKitUnavailable {
                peer: self.as_peer(),
            }));
        }
        let prepared = context::prepare(path, options.dockerfile.as_deref())?;
        let engine_options = options.to_engine(prepared.dockerfile_in_tar.clone())?;
        let client = match options.limits_query()? {
            Some(extra) => self
                .long
                .clone()
                // Replaces the engine's modifier: it runs here too.
                .with_request_modifier(move |r| {
                    crate::credentials::fix_registry_auth_header(with_query(r, &extra))
                }),
            None => self.long.clone(),
        };
        // Base images from private registries: the Docker config's credentials, as
        // `docker build` sends them (X-Registry-Config), looked up before the upload starts.
        let credentials = crate::registry::build_auth::for_build(CREDENTIAL_LOOKUP).await;
        // The context upload counts as activity: a big context is not a stalled build.
        let activity = Activity::new();
        let (tar, context_failure) = context::tar_stream_reporting(prepared);
        let body = bollard::body_try_stream(touching(tar, activity.clone()));
        let stream = client.build_image(engine_options, credentials.clone(), Some(body));
        let mut stream = self.watched(stream, activity, Operation::Build);
        let mut tracker = BuildTracker::default();
        let mut trace = trace::Trace::default();
        let mut id = None;
        let mut last_step = String::new();
        loop {
            let item = tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(Error::cancelled(Operation::Build)),
                item = futures_util::StreamExt::next(&mut stream) => item,
            };
            let Some(item) = item else { break };
            let info = match item {
                Ok(info) => info,
                Err(e) => {
                    // A context file that could not be read cut the upload short: the engine
                    // only saw a broken request, so name the file, not the connection.
                    if let Some(cause) = context_failure.take() {
                        return Err(cause.during(Operation::NothingBuilt));
                    }
                    if let Some(step) = trace.failed_step() {
                        last_step = step.to_owned();
                    }
                    let failed = if last_step.is_empty() {
                        Operation::BuildFailed
                    } else {
                        Operation::BuildFailedAt { step: last_step }
                    };
                    // A base image the registry refused: which registry, and why.
                    if let Some(e) = refusal::explain(&e, failed.clone(), credentials.as_ref()) {
                        return Err(e);
                    }
                    // The engine's own words, or ours about the engine (without saying
                    // "The build" twice).
                    return Err(e.instead_of(&Operation::Build, failed));
                }
            };
            match &info.aux {
                Some(BuildInfoAux::Default(image)) => {
                    if let Some(aux_id) = &image.id {
                        id = Some(aux_id.clone());
                    }
                }
                Some(BuildInfoAux::BuildKit(status)) => {
                    for step in trace.update(status) {
                        progress(Progress::Build(step));
                    }
                }
                None => {}
            }
            for line in info.stream.iter().flat_map(|s| s.lines()) {
                if line.trim().is_empty() {
                    continue;
                }
                let step = tracker.line(line);
                if line.starts_with("Step ") || line.starts_with("STEP ") {
                    last_step = line.trim().to_owned();
                }
                if let Some(built) = id_in_line(line) {
                    id.get_or_insert(built);
                }
                progress(Progress::Build(step));
            }
        }
        if let Some(cause) = context_failure.take() {
            return Err(cause.during(Operation::NothingBuilt));
        }
        // The image ID is the engine's word that the build finished.
        let id = id.ok_or_else(|| {
            Error::of(ErrorKind::BuildWithoutId {
                peer: self.as_peer(),
            })
        })?;
        for extra in options.tags.iter().skip(1) {
            self.tag(&id, extra).await?;
        }
        let image = self
            .get(&id)
            .await
            .map_err(|e| self.lost(Operation::Build, e))?;
        Ok(BuildResult {
            id: image.id,
            tag: image.tags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forcerm_is_always_on_so_failed_steps_leave_no_containers() {
        let o = BuildOptions::default()
            .to_engine("Dockerfile".into())
            .unwrap();
        assert!(o.forcerm && o.rm);
    }

    #[test]
    fn only_the_first_tag_goes_with_the_build_request() {
        let o = BuildOptions {
            tags: vec!["a:1".into(), "b:2".into()],
            ..Default::default()
        };
        assert_eq!(
            o.to_engine("Dockerfile".into()).unwrap().t.as_deref(),
            Some("a:1")
        );
    }

    #[test]
    fn limits_above_2_gib_go_into_the_query_whole() {
        let o = BuildOptions {
            memory: Some(8 << 30),
            shm_size: Some(3 << 30),
            ..Default::default()
        };
        let engine = o.to_engine("Dockerfile".into()).unwrap();
        assert_eq!((engine.memory, engine.shmsize), (None, None));
        assert_eq!(
            o.limits_query().unwrap().as_deref(),
            Some("memory=8589934592&shmsize=3221225472")
        );
        let request = http::Request::post("http://engine/v1.41/build?t=a%3A1")
            .body(bollard::body_full(Default::default()))
            .unwrap();
        let request = with_query(request, "memory=8589934592");
        assert_eq!(
            request.uri().to_string(),
            "http://engine/v1.41/build?t=a%3A1&memory=8589934592"
        );
        let session = http::Request::post("http://engine/v1.41/session")
            .body(bollard::body_full(Default::default()))
            .unwrap();
        assert_eq!(
            with_query(session, "memory=1").uri().path(),
            "/v1.41/session"
        );
    }

    #[test]
    fn limits_that_are_no_limits_are_refused_not_sent() {
        for o in [
            BuildOptions {
                memory: Some(0),
                ..Default::default()
            },
            BuildOptions {
                shm_size: Some(-1),
                ..Default::default()
            },
        ] {
            assert_eq!(o.limits_query().unwrap_err().code, 400);
        }
        let o = BuildOptions {
            cpu_shares: Some(1 << 40),
            ..Default::default()
        };
        assert_eq!(o.to_engine("Dockerfile".into()).unwrap_err().code, 400);
    }

    #[test]
    fn docker_success_line_gives_the_id() {
        assert_eq!(
            id_in_line("Successfully built 0da47227e2aa\n").as_deref(),
            Some("0da47227e2aa")
        );
    }

    /// A writer for a test's own tracing subscriber: everything traced, in one buffer.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn build_args_never_reach_the_traces() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_writer(move || writer.clone())
            .finish();
        let _traced = tracing::subscriber::set_default(subscriber);
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("none.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let engine = Engine::unconnected(&format!("unix://{}", sock.display()));
        let options = BuildOptions {
            tags: vec!["app:1".into(), "Not/Valid@x".into()],
            build_args: BTreeMap::from([("TOKEN".into(), "hunter2-secret".into())]),
            ..Default::default()
        };
        let e = engine
            .build(
                dir.path(),
                &options,
                &mut crate::progress::ignore,
                &CancellationToken::new(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, 400);
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("app:1"), "the build is traced: {text}");
        assert!(!text.contains("hunter2-secret"), "{text}");
        // Even a debug line of the options names the arg only.
        let line = format!("{options:?}");
        assert!(
            line.contains("TOKEN") && !line.contains("hunter2"),
            "{line}"
        );
    }
}
