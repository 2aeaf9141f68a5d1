"""``python -m arxiv_digest``: the same as the ``arxiv-digest`` command, exit code included."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
