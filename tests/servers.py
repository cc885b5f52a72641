"""Local servers the storage tests read and write through, all on 127.0.0.1: an
S3-compatible server (moto's server mode, a separate process speaking the S3 protocol),
a proxy in front of it that counts the bytes it sends back, a server that accepts
connections and never answers, and an HTTP file server that serves byte ranges."""

from __future__ import annotations

import http.server
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    """``python -m moto.server`` on 127.0.0.1, with one access key its IAM accepts
    (``key_id``, ``access_key``): the server checks every request's signature, so wrong
    or missing credentials are refused as by AWS."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            # The first requests (below: the IAM user and its key) need no signature;
            # every later one is checked against moto's IAM.
            "INITIAL_NO_AUTH_ACTION_COUNT": "3",
            "MOTO_PORT": str(self.port),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the moto S3 server did not start") from None
                time.sleep(0.1)
        import boto3

        iam = boto3.client(
            "iam",
            endpoint_url=self.endpoint,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
            region_name="us-east-1",
        )
        iam.create_user(UserName="daft")
        allow_s3 = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        )
        iam.put_user_policy(UserName="daft", PolicyName="s3", PolicyDocument=allow_s3)
        key = iam.create_access_key(UserName="daft")["AccessKey"]
        self.key_id = key["AccessKeyId"]
        self.access_key = key["SecretAccessKey"]

    def client(self):  # noqa: ANN201 (boto3's client type)
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.access_key,
            region_name="us-east-1",
        )

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class _Relay(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class CountingProxy:
    """A TCP proxy to ``target_port`` that counts the bytes the target sends back
    (``received``): what a client fetched, headers included. With ``upload_delay``, it
    waits that many seconds per 64 KiB the client sends (a slow uplink)."""

    def __init__(self, target_port: int, upload_delay: float = 0.0) -> None:
        self.received = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                upstream = socket.create_connection(("127.0.0.1", target_port))

                def pump(src: socket.socket, dst: socket.socket, count: bool) -> None:
                    try:
                        while data := src.recv(65536):
                            if count:
                                with proxy._lock:
                                    proxy.received += len(data)
                            elif upload_delay:
                                time.sleep(upload_delay)
                            dst.sendall(data)
                    except OSError:
                        pass
                    finally:
                        for s in (src, dst):
                            try:
                                s.shutdown(socket.SHUT_RDWR)
                            except OSError:
                                pass

                back = threading.Thread(target=pump, args=(upstream, self.request, True))
                back.start()
                pump(self.request, upstream, False)
                back.join()
                upstream.close()

        self.server = _Relay(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.received = 0

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class StallingServer:
    """Accepts connections and never answers: a server that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._held: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._held.append(conn)

    def stop(self) -> None:
        self._stop = True
        self.sock.close()
        for c in self._held:
            c.close()


class ThrottlingServer:
    """Answers every request with S3's 503 SlowDown, counting the requests: a store
    that throttles whatever the client does."""

    BODY = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
        b"<Message>Please reduce your request rate.</Message></Error>"
    )

    def __init__(self) -> None:
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, body: bool) -> None:
                server.requests += 1
                self.send_response(503)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(ThrottlingServer.BODY)))
                self.end_headers()
                if body:
                    self.wfile.write(ThrottlingServer.BODY)

            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                self._answer(True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(False)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class RangeFileServer:
    """Serves the files of ``root`` over HTTP on 127.0.0.1, with ``Range`` requests
    answered by 206 Partial Content as object stores and CDNs do (the standard
    library's server ignores ``Range``); ``received`` counts the body bytes sent."""

    def __init__(self, root: Path) -> None:
        self.received = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _file(self) -> Path | None:
                p = (root / self.path.lstrip("/").split("?")[0]).resolve()
                return p if p.is_file() and root.resolve() in p.parents else None

            def do_HEAD(self) -> None:  # noqa: N802 (the standard library's name)
                self._serve(body=False)

            def do_GET(self) -> None:  # noqa: N802
                self._serve(body=True)

            def _serve(self, body: bool) -> None:
                p = self._file()
                if p is None:
                    self.send_error(404)
                    return
                data = p.read_bytes()
                start, end = 0, len(data) - 1
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes="):
                    a, _, b = rng[len("bytes=") :].partition("-")
                    if a == "":
                        start = max(0, len(data) - int(b))
                    else:
                        start = int(a)
                        end = min(end, int(b)) if b else end
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
                else:
                    self.send_response(200)
                chunk = data[start : end + 1]
                self.send_header("Content-Length", str(len(chunk)))
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Last-Modified", self.date_time_string(int(p.stat().st_mtime)))
                self.send_header("ETag", f'"{p.stat().st_mtime_ns}-{len(data)}"')
                self.end_headers()
                if body:
                    server.received += len(chunk)
                    self.wfile.write(chunk)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
