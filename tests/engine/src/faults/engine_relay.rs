//! A unix-socket relay in front of an engine, for faults that must land at an exact point of
//! a run: it passes bytes both ways, can pace them (so a save or a load is still running
//! when the fault comes), and can run a hook — kill the engine — just before the Nth
//! request whose bytes contain a pattern reaches it (that request then gets no answer).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

pub type Hook = Arc<dyn Fn() + Send + Sync>;

#[derive(Clone, Default)]
pub struct Rules {
    /// Engine-to-client bytes per second.
    pub throttle: Option<u64>,
    /// Client-to-engine bytes per second (uploads).
    pub throttle_up: Option<u64>,
    /// Run the hook before the Nth (1-based) request containing the pattern is forwarded.
    pub strike: Option<(&'static [u8], usize, Hook)>,
}

pub struct EngineRelay {
    pub host: String,
    _dir: tempfile::TempDir,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for EngineRelay {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl EngineRelay {
    pub async fn start(upstream_host: &str, rules: Rules) -> Self {
        let upstream = PathBuf::from(
            upstream_host
                .strip_prefix("unix://")
                .expect("a unix engine"),
        );
        let dir = tempfile::Builder::new()
            .prefix("relay")
            .tempdir_in(crate::env("SLIPWAY_TEST_STATE"))
            .unwrap();
        let sock = dir.path().join("e.sock");
        let listener = UnixListener::bind(&sock).unwrap();
        let seen = Arc::new(AtomicUsize::new(0));
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream.clone(), rules.clone(), seen.clone()));
            }
        });
        Self {
            host: format!("unix://{}", sock.display()),
            _dir: dir,
            accept,
        }
    }
}

async fn relay(client: UnixStream, upstream: PathBuf, rules: Rules, seen: Arc<AtomicUsize>) {
    // The engine is gone: the client sees its connection closed, as with a dead socket.
    let Ok(engine) = UnixStream::connect(&upstream).await else {
        return;
    };
    let (mut from_client, mut to_engine) = (client, engine);
    let (mut client_read, mut client_write) = from_client.split();
    let (mut engine_read, mut engine_write) = to_engine.split();
    let up = async {
        let mut buf = vec![0u8; 64 * 1024];
        let mut tail: Vec<u8> = Vec::new();
        loop {
            let n = client_read.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            if let Some((pattern, nth, hook)) = &rules.strike {
                let mut window = std::mem::take(&mut tail);
                let old = window.len();
                window.extend_from_slice(&buf[..n]);
                let hits = window
                    .windows(pattern.len())
                    .enumerate()
                    .filter(|(at, w)| w == pattern && at + pattern.len() > old)
                    .count();
                tail = window[window.len().saturating_sub(pattern.len() - 1)..].to_vec();
                let before = seen.fetch_add(hits, Ordering::SeqCst);
                if hits > 0 && before < *nth && before + hits >= *nth {
                    hook();
                    return;
                }
            }
            if let Some(rate) = rules.throttle_up {
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
            }
            if engine_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = engine_read.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                let _ = client_write.shutdown().await;
                return;
            }
            if let Some(rate) = rules.throttle {
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    // Either side ending ends the relay; both sockets close when this returns.
    tokio::select! {
        _ = up => {},
        _ = down => {},
    }
}
