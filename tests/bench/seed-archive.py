#!/usr/bin/env python3
"""Write a docker-archive (the `docker save` format) holding COUNT distinct images, for the
benches to seed an engine with one `load` instead of COUNT builds.

usage: seed-archive.py COUNT PREFIX OUT.tar [FIRST] [NAMES]

Image i (FIRST <= i < FIRST + COUNT) has two layers: one shared by all (so sizes have a shared
part) and one of its own (a small file naming it, so each has unique bytes), and NAMES names
(default 1): PREFIX/img<i % 50>:v<i>, then PREFIX/img<i % 50>:v<i>-<n>. Docker and Podman both
load it.
"""
import hashlib
import io
import json
import sys
import tarfile

count, prefix, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
names = int(sys.argv[5]) if len(sys.argv) > 5 else 1


def layer(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def add(t, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1700000000
    t.addfile(info, io.BytesIO(data))


shared = layer([("shared.bin", bytes(range(256)) * 64)])
shared_id = hashlib.sha256(shared).hexdigest()
manifest = []
with tarfile.open(out, mode="w", format=tarfile.USTAR_FORMAT) as t:
    add(t, f"{shared_id}/layer.tar", shared)
    for i in range(first, first + count):
        own = layer([(f"img-{i}.txt", (f"image {i}\n" * 32).encode())])
        own_id = hashlib.sha256(own).hexdigest()
        add(t, f"{own_id}/layer.tar", own)
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "created": f"2026-01-01T00:00:{i % 60:02d}.{i:09d}Z",
                "config": {"Labels": {"slipway.bench": str(i)}, "Cmd": ["/hello"]},
                "rootfs": {
                    "type": "layers",
                    "diff_ids": [f"sha256:{shared_id}", f"sha256:{own_id}"],
                },
                "history": [
                    {"created": "2026-01-01T00:00:00Z", "created_by": "shared layer"},
                    {"created": "2026-01-01T00:00:00Z", "created_by": f"layer of image {i}"},
                ],
            },
            sort_keys=True,
        ).encode()
        config_id = hashlib.sha256(config).hexdigest()
        add(t, f"{config_id}.json", config)
        manifest.append(
            {
                "Config": f"{config_id}.json",
                "RepoTags": [f"{prefix}/img{i % 50}:v{i}"]
                + [f"{prefix}/img{i % 50}:v{i}-{n}" for n in range(1, names)],
                "Layers": [f"{shared_id}/layer.tar", f"{own_id}/layer.tar"],
            }
        )
    add(t, "manifest.json", json.dumps(manifest).encode())
