"""Background work on huey: queued ad hoc reports today, the same queue for what comes later."""
