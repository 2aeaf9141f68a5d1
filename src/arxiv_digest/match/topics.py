"""The config's topics -> one compiled :class:`Matcher` (each topic's tree is ``config.topic_tree``)."""

from __future__ import annotations

from ..config import Config, topic_tree
from .engine import Matcher, TopicRule


def topic_matcher(config: Config) -> Matcher:
    """One matcher for every topic of the config."""
    return Matcher([TopicRule(t.name, topic_tree(t)) for t in config.topics])
