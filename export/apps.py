from django.apps import AppConfig


class ExportConfig(AppConfig):
    name = "export"

    def ready(self):
        from consensus.events import consensus_changed

        from export.summaries import on_consensus_changed

        # consensus announces which chips' consensus changed; export keeps its chip summaries from that
        consensus_changed.connect(on_consensus_changed, dispatch_uid="export.consensus_changed")
