"""Errors raised while reading a shapes graph.

The engine refuses, at load time, every shapes graph it cannot check faithfully: a shape that
it silently skipped would let a legal obligation go unchecked while the report looks clean.

```
ShapeError                  a shapes graph cityreg will not run
 +-- InvalidShapeError      the graph breaks the SHACL specification itself
 +-- UnsupportedShapeError  valid SHACL, but outside the subset the engine compiles
```

Both carry the shape's identifier, the feature and a hint, and cite the SHACL section where
there is one, in the manner of pySHACL's own errors.
"""

from __future__ import annotations

from rdflib.term import Node

SHACL_SPEC = "https://www.w3.org/TR/shacl/"


class ShapeError(Exception):
    """A shapes graph that the engine cannot run.

    ``shape`` is the shape's node (an IRI, or a blank node for an anonymous property shape),
    ``feature`` names what is wrong in a few words and ``hint`` says what to do about it.
    """

    def __init__(self, shape: Node | None, feature: str, hint: str, section: str = "") -> None:
        self.shape = shape
        self.feature = feature
        self.hint = hint
        self.section = section
        where = f"shape {shape.n3()}" if shape is not None else "the shapes graph"
        text = f"{where}: {feature}. {hint}"
        if section:
            text += f" (see {SHACL_SPEC}#{section})"
        super().__init__(text)


class InvalidShapeError(ShapeError):
    """The shapes graph breaks a rule of the SHACL specification (for example two sh:path)."""


class UnsupportedShapeError(ShapeError):
    """Valid SHACL that the engine does not compile (for example sh:or or sh:closed).

    The message names the feature and how to express the rule within the supported subset;
    see the package docstring of :mod:`registry.shacl` for that subset.
    """
