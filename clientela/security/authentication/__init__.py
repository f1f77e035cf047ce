"""Logging in: throttling, two-factor codes, login history, session tracking and idle timeout."""
