"""Usage retrieval: intervals, register reads, monthly bills and their versions, always through
the access policy (days the asker may not see are simply absent)."""
