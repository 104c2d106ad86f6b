from django.apps import AppConfig


class AnnotationConfig(AppConfig):
    name = "annotation"

    def ready(self):
        from lcnet_site.outbox.registry import register_handler

        from annotation import jobs

        register_handler(jobs.CHIP_MASKS, jobs.chip_masks)
