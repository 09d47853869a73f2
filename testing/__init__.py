"""Helpers the tests of every app share; imported by tests only, never by the portal itself."""
