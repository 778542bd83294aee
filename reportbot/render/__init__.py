"""Rendering: matplotlib charts, Jinja2 HTML, WeasyPrint PDF. Local files only, no network."""
