"""Loaders: turn a council's document into evidenced facts.

The pipeline reads in one direction, one module per stage:
read -> segment -> attribute -> extract -> attribute-facts -> map
(``carekg.loaders.pipeline.STAGES``; extraction classifies as it goes).
"""
