"""gptforge: self-hostable custom GPTs with Actions."""

from gptforge.errors import GptforgeError

__version__ = "0.1.0"
__all__ = ["GptforgeError", "__version__"]
