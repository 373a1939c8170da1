"""The knowledge base around its pages: configuration, files, URLs, the build date, the library in memory."""
