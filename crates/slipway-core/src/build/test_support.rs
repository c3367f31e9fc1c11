//! Helpers shared by the build context's unit tests: trees on disk and tars read back.

use super::context::{PreparedContext, prepare};
use super::dockerignore::DockerIgnore;
use super::stream::tar_stream;
use futures_util::StreamExt;
use std::fs;
use std::io::Read;
use std::path::Path;

pub(super) fn ignore(text: &str) -> DockerIgnore {
    DockerIgnore::parse(text).expect("valid .dockerignore")
}

/// Build a tree: `("dir/file", Some("contents"))` is a file, `("dir", None)` a folder.
pub(super) fn tree(entries: &[(&str, Option<&str>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in entries {
        let full = dir.path().join(path);
        match contents {
            Some(text) => {
                fs::create_dir_all(full.parent().unwrap()).unwrap();
                fs::write(&full, text).unwrap();
            }
            None => fs::create_dir_all(&full).unwrap(),
        }
    }
    dir
}

pub(super) struct TarEntry {
    pub(super) path: String,
    pub(super) kind: tar::EntryType,
    pub(super) link: Option<String>,
    pub(super) data: Vec<u8>,
    pub(super) mode: u32,
    pub(super) uid: u64,
    pub(super) gid: u64,
}

pub(super) async fn tar_bytes(prepared: PreparedContext) -> Vec<u8> {
    let mut stream = std::pin::pin!(tar_stream(prepared));
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.expect("tar chunk"));
    }
    out
}

pub(super) fn read_tar(bytes: &[u8]) -> Vec<TarEntry> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let link = entry
                .link_name()
                .unwrap()
                .map(|l| l.to_string_lossy().into_owned());
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            TarEntry {
                path,
                kind: header.entry_type(),
                link,
                data,
                mode: header.mode().unwrap(),
                uid: header.uid().unwrap(),
                gid: header.gid().unwrap(),
            }
        })
        .collect()
}

pub(super) async fn tar_of(dir: &Path, dockerfile: Option<&Path>) -> Vec<TarEntry> {
    read_tar(&tar_bytes(prepare(dir, dockerfile).unwrap()).await)
}

pub(super) fn paths(entries: &[TarEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.path.as_str()).collect()
}

pub(super) fn find<'a>(entries: &'a [TarEntry], path: &str) -> &'a TarEntry {
    entries
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("{path} missing from the tar: {:?}", paths(entries)))
}
