"""A throw-away area that exists only for the tests: it plugs into every registry of the
lower layers through its own files, as a new area would (``test_areas_plug_in.py``)."""
