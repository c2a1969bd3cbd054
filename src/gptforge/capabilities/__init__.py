"""Built-in capabilities: toolsets that run on the server (code interpreter, browsing...)."""
