"""Card disputes through stripe-python, with Stripe's dispute test cards: a payment of `pm_card_createDispute` is
disputed once captured (`charge.dispute.created`, the funds withdrawn), the shop answers with `Dispute.modify`
(evidence, `submit`), and the evidence decides as in Stripe's test mode — `winning_evidence` wins (the funds come back),
`losing_evidence` loses; `Dispute.close` accepts the loss. The events reach a receiver that verifies them with
`stripe.Webhook.construct_event`."""
import time

import pytest
import stripe

from test_webhook_deliveries import Receiver

WAIT = 30


def disputed(card="pm_card_createDispute", amount=4200):
    intent = stripe.PaymentIntent.create(amount=amount, currency="eur", payment_method=card, confirm=True, expand=["latest_charge"])
    assert intent.status == "succeeded" and intent.latest_charge.disputed
    disputes = stripe.Dispute.list(payment_intent=intent.id).data
    assert len(disputes) == 1
    return intent, disputes[0]


def test_winning_evidence_gives_the_funds_back(gateway):
    receiver = Receiver()
    try:
        wanted = ["charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated", "charge.dispute.closed"]
        endpoint = stripe.WebhookEndpoint.create(url=receiver.url, enabled_events=wanted)
        receiver.secret = endpoint.secret
        intent, dispute = disputed()
        assert dispute.status == "needs_response" and dispute.reason == "fraudulent" and dispute.amount == 4200
        assert dispute.payment_method_details.card.brand == "visa" and dispute.evidence_details.due_by > time.time()
        assert stripe.BalanceTransaction.retrieve(dispute.balance_transactions[0]).net == -4200
        with pytest.raises(stripe.error.InvalidRequestError) as refused:
            stripe.Refund.create(payment_intent=intent.id)
        assert refused.value.code == "charge_disputed"

        draft = stripe.Dispute.modify(dispute.id, evidence={"customer_email_address": "jenny.rosen@example.fr"}, submit=False)
        assert draft.status == "needs_response" and draft.evidence.customer_email_address == "jenny.rosen@example.fr"
        won = stripe.Dispute.modify(dispute.id, evidence={"uncategorized_text": "winning_evidence"})
        assert won.status == "won" and won.evidence_details.submission_count == 1 and len(won.balance_transactions) == 2
        assert stripe.BalanceTransaction.retrieve(won.balance_transactions[1]).net == 4200

        deadline = time.monotonic() + WAIT
        while len(receiver.accepted) < len(wanted) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [(e.type, e.data.object.status) for e in receiver.accepted] == [
            ("charge.dispute.created", "needs_response"), ("charge.dispute.funds_withdrawn", "needs_response"),
            ("charge.dispute.funds_reinstated", "won"), ("charge.dispute.closed", "won")], receiver.refused
        stripe.WebhookEndpoint.delete(endpoint.id)
    finally:
        receiver.stop()


def test_losing_evidence_and_closing_lose_it(gateway):
    _, first = disputed(card="pm_card_createDisputeProductNotReceived")
    assert first.reason == "product_not_received"
    assert stripe.Dispute.modify(first.id, evidence={"uncategorized_text": "losing_evidence"}).status == "lost"
    _, second = disputed()
    assert stripe.Dispute.close(second.id).status == "lost"
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Dispute.modify(second.id, evidence={"uncategorized_text": "winning_evidence"})
