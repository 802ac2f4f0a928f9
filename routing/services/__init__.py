"""The router's writes, by subject: routes (decisions and the queue), events (what the phone
system reports), operators (their console state), consults, rule sets and the catalogue."""
