"""The headless subcommands of `moodtui`, one module each; moodtui/cli.py parses and dispatches."""
