"""The portal: server-rendered pages (Jinja2) in English and Spanish."""
