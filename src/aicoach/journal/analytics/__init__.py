"""The journal's analytics: a pure, vectorised core (trades in, numbers out), no I/O."""
