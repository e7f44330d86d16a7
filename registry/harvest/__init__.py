"""Harvesting other registries (``cityreg harvest``): a national registry made of the cities'
own publications.

Modules, one concept each:

* ``catalog``  what to download from an address: a DCAT catalogue's best RDF distributions
* ``fetch``    one bounded HTTP GET, conditional on the copy held
* ``state``    the validators (ETag, Last-Modified) remembered between harvests
* ``harvest``  each download into graphs of its own, atomically, with a report
"""

from registry.harvest.harvest import Limits, SourceReport, harvest, local_graph

__all__ = ["Limits", "SourceReport", "harvest", "local_graph"]
