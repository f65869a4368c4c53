"""coopgraph."""
