#!/usr/bin/env python3
"""A stand-in for the Supervisor's services API on 127.0.0.1, for the add-on entry-point test.

  fake_supervisor.py MODE DIR     MODE: ok (the Mosquitto add-on's MQTT service) or none (no service)

The service's host and port are FAKE_MQTT_HOST and FAKE_MQTT_PORT when set. Listens on a free loopback port and writes it to DIR/port once listening. Answers GET
/services/mqtt like the Supervisor: 401 without `Authorization: Bearer <$FAKE_TOKEN>`. Every
request is appended to DIR/requests as "METHOD PATH auth=ok|bad".
"""
import http.server
import json
import os
import sys

MODE, DIR = sys.argv[1], sys.argv[2]
TOKEN = os.environ["FAKE_TOKEN"]
SERVICE = {"host": os.environ.get("FAKE_MQTT_HOST", "core-mosquitto"),
           "port": int(os.environ.get("FAKE_MQTT_PORT", "1883")), "ssl": False, "protocol": "3.1.1",
           "username": "addons", "password": os.environ.get("FAKE_MQTT_PASSWORD", ""),
           "addon": "core_mosquitto"}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        auth_ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
        with open(os.path.join(DIR, "requests"), "a", encoding="utf-8") as f:
            f.write(f"GET {self.path} auth={'ok' if auth_ok else 'bad'}\n")
        if not auth_ok:
            self.reply(401, {"result": "error", "message": "Unauthorized"})
        elif self.path != "/services/mqtt":
            self.reply(404, {"result": "error", "message": "Not found"})
        elif MODE == "ok":
            self.reply(200, {"result": "ok", "data": SERVICE})
        else:
            self.reply(400, {"result": "error", "message": "No MQTT service available"})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
