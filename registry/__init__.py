"""cityreg: a registry that makes a city's smart-city machinery inspectable.

Sensors, datasets, agencies, vendors, contracts and data-sharing agreements are kept as an
RDF knowledge graph (:mod:`registry.store`), checked against legal obligations with SHACL
(:mod:`registry.validate`) and traced for access (:mod:`registry.flows`).
"""

__version__ = "0.1.0"
