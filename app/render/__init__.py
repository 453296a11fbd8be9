"""Server rendering: read pages answer with their content, rendered from the Reflex components.

The production build is React Router's with ``ssr: true`` (:mod:`app.render.plugin`); a bun
process serves renders from it (:mod:`app.render.server`); the backend computes each page's
state by running its load handlers without a websocket (:mod:`app.render.snapshot`) and
caches the HTML (:mod:`app.api.pages`). The browser hydrates the same markup from the same
state, so the components are the one source of every page's markup.
"""
