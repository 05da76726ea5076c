"""Reading images lazily and writing outputs atomically, chunk by chunk."""
