"""Use cases on a session. No Qt. Every write goes through a service function, which owns its
transaction (:meth:`Ctx.write`), validates before writing and writes nothing on failure."""
