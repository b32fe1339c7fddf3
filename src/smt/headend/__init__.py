"""TDSP head-ends: the hub's port to the utilities' metering systems, and a simulator that
plays their meters (on-demand reads today; HAN messages later)."""
