"""Package data: queries carekg runs itself."""
