"""The live app (``declineabm app``): a Solara page to watch a city decline and steer its causes.

The engine: :mod:`.settings` (what Reset builds, checked), :mod:`.experiment` (what a link
reproduces: the city, its counterfactuals, live changes, seeds), :mod:`.session` (a session's
models and the worker thread that steps them), :mod:`.frames` (the snapshots the page draws),
:mod:`.bands` (seeds in the background, through the batch executor), :mod:`.links` (the
experiment in the page's address), :mod:`.files` (downloads and uploads).

The page: :mod:`.page` (layout), :mod:`.catalogue` (what the page can change), :mod:`.citymap`
(map layers and the cell inspector), :mod:`.charts` (the four aspects of decline),
:mod:`.controller`, :mod:`.settings_panel`, :mod:`.compare` and :mod:`.downloads` (the side
panel), :mod:`.widgets` (the page's own browser widgets, in ``vue/``).

Serving: :mod:`.server` (Solara under uvicorn, behind a guard), started by
:mod:`declineabm.commands.app`.
"""
