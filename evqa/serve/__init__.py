"""`evqa serve`: a local HTTP API and a web page over one index.

The core never imports this subpackage; it needs the ``serve`` extra
(``pip install -e '.[serve]'``):

    holder.py   one Engine, swapped for a new one when the index's CURRENT generation moves
    app.py      the FastAPI application: JSON routes, errors, the page at /
    limits.py   request-body size limit (413) as plain ASGI middleware
    server.py   the uvicorn runner behind the `evqa serve` command
    static/     the page: plain HTML, CSS and JS, no build step, nothing from the internet
"""
