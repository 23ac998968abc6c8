"""The live app and a webhook receiver, for every subscription test module."""

from tests.subscriptions.live import live, receiver

__all__ = ["live", "receiver"]
