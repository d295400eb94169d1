"""The composition root: what a process is built of, from :class:`~i23d.config.Settings`, in
one place.

- :mod:`i23d.runtime.engine`: the engine (``i23d generate``, every job runner);
- :mod:`i23d.runtime.services`: database, artifact store, session service, job runner and
  webhook deliverer (:class:`~i23d.runtime.services.Runtime`), and the schema upgrade
  (:func:`~i23d.runtime.services.migrate`), for the API's app factory, ``i23d worker`` and
  the Celery worker's pool processes.

Nothing here imports ``i23d.api``: a worker never loads the web framework. This package
package's ``__init__`` imports nothing, so ``i23d generate`` (which needs only the engine)
loads no database code.
"""
