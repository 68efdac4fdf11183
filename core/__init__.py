"""carekg: a knowledge graph of how English councils commission adult social care.

The kernel (this package's top-level modules) knows identifiers, vocabularies, settings
and errors. It imports nothing from ``carekg.loaders``, ``carekg.graph`` or ``carekg.api``;
only :mod:`carekg.cli` wires them together.
"""

__version__ = "0.1.0"
