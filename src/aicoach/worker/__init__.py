"""Background work: jobs, the durable outbox that causes them, and the processes that run them.

* ``jobs`` — :class:`~aicoach.worker.jobs.JobSpec` / ``JobContext`` (what a slice declares and a
  job receives) and their binding to Huey (``build_queue``);
* ``outbox`` — the ``outbox`` and ``job_runs`` tables, the writer a change calls in its own
  transaction, and the relay that hands rows to Huey; its docstring is the exactly-once contract;
* ``consumer`` — Huey's workers, the relay and the long-running processes, inside ``serve`` or as
  the ``aicoach worker`` process (one container and one event loop per process);
* ``processes`` — long-running parts of every consumer (the alert monitor goes here), declared
  in a manifest's ``processes``.
"""
