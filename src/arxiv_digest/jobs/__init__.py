"""arxiv_digest.jobs."""
