//! What the app holds between commands: the launch choices and the connected engine.

use serde::{Deserialize, Serialize};
use slipway_core::{Engine, EngineInfo, Error};
use std::time::Duration;
use tokio::sync::RwLock;

/// How the app was started (`--host`, `--sandbox`).
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// `--host URL`: wins over everything, like `docker -H`.
    pub host: Option<String>,
    /// Started by `make run` on its own private engine: the UI shows a badge.
    pub sandbox: bool,
}

impl LaunchOptions {
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Self {
        let mut out = Self::default();
        let mut args = args.into_iter().skip(1);
        while let Some(a) = args.next() {
            match a.as_str() {
                "--host" | "-H" => out.host = args.next(),
                "--sandbox" => out.sandbox = true,
                other => {
                    if let Some(h) = other.strip_prefix("--host=") {
                        out.host = Some(h.to_owned());
                    }
                }
            }
        }
        out
    }
}

/// What the header and the "no engine" screen show.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct EngineStatus {
    pub connected: bool,
    pub info: Option<EngineInfo>,
    /// The private engine `make run` started because no engine answered.
    pub sandbox: bool,
    /// Why nothing is connected (names every address tried).
    pub error: Option<Error>,
    /// Where the engine choice came from: `flag`, `env`, `saved` or `auto`.
    pub source: String,
}

pub struct AppState {
    pub launch: LaunchOptions,
    engine: RwLock<Option<Engine>>,
    /// The stall timeout from the settings, given to every engine connected.
    stall: std::sync::Mutex<Duration>,
    status: RwLock<EngineStatus>,
    /// Stops the event watcher of the previous connection when a new one starts.
    watcher: std::sync::Mutex<Option<slipway_core::CancellationToken>>,
}

impl AppState {
    pub fn new(launch: LaunchOptions) -> Self {
        let status = EngineStatus {
            connected: false,
            info: None,
            sandbox: launch.sandbox,
            error: None,
            source: "auto".into(),
        };
        Self {
            launch,
            engine: RwLock::new(None),
            stall: std::sync::Mutex::new(slipway_core::DEFAULT_STALL_TIMEOUT),
            status: RwLock::new(status),
            watcher: std::sync::Mutex::new(None),
        }
    }

    /// A token for a new event watcher; the previous watcher is told to stop.
    pub fn replace_watcher(&self) -> slipway_core::CancellationToken {
        let token = slipway_core::CancellationToken::new();
        let mut slot = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = slot.replace(token.clone()) {
            old.cancel();
        }
        token
    }

    pub async fn engine(&self) -> Option<Engine> {
        self.engine.read().await.clone()
    }

    pub async fn status(&self) -> EngineStatus {
        self.status.read().await.clone()
    }

    pub fn stall_timeout(&self) -> Duration {
        *self.stall.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Use `limit` from now on: for the engine connected now (tasks already running keep the
    /// bound they started with) and every one connected later.
    pub async fn set_stall_timeout(&self, limit: Duration) {
        *self.stall.lock().unwrap_or_else(|e| e.into_inner()) = limit;
        let mut engine = self.engine.write().await;
        if let Some(e) = engine.take() {
            *engine = Some(e.with_stall_timeout(limit));
        }
    }

    /// The engine now connected, with the stall timeout of the settings.
    pub async fn set_connected(&self, engine: Engine, source: &str) -> EngineStatus {
        let engine = engine.with_stall_timeout(self.stall_timeout());
        let status = EngineStatus {
            connected: true,
            info: Some(engine.info.clone()),
            sandbox: self.launch.sandbox,
            error: None,
            source: source.into(),
        };
        *self.engine.write().await = Some(engine);
        *self.status.write().await = status.clone();
        status
    }

    pub async fn set_disconnected(&self, error: Error, source: &str) -> EngineStatus {
        let status = EngineStatus {
            connected: false,
            info: None,
            sandbox: self.launch.sandbox,
            error: Some(error),
            source: source.into(),
        };
        *self.engine.write().await = None;
        *self.status.write().await = status.clone();
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        std::iter::once("slipway")
            .chain(list.iter().copied())
            .map(String::from)
            .collect()
    }

    /// An engine that answers every request with its version (enough to connect to).
    async fn version_only_engine(dir: &std::path::Path) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let sock = dir.join("engine.sock");
        let listener = tokio::net::UnixListener::bind(&sock).unwrap();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let body =
                        r#"{"Version":"20.10.0","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}"#;
                    let mut buf = vec![0u8; 8192];
                    // One answer per request head read (requests here have no body).
                    while let Ok(n) = conn.read(&mut buf).await {
                        if n == 0 {
                            return;
                        }
                        let reply = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if conn.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        format!("unix://{}", sock.display())
    }

    #[tokio::test]
    async fn the_stall_timeout_reaches_the_engine_connected_now_and_every_later_one() {
        let dir = tempfile::tempdir().unwrap();
        let host = version_only_engine(dir.path()).await;
        let state = AppState::new(LaunchOptions::default());
        state.set_stall_timeout(Duration::from_secs(7)).await;
        let engine = Engine::connect(slipway_core::EngineSpec::host(&host))
            .await
            .unwrap();
        assert_eq!(engine.stall_timeout(), slipway_core::DEFAULT_STALL_TIMEOUT);
        state.set_connected(engine, "flag").await;
        let connected = state.engine().await.unwrap();
        assert_eq!(connected.stall_timeout(), Duration::from_secs(7));
        // Changed in the settings: the connected engine uses it at once.
        state.set_stall_timeout(Duration::from_secs(300)).await;
        assert_eq!(
            state.engine().await.unwrap().stall_timeout(),
            Duration::from_secs(300)
        );
        assert_eq!(state.stall_timeout(), Duration::from_secs(300));
    }

    #[test]
    fn host_flag_is_read_in_both_spellings_like_the_docker_cli() {
        assert_eq!(
            LaunchOptions::from_args(args(&["--host", "unix:///x"]))
                .host
                .as_deref(),
            Some("unix:///x")
        );
        assert_eq!(
            LaunchOptions::from_args(args(&["--host=tcp://h:1"]))
                .host
                .as_deref(),
            Some("tcp://h:1")
        );
        assert!(LaunchOptions::from_args(args(&["--sandbox"])).sandbox);
        assert_eq!(LaunchOptions::from_args(args(&[])).host, None);
    }
}
