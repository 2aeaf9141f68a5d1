"""arxiv_digest.net."""
