"""Running one GraphQL request against the read model, with the limits, fast.

:class:`GraphQLService` holds the schema, the read model and the :class:`RegistryContext`.
Parsed and validated documents are cached by their text, so a repeated query (the common case
for a journalist's page or a benchmark) costs only its execution.

A request passes, in order: the size and token limits (while parsing), the shape limits
(fields, fields at one level, directives, fragment nesting, ``__schema``; before validation,
which they protect), validation, the choice of the operation and the coercion of its variables
(a request error, never a half-run execution), then the depth, page-size and cost limits
(:mod:`registry.api.limits`). Only then does anything execute.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    get_variable_values,
    specified_rules,
    validate,
)
from registry.api.historytypes import HistoryView
from registry.api.limits import (
    MAX_QUERY_LENGTH,
    check_cost,
    check_depth,
    check_shape,
    estimate_cost,
    operation_depth,
    parse_query,
    start_clock,
    stop_clock,
)
from registry.api.readmodel import ReadModel
from registry.api.schema import schema
from registry.server.firstrun import LEGAL_FINDINGS, VENDOR_CONCENTRATION

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.flows.model import VendorConcentration
    from registry.flows.questions import AccessQuestions
    from registry.validate import ValidationReport

_CACHE_SIZE = 256
_RULES = tuple(specified_rules)


@dataclass
class Prepared:
    """A parsed document with its validation errors (empty when valid)."""

    document: DocumentNode | None
    errors: list[GraphQLError]

    def operation(self, name: str | None) -> OperationType | None:
        """The type (query, mutation) of the operation that would run."""
        if self.document is None:
            return None
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode) and (
                    name is None or (definition.name and definition.name.value == name)):
                return definition.operation
        return None


@dataclass
class ApiContext:
    """What every resolver of one request can reach (``info.context``)."""

    service: GraphQLService

    @property
    def model(self) -> ReadModel:
        """The read model."""
        return self.service.model

    @property
    def access_graph(self) -> AccessQuestions:
        """The access graph of the registry."""
        return self.service.context.access_graph

    def vendor_concentration(self) -> list[VendorConcentration]:
        """The access graph's vendor concentration; NotReady while a server's first start is
        still computing it (registry.server.firstrun)."""
        self.service.context.check_ready(VENDOR_CONCENTRATION)
        return self.service.context.access_graph.vendor_concentration()

    def findings(self, **filters: str | None) -> Sequence[Any]:
        """The findings of the legal checks matching ``filters`` (``ValidationReport.select``),
        in report order, or a GraphQL error until they are installed."""
        return self.service.report().select(**filters)

    def findings_for(self, iri: str) -> list[Any]:
        """Findings whose focus is ``iri``, in report order."""
        return self.service.report().for_focus(iri)

    def evidence(self, finding: Any) -> tuple[Any, ...]:
        """The facts ``finding`` rests on, with their sources (registry/evidence.py)."""
        return self.service.evidence(finding)

    def history(self) -> HistoryView:
        """The registry's versions and what each changed (registry/history/)."""
        return self.service.history()


