//! Each image's layers with their bytes, for the layer accounting (unique/shared bytes, what
//! a prune frees) where the engine's own df cannot say it: the prune preview, Podman.
//!
//! Inspect names an image's layers (diff IDs), history has their bytes. On Docker an image's
//! listed size is exactly the sum of its layers' bytes, so once some layers are known, an
//! image with a single unknown layer needs no history: that layer holds the rest. Images on a
//! common base — the usual case — then cost one request each instead of two. The rule is
//! checked on every history read; where it does not hold, every image's history is read.

use crate::engine::Engine;
use crate::error::Result;
use crate::images::{ImageSummary, ListOptions};
use crate::system::ImageLayers;
use futures_util::StreamExt;
use std::collections::HashMap;

/// How many images are read at once: the engine answers a few requests in parallel, and the
/// engine's pool keeps as many connections.
const READS_AT_ONCE: usize = 4;

/// One listed image and its layers' diff IDs, oldest first. Owned, so the engine calls that
/// read them borrow nothing but the engine (the app runs them on Send tasks).
struct Named {
    image: ImageSummary,
    layers: Vec<String>,
}

impl Engine {
    /// Each listed image's layers (diff ID, bytes), oldest first, in the list's order; an
    /// image removed while we counted is left out.
    pub(crate) async fn image_layers(&self) -> Result<Vec<ImageLayers>> {
        let images = self.list(&ListOptions::default()).await?;
        self.image_layers_of(images).await
    }

