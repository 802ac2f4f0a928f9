"""A Modbus backend for unit tests: answers a preset reading, counts the reads."""

from telecontrol.backends.base import ModbusBackend, ModbusFleet, ModbusTarget, Reading
from telecontrol.choices import CheckOutcome


class FakeModbusBackend(ModbusBackend):
    reading = Reading(CheckOutcome.OK, active=True, anomaly=False, out_of_service=False)
    targets: list[ModbusTarget] = []

    async def read(self, target: ModbusTarget) -> Reading:
        FakeModbusBackend.targets.append(target)
        return Reading(**{**FakeModbusBackend.reading.__dict__})

    def fleet(self) -> ModbusFleet:
        backend = self

        class Fleet(ModbusFleet):
            async def read(self, key, target):
                return await backend.read(target)

            async def close(self):
                return None

        return Fleet()
