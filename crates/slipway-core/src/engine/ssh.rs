//! `ssh://user@host[:port]` engines: the remote runs `docker system dial-stdio`, which turns
//! the ssh session into a connection to the remote engine's socket. The key comes from the
//! agent (`SSH_AUTH_SOCK`) or the connection's identity file, as with the docker CLI.
//!
//! Two ways over ssh: bollard's `ssh` feature (the `openssh` crate: the system `ssh` with a
//! ControlMaster) for typed calls, and the system `ssh` spawned here for raw requests, its
//! stdin/stdout being the connection. Before either is used, `preflight` asks the remote
//! engine for `/_ping` through our own ssh so that a refused key, an unknown host key or a
//! remote without `docker` is one typed error carrying ssh's own words, within a bound.

use crate::error::{Error, ErrorKind, Result, whole_seconds};
use bollard::{API_DEFAULT_VERSION, Docker};
use bytes::Bytes;
use http_body_util::Empty;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// ssh's own bound on the TCP connect (its `ConnectTimeout`, whole seconds).
const SSH_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How much of ssh's stderr is kept for an error's detail.
const STDERR_KEPT: usize = 4096;
/// After the connection failed, how long ssh gets to exit and finish its complaint.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// Where an `ssh://` address points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SshTarget {
    pub(crate) user: Option<String>,
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
}

/// `ssh://[user@]host[:port][/]`; IPv6 hosts in brackets.
pub(crate) fn parse(address: &str) -> Result<SshTarget> {
    let bad = || {
        Error::of(ErrorKind::EngineAddressNotUnderstood {
            host: address.to_owned(),
        })
    };
    let rest = address.strip_prefix("ssh://").ok_or_else(bad)?;
    let rest = rest.trim_end_matches('/');
    let (user, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) if !u.is_empty() => (Some(u.to_owned()), h),
        Some(_) => return Err(bad()),
        None => (None, rest),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, tail) = v6.split_once(']').ok_or_else(bad)?;
        (h, tail.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().map_err(|_| bad())?),
        None => None,
    };
    if host.is_empty() || host.contains('/') || host.starts_with('-') {
        return Err(bad());
    }
    Ok(SshTarget {
        user,
        host: host.to_owned(),
        port,
    })
}

/// `~/key` as ssh would read it (ssh expands `~` itself only in its config files).
fn identity_path(identity: &str) -> String {
    match (identity.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => format!("{}/{rest}", home.to_string_lossy()),
        _ => identity.to_owned(),
    }
}

/// bollard's client for an ssh engine, with the connection's identity file when it has one.
pub(crate) fn bollard_client(address: &str, secs: u64, identity: Option<&str>) -> Result<Docker> {
    parse(address)?;
    Docker::connect_with_ssh(
        address,
        secs,
        API_DEFAULT_VERSION,
        identity.map(identity_path),
    )
    .map_err(|e| {
        Error::of(ErrorKind::EngineAddressUnusable {
            host: address.to_owned(),
        })
        .with_detail(e)
    })
}

/// The `ssh` command line that opens `docker system dial-stdio` on the remote.
fn command(target: &SshTarget, identity: Option<&str>) -> Command {
    let mut c = Command::new("ssh");
    // No prompts (no terminal to answer them); no escape character in binary data;
    // a host seen for the first time is remembered, a changed host key is refused.
    c.args(["-T", "-e", "none", "-o", "BatchMode=yes"])
        .arg("-o")
        .arg(format!(
            "ConnectTimeout={}",
            whole_seconds(SSH_CONNECT_TIMEOUT)
        ))
        .args(["-o", "StrictHostKeyChecking=accept-new"]);
    if let Some(identity) = identity {
        c.args(["-o", "IdentitiesOnly=yes", "-i"])
            .arg(identity_path(identity));
    }
    if let Some(port) = target.port {
        c.arg("-p").arg(port.to_string());
    }
    if let Some(user) = &target.user {
        c.arg("-l").arg(user);
    }
    c.arg("--")
        .arg(&target.host)
        .args(["docker", "system", "dial-stdio"]);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Dropping the connection ends ssh (and so the remote dial-stdio).
        .kill_on_drop(true);
    c
}

