"""The member web app: server-rendered pages (Starlette + Jinja2), forms that work without
script, in English, Russian and Romanian. ``routes.webapp_routes`` mounts it under ``/app``."""
