"""Recompute the history's hash chains and report the first tampered row (exit status 1)."""

from django.core.management.base import BaseCommand, CommandError

from dispatch.selectors import history_verify


class Command(BaseCommand):
    help = "Verify the hash chains of the call and intervention history; exit 1 at the first tampered row."

    def handle(self, *args, **options):
        result = history_verify()
        first = result.first_problem
        if first is None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"History intact: {result.events} events in {result.chains} chains verified."
                )
            )
            return
        where = f"event id {first.event_id}" if first.event_id else "no event"
        for problem in sorted(result.problems, key=lambda p: p.event_id)[:20]:
            self.stderr.write(
                f"  {problem.subject} seq {problem.seq} (event id {problem.event_id}): {problem.reason}"
            )
        raise CommandError(
            f"History TAMPERED: {len(result.problems)} problem(s) in {result.events} events; first: {where}, "
            f"{first.subject} seq {first.seq}: {first.reason}"
        )