/// One ssh session to the remote engine; reading and writing go to `docker system
/// dial-stdio` there. Dropping it kills the local ssh.
pub(crate) struct SshConnection {
    pipes: Pipes,
    child: Child,
    stderr: Stderr,
}

/// ssh's complaints as they come (the first few KiB), read until ssh closes its stderr.
#[derive(Clone)]
struct Stderr {
    kept: Arc<Mutex<Vec<u8>>>,
    closed: Arc<tokio::sync::Notify>,
}

impl Stderr {
    fn start(mut pipe: tokio::process::ChildStderr) -> Self {
        let this = Self {
            kept: Arc::default(),
            closed: Arc::default(),
        };
        let (kept, closed) = (this.kept.clone(), this.closed.clone());
        // Drained to the end so ssh never blocks on a full pipe; ends when ssh does.
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            while let Ok(n) = pipe.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                if let Ok(mut kept) = kept.lock() {
                    let room = STDERR_KEPT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
            closed.notify_one();
        });
        this
    }

    /// Everything ssh said, once it closed stderr (or after `wait`).
    async fn text(&self, wait: Duration) -> String {
        let _ = tokio::time::timeout(wait, self.closed.notified()).await;
        self.now()
    }

    fn now(&self) -> String {
        let bytes = self.kept.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).trim().to_owned()
    }
}

/// Start ssh to the engine at `address` (not yet known to be reachable: see `preflight`).
pub(crate) fn dial(address: &str, identity: Option<&str>) -> Result<SshConnection> {
    let target = parse(address)?;
    let mut child = command(&target, identity).spawn().map_err(|e| {
        Error::of(ErrorKind::SshFailed {
            host: address.to_owned(),
        })
        .with_detail(format!("cannot run ssh: {e}"))
    })?;
    let (Some(stdin), Some(stdout), Some(err)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(Error::unexpected("ssh started without its pipes"));
    };
    Ok(SshConnection {
        pipes: Pipes { stdout, stdin },
        child,
        stderr: Stderr::start(err),
    })
}

/// Ask the remote engine for `/_ping` through ssh within `limit`: Ok when it answers; else
/// the typed ssh error naming the engine, with ssh's (or the remote shell's) words.
#[tracing::instrument(level = "debug", skip(identity))]
pub(crate) async fn preflight(address: &str, identity: Option<&str>, limit: Duration) -> Result<()> {
    let SshConnection {
        pipes,
        mut child,
        stderr,
    } = dial(address, identity)?;
    let said = stderr.clone();
    let attempt = async move {
        let Err(e) = ping(pipes).await else {
            return Ok(());
        };
        // ssh may still be writing why it gave up: give it a moment to exit.
        let code = tokio::time::timeout(EXIT_GRACE, child.wait())
            .await
            .ok()
            .and_then(|s| s.ok())
            .and_then(|s| s.code());
        let text = stderr.text(EXIT_GRACE).await;
        Err(explain(address, code, &text, Some(e)))
    };
    match tokio::time::timeout(limit, attempt).await {
        Ok(result) => result,
        Err(_) => Err(Error::of(ErrorKind::SshTimeout {
            host: address.to_owned(),
            seconds: whole_seconds(limit),
        })
        .with_detail(said.now())),
    }
}

/// One `GET /_ping` over the ssh pipes.
async fn ping(io: Pipes) -> std::result::Result<(), String> {
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
            .await
            .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(connection);
    let request = http::Request::get("/_ping")
        .header(http::header::HOST, "engine")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let response = sender.send_request(request).await;
    driver.abort();
    match response.map_err(|e| e.to_string())?.status().as_u16() {
        200 => Ok(()),
        other => Err(format!("the remote engine answered {other} to /_ping")),
    }
}

