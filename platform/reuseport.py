"""One of several ASGI server processes on one port (`make run WEB_PROCESSES=N`, platform/supervision.py).

    python platform/reuseport.py HOST PORT

The process binds a listening socket of its own with SO_REUSEPORT and serves it with uvicorn (the
options of supervision.web_command); the kernel spreads new connections over the sockets of all
the processes on the port, by a hash of each connection's addresses. uvicorn's own `--workers`
shares one socket instead, and asyncio accepts up to 100 waiting connections per wake-up: a burst
of phones then lands on whichever process woke first (tests/platform/test_web_processes.py saw
10 of 10 on one process that way). supervisord runs N of these and restarts each on its own.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # supervision.py, beside this file
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # the project: config.asgi

import uvicorn
from supervision import UVICORN_APP, UVICORN_OPTIONS


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host.strip("[]"), port))
    return sock


def main(argv: list[str]) -> int:
    host, port = argv[0], int(argv[1])
    sock = listening_socket(host, port)
    uvicorn.Server(uvicorn.Config(UVICORN_APP, host=host, port=port, **UVICORN_OPTIONS)).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
