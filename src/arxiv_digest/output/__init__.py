"""arxiv_digest.output."""
