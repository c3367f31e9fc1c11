//! A build whose base image the registry would not give: which registry, and whether it
//! wanted a login (none sent) or refused the one sent — instead of the engine's "no basic
//! auth credentials" inside a failed step.

use crate::error::{Error, ErrorKind, Operation, status_for_stream_message};
use bollard::auth::DockerCredentials;
use std::collections::HashMap;

/// The registry a pull error names: the host of its URL (`Head "http://127.0.0.1:5001/v2/…"`),
/// else the repository of "pull access denied for HOST/…".
fn registry_in(message: &str) -> Option<String> {
    if let Some(at) = message.find("://") {
        let host = message[at + 3..].split(['/', '"', ' ']).next()?;
        return (!host.is_empty()).then(|| host.to_owned());
    }
    let repo = message
        .split("pull access denied for ")
        .nth(1)?
        .split([',', ' '])
        .next()?;
    let first = repo.split('/').next()?;
    let is_host = repo.contains('/') && (first.contains(['.', ':']) || first == "localhost");
    Some(if is_host { first } else { "docker.io" }.to_owned())
}

/// `e` (the build's failure) as a registry refusal, when it is one.
pub(super) fn explain(
    e: &Error,
    failed: Operation,
    sent: Option<&HashMap<String, DockerCredentials>>,
) -> Option<Error> {
    let words = e.detail.clone().unwrap_or_else(|| e.message.clone());
    let code = status_for_stream_message(&words);
    let registry = registry_in(&words).filter(|_| code == 401 || code == 403);
    let registry = registry?;
    let had_login =
        sent.is_some_and(|m| m.contains_key(&crate::registry::build_auth::engine_key(&registry)));
    let kind = if had_login {
        ErrorKind::CredentialsRefused { registry }
    } else {
        ErrorKind::RegistryWantsLogin { registry }
    };
    Some(
        Error::of(kind)
            .with_detail(words)
            .with_code(code)
            .during(failed),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_read_from_the_engines_words() {
        let head = r#"Head "http://127.0.0.1:5001/v2/slipway-test/busybox/manifests/latest": no basic auth credentials"#;
        assert_eq!(registry_in(head).as_deref(), Some("127.0.0.1:5001"));
        let denied = "pull access denied for 127.0.0.1:5001/base, repository does not exist or may require 'docker login'";
        assert_eq!(registry_in(denied).as_deref(), Some("127.0.0.1:5001"));
        let hub = "pull access denied for private/thing, repository does not exist";
        assert_eq!(registry_in(hub).as_deref(), Some("docker.io"));
        assert_eq!(
            registry_in("The command '/bin/sh -c exit 3' returned 3"),
            None
        );
    }

    #[test]
    fn a_refusal_says_login_when_none_was_sent_and_refused_when_one_was() {
        let failed = || Operation::BuildFailed;
        let engine = || {
            Error::raw(
                500,
                r#"Head "http://127.0.0.1:5001/v2/x/manifests/1": no basic auth credentials"#,
            )
        };
        let none = explain(&engine(), failed(), None).unwrap();
        assert_eq!(none.code, 401);
        assert!(
            none.message.contains("127.0.0.1:5001 wants a login"),
            "{}",
            none.message
        );
        let sent = HashMap::from([("127.0.0.1:5001".to_owned(), DockerCredentials::default())]);
        let refused = explain(&engine(), failed(), Some(&sent)).unwrap();
        assert!(
            refused.message.contains("refused the credentials"),
            "{}",
            refused.message
        );
        let step = Error::raw(
            500,
            "The command '/bin/sh -c exit 3' returned a non-zero code: 3",
        );
        assert!(explain(&step, failed(), None).is_none());
    }
}
