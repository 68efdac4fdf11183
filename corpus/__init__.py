"""Package data: the corpus files, located at run time by carekg.resources."""
