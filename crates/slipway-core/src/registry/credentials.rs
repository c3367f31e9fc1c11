//! Registry credentials: from the user's Docker config (`auths`, `credsStore`, `credHelpers`)
//! or given explicitly, and sent only to the registry they belong to.

use crate::error::{Error, ErrorKind};
use crate::reference::DEFAULT_REGISTRY;
use base64::Engine as _;
use bollard::auth::DockerCredentials;
use std::fmt;
use std::time::Duration;

/// Username/password or identity token for one registry. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub registry: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub identity_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("registry", &self.registry)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "identity_token",
                &self.identity_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Credentials {
    pub fn basic(registry: &str, username: &str, password: &str) -> Self {
        Self {
            registry: registry.to_owned(),
            username: Some(username.to_owned()),
            password: Some(password.to_owned()),
            identity_token: None,
        }
    }

    /// The keys the Docker config may use for a registry: Hub has a legacy URL key.
    fn config_keys(registry: &str) -> Vec<String> {
        if registry == DEFAULT_REGISTRY || registry == "index.docker.io" {
            vec![
                "https://index.docker.io/v1/".into(),
                "index.docker.io".into(),
                "docker.io".into(),
            ]
        } else {
            vec![
                registry.to_owned(),
                format!("https://{registry}"),
                format!("http://{registry}"),
            ]
        }
    }

    /// Look the registry up in `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`),
    /// running a credential helper if the config names one. `None` when nothing is configured.
    #[tracing::instrument(level = "debug")]
    pub fn from_docker_config(registry: &str) -> Option<Self> {
        for key in Self::config_keys(registry) {
            match docker_credential::get_credential(&key) {
                Ok(docker_credential::DockerCredential::UsernamePassword(u, p)) => {
                    return Some(Self::basic(registry, &u, &p));
                }
                Ok(docker_credential::DockerCredential::IdentityToken(t)) => {
                    return Some(Self {
                        registry: registry.to_owned(),
                        username: None,
                        password: None,
                        identity_token: Some(t),
                    });
                }
                Err(e) => tracing::debug!(%key, error = %e, "no credential under this key"),
            }
        }
        None
    }

    pub(crate) fn to_bollard(&self) -> DockerCredentials {
        DockerCredentials {
            username: self.username.clone(),
            password: self.password.clone(),
            identitytoken: self.identity_token.clone(),
            serveraddress: Some(self.registry.clone()),
            ..Default::default()
        }
    }
}

/// Pick the credentials for `registry`: explicit ones win, but only when they are for that
/// registry (a password for one registry is never sent to another); else the Docker config.
pub fn resolve(explicit: Option<&Credentials>, registry: &str) -> Option<Credentials> {
    match explicit {
        Some(c) if same_registry(&c.registry, registry) => Some(c.clone()),
        _ => Credentials::from_docker_config(registry),
    }
}

/// `resolve` off the async threads: a credential helper (`docker-credential-*`) is a process
/// that may hang, so it runs on a blocking thread and is given up after `limit` (504).
pub async fn lookup(
    explicit: Option<&Credentials>,
    registry: &str,
    limit: Duration,
) -> crate::error::Result<Option<Credentials>> {
    if let Some(c) = explicit.filter(|c| same_registry(&c.registry, registry)) {
        return Ok(Some(c.clone()));
    }
    let key = registry.to_owned();
    let found = tokio::task::spawn_blocking(move || Credentials::from_docker_config(&key));
    match tokio::time::timeout(limit, found).await {
        Ok(Ok(creds)) => Ok(creds),
        Ok(Err(e)) => Err(Error::of(ErrorKind::CredentialLookupFailed {
            registry: registry.to_owned(),
        })
        .with_detail(e)),
        Err(_) => Err(Error::of(ErrorKind::CredentialHelperTimeout {
            registry: registry.to_owned(),
            seconds: crate::error::whole_seconds(limit),
        })),
    }
}

/// A credential helper asked to store gets this long.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

fn same_registry(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let s = s
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let s = s
            .trim_end_matches('/')
            .trim_end_matches("/v1")
            .trim_end_matches("/v2");
        match s {
            "index.docker.io" | "registry-1.docker.io" => DEFAULT_REGISTRY.to_owned(),
            other => other.to_owned(),
        }
    };
    norm(a) == norm(b)
}

pub(crate) fn docker_config_path() -> Option<std::path::PathBuf> {
    std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".docker")))
        .map(|d| d.join("config.json"))
}

