"""What outlives a process: the database (models, engine, migrations, row helpers) and the queue.

Imports only `config`; the web app, the CLI and the workers all build on it.
"""
