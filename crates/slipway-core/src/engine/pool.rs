//! Keep-alive for the raw HTTP path: one pool of idle connections per engine (shared by the
//! engine's clones), so a walk over many images costs one connection, not one per request —
//! and on ssh one login instead of one per request.
//!
//! A connection goes back to the pool only after its answer was read to the end; one dropped
//! earlier is closed (how the engine learns to stop a stream). Only `GET` and `HEAD` take a
//! pooled connection, so a request the engine may have acted on is never sent twice when an
//! idle connection turns out closed (see `http.rs`).

use bytes::Bytes;
use http_body_util::Full;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// How many idle connections an engine keeps.
const MAX_IDLE: usize = 4;
/// An idle connection not ready within this (its last answer still being wound up) is left.
const READY_WAIT: Duration = Duration::from_millis(500);

/// An open connection: where requests go, and the task driving it (aborted when dropped,
/// which closes the socket).
pub(crate) struct Live {
    pub(crate) sender: Sender,
    pub(crate) _conn: AbortOnDrop,
}

pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[derive(Clone, Default)]
pub(crate) struct Pool(Arc<Mutex<Vec<Live>>>);

impl Pool {
    /// An idle connection ready for a request, if one is left open.
    pub(crate) async fn take(&self) -> Option<Live> {
        loop {
            let mut live = self.0.lock().ok()?.pop()?;
            if live.sender.is_closed() {
                continue;
            }
            match tokio::time::timeout(READY_WAIT, live.sender.ready()).await {
                Ok(Ok(())) => return Some(live),
                _ => continue,
            }
        }
    }

    /// A connection whose answer was read to the end, for the next request.
    pub(crate) fn give(&self, live: Live) {
        if live.sender.is_closed() {
            return;
        }
        if let Ok(mut idle) = self.0.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(live);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::Engine;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A fake engine answering `{"n":…}` to each request; with `once`, it closes each
    /// connection after its first answer (an engine's idle timeout, at the worst moment).
    /// Counts the connections it accepted.
    async fn fake_engine(once: bool) -> (tempfile::TempDir, Engine, Arc<AtomicUsize>) {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("e.sock");
        let listener = tokio::net::UnixListener::bind(&sock).unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counted = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (mut conn, _) = listener.accept().await.unwrap();
                let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(read) = conn.read(&mut buf).await {
                        if read == 0 {
                            break;
                        }
                        let body = format!("{{\"n\":{n}}}");
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        conn.write_all(answer.as_bytes()).await.unwrap();
                        if once {
                            break;
                        }
                    }
                });
            }
        });
        let engine = Engine::unconnected(&format!("unix://{}", sock.display()));
        (dir, engine, accepted)
    }

    #[tokio::test]
    async fn requests_one_after_another_share_one_connection_across_clones() {
        let (_dir, engine, accepted) = fake_engine(false).await;
        let clone = engine.clone();
        for e in [&engine, &clone, &engine] {
            let v = e.raw_json("GET", "/images/json", None).await.unwrap();
            assert_eq!(v["n"], 1);
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_idle_connection_the_engine_closed_is_replaced_not_an_error() {
        let (_dir, engine, accepted) = fake_engine(true).await;
        for expected in 1..=3 {
            let v = engine.raw_json("GET", "/images/json", None).await.unwrap();
            assert_eq!(v["n"], expected);
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_request_that_changes_something_never_goes_over_an_idle_connection() {
        let (_dir, engine, accepted) = fake_engine(false).await;
        engine.raw_json("GET", "/images/json", None).await.unwrap();
        let v = engine
            .raw_json("POST", "/images/x/tag", None)
            .await
            .unwrap();
        assert_eq!(v["n"], 2);
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
    }
}
