"""The task engines: one module per task, each the same shape.

Every engine exposes ``TASK`` (the registry task), ``HEAD`` (``heads.head_for(TASK)``), ``run(model, ...)``
(the endpoint's computation: a JSON-able dict, the tab's Raw output) and ``loss(model, ..., label)``
(the "compute the loss" button: the model called with labels, via ``demo.losses.run_with_labels``).
``encoding`` is what they share: max_input_tokens, encode() with its truncation notice, the token views.

A new task goes here as ``demo/tasks/<task>.py`` and gets a sub-tab in ``tabs/tasks/``.
"""
