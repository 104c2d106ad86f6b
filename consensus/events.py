"""What consensus announces; higher layers listen (connect in their AppConfig.ready()).

consensus_changed(sender=ConsensusLabel, chip_ids)
    sent inside the transaction that wrote or deleted consensus rows, with the chips those tasks belong to, so that
    summaries kept from them (export's ChipSummary) are updated in the same transaction: committed together or not
    at all. Receivers must be cheap per chip (a chip has 64 tasks).
"""
from django.dispatch import Signal

consensus_changed = Signal()
