//! Where Podman's compat pull differs from Docker's: no tag is no "every tag" there (it
//! answers 404), and its stream never names the digest it pulled.

use super::{PullOptions, PullResult};
use crate::engine::Engine;
use crate::error::{Operation, Result};
use crate::progress::ProgressFn;
use crate::reference::Reference;
use tokio_util::sync::CancellationToken;

impl Engine {
    /// `pull --all-tags` on Podman: the registry lists the tags, each is pulled in turn.
    pub(super) async fn pull_every_tag(
        &self,
        r: &Reference,
        options: &PullOptions,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<PullResult> {
        let tags = crate::registry::list_tags_within(
            &r.repository(),
            options.credentials.as_ref(),
            self.stall,
        )
        .await
        .map_err(|e| {
            e.during(Operation::Pull {
                reference: r.repository(),
            })
        })?;
        let one = PullOptions {
            all_tags: false,
            ..options.clone()
        };
        let mut all: Option<PullResult> = None;
        for tag in tags {
            let reference = format!("{}:{tag}", r.repository());
            let pulled = Box::pin(self.pull(&reference, &one, &mut *progress, cancel)).await?;
            let merged = all.get_or_insert_with(|| PullResult {
                id: pulled.id.clone(),
                tag: Vec::new(),
                digest: None,
            });
            for t in pulled.tag {
                if !merged.tag.contains(&t) {
                    merged.tag.push(t);
                }
            }
            merged.digest = pulled.digest.or(merged.digest.take());
        }
        all.ok_or_else(|| {
            crate::error::Error::of(crate::error::ErrorKind::PulledImageMissing).during(
                Operation::Pull {
                    reference: r.repository(),
                },
            )
        })
    }
}

/// The digest the engine recorded for `r`'s repository (`repo@sha256:..` in RepoDigests),
/// for a pull whose stream did not say it.
pub(super) fn recorded_digest(digests: &[String], r: &Reference) -> Option<String> {
    digests.iter().find_map(|d| {
        let (name, digest) = d.split_once('@')?;
        let same = Reference::parse(name)
            .is_ok_and(|n| n.qualified_repository() == r.qualified_repository());
        same.then(|| digest.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_digest_is_the_one_of_the_pulled_repository() {
        let r = Reference::parse("127.0.0.1:5000/a/b:1").unwrap();
        let digests = vec![
            "127.0.0.1:5000/other@sha256:1111".to_owned(),
            "127.0.0.1:5000/a/b@sha256:2222".to_owned(),
        ];
        assert_eq!(
            recorded_digest(&digests, &r).as_deref(),
            Some("sha256:2222")
        );
        assert_eq!(recorded_digest(&digests[..1], &r), None);
    }
}