/// Remember credentials the way `docker login` does: through the credential helper the
/// Docker config names for this registry (`credHelpers`) or for all (`credsStore`) — never
/// in plain text then —, else in the config's `auths`. Returns where they went (the file, or
/// `docker-credential-<name>`), `None` when there is no Docker config location at all.
#[tracing::instrument(skip(creds), fields(registry = %creds.registry))]
pub fn save_to_docker_config(creds: &Credentials) -> crate::error::Result<Option<String>> {
    let Some(path) = docker_config_path() else {
        return Ok(None);
    };
    let mut config: serde_json::Value = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::of(ErrorKind::DockerConfigInvalid {
                path: path.display().to_string(),
            })
            .with_detail(e)
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => serde_json::json!({}),
        Err(e) => return Err(e.into()),
    };
    let (Some(user), Some(pass)) = (&creds.username, &creds.password) else {
        return Ok(None);
    };
    let helper = config["credHelpers"][&creds.registry]
        .as_str()
        .or_else(|| config["credsStore"].as_str())
        .filter(|h| !h.is_empty());
    if let Some(helper) = helper {
        let server = Credentials::config_keys(&creds.registry).remove(0);
        return store_with_helper(helper, &server, user, pass).map(Some);
    }
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    let key = Credentials::config_keys(&creds.registry).remove(0);
    if !config["auths"].is_object() {
        config["auths"] = serde_json::json!({});
    }
    config["auths"][key] = serde_json::json!({ "auth": auth });
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Write beside and rename, so a crash never leaves a half-written config.
    let tmp = path.with_extension("json.slipway-tmp");
    let text = serde_json::to_vec_pretty(&config).map_err(Error::unexpected)?;
    std::fs::write(&tmp, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(Some(path.display().to_string()))
}

/// `docker-credential-<helper> store`, as `docker login` runs it: JSON on stdin.
fn store_with_helper(
    helper: &str,
    server: &str,
    user: &str,
    secret: &str,
) -> crate::error::Result<String> {
    use std::io::Write;
    let program = format!("docker-credential-{helper}");
    let mut child = std::process::Command::new(&program)
        .arg("store")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::of(ErrorKind::CredentialHelperNotRun {
                program: program.clone(),
            })
            .with_detail(e)
        })?;
    let body = serde_json::json!({ "ServerURL": server, "Username": user, "Secret": secret });
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(body.to_string().as_bytes())?;
    }
    let out = wait_with_timeout(child, HELPER_TIMEOUT).map_err(|e| {
        let stuck = Error::of(ErrorKind::CredentialHelperStuck {
            program: program.clone(),
            seconds: crate::error::whole_seconds(HELPER_TIMEOUT),
        });
        // The time is in the sentence; only another failure has words of its own.
        if e.kind() == std::io::ErrorKind::TimedOut {
            stuck
        } else {
            stuck.with_detail(e)
        }
    })?;
    if !out.status.success() {
        return Err(Error::of(ErrorKind::CredentialHelperFailed { program })
            .with_detail(String::from_utf8_lossy(&out.stderr)));
    }
    Ok(program)
}

/// `wait_with_output`, but a child that runs longer than `limit` is killed (an error).
fn wait_with_timeout(
    mut child: std::process::Child,
    limit: Duration,
) -> std::io::Result<std::process::Output> {
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait()?.is_none() {
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output()
}

/// The engine decodes `X-Registry-Auth` as base64url; bollard sends standard base64, which
/// breaks passwords whose encoding contains `+` or `/`. Re-encode the header in place.
pub(crate) fn fix_registry_auth_header(
    mut req: bollard::BollardRequest,
) -> bollard::BollardRequest {
    for name in ["x-registry-auth", "x-registry-config"] {
        let Some(value) = req.headers().get(name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        if let Some(fixed) = standard_to_url_safe(value)
            && let Ok(v) = fixed.parse()
        {
            req.headers_mut().insert(name, v);
        }
    }
    req
}

fn standard_to_url_safe(value: &str) -> Option<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    let raw = STANDARD.decode(value).ok()?;
    Some(URL_SAFE.encode(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output_so_logs_stay_clean() {
        let c = Credentials::basic("r:1", "me", "hunter2");
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("me"));
    }

    #[test]
    fn explicit_credentials_go_only_to_their_own_registry() {
        let c = Credentials::basic("127.0.0.1:5001", "u", "p");
        assert_eq!(resolve(Some(&c), "127.0.0.1:5001"), Some(c.clone()));
        let other = resolve(Some(&c), "127.0.0.1:5002");
        assert_ne!(
            other.as_ref().map(|o| o.password.clone()),
            Some(Some("p".into()))
        );
    }

    #[test]
    fn a_helper_that_hangs_is_killed_after_the_limit() {
        let child = std::process::Command::new("sleep")
            .arg("30")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let e = wait_with_timeout(child, Duration::from_millis(300)).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn hub_aliases_count_as_the_same_registry() {
        assert!(same_registry("https://index.docker.io/v1/", "docker.io"));
        assert!(!same_registry("docker.io", "ghcr.io"));
    }

    #[test]
    fn auth_header_is_reencoded_url_safe_so_any_password_works() {
        use base64::engine::general_purpose::STANDARD;
        // This JSON encodes to standard base64 with '+' and '/' in it.
        let json = r#"{"password":"?>?>~~~"}"#;
        let std = STANDARD.encode(json);
        assert!(std.contains('+') || std.contains('/'), "{std}");
        let fixed = standard_to_url_safe(&std).unwrap();
        assert!(!fixed.contains('+') && !fixed.contains('/'), "{fixed}");
        use base64::engine::general_purpose::URL_SAFE;
        assert_eq!(URL_SAFE.decode(fixed).unwrap(), json.as_bytes());
    }
}
