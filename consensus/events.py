"""What consensus announces; higher layers listen (connect in their AppConfig.ready()).

consensus_changed(sender=ConsensusLabel, chip_ids, rows=None)
    sent inside the transaction that wrote or deleted consensus rows, with the chips those tasks belong to, so that
    summaries kept from them (export's ChipSummary) are updated in the same transaction: committed together or not
    at all. Receivers must be cheap per chip (a chip has 64 tasks). `rows` (optional): {task id: (label, score,
    mean_score)} of the rows just written, as stored, so that a receiver reads from the database only the chips'
    other rows (a re-weigh writes thousands at once).
"""
from django.dispatch import Signal

consensus_changed = Signal()
