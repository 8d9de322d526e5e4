"""Languages: codes and names (codes.py), which models serve which pairs (catalog.py), detection (detection.py)."""
