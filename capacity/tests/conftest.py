import pytest
import time_machine
from django.utils import timezone

from partnership.months import LONDON


@pytest.fixture
def mid_month():
    """The clock on the 15th of this month at noon in London, running: past the share of
    the month when under-use is judged on the month itself (before it, the previous month
    is judged, which tests about this month's rules do not want)."""
    now = timezone.now().astimezone(LONDON).replace(day=15, hour=12, minute=0, second=0)
    with time_machine.travel(now, tick=True):
        yield now
