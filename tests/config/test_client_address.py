from config.client_address import client_address_from


def test_no_trusted_proxy_ignores_forwarded_for():
    assert client_address_from("192.0.2.1", "203.0.113.5", proxies=0) == "192.0.2.1"


def test_one_trusted_proxy_takes_the_last_hop():
    assert client_address_from("10.0.0.2", "6.6.6.6, 203.0.113.5", proxies=1) == "203.0.113.5"


def test_two_trusted_proxies_take_the_second_last_hop():
    assert client_address_from("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.9", proxies=2) == "203.0.113.5"


def test_fewer_hops_than_proxies_or_garbage_falls_back_to_the_peer():
    assert client_address_from("10.0.0.2", "203.0.113.5", proxies=2) == "10.0.0.2"
    assert client_address_from("10.0.0.2", "not-an-address", proxies=1) == "10.0.0.2"
    assert client_address_from(None, None, proxies=0) == "unknown"


def test_axes_gets_none_rather_than_a_non_address():
    from django.http import HttpRequest

    from config.client_address import axes_client_address

    assert axes_client_address(HttpRequest()) is None
