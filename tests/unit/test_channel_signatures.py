"""Gateway signatures: the public vectors, then tampering properties."""
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.billing.channels import casso, momo, payos, vnpay
from tests.unit.vectors import by_category

vectors = by_category("payments_public.json")


@vectors("vnpay.sign")
def test_vnpay_sign(vector):
    assert vnpay.sign(vector["input"]["params"], vector["input"]["secret"]) == vector["expected"]
    if "hash_data" in vector["input"]:
        assert vnpay._hash_data(vector["input"]["params"]) == vector["input"]["hash_data"]


@vectors("vnpay.verify")
def test_vnpay_verify(vector):
    assert vnpay.verify(vector["input"]["params"], vector["input"]["secret"]) is vector["expected"]


@vectors("vnpay.build_payment_url")
def test_vnpay_payment_url(vector):
    data = vector["input"]
    url = vnpay.build_payment_url(data["base_url"], data["params"], data["secret"])
    assert url.startswith(data["base_url"] + "?")
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    for key, value in data["params"].items():
        if value:
            assert query[key] == value
    assert query["vnp_SecureHash"] == vector["expected"]["vnp_SecureHash"]
    assert url == vector["expected"]["canonical_url"]


def _lookup(data):
    def lookup(txn_ref):
        if data.get("lookup_raises"):
            raise RuntimeError("database down")
        order = data["orders"].get(txn_ref)
        return SimpleNamespace(**order) if order else None
    return lookup


@vectors("vnpay.ipn_response")
def test_vnpay_ipn(vector):
    data = vector["input"]
    result = vnpay.ipn_response(data["params"], data["secret"], _lookup(data))
    assert set(result) == {"RspCode", "Message"} and result["RspCode"] == vector["expected"]["RspCode"]


@vectors("momo.sign_create")
def test_momo_create(vector):
    data = vector["input"]
    assert momo._raw(momo.CREATE_KEYS, data["fields"], data["access_key"]) == data["raw"]
    assert momo.sign_create(data["fields"], data["access_key"], data["secret_key"]) == vector["expected"]


@vectors("momo.sign_ipn")
def test_momo_ipn(vector):
    data = vector["input"]
    signature = momo.sign_ipn(data["body"], data["access_key"], data["secret_key"])
    assert signature == vector["expected"]
    if "expected_matches_body" in vector:
        assert (signature == data["body"]["signature"]) is vector["expected_matches_body"]


@vectors("payos.sign_payment_request")
def test_payos_request(vector):
    data = {k: v for k, v in vector["input"].items() if k != "raw"}
    assert payos.sign_payment_request(**data) == vector["expected"]


@vectors("payos.sign_data")
def test_payos_data(vector):
    assert payos.sign_data(vector["input"]["data"], vector["input"]["checksum_key"]) == vector["expected"]


@vectors("casso.verify_signature")
def test_casso(vector):
    assert casso.verify_signature(**vector["input"]) is vector["expected"]


# ---------------------------------------------------------------- tampering

SECRET = "SCHOOLVNPAYSECRET2025ABCDEFGHIJK"
GENUINE = {"vnp_Amount": "150000000", "vnp_BankCode": "NCB", "vnp_BankTranNo": "VNP14999999", "vnp_CardType": "ATM",
           "vnp_OrderInfo": "Thanh toan hoc phi HP2025000123K", "vnp_PayDate": "20250905143512",
           "vnp_ResponseCode": "00", "vnp_TmnCode": "SCHOOL01", "vnp_TransactionNo": "14999999",
           "vnp_TransactionStatus": "00", "vnp_TxnRef": "HP2025000123K-1"}
GENUINE["vnp_SecureHash"] = vnpay.sign(GENUINE, SECRET)
ORDER = {"HP2025000123K-1": SimpleNamespace(amount_vnd=1500000, is_confirmed=False)}

mutation = st.one_of(
    st.tuples(st.just("change"), st.sampled_from(sorted(k for k in GENUINE if k != "vnp_SecureHash")),
              st.text(min_size=0, max_size=20)),
    st.tuples(st.just("add"), st.text(min_size=1, max_size=10).map(lambda s: "vnp_" + s), st.text(min_size=1, max_size=10)),
    st.tuples(st.just("remove"), st.sampled_from(sorted(k for k in GENUINE if k != "vnp_SecureHash")), st.none()),
    st.tuples(st.just("hash"), st.sampled_from(["truncate", "empty", "flip", "type"]), st.none()),
)


def mutate(kind, key, value):
    params = dict(GENUINE)
    if kind == "change":
        if str(value) == params[key] or (params[key] and not value):
            value = params[key] + "1"
        params[key] = value
    elif kind == "add":
        params[key] = value
    elif kind == "remove":
        del params[key]
    elif key == "truncate":
        params["vnp_SecureHash"] = params["vnp_SecureHash"][:-2]
    elif key == "empty":
        params["vnp_SecureHash"] = ""
    elif key == "flip":
        h = params["vnp_SecureHash"]
        params["vnp_SecureHash"] = ("0" if h[0] != "0" else "1") + h[1:]
    return params


