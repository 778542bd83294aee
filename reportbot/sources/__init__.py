"""Data sources: the bundled offline dataset and live adapters (fetch → raw, parse → records)."""
