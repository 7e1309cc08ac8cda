#!/usr/bin/env python3
"""The live page in a real browser (headless Chromium, driven over the DevTools protocol).

A month of simulated pushes is replayed into a ledger at once, then its last pushes at a push
every 3 s by a `dlms2mqtt run` that serves the page. The browser must show the
power of the latest push, one bar per hour of today and per day of this month, update when the
next push arrives without a reload, and keep its layout at a phone's width. Screenshots of both
widths are written where --screenshots says.

    live_page_test.py --exe build/debug/bridge/dlms2mqtt --screenshots build/debug/test/browser

Exit status 0: passed, 1: failed, 77: skipped (no Chromium).
"""
import argparse
import base64
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PUSH_SECONDS = 3    # the pace of the pushes the page watches
HISTORY_STEP = 300  # seconds of the meter's clock between simulated pushes
LIVE_PUSHES = 12    # the last pushes of the month, replayed at PUSH_SECONDS while the browser looks
KEYS = {  # the published demo keys of `dlms2mqtt simulate`, not a real meter's
    "DLMS2MQTT_METER_ENCRYPTION_KEY": "D3400000000000000000000000000064",
    "DLMS2MQTT_METER_AUTHENTICATION_KEY": "D3400000000000000000000000000065",
}


class Failed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failed(what)
    print("ok:", what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what):
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise Failed("timed out after %d s waiting for %s" % (timeout, what))


