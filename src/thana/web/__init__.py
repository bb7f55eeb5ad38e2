"""The web edge: JSON API, Open311, webhooks, and server-rendered pages."""
