"""The web studio: `movieagent studio` serves a local page to make a movie, edit its plan shot by shot and watch it.

Built on FastAPI + uvicorn with one hand-written static page (HTML, CSS and JavaScript, no build step,
nothing fetched from a CDN), rather than Gradio, because the studio must control exactly what it serves:
uploads are untrusted (movieagent/studio/uploads.py), only an allow-list of files inside a project's
folder is ever served, every answer carries a strict Content-Security-Policy, and the page needs live
render progress and edits that show up in every open tab, which a few small JSON endpoints do plainly.

    from movieagent.studio import create_app, serve
    serve(Path("out/studio"), host="127.0.0.1", port=7860)
"""

from movieagent.studio.app import create_app, serve

__all__ = ["create_app", "serve"]
