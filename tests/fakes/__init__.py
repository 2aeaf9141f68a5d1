"""Fakes of outside services that serve real-format responses on 127.0.0.1 (the fake arXiv predates this
folder and lives in ``tests/fakearxiv``)."""
