//! The stall bound every engine stream gets: an operation that moves no bytes — in either
//! direction — for the stall timeout ends with a 504 naming what stalled and for how long.
//! Uploads (load, import, a build context) count the bytes they hand to the connection as
//! activity, so a slow engine reading a big upload is not mistaken for a dead one.

use crate::error::{Error, ErrorKind, Operation, Peer, Result, whole_seconds};
use futures_util::Stream;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The default stall timeout: no bytes for this long and a stream is given up.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(120);

/// When bytes last moved, shared between an upload body and the response it waits for.
#[derive(Clone, Debug)]
pub(crate) struct Activity(Arc<Clock>);

#[derive(Debug)]
struct Clock {
    origin: Instant,
    /// Milliseconds after `origin` of the last activity.
    last: AtomicU64,
}

impl Activity {
    pub(crate) fn new() -> Self {
        Self(Arc::new(Clock {
            origin: Instant::now(),
            last: AtomicU64::new(0),
        }))
    }

    pub(crate) fn touch(&self) {
        let ms = self.0.origin.elapsed().as_millis() as u64;
        self.0.last.fetch_max(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.0.origin + Duration::from_millis(self.0.last.load(Ordering::Relaxed))
    }
}

/// What a stall error says: which operation, against whom.
#[derive(Clone, Debug)]
pub(crate) struct StallInfo {
    pub what: Operation,
    /// The engine, or a registry.
    pub peer: Peer,
    pub limit: Duration,
}

impl StallInfo {
    pub(crate) fn error(&self) -> Error {
        Error::of(ErrorKind::Stalled {
            operation: self.what.clone(),
            peer: self.peer.clone(),
            seconds: whole_seconds(self.limit),
        })
    }
}

/// A stream that fails with the stall error when neither it nor its `Activity` moved for the
/// limit. After that error it ends.
pub(crate) struct Guarded<S> {
    inner: S,
    activity: Activity,
    info: StallInfo,
    timer: Pin<Box<Sleep>>,
    done: bool,
}

pub(crate) fn guard<S>(inner: S, activity: Activity, info: StallInfo) -> Guarded<S> {
    activity.touch();
    let timer = Box::pin(tokio::time::sleep(info.limit));
    Guarded {
        inner,
        activity,
        info,
        timer,
        done: false,
    }
}

impl<S, T> Stream for Guarded<S>
where
    S: Stream<Item = Result<T>> + Unpin,
{
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(item)) => {
                // The timer is not reset per item (cheap): when it fires, it looks at the clock.
                this.activity.touch();
                return Poll::Ready(Some(item));
            }
            Poll::Ready(None) => {
                this.done = true;
                return Poll::Ready(None);
            }
            Poll::Pending => {}
        }
        loop {
            if this.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let deadline = this.activity.last() + this.info.limit;
            if Instant::now() >= deadline {
                this.done = true;
                return Poll::Ready(Some(Err(this.info.error())));
            }
            this.timer.as_mut().reset(deadline);
        }
    }
}

/// An upload body that marks activity for every chunk the connection takes from it.
pub(crate) fn touching<S, T, E>(body: S, activity: Activity) -> impl Stream<Item = Result<T, E>>
where
    S: Stream<Item = Result<T, E>>,
{
    futures_util::StreamExt::inspect(body, move |_| activity.touch())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn info(ms: u64) -> StallInfo {
        StallInfo {
            what: Operation::Pull {
                reference: "x:1".into(),
            },
            peer: Peer::Engine {
                host: "unix:///e.sock".into(),
            },
            limit: Duration::from_millis(ms),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_stream_fails_after_the_limit_naming_what_and_whom() {
        let silent = futures_util::stream::pending::<Result<u8>>();
        let started = Instant::now();
        let mut s = guard(silent, Activity::new(), info(3000));
        let e = s.next().await.unwrap().unwrap_err();
        assert_eq!(e.code, 504);
        assert_eq!(started.elapsed(), Duration::from_millis(3000));
        assert!(e.message.contains("Pulling x:1 stalled"), "{}", e.message);
        assert!(e.message.contains("unix:///e.sock"), "{}", e.message);
        assert!(e.message.contains("3 s"), "{}", e.message);
        assert!(s.next().await.is_none(), "ends after the stall error");
    }

    #[tokio::test(start_paused = true)]
    async fn items_and_upload_activity_keep_it_alive() {
        let activity = Activity::new();
        // One item every 2 s: never 3 s of silence.
        let ticking = futures_util::stream::iter(0..4).then(|i| async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            Ok::<_, Error>(i)
        });
        let got: Vec<_> = guard(Box::pin(ticking), activity.clone(), info(3000))
            .collect()
            .await;
        assert_eq!(got.len(), 4);
        assert!(got.iter().all(|r| r.is_ok()));

        // No items, but an upload touching the clock every second for 10 s.
        let uploading = activity.clone();
        tokio::spawn(async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                uploading.touch();
            }
        });
        let started = Instant::now();
        let mut s = guard(
            futures_util::stream::pending::<Result<u8>>(),
            activity,
            info(3000),
        );
        assert_eq!(s.next().await.unwrap().unwrap_err().code, 504);
        assert_eq!(started.elapsed(), Duration::from_secs(13));
    }
}
