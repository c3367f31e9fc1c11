//! `ssh://user@host[:port]` engines: the remote runs `docker system dial-stdio`, which turns
//! an ssh session into a connection to the remote engine's socket (as the docker CLI does).
//! The key comes from the agent (`SSH_AUTH_SOCK`) or the connection's identity file.
//!
//! Every connection is the system `ssh` spawned here, its stdin/stdout being the connection
//! and its stderr the reason when it fails (a refused key, an unknown host key, no `docker`
//! on the remote): typed errors naming the engine. bollard gets these connections through a
//! custom transport that keeps idle ones for the next request; raw requests dial their own.

use crate::error::{Error, ErrorKind, Result, whole_seconds};
use bollard::{API_DEFAULT_VERSION, Docker};
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

/// How bollard's request body is called (bollard names only the request type).
trait HasBody {
    type Body;
}
impl<B> HasBody for http::Request<B> {
    type Body = B;
}
type BollardBody = <bollard::BollardRequest as HasBody>::Body;
type Sender = hyper::client::conn::http1::SendRequest<BollardBody>;
type BollardResult<T> = std::result::Result<T, bollard::errors::Error>;

/// bollard's client for an ssh engine, over our own ssh connections (see `Pool`).
///
/// Not bollard's `connect_with_ssh`: bollard 0.21 hands the openssh crate the address
/// without its `ssh://`, so a port (`ssh://me@host:2222`) ends up in the host name ("Could
/// not resolve hostname host:2222"); it also cannot say why ssh failed.
pub(crate) fn bollard_client(address: &str, secs: u64, identity: Option<&str>) -> Result<Docker> {
    parse(address)?;
    let pool = Arc::new(Pool {
        address: address.into(),
        identity: identity.map(Into::into),
        idle: Mutex::default(),
    });
    let transport = move |request: bollard::BollardRequest| {
        let pool = pool.clone();
        async move { pool.send(request).await }
    };
    Docker::connect_with_custom_transport(transport, Some(address), secs, API_DEFAULT_VERSION)
        .map_err(|e| {
            Error::of(ErrorKind::EngineAddressUnusable {
                host: address.to_owned(),
            })
            .with_detail(e)
        })
}

/// The ssh connections of one engine: an idle one is reused (one ssh login per request
/// costs about half a second), a busy or closed one is not.
struct Pool {
    address: Box<str>,
    identity: Option<Box<str>>,
    idle: Mutex<Vec<Sender>>,
}

/// At most this many idle connections (ssh processes) are kept per engine.
const IDLE_KEPT: usize = 4;

impl Pool {
    fn take_idle(&self) -> Option<Sender> {
        let mut idle = self.idle.lock().ok()?;
        idle.retain(|s| !s.is_closed());
        let at = idle.iter().position(|s| s.is_ready())?;
        Some(idle.swap_remove(at))
    }

    fn give_back(&self, sender: Sender) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_KEPT
        {
            idle.push(sender);
        }
    }

    async fn connect(&self) -> BollardResult<(Sender, Stderr)> {
        let conn = dial(&self.address, self.identity.as_deref())
            .map_err(|e| io_error(std::io::ErrorKind::Other, e.message))?;
        let stderr = conn.stderr.clone();
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(conn))
                .await
                .map_err(|e| bollard::errors::Error::HyperResponseError { err: e })?;
        // The connection (and so ssh) lives until its sender is dropped and its last
        // response body is read or dropped.
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "ssh engine connection ended with an error");
            }
        });
        Ok((sender, stderr))
    }

    async fn send(
        &self,
        request: bollard::BollardRequest,
    ) -> BollardResult<hyper::Response<hyper::body::Incoming>> {
        let mut request = origin_form(request)?;
        if let Some(mut sender) = self.take_idle() {
            match sender.try_send_request(request).await {
                Ok(response) => {
                    self.give_back(sender);
                    return Ok(response);
                }
                // The idle connection had ended: the request was not sent, try a new one.
                Err(mut e) => match e.take_message() {
                    Some(unsent) => request = unsent,
                    None => {
                        return Err(bollard::errors::Error::HyperResponseError {
                            err: e.into_error(),
                        });
                    }
                },
            }
        }
        let (mut sender, stderr) = self.connect().await?;
        match sender.send_request(request).await {
            Ok(response) => {
                self.give_back(sender);
                Ok(response)
            }
            Err(e) => {
                // ssh gave up before an answer: its own words (once it exits) say why.
                let said = stderr.text(EXIT_GRACE).await;
                if said.is_empty() {
                    Err(bollard::errors::Error::HyperResponseError { err: e })
                } else {
                    Err(io_error(std::io::ErrorKind::ConnectionAborted, said))
                }
            }
        }
    }
}

fn io_error(kind: std::io::ErrorKind, text: String) -> bollard::errors::Error {
    bollard::errors::Error::IOError {
        err: std::io::Error::new(kind, text),
    }
}

