"""SEPA Direct Debit bank accounts through stripe-python: `PaymentMethod.create(type="sepa_debit")` with Stripe's
test IBANs, the IBAN checks' named errors, attach to a customer, and no full IBAN in any answer."""
import pytest
import stripe

HOLDER = {"name": "Jenny Rosen", "email": "jenny.rosen@example.fr"}


@pytest.mark.parametrize("iban,country,bank", [("DE89370400440532013000", "DE", "37040044"),
                                                ("FR1420041010050500013M02606", "FR", "20041"),
                                                ("AT611904300234573201", "AT", "19043")])
def test_stripes_test_ibans_are_saved(gateway, iban, country, bank):
    method = stripe.PaymentMethod.create(type="sepa_debit", sepa_debit={"iban": iban}, billing_details=HOLDER)
    assert method.type == "sepa_debit" and method.sepa_debit.country == country and method.sepa_debit.bank_code == bank
    assert method.sepa_debit.last4 == iban[-4:] and method.billing_details.name == "Jenny Rosen"
    assert iban[4:-4] not in str(method)
    customer = stripe.Customer.create(email=HOLDER["email"])
    stripe.PaymentMethod.attach(method.id, customer=customer.id)
    assert [m.id for m in stripe.Customer.list_payment_methods(customer.id).data] == [method.id]


@pytest.mark.parametrize("iban,reason", [("DE89370400440532013001", "its check digits do not match (mod 97)"),
                                         ("DE893704004405320130", "an IBAN of DE has 22 characters, not 20"),
                                         ("XX89370400440532013000", "XX is not the country code of an IBAN country")])
def test_bad_ibans_are_named(gateway, iban, reason):
    with pytest.raises(stripe.error.InvalidRequestError) as refused:
        stripe.PaymentMethod.create(type="sepa_debit", sepa_debit={"iban": iban}, billing_details=HOLDER)
    assert refused.value.code == "invalid_bank_account_iban" and refused.value.param == "sepa_debit[iban]"
    assert str(refused.value.error.message) == f"The IBAN you entered is invalid: {reason}."