class Browser:
    """Chromium with --remote-debugging-pipe: JSON messages ended by NUL on fds 3 (in) and 4 (out)."""

    def __init__(self, chromium, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child_fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
             "--disable-extensions", "--remote-debugging-pipe", "--user-data-dir=" + profile, "about:blank"],
            preexec_fn=child_fds, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.next_id = 0
        self.buffer = b""
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def call(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and hasattr(self, "session"):
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Failed("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                raise Failed("Chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise Failed("%s threw: %s" % (expression, result["exceptionDetails"]))
        return result["result"].get("value")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close", session=False)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe", required=True)
    parser.add_argument("--screenshots", required=True)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("skipped: no chromium (Debian's chromium package)")
        return 77
    exe = os.path.abspath(args.exe)
    os.makedirs(args.screenshots, exist_ok=True)
    work = tempfile.mkdtemp(prefix="dlms2mqtt-browser-")
    processes = []
    browser = None
    env = dict(os.environ, TZ="Europe/Copenhagen", **KEYS)
    env.update({"DLMS2MQTT_MQTT_ENABLED": "false", "DLMS2MQTT_LEDGER_PATH": os.path.join(work, "ledger.sqlite"),
                "DLMS2MQTT_METER_PUSH_INTERVAL": str(PUSH_SECONDS)})
    config = os.path.join(work, "config.yaml")  # empty: a real /etc/dlms2mqtt/config.yaml must not count
    open(config, "w").close()
    os.environ["TZ"] = "Europe/Copenhagen"
    time.tzset()
    try:
        # This month until now, a push every 5 minutes of the meter's clock, in one simulation
        # (one invocation counter, registers that only grow): all but the last LIVE_PUSHES are
        # replayed at once, the rest at the meter's pace by the daemon that serves the page.
        now = int(time.time())
        today = datetime.date.today()
        month_start = int(time.mktime(today.replace(day=1).timetuple()))
        count = (now - month_start) // HISTORY_STEP
        capture = os.path.join(work, "month.hex")
        subprocess.run([exe, "simulate", "--out", capture, "--hex", "--fast", "--start", str(month_start),
                        "--interval", str(HISTORY_STEP), "--count", str(count)], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        with open(capture) as f:
            frames = [line for line in f if line.strip()]
        check(len(frames) == count, "%d pushes simulated since %s" % (count, today.replace(day=1)))
        history, live_part = os.path.join(work, "history.hex"), os.path.join(work, "live.hex")
        with open(history, "w") as f:
            f.writelines(frames[:-LIVE_PUSHES])
        with open(live_part, "w") as f:
            f.writelines(frames[-LIVE_PUSHES:])
        subprocess.run([exe, "run", "--config", config, "--replay", history, "--fast"], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)

        port = free_port()
        daemon_log = open(os.path.join(work, "daemon.log"), "w")
        env_run = dict(env, DLMS2MQTT_HTTP_LISTEN="127.0.0.1:%d" % port)
        processes.append(subprocess.Popen([exe, "run", "--config", config, "--replay", live_part], env=env_run,
                                          stdout=daemon_log, stderr=subprocess.STDOUT))
        base = "http://127.0.0.1:%d/" % port

        def api(path):
            with urllib.request.urlopen(base + path, timeout=5) as r:
                return json.load(r)

        def first_push():
            try:
                return api("api/live")["sequence"] >= 1
            except OSError:
                return False
        wait_until(first_push, 30, "the daemon's first live push")

        browser = Browser(chromium, os.path.join(work, "profile"))
        browser.call("Runtime.enable")
        browser.call("Page.enable")
        browser.call("Network.enable")
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 1350, "deviceScaleFactor": 1, "mobile": False})
        rows_before = api("api/ledger?every=hour&from=today&to=today")
        browser.call("Page.navigate", {"url": base})

        def drawn():
            return browser.evaluate(
                "(() => { const p = document.getElementById('power'); const t = window.Chart && Chart.getChart('today');"
                " return p && p.dataset.watts && t && t.data.labels.length > 0 ? true : false; })()")
        wait_until(drawn, 30, "the page to show the power and today's bars")

        page = browser.evaluate(
            "({sequence: Number(document.body.dataset.sequence), watts: Number(document.getElementById('power').dataset.watts),"
            " text: document.getElementById('power').textContent, origin: performance.timeOrigin,"
            " today: Chart.getChart('today').data.datasets[0].data.length,"
            " month: Chart.getChart('month').data.datasets[0].data.length})")
        print("page:", page)

        # The power shown is the push's: the state of that push, as /api/state gives it now or the
        # next one (a push may land between the two reads).
        live = api("api/live")
        state = live["meters"]["12345678"]["state"]
        if live["sequence"] == page["sequence"]:
            check(page["watts"] == state["power_net"], "the page shows the latest push's power (%s W)" % page["watts"])
        check(page["text"].replace(",", "").startswith(str(round(page["watts"]))) or "kW" in page["text"],
              "the power is written out: %r" % page["text"])

        # One bar per hour of today and per day of this month, as far as the ledger has written:
        # the history up to LIVE_PUSHES pushes ago, then each live push (a write per push, as
        # each moves the meter's clock by 5 minutes).
        rows_after = api("api/ledger?every=hour&from=today&to=today")
        check(page["today"] in (len(rows_before), len(rows_after)),
              "as many bars as the ledger had hours today (%d, %d)" % (len(rows_before), len(rows_after)))
        history_end = datetime.datetime.fromtimestamp(month_start + (count - LIVE_PUSHES - 1) * HISTORY_STEP)
        first, last = (history_end.hour + 1 if history_end.date() == today else 0), datetime.datetime.now().hour + 1
        check(first <= page["today"] <= last, "%d bars for today: from %d to %d" % (page["today"], first, last))
        check(history_end.day <= page["month"] <= today.day and page["month"] >= today.day - 1,
              "%d bars for this month, today the %d." % (page["month"], today.day))

        # The next push shows without a reload (the document is the same one: same time origin).
        def updated():
            now_page = browser.evaluate("({sequence: Number(document.body.dataset.sequence), origin: performance.timeOrigin,"
                                        " watts: Number(document.getElementById('power').dataset.watts)})")
            return now_page if now_page["sequence"] > page["sequence"] else None
        after = wait_until(updated, 4 * PUSH_SECONDS + 5, "the next push on the page")
        check(after["origin"] == page["origin"], "updated without a reload (sequence %d -> %d)"
              % (page["sequence"], after["sequence"]))
        exceptions = [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"]
        check(not exceptions, "no script error on the page: %s" % exceptions[:1])
        loaded = sum(e["params"]["encodedDataLength"] for e in browser.events
                     if e.get("method") == "Network.loadingFinished")
        print("bytes received so far (page, assets, API calls): %d" % loaded)
        # The whole page, as tall as its content.
        height = browser.evaluate("Math.ceil(document.querySelector('main').getBoundingClientRect().bottom) + 12")
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": False})
        time.sleep(0.5)
        browser.screenshot(os.path.join(args.screenshots, "live-page.png"))

        # A phone: nothing wider than the screen, every card inside it.
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
        time.sleep(1)
        layout = browser.evaluate(
            "({width: window.innerWidth, scroll: document.documentElement.scrollWidth,"
            " widest: Math.max(...[...document.querySelectorAll('.card, canvas, table')].map(e => e.getBoundingClientRect().right))})")
        check(layout["scroll"] <= layout["width"] and layout["widest"] <= layout["width"] + 0.5,
              "the layout holds at a phone's width: %s" % layout)
        browser.screenshot(os.path.join(args.screenshots, "live-page-phone.png"))
        print("passed")
        return 0
    except Failed as e:
        print("FAILED:", e)
        log = os.path.join(work, "daemon.log")
        if os.path.exists(log):
            print("daemon log:\n" + open(log).read()[-4000:])
        return 1
    finally:
        if browser:
            browser.close()
        for p in reversed(processes):  # by PID, newest first
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
