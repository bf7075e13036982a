"""The live app (``declineabm app``): a Solara page to watch a city decline and steer its causes.

Kept out of the model package: :mod:`declineabm.commands.app` finds this folder (beside ``src/``
in a checkout, ``declineabm/_viz`` in a wheel) and imports it as ``declineabm_viz``.

Modules: ``app`` (the page), ``live`` (a session's city and the thread that steps it),
``catalogue`` (what the page can change), ``citymap`` (map layers), ``charts`` (the four
aspects of decline), ``controller``, ``settings_panel``, ``compare`` and ``downloads`` (the
sidebar's panels).
"""
