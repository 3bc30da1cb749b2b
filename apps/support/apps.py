from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "apps.support"
    label = "support"
    verbose_name = "Support desk"

    def ready(self):
        # Notifications sits below the support desk: the desk lends it the sender of the
        # helpdesk write-backs its escalations queue.
        from apps.notifications.choices import HELPDESK_KIND
        from apps.notifications.senders import register_sender

        from .helpdesks.writeback import write_back_load, write_back_send

        register_sender(HELPDESK_KIND, write_back_send, load=write_back_load)
