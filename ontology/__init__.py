"""Package data: the ontology files, located at run time by carekg.resources."""
