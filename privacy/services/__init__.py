"""The privacy app's writes, by subject: people's requests (``requests``), the access log
(``access_log``); retention and legal holds (``retention``)."""
