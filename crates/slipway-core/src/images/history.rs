//! `GET /images/{name}/history` read raw, into the rows bollard's model would give.

use super::{HistoryEntry, real_names};
use crate::error::{Error, Result};

/// The engine's history answer (newest step first) as rows; anything but a list of steps is
/// an error naming the image, never an empty history.
pub(super) fn history_rows(v: &serde_json::Value, image: &str) -> Result<Vec<HistoryEntry>> {
    let steps = v.as_array().ok_or_else(|| {
        Error::unexpected(format!(
            "the history of {image} is not a list of steps: {v}"
        ))
    })?;
    Ok(steps
        .iter()
        .map(|h| {
            let text = |k: &str| h[k].as_str().unwrap_or_default().to_owned();
            let size = h["Size"].as_i64().unwrap_or_default();
            let tags = h["Tags"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            HistoryEntry {
                empty_layer: size == 0,
                id: text("Id"),
                created: h["Created"].as_i64().unwrap_or_default(),
                created_by: text("CreatedBy"),
                size,
                tags: real_names(tags),
                comment: text("Comment"),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_keep_their_order_sizes_and_real_tags() {
        let v = serde_json::json!([
            {"Id": "sha256:b", "Created": 20, "CreatedBy": "RUN x", "Tags": ["a:1", "<none>:<none>"],
             "Size": 7, "Comment": ""},
            {"Id": "<missing>", "Created": 10, "CreatedBy": "ENV y", "Tags": null, "Size": 0,
             "Comment": "c"}
        ]);
        let rows = history_rows(&v, "a:1").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].id.as_str(), rows[0].size, rows[0].empty_layer),
            ("sha256:b", 7, false)
        );
        assert_eq!(rows[0].tags, vec!["a:1".to_owned()]);
        assert_eq!(
            (
                rows[1].created,
                rows[1].empty_layer,
                rows[1].comment.as_str()
            ),
            (10, true, "c")
        );
        assert!(rows[1].tags.is_empty());
    }

    #[test]
    fn an_answer_that_is_not_a_list_is_an_error_not_an_empty_history() {
        assert!(history_rows(&serde_json::json!({"message": "x"}), "a").is_err());
    }
}
