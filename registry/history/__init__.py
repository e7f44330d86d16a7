"""Transparency over time: versions of a registry, their reconstruction, and diffs between
registries."""
