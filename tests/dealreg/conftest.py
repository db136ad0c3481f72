import datetime

import pytest
from django.utils import timezone


@pytest.fixture
def deal_data():
    """deal_data(**overrides) -> a valid registration body for register_deal."""

    def make(**overrides):
        data = {
            "customer_name": "Initech Inc.",
            "customer_domain": "initech.com",
            "customer_country": "US",
            "title": "Initech data platform",
            "amount": "48000.00",
            "currency": "USD",
            "expected_close_date": timezone.localdate() + datetime.timedelta(days=60),
            "products": ["Platform", "Support"],
        }
        data.update(overrides)
        return data

    return make
