//! Moving images in and out: pull, push (here), save, load, import (`archive.rs`), copy
//! between engines (`copy.rs`) —
//! streamed, with progress, cancellable through a `CancellationToken`, and done only on the
//! engine's own word: a stream that breaks off or stalls is an error, never the end.

mod archive;
mod copy;
mod podman_pull;
mod regular;

pub use archive::{Overwrite, check_upload};
pub use copy::{CopiedImage, CopyResult};
pub use regular::open_regular;

use crate::credentials::{self, Credentials};
use crate::engine::Engine;
use crate::engine::stall::Activity;
use crate::error::{Error, ErrorKind, Operation, Result, status_for_stream_message};
use crate::images::ListOptions;
use crate::progress::{LayerTracker, Progress, ProgressFn};
use crate::raw::{JsonLines, query_escape};
use crate::reference::Reference;
use base64::Engine as _;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// A typed progress stream from bollard (the fallback where raw requests cannot go).
type BollardStream<'a, T> =
    std::pin::Pin<Box<dyn Stream<Item = Result<T, bollard::errors::Error>> + Send + 'a>>;

/// `pull` — `{"id","tag":[..]}` plus the digest the registry served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PullResult {
    pub id: String,
    pub tag: Vec<String>,
    pub digest: Option<String>,
}

/// `push` — `{"response"}` plus the pushed digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PushResult {
    pub response: String,
    pub digest: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    pub platform: Option<String>,
    pub all_tags: bool,
    pub credentials: Option<Credentials>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LoadResult {
    /// Names (or IDs, for untagged images) the engine reports as loaded.
    pub loaded: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `repo[:tag]` to give the new image.
    pub reference: Option<String>,
    /// Dockerfile instructions to apply (`CMD ["/bin/sh"]`, `ENV A=b`).
    pub changes: Vec<String>,
    pub message: Option<String>,
    pub platform: Option<String>,
}

/// Run `stream` until it ends or `cancel` fires. Dropping the stream closes the request,
/// which is how the engine learns to stop.
async fn next_or_cancel<S: Stream + Unpin>(
    stream: &mut S,
    cancel: &CancellationToken,
    what: &Operation,
) -> Result<Option<S::Item>> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(Error::cancelled(what)),
        item = stream.next() => Ok(item),
    }
}

/// The engine wants `X-Registry-Auth` as base64url JSON.
fn auth_header(creds: Option<&Credentials>) -> String {
    let json = match creds {
        Some(c) => serde_json::to_string(&c.to_bollard()).unwrap_or_else(|_| "{}".into()),
        None => "{}".into(),
    };
    base64::engine::general_purpose::URL_SAFE.encode(json)
}

/// An error line inside a 200 stream: Docker sends `errorDetail`, Podman often only `error`.
fn stream_error(line: &serde_json::Value) -> Option<Error> {
    let msg = line["errorDetail"]["message"]
        .as_str()
        .or_else(|| line["error"].as_str())?;
    Some(Error::raw(status_for_stream_message(msg), msg.to_owned()))
}

/// Feed one pull/push line into the tracker and forward the updates.
fn forward_layer_line(
    line: &serde_json::Value,
    tracker: &mut LayerTracker,
    progress: ProgressFn<'_>,
) {
    let status = line["status"].as_str().unwrap_or_default();
    match tracker.update_from_line(line) {
        Some((layer, overall)) => {
            progress(Progress::Layer(layer));
            progress(Progress::Overall(overall));
        }
        None if !status.is_empty() => progress(Progress::Message {
            line: status.to_owned(),
        }),
        None => {}
    }
}

