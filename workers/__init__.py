"""Dramatiq workers: one folder per area with its actors (`actors.py`: Dramatiq actors and `@reacts` reactions)
and the jobs they run (`jobs.py`: apart from Dramatiq, each opening its own transactions), and beside them the
plumbing every area shares.

    events/         `events.dispatch`, the outbox relay (also the reconciler), the writer of completed events
    webhooks/       deliveries: the fan-out reaction, `webhooks.deliver`, `webhooks.dispatch_due`
    notifications/  in-app notifications, their emails, the reminder scan
    scheduling/     debounced replans after task and calendar changes
    live/           live updates: the reaction and where its messages are published

    broker.py       the broker and ACTOR_MODULES        runtime.py      the database for actors
    attempts.py     the attempt cap (crashes count)     maintenance.py  dead workers' messages requeued
    dead_letters.py recorded, replayed and discarded    queues.py       the broker's figures per queue
    main.py         the module `rhythm worker` runs     inprocess.py    jobs inside the API process
"""
