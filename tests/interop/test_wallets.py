"""Phone wallets through stripe-python: the Apple Pay and Google Pay test payment methods and tokens pay like any
card, and the charge and the payment method say which wallet (`card.wallet.type`, `dynamic_last4`) while `last4`
is the card the wallet holds."""
import pytest
import stripe


def test_apple_pay_and_google_pay_pay_online(gateway):
    intent = stripe.PaymentIntent.create(amount=1990, currency="eur", payment_method="pm_card_applePay", confirm=True,
                                         expand=["latest_charge"])
    card = intent.latest_charge.payment_method_details.card
    assert intent.status == "succeeded" and card.last4 == "4242"
    assert card.wallet.type == "apple_pay" and card.wallet.dynamic_last4 == "0003"

    method = stripe.PaymentMethod.create(type="card", card={"token": "tok_googlePay"})
    assert method.card.brand == "mastercard" and method.card.last4 == "4444" and method.card.wallet.type == "google_pay"
    paid = stripe.PaymentIntent.create(amount=500, currency="eur", payment_method=method.id, confirm=True, expand=["latest_charge"])
    assert paid.latest_charge.payment_method_details.card.wallet.dynamic_last4 == "0009"

    assert stripe.PaymentMethod.create(type="card", card={"token": "tok_visa"}).card.wallet is None
    with pytest.raises(stripe.error.CardError) as declined:
        stripe.PaymentIntent.create(amount=500, currency="eur", payment_method="pm_card_applePay_chargeDeclined", confirm=True)
    assert declined.value.code == "card_declined"
    with pytest.raises(stripe.error.InvalidRequestError) as unknown:
        stripe.PaymentMethod.create(type="card", card={"token": "tok_nothing"})
    assert unknown.value.param == "card[token]"
