"""In-app notifications and e-mail, delivered from an outbox; subscriptions and digests."""
