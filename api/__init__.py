"""The web face of carekg: SPARQL protocol, linked-data pages, query UI and dumps."""
