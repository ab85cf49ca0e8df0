from django.apps import AppConfig


class CaseRecordConfig(AppConfig):
    name = "caserecord"
    verbose_name = "Probation case record"
