"""The GraphQL API: a graphene schema over a read model, served by a starlette app.

Modules, one concept each:

* ``readmodel``   every entity as a Python record, built once from bulk queries
* ``fields``      field factories reading one property of a record
* ``types``       the entity types (Entity and Organisation interfaces, one type per kind)
* ``tracetypes``  the types of the access trace (registry.flows)
* ``historytypes`` the types of the registry's history (registry.history): versions, changes
* ``connections`` Relay-style pagination
* ``schema``      the Query root and the schema
* ``limits``      size, token, field, depth, cost, page-size and time limits
* ``service``     running one request: cached parse and validation, limits, execution
* ``app``         the starlette application (/graphql, GraphiQL, /healthz) behind the
                  public server's middleware
"""

from registry.api.schema import schema
from registry.api.service import GraphQLService

__all__ = ["GraphQLService", "schema"]
