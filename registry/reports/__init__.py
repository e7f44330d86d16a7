"""Rendering a :class:`~registry.validate.ValidationReport` for people and programs.

One module per format, each a pure function of the report (and, for the per-contract report,
of the registry): nothing here validates, and nothing here prints.

* :mod:`.text`     the terminal report, grouped by entity, most severe first
* :mod:`.json`     findings and summary with stable keys, for scripts
* :mod:`.turtle`   the SHACL validation report graph, with rule ids and legal sources
* :mod:`.contract` the printable per-contract report (HTML and Markdown)

And the documents the law asks for (``cityreg report``), generated from the registry:

* :mod:`.documents`      a document kind's template (``kinds/*.toml``), checked on load
* :mod:`.documentfill`   filling each element from the registry, with sources and gaps
* :mod:`.documentlaw`    whether the document's law binds where the entity is
* :mod:`.documentrender` the filled document as HTML, Markdown or JSON
"""

from registry.reports.json import render_json
from registry.reports.text import render_text, summary_line
from registry.reports.turtle import render_turtle, report_graph

__all__ = ["render_json", "render_text", "render_turtle", "report_graph", "summary_line"]
