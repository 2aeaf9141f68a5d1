"""A fake arXiv for the tests: real formats from real records, served on 127.0.0.1, with faults."""

from .server import FakeArxiv, Recorded, Reply

__all__ = ["FakeArxiv", "Recorded", "Reply"]
