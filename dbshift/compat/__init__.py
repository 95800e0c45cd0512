"""Other tools' projects and histories, read and run by dbshift; nothing in the core imports this."""
