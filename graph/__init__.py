"""The graph: building, storing, validating and reasoning over carekg's RDF."""
