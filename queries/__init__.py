"""Package data: the queries files, located at run time by carekg.resources."""
