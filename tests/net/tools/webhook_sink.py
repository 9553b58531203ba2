#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# webhook_sink.py - a tiny HTTP listener for the alert webhook test: every
# POST body is appended as one line to OUTFILE, prefixed by the request's
# path and Content-Type. Binds loopback only (run it inside a namespace).
# Usage: webhook_sink.py PORT OUTFILE
import http.server
import sys

out = sys.argv[2]


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        ctype = self.headers.get("Content-Type", "")
        with open(out, "a") as f:
            f.write("%s\t%s\t%s\n" % (self.path, ctype, body.replace("\n", " ")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Sink)
open(out + ".ready", "w").close()
srv.serve_forever()
