"""Cases: routing to a station, who owns a case, acknowledgements, the lifecycle, service levels.

Pure domain logic: decisions from data; the store and the pipeline do the reading and writing.
"""

OPEN_STATUSES = frozenset({"new", "acknowledged", "assigned", "in_progress", "transferred", "reopened"})
CLOSED_STATUSES = frozenset({"resolved", "closed", "merged", "redirected"})
