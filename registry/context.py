"""What a running cityreg derives from one loaded registry, computed once and shared.

The GraphQL API, the entity pages, the SPARQL endpoint and the CLI's ``serve`` all read the
same registry. Deriving the access graph (:mod:`registry.flows`) or the validation findings
(:mod:`registry.validate`) takes a moment, so a :class:`RegistryContext` computes each the first
time it is asked for and keeps it: one read model for every request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from registry.namespaces import DEFAULT_ENTITY_BASE

if TYPE_CHECKING:
    from registry.flows.questions import AccessQuestions
    from registry.history.timeline import VersionHistory
    from registry.server.firstrun import FirstRun
    from registry.server.status import ValidationStatus
    from registry.store import Registry
    from registry.validate import ValidationReport

_T = TypeVar("_T")


class computed_once(Generic[_T]):  # named as the decorator it replaces
    """``functools.cached_property`` without the lock Python 3.11 holds for the whole
    computation, across every instance of the class: a server's first start computes its
    findings (minutes) in a thread, and any other context's findings would wait for them.
    Two threads never compute one context's value together: the first start's run is the
    only one that asks before it is done (:meth:`RegistryContext.check_ready`)."""

    def __init__(self, function: Callable[[Any], _T]) -> None:
        self.function = function
        self.name = function.__name__
        self.__doc__ = function.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> _T:
        if instance is None:  # read on the class (documentation tools)
            return self  # type: ignore[return-value]
        value = self.function(instance)
        instance.__dict__[self.name] = value  # read from there from now on
        return value


@dataclass
class RegistryContext:
    """A loaded registry plus the settings under which it is served.

    ``entity_base`` is the IRI prefix that the web layer serves at ``/id/``; ``as_of`` is the
    reference date of the legal checks (``None``: today, fixed when the context is made).
    ``stored_findings``: the folder of the findings stored with an on-disk registry
    (:mod:`registry.stored`), reused where they still hold and updated after the run;
    ``status``: where a running server follows the run. ``first_run``: a server's first start
    computing the findings and the vendor concentration beside the requests
    (:mod:`registry.server.firstrun`): whoever serves them asks :meth:`check_ready` first.
    """

    registry: Registry
    entity_base: str = DEFAULT_ENTITY_BASE
    as_of: date = field(default_factory=date.today)
    stored_findings: Path | None = None
    status: ValidationStatus | None = None
    first_run: FirstRun | None = None

    def check_ready(self, what: str) -> None:
        """Raise :class:`~registry.errors.NotReady` while a server's first start is still
        computing ``what`` (words for the user) in the background; return otherwise."""
        if self.first_run is not None:
            self.first_run.check(what)

    @cached_property
    def access_graph(self) -> AccessQuestions:
        """Who can access what: the whole registry projected once, or for a registry held by
        a SPARQL engine the web around each question (registry.flows.questions)."""
        from registry.flows.questions import access_for

        return access_for(self.registry)

    @cached_property
    def timeline(self) -> VersionHistory:
        """The registry's versions and what each changed (registry.history): walked once on a
        copy of the registry, or for a registry held by a SPARQL engine found per version and
        per entity when asked (registry.history.ondemand), without copying it."""
        from registry.history.timeline import Timeline

        if self.registry.location is not None:
            from registry.history.ondemand import OnDemandTimeline

            return OnDemandTimeline(self.registry)
        return Timeline.of(self.registry)

    @computed_once
    def validation(self) -> ValidationReport:
        """Every legal finding on the registry at ``as_of``, computed once; with
        ``stored_findings``, reused from there where they still hold and read from their
        file when asked (registry.stored.findingsdb), not held in memory."""
        from registry.validate import validate_registry

        if self.stored_findings is None:
            return validate_registry(self.registry, as_of=self.as_of)
        from registry.stored import served_validation

        status = self.status
        if status is not None:
            status.start(first=self.first_run is not None)
        try:
            run = served_validation(self.registry, self.stored_findings, self.as_of,
                                    progress=None if status is None else status.progress)
        except BaseException:
            if status is not None:
                status.fail()
            raise
        if status is not None:
            status.finish(run.how, run.revalidated, run.seconds)
        return run.report