/// bollard writes the whole address into the URI; the remote engine wants only the path.
fn origin_form(request: bollard::BollardRequest) -> BollardResult<bollard::BollardRequest> {
    let (mut parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    parts.uri = path.parse().map_err(|e: http::uri::InvalidUri| {
        io_error(std::io::ErrorKind::InvalidInput, e.to_string())
    })?;
    parts
        .headers
        .insert(http::header::HOST, http::HeaderValue::from_static("engine"));
    Ok(http::Request::from_parts(parts, body))
}

/// A bollard call to an ssh engine that failed, as the typed ssh error (ssh's words are
/// in the error or its causes); `limit` is the bound a timeout had.
pub(crate) fn bollard_failure(address: &str, e: &bollard::errors::Error, limit: Duration) -> Error {
    if matches!(e, bollard::errors::Error::RequestTimeoutError) {
        return Error::of(ErrorKind::SshTimeout {
            host: address.to_owned(),
            seconds: whole_seconds(limit),
        });
    }
    let mut words = vec![e.to_string()];
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let said = c.to_string();
        if !words.iter().any(|w| w.contains(&said)) {
            words.push(said);
        }
        cause = c.source();
    }
    explain(address, &words.join(": "))
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
    /// Held for `kill_on_drop`: dropping the connection ends ssh.
    _child: Child,
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

/// Start ssh to the engine at `address` (whether it logs in shows in the first answer).
#[tracing::instrument(level = "debug")]
pub(crate) fn dial(address: &str, identity: Option<&str>) -> Result<SshConnection> {
    let target = parse(address)?;
    let mut child = command(&target, identity).spawn().map_err(|e| {
        Error::of(ErrorKind::SshFailed {
            host: address.to_owned(),
        })
        .with_detail(format!("cannot run ssh: {e}"))
    })?;
    tracing::debug!(pid = ?child.id(), "ssh started");
    let (Some(stdin), Some(stdout), Some(err)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(Error::unexpected("ssh started without its pipes"));
    };
    Ok(SshConnection {
        pipes: Pipes { stdout, stdin },
        _child: child,
        stderr: Stderr::start(err),
    })
}

/// Which of ssh's failures this is, from its complaint.
pub(crate) fn explain(address: &str, stderr: &str) -> Error {
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
    } else if said("command not found") || said("docker: not found") {
        ErrorKind::SshNoDocker { host }
    } else {
        ErrorKind::SshFailed { host }
    };
    Error::of(kind).with_detail(last_words(stderr))
}

/// ssh's complaint without its banners: its last few lines (where it says why), one line.
fn last_words(stderr: &str) -> String {
    const KEPT: usize = 3;
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('@'))
        .filter(|l| !l.starts_with("Warning: Permanently added"))
        .collect();
    lines[lines.len().saturating_sub(KEPT)..].join(" ")
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

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
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

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
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
        assert_eq!(
            (t.user, t.host.as_str(), t.port),
            (None, "build.example", None)
        );
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
            (
                "root@127.0.0.1: Permission denied (publickey).",
                "ssh_auth_refused",
            ),
            ("Host key verification failed.", "ssh_host_key_rejected"),
            (
                "ssh: connect to host 127.0.0.1 port 2222: Connection refused",
                "ssh_unreachable",
            ),
            ("bash: line 1: docker: command not found", "ssh_no_docker"),
            ("sh: 1: docker: not found", "ssh_no_docker"),
            ("something else", "ssh_failed"),
        ];
        for (stderr, kind) in cases {
            let e = explain(host, stderr);
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(json["kind"]["type"], kind, "{stderr}");
            assert!(e.message.contains(host), "{}", e.message);
            assert_eq!(e.detail.as_deref(), Some(stderr));
        }
    }

    #[test]
    fn a_changed_host_key_keeps_ssh_s_last_words_not_its_banner() {
        let stderr = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
            @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n\
            @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
            IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n\
            Offending ED25519 key in /root/.ssh/known_hosts:2\n\
            \x20 remove with:\n\
            \x20 ssh-keygen -f \"/root/.ssh/known_hosts\" -R \"[127.0.0.1]:2222\"\n\
            Host key for [127.0.0.1]:2222 has changed and you have requested strict checking.\n\
            Host key verification failed.\n";
        let e = explain("ssh://root@127.0.0.1:2222", stderr);
        assert_eq!(e.code, 403);
        assert_eq!(
            e.detail.as_deref(),
            Some(
                "ssh-keygen -f \"/root/.ssh/known_hosts\" -R \"[127.0.0.1]:2222\" \
                 Host key for [127.0.0.1]:2222 has changed and you have requested strict checking. \
                 Host key verification failed."
            )
        );
    }

    #[tokio::test]
    async fn a_port_nobody_listens_on_is_a_clear_error_within_the_bound() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let host = format!("ssh://nobody@127.0.0.1:{port}");
        let t0 = std::time::Instant::now();
        let e = crate::Engine::connect(crate::EngineSpec::host(&host))
            .await
            .unwrap_err();
        let e = match e.kind() {
            Some(ErrorKind::NoEngine { tried }) => tried[0].error.clone(),
            _ => panic!("{e:?}"),
        };
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["kind"]["type"], "ssh_unreachable", "{e:?}");
        assert!(e.message.contains(&host), "{}", e.message);
    }
}
