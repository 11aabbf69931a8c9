"""Wrong dashboard tokens from one client: refused for a while after ten within a minute, then allowed again."""

from hayhooks.dashboard.auth import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_may_try_again_once_its_wrong_tokens_are_older_than_the_window():
    clock = Clock()
    throttle = LoginThrottle(limit=3, window_s=60, clock=clock)
    for _ in range(3):
        assert throttle.wait_s("a") == 0
        throttle.failed("a")
        clock.now += 1
    assert throttle.wait_s("a") == 57  # at 1003: the first wrong token (at 1000) leaves the window at 1060
    assert throttle.wait_s("b") == 0  # another client is not concerned
    clock.now = 1060
    assert throttle.wait_s("a") == 0


def test_the_clients_it_remembers_are_bounded():
    throttle = LoginThrottle(limit=3, window_s=60, clock=Clock())
    for n in range(10_050):
        throttle.failed(f"client{n}")
    assert len(throttle._failures) == 10_000
