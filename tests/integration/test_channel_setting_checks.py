"""A school's channel settings refuse what would break the provider's notifications, on the field,
nothing saved (issue #27, finding 11)."""
from __future__ import annotations

from sqlalchemy import select

from lms.billing.models import ChannelSetting


def _saved(dbs, world, channel):
    with dbs() as s:
        return s.scalars(select(ChannelSetting).where(ChannelSetting.school_id == world.a.school.id,
                                                      ChannelSetting.channel == channel)).first()


def test_a_momo_partner_code_is_as_momo_issues_it(world, client, dbs):
    client.login("admin.a")
    for bad in ("<script>alert(1)</script>", "momo thu", "MO"):
        refused = client.post("/billing/channels/momo", {"partner_code": bad, "access_key": "a", "secret_key": "b",
                                                         "enabled": "y", "mode": "sandbox"})
        assert refused.status_code == 422, bad
        assert "Partner code" in refused.get_data(as_text=True) and "MOMOBKUN20180529" in refused.get_data(as_text=True)
    assert _saved(dbs, world, "momo") is None
    assert client.post("/billing/channels/momo", {"partner_code": "MOMOBKUN20180529", "access_key": "a",
                                                  "secret_key": "b", "enabled": "y", "mode": "sandbox"}).status_code == 302
    assert _saved(dbs, world, "momo").public["partner_code"] == "MOMOBKUN20180529"


def test_mobile_money_counts_only_as_one_of_its_two_methods(world, client, dbs):
    client.login("admin.a")
    values = {"business_id": "biz-thu-a", "channel_code": "VNPTWALLET", "api_key": "xnd", "callback_token": "t",
              "enabled": "y", "mode": "sandbox"}
    refused = client.post("/billing/channels/mobile_money", {**values, "counts_as": "xyz"})
    assert refused.status_code == 422 and "Chọn phương thức kênh này được tính" in refused.get_data(as_text=True)
    assert _saved(dbs, world, "mobile_money") is None
    assert client.post("/billing/channels/mobile_money", {**values, "counts_as": "mobile_money"}).status_code == 302
    assert _saved(dbs, world, "mobile_money").counts_as == "mobile_money"
    assert client.post("/billing/channels/mobile_money", {**values, "counts_as": "card_pos"}).status_code == 422
    assert _saved(dbs, world, "mobile_money").counts_as == "mobile_money"
