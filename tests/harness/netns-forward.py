#!/usr/bin/env python3
"""Make host-loopback TCP ports reachable inside another network namespace.

    netns-forward.py NETNS_PATH PORT [PORT...] [--state=DIR]

Listens on 127.0.0.1:PORT *inside* the network namespace NETNS_PATH (e.g.
/proc/PID/ns/net of the harness' podman service) and relays every connection
to 127.0.0.1:PORT of the namespace this process was started in (the host).
Used by engines.sh so the podman service, which runs in a private network
namespace (so netavark bridges / firewall rules never touch the host), can
still pull from and push to the harness registries as 127.0.0.1:PORT.

Needs CAP_SYS_ADMIN (setns). Runs until killed. Prints "ready" on stdout once
all listeners are bound.
"""

import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def handle(conn: socket.socket, port: int) -> None:
    try:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
        upstream.settimeout(None)
    except OSError:
        conn.close()
        return
    t = threading.Thread(target=pump, args=(upstream, conn), daemon=True)
    t.start()
    pump(conn, upstream)
    t.join()
    conn.close()
    upstream.close()


def serve(listener: socket.socket, port: int) -> None:
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn, port), daemon=True).start()


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    netns_path = sys.argv[1]
    # "--state=..." (ignored) only tags the process for the harness' cleanup
    ports = [int(p) for p in sys.argv[2:] if not p.startswith("--")]

    host_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
    target_ns = os.open(netns_path, os.O_RDONLY)
    # Still single-threaded here: switch, bind the listeners (a socket stays
    # in the namespace it was created in), switch back. Threads created
    # afterwards, and the upstream sockets they open, live in the host ns.
    setns(target_ns)
    listeners = []
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(128)
        listeners.append((s, port))
    setns(host_ns)
    os.close(host_ns)
    os.close(target_ns)

    threads = [
        threading.Thread(target=serve, args=(s, port), daemon=True) for s, port in listeners
    ]
    for t in threads:
        t.start()
    print("ready", flush=True)
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