@settings(max_examples=600)
@given(mutation)
def test_any_tampering_gets_97_and_the_genuine_still_00(change):
    params = mutate(*change)
    if change[1] == "type":
        params["vnp_SecureHashType"] = "HmacSHA256"  # excluded from the signature: still genuine
        assert vnpay.ipn_response(params, SECRET, ORDER.get)["RspCode"] == "00"
        return
    result = vnpay.ipn_response(params, SECRET, ORDER.get)
    if vnpay._hash_data(params) == vnpay._hash_data(GENUINE) and params.get("vnp_SecureHash") == GENUINE["vnp_SecureHash"]:
        assert result["RspCode"] == "00"  # e.g. an empty value added: the signed string is unchanged
    else:
        assert result["RspCode"] == "97"
    assert vnpay.ipn_response(GENUINE, SECRET, ORDER.get)["RspCode"] == "00"


def test_ipn_order_is_signature_before_lookup():
    calls = []
    vnpay.ipn_response(dict(GENUINE, vnp_Amount="1"), SECRET, lambda ref: calls.append(ref))
    assert calls == []  # a forged call never reaches the database


def test_non_digit_amount_with_valid_signature_is_04():
    params = dict(GENUINE, vnp_Amount="1.5e8")
    params["vnp_SecureHash"] = vnpay.sign(params, SECRET)
    assert vnpay.ipn_response(params, SECRET, ORDER.get)["RspCode"] == "04"


def test_success_needs_both_codes():
    assert vnpay.is_success(GENUINE)
    assert not vnpay.is_success(dict(GENUINE, vnp_TransactionStatus="02"))


def test_casso_tolerance_uses_the_clock():
    header = "t=1727948258788,v1=" + "0" * 128
    assert casso.verify_signature(header, {}, "k", tolerance_s=300) is False
    assert casso.verify_signature("t=abc,v1=00", {}, "k") is False


def test_querydr_is_signed_over_the_raw_values_joined_by_pipes_in_vnpays_order():
    import hashlib
    import hmac

    fields = {"vnp_RequestId": "17001", "vnp_Version": "2.1.0", "vnp_Command": "querydr", "vnp_TmnCode": "THCSTHUA",
              "vnp_TxnRef": "HP0000000011K-1", "vnp_TransactionDate": "20260905081500",
              "vnp_CreateDate": "20260905083000", "vnp_IpAddr": "127.0.0.1", "vnp_OrderInfo": "Truy van HP0000000011K-1"}
    body = vnpay.querydr_request(fields, "secret")
    raw = "17001|2.1.0|querydr|THCSTHUA|HP0000000011K-1|20260905081500|20260905083000|127.0.0.1|Truy van HP0000000011K-1"
    assert body["vnp_SecureHash"] == hmac.new(b"secret", raw.encode(), hashlib.sha512).hexdigest()
    assert vnpay.verify_querydr_request(body, "secret") and not vnpay.verify_querydr_request(body, "other")
    answer = {"vnp_ResponseId": "R", "vnp_Command": "querydr", "vnp_ResponseCode": "00", "vnp_Message": "ok",
              "vnp_TmnCode": "THCSTHUA", "vnp_TxnRef": "HP0000000011K-1", "vnp_Amount": "150000000",
              "vnp_BankCode": "NCB", "vnp_PayDate": "20260905081600", "vnp_TransactionNo": "14000001",
              "vnp_TransactionType": "01", "vnp_TransactionStatus": "00", "vnp_OrderInfo": "x"}
    expected = "R|querydr|00|ok|THCSTHUA|HP0000000011K-1|150000000|NCB|20260905081600|14000001|01|00|x||"
    answer["vnp_SecureHash"] = hmac.new(b"secret", expected.encode(), hashlib.sha512).hexdigest()
    assert vnpay.verify_querydr_response(answer, "secret")
    assert not vnpay.verify_querydr_response({**answer, "vnp_Amount": "150000100"}, "secret")


def test_momo_status_query_signature_uses_its_four_keys():
    import hashlib
    import hmac

    fields = {"partnerCode": "MOMO", "requestId": "r1", "orderId": "o1", "lang": "vi"}
    raw = "accessKey=ak&orderId=o1&partnerCode=MOMO&requestId=r1"
    assert momo.sign_query(fields, "ak", "sk") == hmac.new(b"sk", raw.encode(), hashlib.sha256).hexdigest()


def test_payos_signs_a_missing_value_empty_however_it_is_written():
    """payOS's published check (its documentation's sample code, its SDKs) signs null and the
    strings "null" and "undefined" as "": a webhook whose memo or payer payOS wrote as "null" was
    refused as forged, its money left unrecorded."""
    import hashlib
    import hmac as hmac_

    key = "1a54716c8f0efb2744fb28b6e38b25da7f67a925d98bc1c18bd8faaecadd7675"
    data = {"orderCode": 123, "amount": 3000, "description": "null", "accountNumber": "12345678",
            "reference": "TF230204212323", "transactionDateTime": "2023-02-04 18:25:00", "currency": "VND",
            "paymentLinkId": "124c33293c43417ab7879e14c8d9eb18", "code": "00", "desc": "Thành công",
            "counterAccountName": "undefined", "counterAccountNumber": None}
    raw = "&".join(f"{k}={'' if data[k] in (None, 'null', 'undefined') else data[k]}" for k in sorted(data))
    expected = hmac_.new(key.encode(), raw.encode(), hashlib.sha256).hexdigest()
    assert payos.sign_data(data, key) == expected
    assert payos.genuine(data, expected, key)
    assert payos.text(data, "description") == payos.text(data, "counterAccountName") == ""
