"""The handoff store: cases hotline staff pick up, their audit trail, retention and the spool."""
