import signal
import threading


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM, so a service loop finishes its batch and exits."""
    stop = threading.Event()

    def handle(signum, frame):
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop
