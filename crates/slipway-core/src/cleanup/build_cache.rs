//! Build-cache prune with a preview: which cache records a prune would remove and the bytes,
//! following BuildKit's rule — unused records, least recently used first, until what is left
//! fits in `keep_storage`.

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CacheRecord {
    pub id: String,
    /// `regular`, `source.local`, `exec.cachemount`, …
    pub kind: String,
    pub description: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: i64,
    pub in_use: bool,
    pub shared: bool,
    /// RFC 3339, empty when never used.
    pub last_used: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BuildCachePlan {
    /// The records a prune with these options would remove.
    pub records: Vec<CacheRecord>,
    /// Bytes of all build cache now.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub total: i64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub space_to_reclaim: i64,
}

fn record(v: &serde_json::Value) -> CacheRecord {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    CacheRecord {
        id: s("ID"),
        kind: s("Type"),
        description: s("Description"),
        size: v["Size"].as_i64().unwrap_or_default(),
        in_use: v["InUse"] == true,
        shared: v["Shared"] == true,
        last_used: s("LastUsedAt"),
    }
}

/// When a record was last used (None: never, or a time that does not read).
fn used_at(last_used: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(last_used).ok()
}

/// Whether a record last used at `last_used` is old enough for an `until` cutoff (unix
/// seconds): BuildKit keeps a record used after the cutoff, to the nanosecond, and takes one
/// never used. A time that does not read is taken as old enough: the preview may then list a
/// record the prune keeps, never the other way round.
fn used_before(last_used: &str, cutoff: i64) -> bool {
    used_at(last_used).is_none_or(|t| (t.timestamp(), t.timestamp_subsec_nanos()) <= (cutoff, 0))
}

/// Records a prune removes: never one in use; shared ones only with `all`; with a cutoff,
/// only those not used since; oldest use first, stopping once the rest fits in `keep_storage`.
fn select(
    mut records: Vec<CacheRecord>,
    keep_storage: Option<i64>,
    all: bool,
    cutoff: Option<i64>,
) -> BuildCachePlan {
    let total: i64 = records.iter().filter(|r| !r.shared).map(|r| r.size).sum();
    records.retain(|r| {
        !r.in_use && (all || !r.shared) && cutoff.is_none_or(|c| used_before(&r.last_used, c))
    });
    // Never used (None) sorts first, as the oldest. Not as text: "…00.5Z" < "…00Z" there.
    records.sort_by(|a, b| (used_at(&a.last_used), &a.id).cmp(&(used_at(&b.last_used), &b.id)));
    let mut left = total;
    let mut going = Vec::new();
    for r in records {
        if keep_storage.is_some_and(|k| left <= k) {
            break;
        }
        if !r.shared {
            left -= r.size;
        }
        going.push(r);
    }
    BuildCachePlan {
        space_to_reclaim: total - left,
        records: going,
        total,
    }
}

/// A byte count to keep: the engine would read a negative one as "keep nothing".
pub fn check_keep_storage(keep_storage: Option<i64>) -> Result<()> {
    match keep_storage {
        Some(bytes) if bytes < 0 => Err(Error::of(ErrorKind::BadKeepStorage { bytes })),
        _ => Ok(()),
    }
}

impl Engine {
    /// What `prune_build_cache(keep_storage, all, until)` would remove. Podman keeps no
    /// BuildKit cache (its build layers are images), so there the preview is empty.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn build_cache_plan(
        &self,
        keep_storage: Option<i64>,
        all: bool,
        until: Option<&str>,
    ) -> Result<BuildCachePlan> {
        check_keep_storage(keep_storage)?;
        // The same reading of `until` as the prune's (build_cache_until), as a cutoff time.
        let cutoff = match until {
            Some(u) => {
                crate::images::build_cache_until(u)?;
                Some(crate::images::until_cutoff(u)?)
            }
            None => None,
        };
        let df = self.engine_df().await?;
        let records = df
            .as_ref()
            .and_then(|v| v["BuildCache"].as_array())
            .map(|a| a.iter().map(record).collect())
            .unwrap_or_default();
        Ok(select(records, keep_storage, all, cutoff))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, size: i64, used: &str, in_use: bool, shared: bool) -> CacheRecord {
        CacheRecord {
            id: id.into(),
            kind: "regular".into(),
            description: String::new(),
            size,
            in_use,
            shared,
            last_used: used.into(),
        }
    }

    fn ids(p: &BuildCachePlan) -> Vec<&str> {
        p.records.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn a_negative_keep_storage_is_refused_naming_it() {
        let e = check_keep_storage(Some(-5)).unwrap_err();
        assert_eq!(e.code, 400);
        assert!(e.message.contains("-5"), "{}", e.message);
        assert!(check_keep_storage(Some(0)).is_ok());
    }

    #[test]
    fn keep_storage_removes_the_least_recently_used_until_the_rest_fits() {
        let records = vec![
            rec("new", 100, "2026-11-03T00:00:00Z", false, false),
            rec("old", 100, "2026-11-01T00:00:00Z", false, false),
            rec("mid", 100, "2026-11-02T00:00:00Z", false, false),
        ];
        let p = select(records.clone(), Some(150), false, None);
        assert_eq!(ids(&p), vec!["old", "mid"]);
        assert_eq!(p.space_to_reclaim, 200);
        assert_eq!(p.total, 300);
        assert!(
            select(records.clone(), Some(300), false, None)
                .records
                .is_empty()
        );
        assert_eq!(select(records, None, false, None).space_to_reclaim, 300);
    }

    #[test]
    fn records_in_use_stay_and_shared_ones_go_only_with_all() {
        let records = vec![
            rec("busy", 50, "", true, false),
            rec("shared", 70, "", false, true),
            rec("free", 10, "", false, false),
        ];
        assert_eq!(
            ids(&select(records.clone(), None, false, None)),
            vec!["free"]
        );
        let all = select(records, None, true, None);
        assert_eq!(ids(&all), vec!["free", "shared"]);
        assert_eq!(
            all.space_to_reclaim, 10,
            "shared bytes are counted where they live"
        );
    }

    #[test]
    fn until_takes_only_records_not_used_since_the_cutoff_and_never_used_ones() {
        let cutoff = chrono::DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z")
            .unwrap()
            .timestamp();
        let records = vec![
            rec("before", 10, "2026-11-01T23:59:59.999999999Z", false, false),
            rec("after", 20, "2026-11-02T00:00:00.5Z", false, false),
            rec("never", 30, "", false, false),
            rec("at", 40, "2026-11-02T00:00:00Z", false, false),
        ];
        let p = select(records.clone(), None, false, Some(cutoff));
        assert_eq!(ids(&p), vec!["never", "before", "at"]);
        assert_eq!(p.space_to_reclaim, 80);
        assert_eq!(
            p.total, 100,
            "the total is all cache, the filter only picks"
        );
        assert_eq!(select(records, None, false, None).records.len(), 4);
    }

    #[test]
    fn engine_records_are_read_in_the_engine_spelling() {
        let v = serde_json::json!({"ID":"x","Type":"regular","Description":"RUN a","Size":5,
            "InUse":false,"Shared":true,"LastUsedAt":"2026-01-01T00:00:00Z"});
        let r = record(&v);
        assert_eq!((r.id.as_str(), r.size, r.shared), ("x", 5, true));
    }
}