/// `Digest: sha256:…` (pull) or `latest: digest: sha256:… size: 527` (push).
fn digest_in(status: &str) -> Option<String> {
    let at = status.find("sha256:")?;
    let d: String = status[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    (d.len() == 71).then_some(d)
}

impl Engine {
    /// Raw where possible (it keeps every field); bollard's typed stream elsewhere. Either
    /// way the stream fails, never just ends, when the engine goes away or stalls.
    async fn progress_lines<'a, T: Serialize + 'a>(
        &self,
        path_and_query: &str,
        auth: String,
        what: &Operation,
        fallback: impl FnOnce() -> BollardStream<'a, T>,
    ) -> Result<JsonLines<'a>> {
        match self
            .raw_stream(path_and_query, &[("X-Registry-Auth", auth)], what)
            .await
        {
            Err(e) if e.code == 501 => {
                let typed = self.watched(fallback(), Activity::new(), what);
                Ok(Box::pin(typed.map(|r| r.and_then(to_value))))
            }
            other => other.map(|lines| lines as JsonLines<'a>),
        }
    }

    /// Pull `repo[:tag|@digest]`. Progress per layer and overall; cancel stops the download.
    /// Done only when the stream ended normally and the engine has the image afterwards.
    #[tracing::instrument(skip(self, options, progress, cancel), fields(platform = ?options.platform), err(level = "debug", Display))]
    pub async fn pull(
        &self,
        reference: &str,
        options: &PullOptions,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<PullResult> {
        let r = Reference::parse(reference)?;
        if options.all_tags && self.is_podman() {
            return self.pull_every_tag(&r, options, progress, cancel).await;
        }
        let what = Operation::Pull {
            reference: r.normalized(),
        };
        let creds =
            credentials::lookup(options.credentials.as_ref(), r.registry(), self.stall).await?;
        let existed = self.get(&r.normalized()).await.is_ok();
        let mut query = format!("/images/create?fromImage={}", query_escape(&r.repository()));
        let tag_or_digest = r
            .digest
            .clone()
            .or_else(|| r.tag_or_default().map(str::to_owned));
        if !options.all_tags
            && let Some(t) = &tag_or_digest
        {
            query.push_str(&format!("&tag={}", query_escape(t)));
        }
        if let Some(p) = &options.platform {
            query.push_str(&format!("&platform={}", query_escape(p)));
        }
        let (repo, tag, platform) = (
            r.repository(),
            tag_or_digest.clone(),
            options.platform.clone(),
        );
        let bollard_creds = creds.as_ref().map(|c| c.to_bollard());
        let all_tags = options.all_tags;
        let mut lines = self
            .progress_lines(&query, auth_header(creds.as_ref()), &what, move || {
                let opts = bollard::query_parameters::CreateImageOptions {
                    from_image: Some(repo),
                    tag: if all_tags { None } else { tag },
                    platform: platform.unwrap_or_default(),
                    ..Default::default()
                };
                Box::pin(self.long.create_image(Some(opts), None, bollard_creds))
            })
            .await
            .map_err(|e| self.pull_error(e, &r))?;
        let mut tracker = LayerTracker::default();
        let mut digest = None;
        loop {
            let item = match next_or_cancel(&mut lines, cancel, &what).await {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(e) => {
                    drop(lines);
                    self.undo_cancelled_pull(&r, existed).await;
                    return Err(e);
                }
            };
            let line = item.map_err(|e| self.pull_error(e, &r))?;
            if let Some(e) = stream_error(&line) {
                return Err(self.pull_error(e, &r));
            }
            if let Some(d) = line["status"].as_str().and_then(digest_in) {
                digest = Some(d);
            }
            forward_layer_line(&line, &mut tracker, progress);
        }
        drop(lines);
        if options.all_tags {
            let filters = vec![("reference".to_owned(), r.repository())];
            let images = self
                .list(&ListOptions {
                    filters,
                    ..Default::default()
                })
                .await
                .map_err(|e| self.lost(&what, e))?;
            if images.is_empty() {
                return Err(Error::of(ErrorKind::PulledImageMissing).during(what));
            }
            return Ok(PullResult {
                id: images.first().map(|i| i.id.clone()).unwrap_or_default(),
                tag: images.into_iter().flat_map(|i| i.tags).collect(),
                digest,
            });
        }
        let image = self.get(&r.normalized()).await.map_err(|e| {
            if e.is_not_found() {
                Error::of(ErrorKind::PulledImageMissing)
                    .with_detail(e.detail.as_ref().unwrap_or(&e.message))
                    .during(&what)
            } else {
                self.lost(&what, e)
            }
        })?;
        Ok(PullResult {
            digest: digest.or_else(|| podman_pull::recorded_digest(&image.digests, &r)),
            id: image.id,
            tag: image.tags,
        })
    }

    /// A pull that finished just as it was cancelled leaves a whole image; the user asked
    /// for none, so remove it again if it was not there before.
    async fn undo_cancelled_pull(&self, r: &Reference, existed: bool) {
        if existed {
            return;
        }
        if let Ok(img) = self.get(&r.normalized()).await {
            tracing::info!(image = %img.id, "removing image of a cancelled pull");
            let _ = self.remove(&r.normalized(), false, false).await;
        }
    }

    /// Push `repo[:tag]` (tag defaults to `latest`). Auth errors come back fast as 401.
    /// Done only when the engine relayed the registry's digest for the pushed manifest.
    #[tracing::instrument(
        skip(self, credentials, progress, cancel),
        err(level = "debug", Display)
    )]
    pub async fn push(
        &self,
        reference: &str,
        credentials: Option<&Credentials>,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<PushResult> {
        let r = Reference::parse(reference)?;
        let what = Operation::Push {
            reference: r.normalized(),
        };
        // Fail before the engine does, with a sentence that says which image is missing.
        self.get(&r.normalized())
            .await
            .map_err(|e| self.lost(&what, e))?;
        let creds = credentials::lookup(credentials, r.registry(), self.stall).await?;
        let tag = r.tag_or_default().unwrap_or("latest").to_owned();
        let query = format!("/images/{}/push?tag={}", r.repository(), query_escape(&tag));
        let repo = r.repository();
        let bollard_creds = creds.as_ref().map(|c| c.to_bollard());
        let mut lines = self
            .progress_lines(&query, auth_header(creds.as_ref()), &what, move || {
                let opts = bollard::query_parameters::PushImageOptions {
                    tag: Some(tag),
                    platform: None,
                };
                Box::pin(self.long.push_image(&repo, Some(opts), bollard_creds))
            })
            .await
            .map_err(|e| self.lost(&what, e))?;
        let mut tracker = LayerTracker::default();
        let mut response = None;
        let mut digest = None;
        while let Some(item) = next_or_cancel(&mut lines, cancel, &what).await? {
            let line = item.map_err(|e| self.lost(&what, e))?;
            if let Some(e) = stream_error(&line) {
                return Err(auth_hint(e, r.registry()).during(&what));
            }
            let status = line["status"].as_str().unwrap_or_default();
            if status.starts_with("The push refers to") && response.is_none() {
                response = Some(status.to_owned());
            }
            if let Some(d) =
                digest_in(status).or_else(|| line["aux"]["Digest"].as_str().map(str::to_owned))
            {
                digest = Some(d);
            }
            forward_layer_line(&line, &mut tracker, progress);
        }
        if digest.is_none() {
            // The registry's digest is the engine's word that the manifest went up.
            return Err(Error::of(ErrorKind::PushWithoutDigest {
                host: self.info.host.clone(),
            })
            .during(what));
        }
        Ok(PushResult {
            // Podman sends no such line; say the same thing Docker would.
            response: response
                .unwrap_or_else(|| format!("The push refers to repository [{}]", r.repository())),
            digest,
        })
    }

    /// Check credentials against a registry (through the engine, as `docker login` does).
    #[tracing::instrument(skip(self, credentials), fields(registry = %credentials.registry), err(level = "debug", Display))]
    pub async fn login(&self, credentials: &Credentials) -> Result<String> {
        let mut sent = credentials.to_bollard();
        if self.is_podman()
            && let Some(alias) = crate::registry::localhost_alias(&credentials.registry)
        {
            // Podman's `/auth` speaks HTTPS to every registry but `localhost`, for which it
            // allows plain HTTP; Docker treats every loopback registry that way.
            sent.serveraddress = Some(alias);
        }
        let body = serde_json::to_value(sent).map_err(Error::unexpected)?;
        let r = self
            .raw_json("POST", "/auth", Some(&body))
            .await
            .map_err(|e| auth_hint(e, &credentials.registry))?;
        Ok(r["Status"].as_str().unwrap_or("Login Succeeded").to_owned())
    }

    /// Make a pull error name the reference and the likely cause. Errors about the engine
    /// itself (it stopped, stalled) already say so and stay as they are.
    fn pull_error(&self, e: Error, r: &Reference) -> Error {
        if e.message.contains(&self.info.host) {
            return e;
        }
        pull_error(e, r)
    }
}
fn to_value<T: Serialize>(v: T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(Error::unexpected)
}

/// Make a pull error name the reference and the likely cause.
fn pull_error(e: Error, r: &Reference) -> Error {
    let what = Operation::Pull {
        reference: r.normalized(),
    };
    let registry = r.registry().to_owned();
    let raw = e.detail.clone().unwrap_or_else(|| e.message.clone());
    // Docker answers some registry refusals ("no basic auth credentials") with a plain 500.
    let code = match e.code {
        500 => status_for_stream_message(&e.message),
        code => code,
    };
    match code {
        404 => Error::of(ErrorKind::RegistryHasNoImage { registry })
            .with_detail(raw)
            .during(what),
        401 | 403 => auth_hint(e, r.registry()).during(what),
        502..=504 => Error::of(ErrorKind::RegistryUnreachable { registry })
            .with_detail(raw)
            .with_code(code)
            .during(what),
        _ if e.message.contains("no such host") || e.message.contains("dial tcp") => {
            Error::of(ErrorKind::RegistryUnreachable { registry })
                .with_detail(raw)
                .during(what)
        }
        _ => e.during(what),
    }
}

fn auth_hint(e: Error, registry: &str) -> Error {
    let code = if e.code == 500 {
        status_for_stream_message(&e.message)
    } else {
        e.code
    };
    if code == 401 || code == 403 {
        Error::of(ErrorKind::CredentialsRefused {
            registry: registry.to_owned(),
        })
        .with_detail(e.detail.unwrap_or(e.message))
        .with_code(code)
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replay a stream recorded from a real engine (tests/fixtures) through the pull/push
    /// code path; returns every update and the last totals.
    fn replay(fixture: &str) -> (Vec<Progress>, crate::progress::Overall) {
        let mut tracker = LayerTracker::default();
        let mut seen = Vec::new();
        for line in fixture.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            forward_layer_line(&v, &mut tracker, &mut |p| seen.push(p));
        }
        (seen, tracker.overall())
    }

    fn layer_ids(seen: &[Progress]) -> std::collections::BTreeSet<String> {
        seen.iter()
            .filter_map(|p| match p {
                Progress::Layer(l) => Some(l.layer.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_recorded_docker_pull_ends_with_every_layer_and_byte_accounted_for() {
        let (seen, overall) = replay(include_str!("../../tests/fixtures/pull-docker.jsonl"));
        // Two busybox layers already there, two pulled: four rows, none for "Pulling from".
        assert_eq!(layer_ids(&seen).len(), 4);
        assert_eq!((overall.layers_done, overall.layers_total), (4, 4));
        // Bytes are the downloads (extraction re-counts the same bytes and is not added).
        assert_eq!(overall.bytes_total, 3_001_121 + 2_000_818);
        assert_eq!(overall.bytes_done, overall.bytes_total);
        assert!(seen.iter().any(
            |p| matches!(p, Progress::Message { line } if line.starts_with("Digest: sha256:"))
        ));
    }

    /// Podman sends no byte counts and never says "Pull complete": progress must still
    /// reach the end, by layers.
    #[test]
    fn a_recorded_podman_pull_reaches_the_end_by_layer_count() {
        let (seen, overall) = replay(include_str!("../../tests/fixtures/pull-podman.jsonl"));
        assert_eq!(layer_ids(&seen).len(), 5);
        assert_eq!(overall.bytes_total, 0);
        assert_eq!((overall.layers_done, overall.layers_total), (5, 5));
    }

    #[test]
    fn a_recorded_docker_push_counts_mounted_layers_as_done_and_clamps_overshoot() {
        let fixture = include_str!("../../tests/fixtures/push-docker.jsonl");
        let (_, overall) = replay(fixture);
        assert_eq!((overall.layers_done, overall.layers_total), (4, 4));
        // The engine reports 3,001,856 of 3,000,000: never more than 100 %.
        assert_eq!(overall.bytes_total, 5_000_000);
        assert_eq!(overall.bytes_done, 5_000_000);
        let digest = fixture.lines().find_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            digest_in(v["status"].as_str()?)
        });
        assert_eq!(
            digest.as_deref(),
            Some("sha256:c81c142a63252cc9a00da90df5ed8cd1d9a3887526dc854ba8cbac92a4a2614c")
        );
    }

    #[test]
    fn digests_are_found_in_docker_and_push_status_lines() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(digest_in(&format!("Digest: {d}")), Some(d.clone()));
        assert_eq!(
            digest_in(&format!("latest: digest: {d} size: 527")),
            Some(d)
        );
        assert_eq!(digest_in("Pulling fs layer"), None);
    }

    #[test]
    fn podman_plain_error_lines_are_errors_not_progress() {
        let e = stream_error(
            &serde_json::json!({"error":"initializing source docker://x: manifest unknown"}),
        )
        .unwrap();
        assert_eq!(e.code, 404);
        assert!(stream_error(&serde_json::json!({"status":"Downloading"})).is_none());
    }

    #[test]
    fn auth_header_is_url_safe_base64_so_any_password_survives() {
        let c = Credentials::basic("127.0.0.1:5000", "u", "?>?>~~~");
        let h = auth_header(Some(&c));
        assert!(!h.contains('+') && !h.contains('/'));
        let json = base64::engine::general_purpose::URL_SAFE.decode(h).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["password"], "?>?>~~~");
        assert_eq!(v["serveraddress"], "127.0.0.1:5000");
    }

    #[test]
    fn a_registry_refusal_docker_sends_as_500_is_an_auth_error() {
        let r = Reference::parse("127.0.0.1:5000/x:1").unwrap();
        let e = pull_error(
            Error::internal(
                "Head \"http://127.0.0.1:5000/v2/x/manifests/1\": no basic auth credentials",
            ),
            &r,
        );
        assert_eq!(e.code, 401);
        assert!(e.message.contains("log in"), "{}", e.message);
    }

    #[test]
    fn unreachable_registry_errors_say_so() {
        let r = Reference::parse("nonexisting").unwrap();
        let e = pull_error(
            Error::internal(
                "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host",
            ),
            &r,
        );
        assert_eq!(e.code, 502);
        assert!(e.message.contains("nonexisting:latest"), "{}", e.message);
    }
}
