"""Where a contract, agreement or data flow is: its own cityreg:city, else the city of what it
is for.

Contracts and agreements rarely state a city; their buyer, controller, the data they share or
their parties usually do. The API (an entity's ``city``, the lists' ``city`` filters) and the
vendor concentration ask the same question and get the same answer from :func:`contract_city`,
:func:`agreement_city` and :func:`flow_city`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from registry.flows.iris import (
    CITYREG_buyer,
    CITYREG_coversDataset,
    CITYREG_coversSystem,
    CITYREG_hasDataFlow,
    CITYREG_hasParty,
    CITYREG_parentContract,
    CITYREG_provider,
    CITYREG_sharesDataset,
    DPV_hasDataController,
)

#: ``stated(entity)``: an entity's own cityreg:city, if any.
Stated = Callable[[str], str | None]
#: ``values(entity, property)``: the IRIs an entity links to with a property, in order.
Values = Callable[[str, str], Iterable[str]]

#: Where a contract's city comes from when it states none, in this order (the first that gives
#: a city wins; several values of one property are tried in the order given): the buyers'
#: city, the data controllers' city, the parent contract's city (by this same rule), the
#: covered systems' city, the covered datasets' city.
CONTRACT_CITY_FALLBACKS: tuple[str, ...] = (
    CITYREG_buyer, DPV_hasDataController, CITYREG_parentContract, CITYREG_coversSystem,
    CITYREG_coversDataset)


def contract_city(contract: str, stated: Stated, values: Values,
                  seen: set[str] | None = None) -> str | None:
    """The city of ``contract``: ``stated(entity)`` gives an entity's own cityreg:city,
    ``values(entity, property)`` the IRIs it links to (see :data:`CONTRACT_CITY_FALLBACKS`)."""
    visited = set() if seen is None else seen
    visited.add(contract)
    own = stated(contract)
    if own:
        return own
    for prop in CONTRACT_CITY_FALLBACKS:
        for value in values(contract, prop):
            if prop == CITYREG_parentContract:
                city = None if value in visited else contract_city(value, stated, values,
                                                                   visited)
            else:
                city = stated(value)
            if city:
                return city
    return None


def flow_city(flow: str, stated: Stated, values: Values) -> str | None:
    """The city of a data flow: its own, else its providers' city (where the data comes
    from), else the city of the datasets it shares."""
    own = stated(flow)
    if own:
        return own
    for prop in (CITYREG_provider, CITYREG_sharesDataset):
        for value in values(flow, prop):
            city = stated(value)
            if city:
                return city
    return None


def agreement_city(agreement: str, stated: Stated, values: Values) -> str | None:
    """The city of a data-sharing agreement (or any agreement with parties): its own, else
    the city of its data flows (:func:`flow_city`, in the order given), else its parties'
    city (the first party that states one)."""
    own = stated(agreement)
    if own:
        return own
    for flow in values(agreement, CITYREG_hasDataFlow):
        city = flow_city(flow, stated, values)
        if city:
            return city
    for party in values(agreement, CITYREG_hasParty):
        city = stated(party)
        if city:
            return city
    return None
