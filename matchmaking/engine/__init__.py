"""The partner-matching engine: numpy only, no Django (see engine.py for how it scores). Import from
the module that defines a name: vocabulary, records, arrays, corpus, prefilter, scoring,
reason_flags, engine, params, evaluation."""
