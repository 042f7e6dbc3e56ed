"""Notifications: subscriptions, the outbox the build writes, and delivery."""
