"""Payouts through stripe-python: the daily settlement (run now by vtpe's test helper) moves the available balance
into a payout; `stripe.Payout.list` / `retrieve` and `stripe.BalanceTransaction.list(payout=…)` show it and what it
settled. The gateway runs with funds available at once (`available_after_days: 0` in its fee file)."""
import pytest
import stripe

from conftest import api_request, fresh_data_dir, launch_gateway


@pytest.fixture
def instant_gateway(request):
    data_dir = fresh_data_dir(request, "vtpe-payouts-")
    (data_dir / "fees.yaml").write_text("card: { percent: 2.9, fixed: 30 }\ncard_present: { percent: 2.7, fixed: 5 }\navailable_after_days: 0\n")
    gw = launch_gateway(request, "sqlite", data_dir=data_dir)
    stripe.api_key, stripe.api_base, stripe.max_network_retries = gw.api_key, gw.url, 0
    return gw


def test_the_settlement_pays_out_what_is_available(instant_gateway):
    gw = instant_gateway
    intent = stripe.PaymentIntent.create(amount=5000, currency="eur", payment_method="pm_card_visa", confirm=True)
    stripe.Refund.create(payment_intent=intent.id, amount=1000)
    assert stripe.Balance.retrieve().available[0].amount == 5000 - 175 - 1000

    status, _, settled = api_request(gw.url, gw.api_key, "POST", "/v1/vtpe/test_helpers/payouts/settle")
    assert status == 200 and len(settled["data"]) == 1
    payout = stripe.Payout.retrieve(settled["data"][0]["id"])
    assert payout.object == "payout" and payout.amount == 3825 and payout.currency == "eur" and payout.status == "paid"
    assert [p.id for p in stripe.Payout.list(limit=10).data] == [payout.id]
    kinds = sorted((t.type, t.net) for t in stripe.BalanceTransaction.list(payout=payout.id).data)
    assert kinds == [("charge", 4825), ("payout", -3825), ("refund", -1000)]
    assert stripe.Balance.retrieve().available[0].amount == 0
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Payout.create(amount=100, currency="eur")
