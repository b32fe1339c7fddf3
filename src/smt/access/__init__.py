"""The access policy: the one place that decides who may see which ESIID on which days, and
who may do what. Transports never decide access themselves."""
