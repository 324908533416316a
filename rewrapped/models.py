from django.db import models


class ApiCallLog(models.Model):
    """One call we made to an outside service (or answered from cache), for ops and rate-limit tuning."""

    service = models.CharField(max_length=20)
    method = models.CharField(max_length=8)
    endpoint = models.CharField(max_length=300, help_text="Path without query string.")
    status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty when the network failed.")
    latency_ms = models.PositiveIntegerField(default=0)
    cache_hit = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["service", "-created_at"])]
        # A row is one call; the admin lists them as the log they make.
        verbose_name = "API call"
        verbose_name_plural = "API call log"

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.endpoint} → {self.status}"
