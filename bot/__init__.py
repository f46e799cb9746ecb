"""Credits Bot: the application (config, services, scheduler, app factory, CLI)."""
