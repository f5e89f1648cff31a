"""``chainrule playground``: a local page that trains a network live with the real engine.

``config`` (the settings and their ranges) → ``network`` (model, loss, optimizer, data) → ``session`` (one
tab's run: steps, rewind, history) → ``derive`` (the step shown, explained by ``chainrule.explain``) and
``export`` (model files, PyTorch code, safetensors); ``server`` is the Flask app, ``static/`` the page.
"""
