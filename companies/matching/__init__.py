"""The partner-matching engine: numpy only, no Django (see engine.py for how it scores)."""

from companies.matching.corpus import Corpus, OrgRecord, ProfileRecord, build
from companies.matching.engine import ChunkResult, Engine, incremental_update
from companies.matching.params import Params

__all__ = ["ChunkResult", "Corpus", "Engine", "OrgRecord", "Params", "ProfileRecord", "build", "incremental_update"]
