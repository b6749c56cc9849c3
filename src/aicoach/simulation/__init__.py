"""The simulated market's engine: universe, session grid, daily paths, intraday paths and
option surfaces. Used by ``aicoach.simulation.provider``."""
