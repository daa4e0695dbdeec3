"""The rate-limit model the benchmarks use."""

from __future__ import annotations

from bench.ratelimit import Request, model_seconds


def _create(channel: int) -> Request:
    return Request("POST", f"/channels/{channel}/messages")


def test_five_creates_per_five_seconds_per_channel() -> None:
    """The sixth message in one channel waits for the window to reset; the eleventh for the next."""
    assert model_seconds([_create(1)] * 5) == 0
    assert model_seconds([_create(1)] * 6) == 5
    assert model_seconds([_create(1)] * 11) == 10


def test_channels_have_their_own_buckets_under_the_global_limit() -> None:
    """Creates in many channels are held only by the global 50 per second."""
    requests = [_create(channel) for channel in range(51)]
    assert model_seconds(requests) == 1


def test_interaction_callbacks_are_exempt() -> None:
    """Interaction responses do not count against the global limit."""
    callbacks = [Request("POST", f"/interactions/{n}/token/callback") for n in range(100)]
    assert model_seconds(callbacks) == 0


def test_edits_share_the_create_bucket_and_deletes_do_not() -> None:
    """Edits and creates share a channel's bucket; deletes have their own, faster one."""
    edits = [Request("PATCH", "/channels/1/messages/9")] * 3 + [_create(1)] * 3
    assert model_seconds(edits) == 5
    deletes = [Request("DELETE", "/channels/1/messages/9")] * 10
    assert model_seconds(deletes) == 1


def test_a_request_is_not_sent_before_its_member_arrived() -> None:
    """A request whose member acts at 3 s goes at 3 s, however free the buckets are."""
    assert model_seconds([_create(1), Request("POST", "/channels/1/messages", arrival=3.0)]) == 3
    assert model_seconds([Request("POST", "/channels/1/messages", arrival=1.0)] * 6) == 6
