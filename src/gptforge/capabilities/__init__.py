"""Built-in capabilities: toolsets the platform offers beside HTTP actions."""
