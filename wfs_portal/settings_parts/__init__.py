"""The parts of the settings, one module for each thing they configure; wfs_portal/settings.py
imports them all."""
