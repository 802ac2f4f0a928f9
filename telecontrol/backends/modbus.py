"""Modbus TCP through pymodbus 3.16's asyncio client.

Every read is bounded by the target's timeout as a whole (connect and request together), so a
silent or garbling device can never hold a check or a poll longer than that. Faults become an
outcome (``refused``, ``unreachable``, ``timeout``, ``device_error``, ``bad_reply``), never an
exception to the caller.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.utils import timezone
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from telecontrol.choices import CheckOutcome
from telecontrol.register_maps import ShortReplyError, registers_decode

from .base import ModbusBackend, ModbusFleet, ModbusTarget, Reading

logger = logging.getLogger(__name__)

EXCEPTION_NAMES = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "device failure",
    5: "acknowledge",
    6: "device busy",
    10: "gateway path unavailable",
    11: "gateway target failed to respond",
}


def _client(target: ModbusTarget) -> AsyncModbusTcpClient:
    # retries=0: the caller's deadline, not the library's retry loop, decides how long we wait.
    return AsyncModbusTcpClient(target.host, port=target.port, timeout=target.timeout, retries=0)


async def _diagnose(target: ModbusTarget) -> Reading:
    """pymodbus reports a failed connect as ``False`` without its cause; one plain connect
    tells a refused port from an unreachable host for the operator."""
    try:
        _reader, writer = await asyncio.open_connection(target.host, target.port)
    except ConnectionRefusedError:
        return Reading(CheckOutcome.REFUSED, error=f"connection refused by {target.host}:{target.port}")
    except OSError as exc:
        name = errno.errorcode.get(exc.errno or 0, "") if exc.errno else type(exc).__name__
        return Reading(CheckOutcome.UNREACHABLE, error=f"{target.host}:{target.port} unreachable ({name})")
    writer.close()
    return Reading(CheckOutcome.UNREACHABLE, error=f"{target.host}:{target.port} closed the connection")


async def _request(client: AsyncModbusTcpClient, target: ModbusTarget) -> Reading:
    register_map = target.register_map
    read = (
        client.read_input_registers if register_map.get("table") == "input" else client.read_holding_registers
    )
    try:
        reply = await read(register_map["start"], count=register_map["count"], device_id=target.unit_id)
    except ModbusException as exc:
        # pymodbus raises on a reply it cannot frame or when no reply came before its timeout.
        text = str(exc)
        outcome = CheckOutcome.TIMEOUT if "no response" in text.lower() else CheckOutcome.BAD_REPLY
        return Reading(outcome, error=text[:300])
    if reply.isError():
        code = getattr(reply, "exception_code", None)
        name = EXCEPTION_NAMES.get(code, "unknown") if isinstance(code, int) else "unknown"
        return Reading(CheckOutcome.DEVICE_ERROR, error=f"Modbus exception {code} ({name})")
    try:
        decoded = registers_decode(register_map, list(reply.registers))
    except ShortReplyError as exc:
        return Reading(CheckOutcome.BAD_REPLY, error=str(exc))
    return Reading(
        CheckOutcome.OK,
        active=decoded.active,
        anomaly=decoded.anomaly,
        out_of_service=decoded.out_of_service,
        alarm_code=decoded.alarm_code,
        measurements=decoded.measurements,
        observed_at=timezone.now(),
    )


async def _bounded(target: ModbusTarget, work: Callable[[], Awaitable[Reading]]) -> Reading:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(target.timeout):
            reading = await work()
    except TimeoutError:
        reading = Reading(CheckOutcome.TIMEOUT, error=f"no answer within {target.timeout:g} s")
    except (OSError, ModbusException, ValueError) as exc:
        reading = Reading(CheckOutcome.BAD_REPLY, error=f"{type(exc).__name__}: {exc}"[:300])
    reading.duration_ms = (time.perf_counter() - started) * 1000
    return reading


class PymodbusBackend(ModbusBackend):
    """Modbus TCP over pymodbus's ``AsyncModbusTcpClient``."""

    async def read(self, target: ModbusTarget) -> Reading:
        async def work() -> Reading:
            client = _client(target)
            try:
                if not await client.connect():
                    return await _diagnose(target)
                return await _request(client, target)
            finally:
                client.close()

        return await _bounded(target, work)

    def fleet(self) -> PymodbusFleet:
        return PymodbusFleet()


class PymodbusFleet(ModbusFleet):
    """One kept connection per plant: reconnecting every poll costs three times the read."""

    def __init__(self) -> None:
        self._clients: dict[Any, tuple[ModbusTarget, AsyncModbusTcpClient]] = {}

    async def read(self, key: Any, target: ModbusTarget) -> Reading:
        kept = self._clients.get(key)
        if kept is not None and kept[0] == target and kept[1].connected:
            # The steady state. On a connected client with retries=0, pymodbus bounds the one
            # request by the target's timeout itself, so no second timer per plant is needed.
            started = time.perf_counter()
            try:
                reading = await _request(kept[1], target)
            except (OSError, ValueError) as exc:
                reading = Reading(CheckOutcome.BAD_REPLY, error=f"{type(exc).__name__}: {exc}"[:300])
            reading.duration_ms = (time.perf_counter() - started) * 1000
        else:
            self._drop(key)
            reading = await _bounded(target, lambda: self._connect_and_read(key, target))
        if reading.outcome in (CheckOutcome.TIMEOUT, CheckOutcome.BAD_REPLY):
            # A late or garbled answer would be taken for the next request's: start afresh.
            self._drop(key)
        return reading

    async def _connect_and_read(self, key: Any, target: ModbusTarget) -> Reading:
        client = _client(target)
        if not await client.connect():
            client.close()
            return await _diagnose(target)
        self._clients[key] = (target, client)
        return await _request(client, target)

    def forget(self, key: Any) -> None:
        self._drop(key)

    def _drop(self, key: Any) -> None:
        kept = self._clients.pop(key, None)
        if kept is not None:
            kept[1].close()

    async def close(self) -> None:
        for key in list(self._clients):
            self._drop(key)