    /// [`Self::image_layers`] of images already listed (a caller that needs the list too
    /// saves asking it twice: on Podman a list of 1,000 images takes ~10 s).
    pub(crate) async fn image_layers_of(
        &self,
        images: Vec<crate::images::ImageSummary>,
    ) -> Result<Vec<ImageLayers>> {
        let inspected = futures_util::stream::iter(images)
            .map(|image| self.named(image))
            .buffered(READS_AT_ONCE)
            .collect::<Vec<_>>()
            .await;
        let mut named = Vec::new();
        for n in inspected {
            named.extend(n?);
        }
        // Podman's size also counts the image's manifest and config: the rule does not hold.
        let mut infer = !self.is_podman();
        let index: HashMap<String, usize> = named
            .iter()
            .enumerate()
            .map(|(i, n)| (n.image.id.clone(), i))
            .collect();
        let mut sizes: HashMap<String, i64> = HashMap::new();
        let mut read: HashMap<String, Vec<i64>> = HashMap::new();
        loop {
            if infer {
                infer_single_unknowns(&named, &mut sizes);
            }
            let pending: Vec<(String, usize)> = named
                .iter()
                .filter(|n| !read.contains_key(&n.image.id))
                .filter(|n| !infer || n.layers.iter().any(|l| !sizes.contains_key(l)))
                .take(if infer { READS_AT_ONCE } else { usize::MAX })
                .map(|n| (n.image.id.clone(), n.layers.len()))
                .collect();
            if pending.is_empty() {
                break;
            }
            let histories = futures_util::stream::iter(pending)
                .map(|(id, count)| self.layer_sizes(id, count))
                .buffered(READS_AT_ONCE)
                .collect::<Vec<_>>()
                .await;
            for (id, got) in histories {
                let n = &named[index[&id]];
                if got.iter().sum::<i64>() != n.image.size {
                    infer = false;
                }
                for (l, s) in n.layers.iter().zip(&got) {
                    sizes.entry(l.clone()).or_insert(*s);
                }
                read.insert(id, got);
            }
        }
        Ok(named
            .iter()
            .map(|n| {
                let own = read.get(&n.image.id);
                let mut layers: Vec<(String, i64)> = n
                    .layers
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let size = match own {
                            Some(got) => got[i],
                            None => sizes.get(l).copied().unwrap_or_default(),
                        };
                        (l.clone(), size)
                    })
                    .collect();
                // Podman's image size also counts the image's own manifest and config: bytes
                // only this image holds, which deleting it frees. Docker's is its layers alone.
                let extra = n.image.size - layers.iter().map(|(_, s)| s).sum::<i64>();
                if self.is_podman() && extra > 0 {
                    layers.push((format!("{}#metadata", n.image.id), extra));
                }
                (n.image.id.clone(), layers)
            })
            .collect())
    }

    /// A listed image with its layers' diff IDs; `None` when it was removed while we counted.
    async fn named(&self, image: ImageSummary) -> Result<Option<Named>> {
        match self.get(&image.id).await {
            Ok(d) => Ok(Some(Named {
                image,
                layers: d.layers,
            })),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The bytes of each of an image's `count` layers, oldest first, from its history.
    async fn layer_sizes(&self, id: String, count: usize) -> (String, Vec<i64>) {
        let history = self.history(&id).await.unwrap_or_default();
        // History is newest first; layers are oldest first. Non-empty steps map 1:1.
        let mut sizes: Vec<i64> = history
            .iter()
            .rev()
            .filter(|h| !h.empty_layer)
            .map(|h| h.size)
            .collect();
        sizes.resize(count, 0);
        (id, sizes)
    }
}

/// Give each image with exactly one layer of unknown bytes that layer's bytes (its size less
/// its known layers), until no image has a single unknown left. A remainder below zero is no
/// answer: that image's history is read instead.
fn infer_single_unknowns(named: &[Named], sizes: &mut HashMap<String, i64>) {
    loop {
        let mut learnt = false;
        for n in named {
            let mut unknown = n.layers.iter().filter(|l| !sizes.contains_key(*l));
            let (Some(only), None) = (unknown.next(), unknown.next()) else {
                continue;
            };
            // The same diff twice in one image counts its bytes twice in the size.
            let copies = n.layers.iter().filter(|l| *l == only).count() as i64;
            let known: i64 = n.layers.iter().filter_map(|l| sizes.get(l)).sum();
            let rest = n.image.size - known;
            if rest >= 0 && rest % copies == 0 {
                sizes.insert(only.clone(), rest / copies);
                learnt = true;
            }
        }
        if !learnt {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(id: &str, size: i64) -> ImageSummary {
        ImageSummary {
            id: id.into(),
            tags: vec![],
            digests: vec![],
            parent_id: String::new(),
            created: 0,
            size,
            shared_size: -1,
            containers: 0,
            labels: Default::default(),
        }
    }

    #[test]
    fn images_on_a_known_base_get_their_own_layer_from_their_size() {
        let (a, b, c) = (image("a", 15), image("b", 17), image("c", 30));
        let named = vec![
            Named {
                image: a.clone(),
                layers: vec!["base".into(), "a1".into()],
            },
            Named {
                image: b.clone(),
                layers: vec!["base".into(), "b1".into()],
            },
            Named {
                image: c.clone(),
                layers: vec!["base".into(), "b1".into(), "c1".into()],
            },
        ];
        let mut sizes = HashMap::from([("base".to_owned(), 10)]);
        infer_single_unknowns(&named, &mut sizes);
        assert_eq!(sizes["a1"], 5);
        assert_eq!(sizes["b1"], 7);
        // Learnt from b, then used for c.
        assert_eq!(sizes["c1"], 13);
    }

    #[test]
    fn two_unknown_layers_or_a_size_that_does_not_add_up_are_left_to_the_history() {
        let (a, b) = (image("a", 15), image("b", 3));
        let named = vec![
            Named {
                image: a.clone(),
                layers: vec!["x".into(), "y".into()],
            },
            Named {
                image: b.clone(),
                layers: vec!["base".into(), "b1".into()],
            },
        ];
        let mut sizes = HashMap::from([("base".to_owned(), 10)]);
        infer_single_unknowns(&named, &mut sizes);
        assert!(!sizes.contains_key("x") && !sizes.contains_key("y"));
        assert!(!sizes.contains_key("b1"), "{sizes:?}");
    }
}
