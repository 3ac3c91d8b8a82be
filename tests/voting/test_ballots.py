import hashlib
import hmac

from voting.ballots import ballots_count, ballots_digest, receipt_for


def test_receipt_is_the_documented_hmac_and_depends_on_poll_and_secret():
    receipt = receipt_for(ticket_secret="s3cr3t", poll_id=7)

    expected = hmac.new(b"s3cr3t", b"episodic-receipt:v1:poll:7", hashlib.sha256).hexdigest()
    assert receipt == expected
    assert receipt != receipt_for(ticket_secret="s3cr3t", poll_id=8)
    assert receipt != receipt_for(ticket_secret="other", poll_id=7)


def test_digest_is_order_independent_and_detects_any_change():
    ballots = [("bb", 2), ("aa", 1), ("cc", 2)]
    digest = ballots_digest(poll_id=3, ballots=ballots)

    text = "episodic-ballots:v1:poll:3\naa 1\nbb 2\ncc 2\n"
    assert digest == hashlib.sha256(text.encode()).hexdigest()
    assert ballots_digest(poll_id=3, ballots=list(reversed(ballots))) == digest
    assert ballots_digest(poll_id=3, ballots=[("aa", 2), ("bb", 2), ("cc", 2)]) != digest
    assert ballots_digest(poll_id=4, ballots=ballots) != digest
    assert ballots_digest(poll_id=3, ballots=ballots[:2]) != digest


def test_counts_include_options_nobody_chose():
    assert ballots_count(options=[1, 2, 5], ballots=[("a", 2), ("b", 2), ("c", 1)]) == {"1": 1, "2": 2, "5": 0}
