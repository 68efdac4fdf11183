"""Package data: the shapes files, located at run time by carekg.resources."""
