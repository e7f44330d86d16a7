"""Running cityreg as a public server that cannot be worn down and updates without downtime.

Modules, one concept each:

* ``results``      SPARQL answers: the job a query worker gets, the reply it sends back, and
                   the SPARQL 1.1 results formats (JSON, XML, CSV, TSV) and RDF serialisations
* ``queryworker``  the worker process: answers SPARQL queries on a read-only store snapshot
* ``querypool``    the pool of worker processes; a query that passes its time limit is
                   stopped by killing its worker, so its CPU is free again at once
* ``snapshot``     read-only on-disk copies of a registry for the workers, checkpoints of a
                   store folder, and the store folder's change marker
* ``generation``   one served state of the registry: its context, GraphQL service, routes and
                   query pool, built off to the side and swapped in whole
* ``firstrun``     a server's first start on an engine: served at once, its findings and
                   vendor concentration computed beside the requests
* ``live``         the ASGI application that serves the current generation and switches to a
                   new one when ``cityreg load`` / ``import`` changed the store folder

Kept free of heavy imports: the worker process imports this package.
"""
