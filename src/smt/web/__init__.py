"""HTTP transports: the JSON API, SOAP services and the portal, on one ASGI app."""
