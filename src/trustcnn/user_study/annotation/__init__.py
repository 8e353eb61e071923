"""The annotation task (explanatory interactive learning): people mark, on training images
shown with a model's map, what the model should not use (or the object it should use).

- :mod:`.package` — which images (:mod:`.sample`: random, outside the object, suspicious;
  stratified, seeded), blinded into a package like the user study's, and its key;
- :mod:`.web` — the pages (``trustcnn study serve --task annotate``): a grid of cells to tick,
  without JavaScript and by keyboard, and a brush where JavaScript runs;
- :mod:`.store` — the marks in the study's SQLite store; :mod:`.marks` — ``read_marks``, the
  marks as :class:`trustcnn.data.marks.Mark`;
- :mod:`.grid` — cells and brush as pixels.

Importing this package (and the server) loads neither torch nor the data sources.
"""
