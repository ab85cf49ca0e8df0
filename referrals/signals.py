"""What referrals announces for other apps to act on, without knowing who listens
(DESIGN, Architecture: apps further along, like capacity, depend on referrals, never the
other way)."""

from django.dispatch import Signal

# A service's demand changed: a referral to it was sent or withdrawn. Sent inside the
# change's transaction, so that a receiver's writes commit or roll back with it; arguments
# `service_id` and `period`, the month the referral was sent in as "YYYY-MM" (London).
referral_demand_changed = Signal()

# An entry was added to a referral's timeline (`ReferralEvent`). Sent inside the change's
# transaction, so a receiver's records (a change feed, webhook deliveries) commit or roll
# back with it; argument `event`.
referral_event_recorded = Signal()
