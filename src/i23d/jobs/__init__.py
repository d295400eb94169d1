"""Job dispatch: the database holds every job; workers claim, run and finish them."""
