"""List the history's monthly partitions; ``--ensure`` first creates the months ahead (as the beat
task ``history-partitions`` does)."""

from django.core.management.base import BaseCommand, CommandParser

from dispatch import services
from dispatch.partitions import history_partition_list, history_partitioned


class Command(BaseCommand):
    help = "List the history's monthly partitions (PostgreSQL); --ensure creates the months ahead first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ensure", action="store_true", help="create the missing months ahead first")
        parser.add_argument(
            "--months-ahead",
            type=int,
            default=None,
            help="with --ensure: months ahead of this one (default: PRONTO_HISTORY_PARTITION_MONTHS_AHEAD)",
        )

    def handle(self, *args, ensure: bool, months_ahead: int | None, **options) -> None:
        if not history_partitioned():
            self.stdout.write("The history table is not partitioned here (PostgreSQL only): nothing to do.")
            return
        if ensure:
            created = services.history_partitions_ensure(months_ahead=months_ahead)
            self.stdout.write(f"Created: {', '.join(created) if created else 'none (all there)'}")
        for partition in history_partition_list():
            rows = (
                "not analysed yet" if partition.rows_estimate is None else f"~{partition.rows_estimate} rows"
            )
            if partition.start is None or partition.end is None:
                span = "DEFAULT (rows no month partition takes)"
            else:
                span = f"{partition.start:%Y-%m-%d} .. {partition.end:%Y-%m-%d} UTC"
            self.stdout.write(f"{partition.name}\t{span}\t{rows}")
