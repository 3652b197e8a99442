"""moto_server with its backends entered by one request at a time.

moto's backends are not thread-safe, and `moto_server` serves each connection on its own thread: under load, an
AttachRolePolicy walking the roles (IAMBackend.get_role iterates self.roles.values()) while a CreateRole on another
thread adds one fails with "RuntimeError: dictionary changed size during iteration" and an HTML 500. Real AWS
answers each request atomically, so the tests' emulator should too. Connections are still accepted, read and
written on their own threads (many requests in flight, as a client sees AWS; werkzeug closes each connection after
its answer, as moto_server does); only moto's own work (the WSGI call, its body included) is under one lock.

    python3 moto_serial.py -p PORT [-H 127.0.0.1]

Otherwise as `moto_server` (moto/server.py's main): MOTO_PORT set to the port, the same dispatcher, SIGTERM exits.
"""

import argparse
import os
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def serialised(app):
    lock = threading.Lock()

    def call(environ, start_response):
        with lock:
            body = app(environ, start_response)
            try:
                # Materialised inside the lock: a lazily produced body would run moto code after the lock is let go.
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()

    return call


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    dispatcher = DomainDispatcherApplication(create_backend_app)
    dispatcher.debug = True
    run_simple(args.host, args.port, serialised(dispatcher), threaded=True)


if __name__ == "__main__":
    main()
