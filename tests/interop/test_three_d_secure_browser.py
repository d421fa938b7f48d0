"""The 3-D Secure challenge page in a real browser: headless Chromium (Debian's, installed by `make test`) loads the
page a `next_action` points to, the test clicks its button over the DevTools protocol, and the browser follows the
redirect back to the shop's `return_url` — a page this test serves on 127.0.0.1 — with Stripe's query parameters.
The intent's status is then checked with stripe-python. For payment intents and SetupIntents, completed and failed.
"""
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import stripe
import websocket

WAIT = 20  # seconds


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("headless Chromium is not installed (make test installs Debian's chromium package)")


class Shop:
    """The shop's return page: records every visit's query."""

    def __init__(self):
        self.visits = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/retour":  # not the browser's /favicon.ico
                    outer.visits.append(urllib.parse.parse_qs(url.query))
                body = b"<!doctype html><title>merci</title><p>Merci pour votre commande</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.return_url = f"http://127.0.0.1:{self.server.server_address[1]}/retour?commande=42"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for_visit(self):
        deadline = time.monotonic() + WAIT
        while not self.visits and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.visits, "the browser never came back to the shop's return_url"
        return {k: v[0] for k, v in self.visits[-1].items()}


class Browser:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="vtpe-chromium-")
        self.proc = subprocess.Popen(
            [chromium_binary(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-proxy-server",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + WAIT
        while not (port_file.exists() and port_file.read_text().strip()) and time.monotonic() < deadline:
            assert self.proc.poll() is None, "Chromium exited at start"
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        targets = json.loads(opener.open(f"http://127.0.0.1:{port}/json/list", timeout=5).read())
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=WAIT, suppress_origin=True)
        self.next_id = 0
        self.call("Page.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message.get("result", {})

    def wait_event(self, name):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("method") == name:
                return message
        pytest.fail(f"no {name} from Chromium")

    def open(self, url):
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, expression):
        """Evaluates `expression` until it is truthy (the page may still be loading), and returns its value."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.05)
        pytest.fail(f"{expression} never became true in Chromium")

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture
def browser():
    b = Browser()
    yield b
    b.close()


def authenticate_in_browser(browser, next_action, button):
    assert next_action.type == "redirect_to_url"
    browser.open(next_action.redirect_to_url.url)
    assert browser.evaluate("document.title") == "vtpe 3-D Secure test page"
    heading = browser.evaluate("document.querySelector('h1').textContent")
    browser.evaluate(f"document.querySelector('button[value={button}]').click()")
    return heading


@pytest.mark.parametrize("button,status,redirect", [("succeeded", "succeeded", "succeeded"), ("failed", "requires_payment_method", "failed")])
def test_a_payment_authenticated_in_chromium(gateway, browser, button, status, redirect):
    shop = Shop()
    intent = stripe.PaymentIntent.create(amount=3490, currency="eur", payment_method="pm_card_authenticationRequired",
                                         confirm=True, return_url=shop.return_url)
    assert intent.status == "requires_action"
    heading = authenticate_in_browser(browser, intent.next_action, button)
    assert heading == "3-D Secure test payment"
    back = shop.wait_for_visit()
    assert back["commande"] == "42" and back["payment_intent"] == intent.id
    assert back["payment_intent_client_secret"] == intent.client_secret and back["redirect_status"] == redirect
    assert "Merci" in browser.wait_for("document.readyState === 'complete' && document.body && document.body.textContent")
    assert stripe.PaymentIntent.retrieve(intent.id).status == status


def test_a_card_saved_with_authentication_in_chromium(gateway, browser):
    shop = Shop()
    customer = stripe.Customer.create()
    setup = stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_authenticationRequiredOnSetup",
                                      confirm=True, return_url=shop.return_url)
    assert setup.status == "requires_action"
    assert authenticate_in_browser(browser, setup.next_action, "succeeded") == "3-D Secure test: save a card"
    back = shop.wait_for_visit()
    assert back["setup_intent"] == setup.id and back["redirect_status"] == "succeeded"
    assert stripe.SetupIntent.retrieve(setup.id).status == "succeeded"
