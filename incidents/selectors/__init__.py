"""Reads of the major incidents: ``core`` (what covers a plant or a call, the open incidents,
the proposed attachments) and ``pages`` (the incident page, the status page, the after-action
timeline)."""
