"""Where a contract is: its own cityreg:city, else the city of what it is for.

Contracts rarely state a city; their buyer, controller or what they cover usually does. The API
(a contract's ``city``, the ``contracts(city:)`` filter) and the vendor concentration ask the
same question and get the same answer from :func:`contract_city`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from registry.flows.iris import (
    CITYREG_buyer,
    CITYREG_coversDataset,
    CITYREG_coversSystem,
    CITYREG_parentContract,
    DPV_hasDataController,
)

#: Where a contract's city comes from when it states none, in this order (the first that gives
#: a city wins; several values of one property are tried in the order given): the buyers'
#: city, the data controllers' city, the parent contract's city (by this same rule), the
#: covered systems' city, the covered datasets' city.
CONTRACT_CITY_FALLBACKS: tuple[str, ...] = (
    CITYREG_buyer, DPV_hasDataController, CITYREG_parentContract, CITYREG_coversSystem,
    CITYREG_coversDataset)


def contract_city(contract: str, stated: Callable[[str], str | None],
                  values: Callable[[str, str], Iterable[str]],
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
