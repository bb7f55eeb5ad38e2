"""Run an ASGI app (a fake service, or a webhook receiver) on a free loopback port in a background thread.

Binding the socket ourselves, before uvicorn starts, means the port is known up front and no other process
can take it between "find a free port" and "listen on it".
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


class ServerThread:
    """A uvicorn server on 127.0.0.1:<free port>; use as a context manager or call start()/stop()."""

    def __init__(self, app, *, host: str = "127.0.0.1") -> None:
        self._app = app
        self._host = host
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self, timeout: float = 10.0) -> ServerThread:
        if self._server is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self._host, 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self._app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        # uvicorn only installs signal handlers on the main thread, so running it in a thread is safe.
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        self.url = f"http://{self._host}:{port}"
        self._wait_until_accepting(port, timeout)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is None:
            return
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None
        self._thread = None

    def _wait_until_accepting(self, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._server is not None and self._server.started:
                try:
                    with socket.create_connection((self._host, port), timeout=0.5):
                        return
                except OSError:
                    pass
            if self._thread is not None and not self._thread.is_alive():
                raise RuntimeError("the server thread died while starting; see the log above")
            time.sleep(0.01)
        self.stop()
        raise TimeoutError(f"server on port {port} did not accept connections within {timeout}s")

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
