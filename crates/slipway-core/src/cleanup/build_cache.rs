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

/// Records a prune removes: never one in use; shared ones only with `all`; oldest use first,
/// stopping once the rest fits in `keep_storage`.
fn select(mut records: Vec<CacheRecord>, keep_storage: Option<i64>, all: bool) -> BuildCachePlan {
    let total: i64 = records.iter().filter(|r| !r.shared).map(|r| r.size).sum();
    records.retain(|r| !r.in_use && (all || !r.shared));
    // RFC 3339 in UTC sorts as text; never-used (empty) sorts first, as the oldest.
    records.sort_by(|a, b| a.last_used.cmp(&b.last_used).then(a.id.cmp(&b.id)));
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
    /// What `prune_build_cache(keep_storage, all)` would remove. Podman keeps no BuildKit
    /// cache (its build layers are images), so there the preview is empty.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn build_cache_plan(
        &self,
        keep_storage: Option<i64>,
        all: bool,
    ) -> Result<BuildCachePlan> {
        check_keep_storage(keep_storage)?;
        let df = self.engine_df().await?;
        let records = df
            .as_ref()
            .and_then(|v| v["BuildCache"].as_array())
            .map(|a| a.iter().map(record).collect())
            .unwrap_or_default();
        Ok(select(records, keep_storage, all))
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
        let p = select(records.clone(), Some(150), false);
        assert_eq!(ids(&p), vec!["old", "mid"]);
        assert_eq!(p.space_to_reclaim, 200);
        assert_eq!(p.total, 300);
        assert!(select(records.clone(), Some(300), false).records.is_empty());
        assert_eq!(select(records, None, false).space_to_reclaim, 300);
    }

    #[test]
    fn records_in_use_stay_and_shared_ones_go_only_with_all() {
        let records = vec![
            rec("busy", 50, "", true, false),
            rec("shared", 70, "", false, true),
            rec("free", 10, "", false, false),
        ];
        assert_eq!(ids(&select(records.clone(), None, false)), vec!["free"]);
        let all = select(records, None, true);
        assert_eq!(ids(&all), vec!["free", "shared"]);
        assert_eq!(
            all.space_to_reclaim, 10,
            "shared bytes are counted where they live"
        );
    }

    #[test]
    fn engine_records_are_read_in_the_engine_spelling() {
        let v = serde_json::json!({"ID":"x","Type":"regular","Description":"RUN a","Size":5,
            "InUse":false,"Shared":true,"LastUsedAt":"2026-01-01T00:00:00Z"});
        let r = record(&v);
        assert_eq!((r.id.as_str(), r.size, r.shared), ("x", 5, true));
    }
}
