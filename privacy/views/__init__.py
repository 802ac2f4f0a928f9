"""The privacy app's pages, by subject: people's requests and the access log (``requests``),
retention policies and legal holds (``retention``)."""
