"""A real till against vtpe's terminal: the Odoo point-of-sale add-on `l10n_fr_pos_caisse_ap_ip` (PyPI
`odoo-addon-l10n-fr-pos-caisse-ap-ip`, its own unmodified code) builds the Caisse-AP requests, sends them to a headless
`vtpe terminal --ecr caisse-ap` and parses the answers, as Odoo's point of sale does when a cashier takes a card
payment. Odoo itself is not on PyPI: the test gives the add-on a stand-in for the few Odoo names it imports (`models`,
`fields`, `api`, `ValidationError`) and for what it reads of its environment (`env._`, the payment method and its
currency). Sales,
a refund, a decline, the cashier's Cancel and the input time-out, each checked on the gateway with stripe-python."""
import importlib.util
import subprocess
import sys
import sysconfig
import threading
import time
import types
from pathlib import Path

import pytest
import stripe

from conftest import launch_terminal, vtpe_binary


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_addon():
    """The add-on's `pos_payment_method` module, loaded from the installed wheel against the stand-in Odoo."""
    path = Path(sysconfig.get_paths()["purelib"]) / "odoo/addons/l10n_fr_pos_caisse_ap_ip/models/pos_payment_method.py"
    if not path.exists():
        pytest.fail(f"the Odoo add-on is not installed at {path} (make test installs tests/requirements-nodeps.txt)")
    odoo = types.ModuleType("odoo")

    class Model:
        pass

    odoo.models = types.SimpleNamespace(Model=Model)
    odoo.fields = types.SimpleNamespace(Selection=lambda *a, **k: k.get("default"), Char=lambda *a, **k: None,
                                        Integer=lambda *a, **k: k.get("default"))
    odoo.api = types.SimpleNamespace(constrains=lambda *a: (lambda f: f), model=lambda f: f)
    exceptions = types.ModuleType("odoo.exceptions")
    exceptions.ValidationError = type("ValidationError", (Exception,), {})
    odoo.exceptions = exceptions
    saved = {name: sys.modules.get(name) for name in ("odoo", "odoo.exceptions")}
    sys.modules.update({"odoo": odoo, "odoo.exceptions": exceptions})
    try:
        spec = importlib.util.spec_from_file_location("caisse_ap_odoo_addon", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
    return module


def translate(text, *args, **kwargs):
    """Odoo's `env._`: the text (untranslated), formatted with its arguments."""
    return text % (kwargs or args) if (kwargs or args) else text


class Environment(dict):
    """Odoo's `self.env`: models by name, and `_`."""
    _ = staticmethod(translate)


class Euro:
    """The `res.currency` record the add-on reads."""
    name = "EUR"
    decimal_places = 2

    @staticmethod
    def compare_amounts(a, b):
        return (round(a - b, 2) > 0) - (round(a - b, 2) < 0)


def payment_method(module, port):
    """A point-of-sale payment method configured for the terminal, as Odoo's record would be."""
    method = module.PosPaymentMethod()
    method.fr_caisse_ap_ip_address = "127.0.0.1"
    method.fr_caisse_ap_ip_port = port
    method.fr_caisse_ap_ip_mode = "card"
    method.use_payment_terminal = "fr-caisse_ap_ip"
    method.display_name = "Carte bancaire (TPE)"
    method.env = Environment({"res.currency": types.SimpleNamespace(browse=lambda _id: Euro())})
    method.browse = lambda _id: method
    method.ensure_one = lambda: None
    return method


@pytest.fixture
def till(request, gateway, monkeypatch):
    monkeypatch.setenv("VTPE_ECR_INPUT_TIMEOUT", "3")
    port = free_port()
    terminal = launch_terminal(request, gateway, extra_args=["--ecr", f"caisse-ap:127.0.0.1:{port}"])
    method = payment_method(load_addon(), port)
    return terminal, method


def pay(method, amount, timeout_ms=30000):
    """The add-on's call from the point of sale, in the background: the cashier waits while the customer pays."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(method.fr_caisse_ap_ip_send_payment(
        {"payment_method_id": 1, "amount": amount, "currency_id": 1, "timeout": timeout_ms})))
    thread.start()
    return thread, result


def waiting_for_card(terminal, amount_text):
    deadline = time.monotonic() + 10
    while f"WAITING_FOR_CARD amount=EUR {amount_text}" not in terminal.log.read_text(errors="replace"):
        assert time.monotonic() < deadline, terminal.log.read_text(errors="replace")[-2000:]
        time.sleep(0.05)


def test_a_sale_and_a_refund_from_odoo(till, gateway):
    terminal, method = till
    thread, result = pay(method, 12.34)
    waiting_for_card(terminal, "12.34")
    terminal.tap("visa", expect_exit=0)
    thread.join(15)
    assert result["payment_status"] == "success", result
    assert result["card_type"] == "Application CB sans contact (code B) - Read mode: sans contact (code 2)"
    fields = dict(part.split("-", 1) for part in result["transaction_id"].split("|"))
    assert fields["AA"] == "424242######4242" and fields["AI"] == "A0000000031010" and fields["CD"] == "0"
    # On the gateway: the card-present payment, with the authorization code the till got.
    intent = stripe.PaymentIntent.list(limit=1, expand=["data.latest_charge"]).data[0]
    assert intent.amount == 1234 and intent.status == "succeeded" and intent.metadata["terminal_id"]
    # The till that asked is kept on the payment.
    assert intent.metadata["caisse_ap_till"] == "01" and intent.metadata["caisse_ap_protocol_id"] == "012345678901"
    assert intent.latest_charge.payment_method_details.card_present.last4 == "4242"
    assert intent.latest_charge.payment_method_details.card_present.authorization_code == fields["AC"]

    thread, result = pay(method, -5.0)
    waiting_for_card(terminal, "5.00 kind=refund")
    terminal.tap("visa", expect_exit=0)
    thread.join(15)
    assert result["payment_status"] == "success" and "CD-1" in result["transaction_id"], result
    refund = stripe.Refund.list(limit=1).data[0]
    assert refund.amount == 500 and refund.status == "succeeded" and refund.metadata["caisse_ap_till"] == "01"


def test_a_decline_the_cashiers_cancel_and_the_input_timeout(till, gateway):
    terminal, method = till
    thread, result = pay(method, 44.0)
    waiting_for_card(terminal, "44.00")
    terminal.tap("visa_insufficient_funds", expect_exit=3)
    thread.join(15)
    assert result == {"payment_status": "failure", "error_message": "The payment transaction has failed: Refusée"}

    thread, result = pay(method, 7.0)
    waiting_for_card(terminal, "7.00")
    subprocess.run([vtpe_binary(), "keypad", "C", "--terminal", str(terminal.socket)], capture_output=True, timeout=20)
    thread.join(15)
    assert result["payment_status"] == "failure" and result["error_message"].endswith("Abandon Opérateur"), result

    thread, result = pay(method, 3.0)
    thread.join(20)
    assert result["payment_status"] == "failure" and result["error_message"].endswith("Time-out saisie"), result
    declined = stripe.PaymentIntent.list(limit=5).data
    assert [i.amount for i in declined if i.status == "requires_payment_method"][:1] == [4400]
