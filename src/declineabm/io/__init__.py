"""Input and output apart from the science: files, provenance, reports."""
