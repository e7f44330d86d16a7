"""What a running cityreg derives from one loaded registry, computed once and shared.

The GraphQL API, the entity pages, the SPARQL endpoint and the CLI's ``serve`` all read the
same registry. Deriving the access graph (:mod:`registry.flows`) or the validation findings
(:mod:`registry.validate`) takes a moment, so a :class:`RegistryContext` computes each the first
time it is asked for and keeps it: one read model for every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from registry.namespaces import DEFAULT_ENTITY_BASE

if TYPE_CHECKING:
    from registry.flows import AccessGraph
    from registry.store import Registry
    from registry.validate import ValidationReport


@dataclass
class RegistryContext:
    """A loaded registry plus the settings under which it is served.

    ``entity_base`` is the IRI prefix that the web layer serves at ``/id/``; ``as_of`` is the
    reference date of the legal checks (``None``: today, fixed when the context is made).
    """

    registry: Registry
    entity_base: str = DEFAULT_ENTITY_BASE
    as_of: date = field(default_factory=date.today)

    @cached_property
    def access_graph(self) -> AccessGraph:
        """The who-can-access-what graph, built once from the registry."""
        from registry.flows import AccessGraph

        return AccessGraph.from_registry(self.registry)

    @cached_property
    def validation(self) -> ValidationReport:
        """Every legal finding on the registry at ``as_of``, computed once."""
        from registry.validate import validate_registry

        return validate_registry(self.registry, as_of=self.as_of)
