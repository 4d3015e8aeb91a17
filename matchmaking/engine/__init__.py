"""The partner-matching engine: numpy only, no Django (see engine.py for how it scores). Import from
the module that defines a name: corpus, engine, params, evaluation."""
