"""OpenTelemetry for the server: provider bootstrap from ``OTEL_*``, operation spans, Haystack spans, redaction."""
