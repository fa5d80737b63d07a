"""Long-running work (callbacks, campaigns): the starter interface the engine and API use to start and cancel it."""
