//! SIGINT, SIGTERM and SIGHUP cancel what runs, so it cleans up (a save removes its partial
//! file), and the exit code says it did not happen: 128 + the signal's number.

use slipway_core::{CancellationToken, Error};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

/// Cancel `cancel` on the first terminating signal; the number it had is kept here.
pub fn cancel_on_signal(cancel: &CancellationToken) -> Arc<AtomicI32> {
    let signalled = Arc::new(AtomicI32::new(0));
    let (on_signal, record) = (cancel.clone(), signalled.clone());
    tokio::spawn(async move {
        let signal = next_signal().await;
        record.store(signal, Ordering::Relaxed);
        on_signal.cancel();
    });
    signalled
}

/// 128 + the signal for a cancelled run (130 when cancelled without one), else 1.
pub fn exit_code(e: &Error, signalled: &AtomicI32) -> i32 {
    match (e.code, signalled.load(Ordering::Relaxed)) {
        (499, 0) => 130,
        (499, s) => 128 + s,
        _ => 1,
    }
}

/// The number of the first terminating signal that arrives.
#[cfg(unix)]
async fn next_signal() -> i32 {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [
        (SignalKind::interrupt(), 2),
        (SignalKind::terminate(), 15),
        (SignalKind::hangup(), 1),
    ];
    let mut streams = Vec::new();
    for (kind, number) in kinds {
        match signal(kind) {
            Ok(s) => streams.push((s, number)),
            Err(e) => tracing::warn!(error = %e, number, "cannot watch for a signal"),
        }
    }
    if streams.is_empty() {
        std::future::pending::<()>().await;
    }
    let waits = streams.iter_mut().map(|(s, number)| {
        let number = *number;
        Box::pin(async move {
            s.recv().await;
            number
        })
    });
    futures_util::future::select_all(waits).await.0
}

#[cfg(not(unix))]
async fn next_signal() -> i32 {
    let _ = tokio::signal::ctrl_c().await;
    2
}
