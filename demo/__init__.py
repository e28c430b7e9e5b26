"""The engine of Transformers Classroom: plain Python, never imports gradio.

Every public function takes plain data and returns JSON-able dicts; expected
failures are raised as :class:`demo.errors.DemoError` subclasses whose message
tells the user how to fix the problem.
"""
