"""Package data: the queries behind the linked-data pages (not the researchers' catalogue)."""