/// Which of ssh's failures this is, from its exit code and its complaint.
pub(crate) fn explain(
    address: &str,
    exit: Option<i32>,
    stderr: &str,
    fallback: Option<String>,
) -> Error {
    let host = address.to_owned();
    let said = |needle: &str| stderr.contains(needle);
    let kind = if said("Permission denied") || said("Too many authentication failures") {
        ErrorKind::SshAuthRefused { host }
    } else if said("Host key verification failed")
        || said("REMOTE HOST IDENTIFICATION HAS CHANGED")
        || said("host key for")
    {
        ErrorKind::SshHostKeyRejected { host }
    } else if said("Connection refused")
        || said("Connection timed out")
        || said("Could not resolve hostname")
        || said("No route to host")
        || said("Network is unreachable")
        || said("Connection closed by")
        || said("Connection reset")
    {
        ErrorKind::SshUnreachable { host }
    } else if exit == Some(127) || said("command not found") || said("docker: not found") {
        ErrorKind::SshNoDocker { host }
    } else {
        ErrorKind::SshFailed { host }
    };
    let detail = if stderr.is_empty() {
        fallback.unwrap_or_default()
    } else {
        stderr.to_owned()
    };
    Error::of(kind).with_detail(detail)
}

/// ssh's stdout and stdin as one duplex connection.
struct Pipes {
    stdout: ChildStdout,
    stdin: ChildStdin,
}

impl AsyncRead for Pipes {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}

impl AsyncWrite for Pipes {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stdin).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdin).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdin).poll_shutdown(cx)
    }
}

impl AsyncRead for SshConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.pipes).poll_read(cx, buf)
    }
}

impl AsyncWrite for SshConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.pipes).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.pipes).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.pipes).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_user_port_and_brackets_are_split_like_ssh_does() {
        let t = parse("ssh://root@127.0.0.1:2222").unwrap();
        assert_eq!(
            t,
            SshTarget {
                user: Some("root".into()),
                host: "127.0.0.1".into(),
                port: Some(2222)
            }
        );
        let t = parse("ssh://build.example/").unwrap();
        assert_eq!((t.user, t.host.as_str(), t.port), (None, "build.example", None));
        let t = parse("ssh://me@[::1]:22").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", Some(22)));
    }

    #[test]
    fn an_address_ssh_would_read_as_an_option_or_a_path_is_refused() {
        for bad in [
            "ssh://",
            "ssh://@host",
            "ssh://-oProxyCommand=x",
            "ssh://h:notaport",
            "ssh://h/p/q",
            "tcp://h",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.code, 400, "{bad}");
        }
    }

    #[test]
    fn ssh_complaints_become_typed_errors_naming_the_engine() {
        let host = "ssh://root@127.0.0.1:2222";
        let cases = [
            ("root@127.0.0.1: Permission denied (publickey).", Some(255), "ssh_auth_refused"),
            ("Host key verification failed.", Some(255), "ssh_host_key_rejected"),
            (
                "ssh: connect to host 127.0.0.1 port 2222: Connection refused",
                Some(255),
                "ssh_unreachable",
            ),
            ("bash: line 1: docker: command not found", Some(127), "ssh_no_docker"),
            ("something else", Some(1), "ssh_failed"),
        ];
        for (stderr, code, kind) in cases {
            let e = explain(host, code, stderr, None);
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(json["kind"]["type"], kind, "{stderr}");
            assert!(e.message.contains(host), "{}", e.message);
            assert_eq!(e.detail.as_deref(), Some(stderr));
        }
    }

    #[tokio::test]
    async fn a_port_nobody_listens_on_is_a_clear_error_within_the_bound() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let host = format!("ssh://nobody@127.0.0.1:{port}");
        let t0 = std::time::Instant::now();
        let e = preflight(&host, None, Duration::from_secs(10))
            .await
            .unwrap_err();
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["kind"]["type"], "ssh_unreachable", "{e:?}");
        assert!(e.message.contains(&host), "{}", e.message);
    }
}
