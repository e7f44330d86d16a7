"""Findings stored with an on-disk registry, so that a server or a run on an unchanged registry
does not validate it again, and one after a load re-validates only what the load can change.

``cityreg serve --store DIR`` and ``cityreg validate --store DIR`` keep the findings of their
last full run in ``DIR/cityreg-validation/`` (:mod:`registry.stored.reportfile`): a standard
SHACL validation report in its own named graph, keyed by the checksums of the data (each
graph's, from the registry's provenance records), of the shapes, of the validation code and by
the reference date (:mod:`registry.stored.key`). :func:`stored_validation` then

* returns the stored findings when the key is the same: no query runs;
* re-validates, when only some graphs changed (same shapes, code and date), the entities
  whose findings the changed statements can change: those the walks of the shapes
  (:mod:`registry.stored.walks`) lead from to a changed statement
  (:mod:`registry.stored.affected`), found in the store as it is and as it was (a checkpoint
  kept with the report), and keeps the other stored findings;
* validates the whole registry otherwise,

and stores what it computed for the next run.

A server (:func:`served_validation`) also keeps the findings in an SQLite file beside the
report (:mod:`registry.stored.findingsdb`) and reads them from it when asked, so that its
memory does not hold them all.
"""

from registry.stored.validation import StoredRun, served_validation, stored_validation

__all__ = ["StoredRun", "served_validation", "stored_validation"]