class GraphQLService:
    """Executes GraphQL requests over one registry."""

    def __init__(self, context: RegistryContext, model: ReadModel | None = None) -> None:
        """Build the read model now (unless given) so that no request pays for it."""
        self.context = context
        self.model = model or ReadModel.from_registry(context.registry)
        self.schema = schema
        self._cache: OrderedDict[str, Prepared] = OrderedDict()
        self._history: HistoryView | None = None
        self._history_lock = threading.Lock()

    def prepare(self, query: str) -> Prepared:
        """Parse, check the shape of and validate ``query`` once; later calls hit the cache
        (a query over the size limit is refused before, and never kept)."""
        cached = self._cache.get(query)
        if cached is not None:
            self._cache.move_to_end(query)
            return cached
        try:
            document = parse_query(query)
        except GraphQLError as error:
            prepared = Prepared(None, [error])
            if len(query) > MAX_QUERY_LENGTH:
                return prepared  # not kept: the cache holds short texts only
        else:
            try:
                check_shape(document)
            except GraphQLError as error:
                prepared = Prepared(document, [error])
            else:
                prepared = Prepared(document, validate(self.schema.graphql_schema, document,
                                                       _RULES))
        self._cache[query] = prepared
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return prepared

    def check(self, prepared: Prepared, operation_name: str | None,
              variables: Mapping[str, Any] | None) -> list[GraphQLError]:
        """Limit and validation errors, else the errors of choosing the operation and coercing
        its variables, else the depth, cost and page-size refusals (empty: it may run)."""
        return self.assess(prepared, operation_name, variables)[0]

    def assess(self, prepared: Prepared, operation_name: str | None,
               variables: Mapping[str, Any] | None) -> tuple[list[GraphQLError], int]:
        """:meth:`check`'s errors, and the estimated cost of a request that may run (0 for one
        that may not), so that the server need not estimate it again."""
        if prepared.errors or prepared.document is None:
            return prepared.errors, 0
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is None:
            if operation_name is None:
                return [GraphQLError("the query has several operations: send `operationName` "
                                     "to say which one to run")], 0
            return [GraphQLError(f"the query has no operation named {operation_name!r}: send "
                                 "the name of one of its operations as `operationName`")], 0
        if operation.operation is not OperationType.QUERY:
            return [GraphQLError(f"this API is read-only: it has no {operation.operation.value}"
                                 " operations; send a query")], 0
        coerced = get_variable_values(self.schema.graphql_schema,
                                      operation.variable_definitions or (),
                                      dict(variables or {}), max_errors=10)
        if isinstance(coerced, list):
            return coerced, 0
        try:
            check_depth(operation_depth(prepared.document, operation_name))
            cost = estimate_cost(prepared.document, operation_name, coerced)
            check_cost(cost)
        except GraphQLError as error:
            return [error], 0
        return [], cost

    def execute(self, prepared: Prepared, operation_name: str | None = None,
                variables: Mapping[str, Any] | None = None) -> ExecutionResult:
        """Run a prepared, checked document."""
        assert prepared.document is not None
        clock = start_clock()
        try:
            result = execute(self.schema.graphql_schema, prepared.document,
                             context_value=ApiContext(self),
                             variable_values=dict(variables or {}),
                             operation_name=operation_name)
        finally:
            stop_clock(clock)
        assert isinstance(result, ExecutionResult)
        return result

    def run(self, query: str, variables: Mapping[str, Any] | None = None,
            operation_name: str | None = None) -> ExecutionResult:
        """Parse, validate, check the limits and execute: the one-call form for tests."""
        prepared = self.prepare(query)
        errors = self.check(prepared, operation_name, variables)
        if errors:
            return ExecutionResult(None, errors)
        return self.execute(prepared, operation_name, variables)

    @classmethod
    def warmed(cls, context: RegistryContext) -> GraphQLService:
        """A service with everything a request reads computed now, in the order that keeps
        the process's peak memory lowest.

        The legal findings come first, before anything else is held: a full validation's
        working memory (Oxigraph's intermediate results) is its largest and is mostly given
        back when it ends, so the read model and the access graph are then built in the room
        it left. Computed last, on top of them, it raised the server's peak on the generated
        N=10000 registry (3.4M statements) from 2.8 GB to 3.3 GB.
        """
        if _validation_installed():
            context.validation  # noqa: B018
        service = cls(context)
        service.warm()
        return service

    @classmethod
    def served_at_once(cls, context: RegistryContext) -> GraphQLService:
        """A service that answers at once, its legal findings and vendor concentration
        computed in a thread beside the requests (:mod:`registry.server.firstrun`): for the
        first start of a server over an engine, where they take minutes (hours for a national
        registry) and everything else is answered by the engine. Until they are done, what
        needs them is answered NotReady, never empty."""
        from registry.server.firstrun import FirstRun

        service = cls(context)
        service.history()

        def findings() -> None:
            if _validation_installed():
                service.report().for_focus("")  # runs the validation, then indexes it

        context.first_run = FirstRun(
            [(LEGAL_FINDINGS, findings),
             (VENDOR_CONCENTRATION, context.access_graph.vendor_concentration)],
            context.status)
        context.first_run.start()
        return service

    def warm(self) -> None:
        """Compute the access graph, its vendor concentration, the legal findings and the
        walk of the registry's versions now, so that no request runs a SPARQL query or copies
        the registry (the walk: about 7 s for the generated N=1000 registry, bench/history.py).
        On a registry held by an engine the history is not walked: each version and entity is
        read when asked (registry.history.ondemand), and only the versions' records are read
        here."""
        self.context.access_graph.vendor_concentration()
        if _validation_installed():
            self.report().for_focus("")  # indexes the findings held in memory by entity
        self.history()

    def report(self) -> ValidationReport:
        """The report of the legal checks (registry/validate.py), computed once: its findings
        held in memory, or for a server with stored findings read from their file when asked
        (registry.stored.findingsdb)."""
        if not _validation_installed():
            raise GraphQLError("legal findings are not available in this installation: "
                               "registry.validate is missing; update cityreg")
        self.context.check_ready(LEGAL_FINDINGS)
        return self.context.validation

    def evidence(self, finding: Any) -> tuple[Any, ...]:
        """The facts ``finding`` rests on: the report the server serves keeps them (the
        validation of :attr:`RegistryContext.validation` collects evidence)."""
        self.context.check_ready(LEGAL_FINDINGS)
        return tuple(self.context.validation.evidence(finding))

    def history(self) -> HistoryView:
        """The registry's versions and what each changed, walked once (under a lock: two
        first callers walk it once); a served generation walks it while it warms, before it
        answers, since the walk copies the registry to undo its versions (on an engine, each
        version is read when asked instead)."""
        with self._history_lock:
            if self._history is None:
                self._history = HistoryView.of(self.context)
            return self._history


def _validation_installed() -> bool:
    """Whether this installation has the legal checks (registry/validate.py): the API serves
    everything else without them."""
    return importlib.util.find_spec("registry.validate") is not None
