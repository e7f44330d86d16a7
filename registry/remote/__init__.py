"""A registry held by a SPARQL engine instead of the embedded store.

``cityreg ... --store oxigraph+http://HOST:PORT`` (or ``virtuoso+http://``, or
``sparql+http://`` to recognise the engine) runs every command on an engine that an IT
department already operates. Modules, one concept each:

* ``location``  the ``--store`` URL: which engine, where; credentials never in it
* ``client``    bounded HTTP requests, credentials from the environment, readable errors
* ``engines``   one adapter per engine: endpoints and dialect differences, documented
* ``store``     RemoteStore: the engine behind the methods of a pyoxigraph Store
"""

from registry.remote.location import ENGINES, RemoteLocation, parse_location
from registry.remote.store import RemoteStore

__all__ = ["ENGINES", "RemoteLocation", "RemoteStore", "parse_location"]
